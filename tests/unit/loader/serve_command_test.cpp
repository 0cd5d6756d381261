// `boltload serve`: its flags fill the server options, --help names every flag with its default,
// and run_serve prints the address, serves, and stops on SIGTERM with exit code 0.
#include <gtest/gtest.h>

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <mutex>
#include <condition_variable>
#include <optional>
#include <sstream>
#include <thread>

#include "bolt/driver.hpp"
#include "boltload/serve_command.hpp"

namespace {

struct parsed {
    boltload::serve_options options;
    std::function<int()> action;
};

parsed parse(std::vector<std::string> args) {
    parsed p;
    CLI::App app{"boltload"};
    boltload::add_serve_command(app, p.options, p.action);
    args.insert(args.begin(), "serve");
    std::reverse(args.begin(), args.end());
    app.parse(args);
    return p;
}

TEST(ServeCommand, DefaultsAreMemgraphLike) {
    auto p = parse({});
    EXPECT_EQ(p.options.server.listen, "127.0.0.1:7687");
    EXPECT_EQ(p.options.server.storage.mode, server::storage::storage_mode::in_memory_transactional);
    EXPECT_EQ(p.options.server.storage.edge_rule, server::storage::edge_creation_rule::sequential);
    EXPECT_FALSE(p.options.server.connection.faults.any());
    EXPECT_TRUE(p.action);
}

TEST(ServeCommand, FlagsFillTheOptions) {
    auto p = parse({"--listen", "0.0.0.0:9999", "--storage-mode", "IN_MEMORY_ANALYTICAL",
                    "--edge-rule", "non_sequential", "--threads", "3", "--idle-timeout", "2.5",
                    "--fault-seed", "9", "--fault-transient-probability", "0.25",
                    "--fault-latency-ms", "5", "--fault-drop-after", "10",
                    "--fault-drop-probability", "0.01", "--fault-stall-after", "4",
                    "--fault-stall-ms", "300", "--user", "alice", "--password", "pw"});
    const auto& s = p.options.server;
    EXPECT_EQ(s.listen, "0.0.0.0:9999");
    EXPECT_EQ(s.storage.mode, server::storage::storage_mode::in_memory_analytical);
    EXPECT_EQ(s.storage.edge_rule, server::storage::edge_creation_rule::non_sequential);
    EXPECT_EQ(s.threads, 3u);
    EXPECT_EQ(s.connection.limits.idle_timeout, std::chrono::milliseconds(2500));
    const auto& f = s.connection.faults;
    EXPECT_EQ(f.seed, 9u);
    EXPECT_DOUBLE_EQ(f.transient_error_probability, 0.25);
    EXPECT_EQ(f.latency_ms, 5u);
    EXPECT_EQ(f.drop_after_messages, 10u);
    EXPECT_DOUBLE_EQ(f.drop_probability, 0.01);
    EXPECT_EQ(f.stall_after_messages, 4u);
    EXPECT_EQ(f.stall_ms, 300u);
    EXPECT_EQ(p.options.user, "alice");
}

TEST(ServeCommand, BadValuesAreRefused) {
    EXPECT_THROW(parse({"--storage-mode", "on_disk"}), CLI::ParseError);
    EXPECT_THROW(parse({"--fault-transient-probability", "1.5"}), CLI::ParseError);
    EXPECT_THROW(parse({"--tls-cert", "/etc/hostname"}), CLI::ParseError);  // needs --tls-key
}

TEST(ServeCommand, HelpNamesEveryFlagAndDefault) {
    CLI::App app{"boltload"};
    boltload::serve_options o;
    std::function<int()> action;
    boltload::add_serve_command(app, o, action);
    const std::string help = app.get_subcommand("serve")->help();
    for (const char* flag :
         {"--listen", "--tls-cert", "--tls-key", "--storage-mode", "--edge-rule", "--threads",
          "--max-connections", "--idle-timeout", "--fault-seed", "--fault-transient-probability",
          "--fault-latency-ms", "--fault-drop-after", "--fault-drop-probability",
          "--fault-stall-after", "--fault-stall-ms", "127.0.0.1:7687", "in_memory_transactional"})
        EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

// A stream that hands the first line written to it to a waiting thread.
class line_capture : public std::stringbuf {
public:
    std::string wait_line() {
        std::unique_lock lock(m_);
        cv_.wait_for(lock, std::chrono::seconds(20), [&] { return line_.has_value(); });
        return line_.value_or("");
    }

protected:
    int sync() override {
        std::lock_guard lock(m_);
        const auto s = str();
        if (!line_ && s.find('\n') != std::string::npos) line_ = s.substr(0, s.find('\n'));
        cv_.notify_all();
        return 0;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::optional<std::string> line_;
};

TEST(ServeCommand, PrintsTheAddressServesAndStopsOnSigterm) {
    boltload::serve_options o;
    o.server.listen = "127.0.0.1:0";
    o.server.threads = 1;
    line_capture buf;
    std::ostream out(&buf);
    std::ostringstream err;
    const pthread_t serving = pthread_self();
    std::string error;
    std::thread client([&] {
        const auto line = buf.wait_line();
        const std::string prefix = "listening on bolt://127.0.0.1:";
        if (!line.starts_with(prefix) || line.size() == prefix.size()) {
            error = "unexpected first line: " + line;
        } else {
            try {
                bolt::driver d(line.substr(std::string("listening on ").size()));
                d.verify_connectivity();
            } catch (const std::exception& e) {
                error = e.what();
            }
        }
        pthread_kill(serving, SIGTERM);  // run_serve's thread waits for it in sigwait
    });
    const int code = boltload::run_serve(o, out, err);
    client.join();
    EXPECT_EQ(code, 0);
    EXPECT_EQ(error, "");
    EXPECT_NE(err.str().find("SIGTERM"), std::string::npos);
}

TEST(ServeCommand, CannotStartExitsThree) {
    boltload::serve_options o;
    o.server.listen = "not-an-address";
    std::ostringstream out, err;
    EXPECT_EQ(boltload::run_serve(o, out, err), 3);
    EXPECT_NE(err.str().find("not-an-address"), std::string::npos);
}

}  // namespace
