#!/usr/bin/env bash
# ctest install_deb_package: `cpack -G DEB` of this build (no rebuild: the build is up to date),
# then the .deb's Depends (from dpkg-shlibdeps) must name the C++ runtime and OpenSSL that
# boltload links, and the package extracted with `dpkg -x` must run --version and an embedded
# import from its own files.
# Usage: deb_test.sh BUILD_DIR CPACK
source "$(dirname "$0")/common.sh"
build=$1 cpack=$2

(cd "$build" && timeout 240 "$cpack" -G DEB -B "$scratch/package" >"$scratch/cpack.log" 2>&1) ||
  { cat "$scratch/cpack.log"; fail "cpack -G DEB"; }
debs=("$scratch"/package/*.deb)
[ "${#debs[@]}" = 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb, got: ${debs[*]}"
deb=${debs[0]}
echo "package: $(basename "$deb")"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
[ -n "$depends" ] || fail "empty Depends"
dpkg -x "$deb" "$scratch/root"
# Every shared library the packaged executables load (ldd) belongs to a package in Depends.
root=$scratch/root/usr
libs=$(ldd "$root/bin/boltload" "$root/libexec/boltload/boltload-worker" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
for lib in $libs; do
  owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null) ||
    fail "no package owns $lib"
  pkg=${owner%%:*}
  [[ ", $depends," == *", $pkg "* || ", $depends," == *", $pkg,"* ]] || fail "Depends does not name $pkg (for $lib)"
done
for pkg in libstdc++6 libssl3; do
  [[ $depends == *"$pkg"* ]] || fail "Depends does not name $pkg"
done
check_version "$scratch/root/usr"
check_embedded_import "$scratch/root/usr"
echo "install_deb_package: passed"
