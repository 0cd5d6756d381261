// Running the real `boltload` executable from a test: a child process in a temp dir, its stdout
// and stderr in files, waited for with a bound; and an in-process server to import into.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bolt/driver.hpp"
#include "server/bolt/server.hpp"
#include "temp_dir.hpp"

namespace boltload::testing {

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(read_file(p)); }

/// A running `boltload` process; its stdout and stderr go to files in the temp dir.
struct boltload_child {
    pid_t pid = -1;
    std::filesystem::path out, err;
    int wait_exit(std::chrono::seconds limit = std::chrono::seconds(120)) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                ADD_FAILURE() << "boltload did not finish in " << limit.count() << " s";
                return -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::string stdout_text() const { return read_file(out); }
    std::string stderr_text() const { return read_file(err); }
};

/// Starts `bin_dir/boltload args...` in `dir`, with `env` (NAME=value) added to the environment.
inline boltload_child start_boltload_in(const std::filesystem::path& bin_dir, const temp_dir& dir,
                                        std::vector<std::string> args, const std::string& tag = "run",
                                        std::vector<std::string> env = {}) {
    boltload_child c;
    c.out = dir.path / (tag + ".out");
    c.err = dir.path / (tag + ".err");
    const std::string exe = (bin_dir / "boltload").string();
    args.insert(args.begin(), exe);
    c.pid = ::fork();
    if (c.pid == 0) {
        const int o = ::open(c.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(c.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(o, 1);
        ::dup2(e, 2);
        if (::chdir(dir.path.c_str()) != 0) ::_exit(126);
        for (auto& v : env) ::putenv(v.data());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(exe.c_str(), argv.data());
        ::_exit(127);
    }
    return c;
}

/// The in-process server the imports write to, and a client to count with.
struct counting_server {
    server::bolt::server srv;
    std::optional<bolt::driver> client;

    explicit counting_server(server::bolt::fault_options faults = {},
                             server::storage::storage_mode mode = server::storage::storage_mode::in_memory_transactional)
        : srv(options(faults, mode)) {
        srv.start();
        client.emplace(srv.uri());
    }
    static server::bolt::server_options options(server::bolt::fault_options faults,
                                                server::storage::storage_mode mode) {
        server::bolt::server_options o;
        o.listen = "127.0.0.1:0";
        o.threads = 4;
        o.storage.mode = mode;
        o.connection.faults = faults;
        return o;
    }
    std::int64_t count(const std::string& query) {
        auto r = client->execute_query(query);
        return r.records.at(0)[0].as<std::int64_t>();
    }
    std::string uri() const { return srv.uri(); }
};

}  // namespace boltload::testing
