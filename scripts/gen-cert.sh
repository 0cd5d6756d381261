#!/usr/bin/env bash
# Makes a self-signed certificate and key for tests, the embedded server and bolt+ssc:// URIs.
# Usage: scripts/gen-cert.sh OUT_DIR [CN]    -> OUT_DIR/cert.pem, OUT_DIR/key.pem
# subjectAltName: DNS:localhost, IP:127.0.0.1 (and DNS:CN when CN is another name). Valid 825 days.
# To verify it (bolt+s:// with a CA file), trust cert.pem itself: it is its own CA.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 OUT_DIR [CN]" >&2
  exit 2
fi
out=$1
cn=${2:-localhost}
if ! [[ $cn =~ ^[A-Za-z0-9.*_-]+$ ]]; then
  echo "$0: CN must be a host name (letters, digits, '.', '-', '_', '*'), got '$cn'" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "$0: the openssl command is not installed" >&2; exit 1; }

san="DNS:localhost,IP:127.0.0.1"
if [ "$cn" != localhost ]; then
  if [[ $cn =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then
    if [ "$cn" != 127.0.0.1 ]; then san="$san,IP:$cn"; fi
  else
    san="$san,DNS:$cn"
  fi
fi

mkdir -p "$out"
umask 077  # the key is a secret, even a test one
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -days 825 \
  -subj "/CN=$cn" \
  -addext "subjectAltName=$san" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" \
  -addext "extendedKeyUsage=serverAuth" \
  -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
chmod 644 "$out/cert.pem"
echo "wrote $out/cert.pem and $out/key.pem (CN=$cn, $san)"
