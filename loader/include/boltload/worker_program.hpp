// Where boltload finds the boltload-worker executable it starts for each phase.
#pragma once

#include <filesystem>
#include <string_view>

namespace boltload {

/// The boltload-worker to start: $BOLTLOAD_WORKER when it is set and not empty (tests, unusual
/// layouts), else boltload-worker beside this executable (a build tree: build/bin/), else
/// ../libexec/boltload/boltload-worker from it (an installed tree, `cmake --install` or the .deb).
/// Throws std::runtime_error, naming the places it looked, when there is no such file.
std::filesystem::path worker_program();

/// The same lookup for a given $BOLTLOAD_WORKER value (empty: unset) and path of boltload itself.
std::filesystem::path worker_program(std::string_view override_path,
                                     const std::filesystem::path& self);

}  // namespace boltload
