// Where boltload finds boltload-worker: the environment's override, else beside boltload (the
// build tree), else the GNU libexec layout of an installed tree. Checked here, so a missing
// worker is reported with the places looked at rather than as a failed process launch.
#include "boltload/worker_program.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

namespace boltload {
namespace {

constexpr std::string_view worker_name = "boltload-worker";

bool is_file(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

}  // namespace

std::filesystem::path worker_program(std::string_view override_path,
                                     const std::filesystem::path& self) {
    if (!override_path.empty()) {
        std::filesystem::path p(override_path);
        if (!is_file(p))
            throw std::runtime_error(fmt::format("BOLTLOAD_WORKER={}: no such file", p.string()));
        return p;
    }
    const std::filesystem::path dir = self.parent_path();
    // bin/boltload beside its worker (a build tree), or bin/boltload and
    // libexec/boltload/boltload-worker under one prefix (GNUInstallDirs).
    const std::array candidates{
        dir / worker_name, (dir / ".." / "libexec" / "boltload" / worker_name).lexically_normal()};
    for (const auto& c : candidates)
        if (is_file(c)) return c;
    throw std::runtime_error(
        fmt::format("boltload-worker not found in {} or {}; set BOLTLOAD_WORKER to its path",
                    candidates[0].string(), candidates[1].string()));
}

std::filesystem::path worker_program() {
    const char* env = std::getenv("BOLTLOAD_WORKER");
    if (env && *env) return worker_program(env, {});
    // The executable's real location: a symlink to boltload (/usr/local/bin/boltload pointing
    // into /opt/boltload/bin) still finds the worker installed beside the real file.
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw std::runtime_error(
            "cannot tell where boltload is (/proc/self/exe: " + ec.message() +
            "), so not where boltload-worker is; set BOLTLOAD_WORKER to its path");
    return worker_program("", self);
}

}  // namespace boltload
