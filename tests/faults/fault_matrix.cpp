// The fault matrix: each fault against a `boltload serve` process on 127.0.0.1, for a CREATE phase
// (not idempotent) and a MERGE phase (idempotent: true) of 60,000 generated nodes, checked in the
// database afterwards. Pass rule:
//   MERGE:  the database holds exactly the input, and the report says every row committed;
//   CREATE: no id twice; rows in the database == rows committed + the rows of unknown-outcome
//           batches that did commit (read back from the .unknown file); committed + failed +
//           unknown + bad + not attempted == input; exit codes as the README says.
// Usage: fault_matrix [FAULT...]   (no argument: every fault). Prints the table (Markdown); exits
// 1 when a cell breaks the rule. ctest runs one fault per test (label `faults`).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bolt/driver.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using boltload::testing::temp_dir;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// BOLTLOAD_BIN_DIR in the environment runs another build's boltload (e.g. an older commit, to
/// see the matrix fail where it used to).
const fs::path bin_dir = std::getenv("BOLTLOAD_BIN_DIR") ? std::getenv("BOLTLOAD_BIN_DIR") : BOLTLOAD_BIN_DIR;
constexpr std::int64_t input_rows = 60'000;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}


/// A free port on 127.0.0.1 (bound and released: good enough for one test process).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// ---- processes ---------------------------------------------------------------------------------

/// A child process in its own process group, stdout and stderr to files.
struct process {
    pid_t pid = -1;
    fs::path out, err;

    static process start(std::vector<std::string> args, const fs::path& dir, const std::string& tag) {
        process p;
        p.out = dir / (tag + ".out");
        p.err = dir / (tag + ".err");
        p.pid = ::fork();
        if (p.pid == 0) {
            ::setpgid(0, 0);
            const int o = ::open(p.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int e = ::open(p.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(o, 1);
            ::dup2(e, 2);
            if (::chdir(dir.c_str()) != 0) ::_exit(126);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::setpgid(p.pid, p.pid);
        return p;
    }

    /// The exit code (128 + signal when killed); kills it and returns -1 past the limit.
    int wait(std::chrono::seconds limit = 180s) {
        const auto deadline = clock_type::now() + limit;
        int status = 0;
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (clock_type::now() > deadline) {
                ::kill(-pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                return -1;
            }
            std::this_thread::sleep_for(10ms);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
};

/// Pids of live boltload-worker processes whose parent is `parent`.
std::vector<pid_t> workers_of(pid_t parent) {
    std::vector<pid_t> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(e.path() / "stat");
        std::string pid, comm, state;
        pid_t ppid = 0;
        if (!(stat >> pid >> comm >> state >> ppid)) continue;
        if (ppid == parent && state != "Z" && comm.find("boltload-worke") != std::string::npos) out.push_back(std::stoi(pid));
    }
    return out;
}

/// Reaps orphaned workers (this process is their subreaper) until none of `pids` is left.
bool wait_gone(const std::vector<pid_t>& pids, std::chrono::seconds limit = 60s) {
    const auto deadline = clock_type::now() + limit;
    for (;;) {
        for (pid_t p : pids) ::waitpid(p, nullptr, WNOHANG);  // never the coordinator's own exit
        bool any = false;
        for (pid_t p : pids) any |= ::kill(p, 0) == 0;
        if (!any) return true;
        if (clock_type::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

/// `boltload serve` on 127.0.0.1.
struct server {
    process proc;
    std::string uri;
    int port = 0;

    static server start(const fs::path& dir, std::vector<std::string> faults, int port = 0) {
        server s;
        std::vector<std::string> args{(bin_dir / "boltload").string(), "serve", "--listen",
                                      fmt::format("127.0.0.1:{}", port), "--threads", "2",
                                      "--fault-latency-ms", "15"};
        args.insert(args.end(), faults.begin(), faults.end());
        s.proc = process::start(args, dir, fmt::format("server-{}", port));
        for (int i = 0; i < 500 && s.uri.empty(); ++i) {
            const std::string out = read_file(s.proc.out);
            if (const auto at = out.find("bolt://"); at != std::string::npos && out.find('\n', at) != std::string::npos) {
                s.uri = out.substr(at, out.find('\n', at) - at);
                s.port = std::stoi(s.uri.substr(s.uri.rfind(':') + 1));
            }
            std::this_thread::sleep_for(10ms);
        }
        if (s.uri.empty()) throw std::runtime_error("boltload serve did not start: " + read_file(s.proc.err));
        return s;
    }
    void stop() {
        if (proc.pid <= 0) return;
        ::kill(proc.pid, SIGTERM);
        proc.wait(30s);
        proc.pid = -1;
    }
    ~server() { stop(); }
};

// ---- a relay standing for a server that dies and comes back on the same port -------------------

/// Forwards 127.0.0.1:port to the server. Stopping it resets every connection and refuses new
/// ones, as a killed server does; starting it again on the same port is the server coming back.
/// (The embedded server keeps no data across a real restart; Memgraph with its WAL would.)
class relay {
public:
    relay(int port, int target) : port_(port), target_(target) {}
    ~relay() { stop(); }

    void start() {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a = loopback(port_);
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_, 64) != 0)
            throw std::runtime_error(fmt::format("relay: cannot listen on {}: {}", port_, std::strerror(errno)));
        running_ = true;
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    void stop() {
        if (!running_) return;
        running_ = false;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        acceptor_.join();
        {
            std::lock_guard lock(mutex_);
            for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
        }
        for (auto& t : pumps_) t.join();
        pumps_.clear();
        std::lock_guard lock(mutex_);
        for (int fd : sockets_) ::close(fd);
        sockets_.clear();
    }

private:
    static sockaddr_in loopback(int port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return a;
    }

    void accept_loop() {
        while (running_) {
            const int client = ::accept(listener_, nullptr, nullptr);
            if (client < 0) return;
            const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a = loopback(target_);
            if (::connect(upstream, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                ::close(client);
                ::close(upstream);
                continue;
            }
            std::lock_guard lock(mutex_);
            sockets_.push_back(client);
            sockets_.push_back(upstream);
            pumps_.emplace_back([client, upstream] { pump(client, upstream); });
        }
    }

    static void pump(int a, int b) {
        char buf[65536];
        pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        for (;;) {
            if (::poll(fds, 2, 1000) < 0) return;
            for (int i = 0; i < 2; ++i) {
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n <= 0) {
                    ::shutdown(a, SHUT_RDWR);
                    ::shutdown(b, SHUT_RDWR);
                    return;
                }
                const int to = fds[1 - i].fd;
                for (ssize_t done = 0; done < n;) {
                    const ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(n - done));
                    if (w <= 0) return;
                    done += w;
                }
            }
        }
    }

    int port_, target_;
    int listener_ = -1;
    std::atomic<bool> running_{false};
    std::thread acceptor_;
    std::vector<std::thread> pumps_;
    std::mutex mutex_;
    std::vector<int> sockets_;
};

// ---- one cell ----------------------------------------------------------------------------------

enum class kind { create, merge };

struct cell {
    std::string fault;
    kind phase;
    std::vector<int> exits;  ///< each boltload run's exit code, in order
    std::int64_t in_db = -1, distinct = -1;
    std::int64_t committed = 0, failed = 0, unknown = 0, unknown_in_db = 0, not_attempted = 0, input = 0;
    std::int64_t replayed = 0;
    std::vector<std::string> problems;
};

struct fault_spec {
    std::string name;
    std::string what;  ///< for the table
    std::vector<std::string> server_faults;
    std::string connection_extra;  ///< YAML lines under connection:
    std::string source;            ///< "generate" (default), "empty-csv", "header-csv"
    /// Runs the import(s) against the server at `uri`; returns the exit code of each run.
    std::function<std::vector<int>(const fs::path& dir, server& srv, cell& c)> drive;
};

std::string config_text(const std::string& uri, kind k, const fault_spec& f) {
    const bool merge = k == kind::merge;
    std::string source = "      generate: {entity: nodes, count: " + std::to_string(input_rows) + "}\n";
    if (f.source == "empty-csv" || f.source == "header-csv")
        source = "      csv:\n        path: input.csv\n        columns: [{name: id, type: int}]\n";
    return "connection:\n  uri: " + uri + "\n" + f.connection_extra +
           "before: 'CREATE INDEX ON :N(id)'\n"
           "phases:\n"
           "  - name: nodes\n"
           "    source:\n" + source +
           "    chunk_rows: 2000\n"
           "    query: \"UNWIND $batch AS row " + (merge ? "MERGE" : "CREATE") + " (:N {id: row.id})\"\n"
           "    batch_size: 200\n"
           "    workers: 4\n" +
           (merge ? "    idempotent: true\n" : "") +
           "    max_failed_batches: 100000\n"
           "    retry: {kind: memgraph, max_retries: 400, initial_wait_time: 0.02, backoff_factor: 1.1, jitter: 0.1}\n";
}

process start_import(const fs::path& dir, const std::string& tag, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{(bin_dir / "boltload").string(), "import", "c.yaml", "--quiet", "--report", "r.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return process::start(args, dir, tag);
}

/// The number of :N nodes, through a fresh driver (the server may have been restarted).
std::int64_t count(const std::string& uri, const std::string& query) {
    bolt::driver d(uri);
    return d.execute_query(query).records.at(0)[0].as<std::int64_t>();
}

/// Waits until the database holds at least `rows` :N nodes (or the run ended); true when reached.
bool wait_for_rows(const std::string& uri, process& p, std::int64_t rows) {
    const auto deadline = clock_type::now() + 120s;
    while (clock_type::now() < deadline) {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(p.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0)
            return false;  // it ended (not reaped: wait() still reads its exit code)
        try {
            if (count(uri, "MATCH (n:N) RETURN count(n)") >= rows) return true;
        } catch (const bolt::error&) {
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

void expect(cell& c, bool ok, const std::string& what) {
    if (!ok) c.problems.push_back(what);
}

/// The whole-import figures of the last report, and the rows of unknown batches that committed.
void read_outcome(const fs::path& dir, const std::string& uri, cell& c) {
    const fs::path report = dir / "r.json";
    if (!fs::exists(report)) return expect(c, false, "no report");
    const auto r = nlohmann::json::parse(read_file(report));
    // value(): a report of an older build lacks the accounting keys, and then fails the rule.
    c.committed = r.value("rows_committed", std::int64_t{0});
    c.failed = r.value("rows_failed", std::int64_t{0});
    c.unknown = r.value("rows_unknown", std::int64_t{0});
    c.not_attempted = r.value("rows_not_attempted", std::int64_t{0});
    c.input = r.value("rows_input", std::int64_t{-1});
    c.replayed = r.value("batches_replayed", std::int64_t{0});
    expect(c, c.committed + c.failed + c.unknown + r.value("rows_bad", std::int64_t{0}) + c.not_attempted == c.input,
           "committed + failed + unknown + bad + not attempted != input");
    bolt::list ids;
    std::ifstream unknown(dir / "nodes.dead-letter.jsonl.unknown");
    for (std::string line; std::getline(unknown, line);)
        if (!line.empty()) ids.emplace_back(nlohmann::json::parse(line).at("id").get<std::int64_t>());
    expect(c, static_cast<std::int64_t>(ids.size()) == c.unknown, "the .unknown file does not hold the unknown rows");
    if (!ids.empty()) {
        bolt::driver d(uri);
        c.unknown_in_db = d.execute_query("UNWIND $ids AS i MATCH (n:N {id: i}) RETURN count(n)", {{"ids", ids}})
                              .records.at(0)[0]
                              .as<std::int64_t>();
    }
    c.in_db = count(uri, "MATCH (n:N) RETURN count(n)");
    c.distinct = count(uri, "MATCH (n:N) RETURN count(DISTINCT n.id)");
}

void judge(cell& c, std::int64_t expected_input, int final_exit) {
    expect(c, c.input == expected_input, fmt::format("rows_input {} != {}", c.input, expected_input));
    expect(c, c.in_db == c.distinct, "an id is in the database twice");
    if (c.phase == kind::merge) {
        expect(c, c.in_db == expected_input, "MERGE: the database does not hold exactly the input");
        expect(c, c.committed == expected_input, "MERGE: not every row reported committed");
        expect(c, final_exit == 0, fmt::format("MERGE: final exit {} != 0", final_exit));
    } else {
        expect(c, c.in_db == c.committed + c.unknown_in_db,
               "CREATE: rows in the database != committed + unknown rows that committed");
        const int want = c.failed + c.unknown > 0 ? 1 : 0;
        expect(c, final_exit == want, fmt::format("CREATE: final exit {} != {}", final_exit, want));
        expect(c, c.not_attempted == 0, "CREATE: rows left not attempted after the last run");
    }
}

// ---- the faults --------------------------------------------------------------------------------

std::vector<int> run_plain(const fs::path& dir, server&, cell&) {
    auto p = start_import(dir, "run");
    return {p.wait()};
}

/// Starts an import, waits for a share of the rows, does `act` to it, waits for it to end; then
/// resumes it until it ends otherwise than 130 (at most three times).
std::vector<int> interrupt_and_resume(const fs::path& dir, server& srv, cell& c,
                                      const std::function<void(process&)>& act, int expect_first) {
    auto p = start_import(dir, "first");
    if (!wait_for_rows(srv.uri, p, input_rows / 4)) c.problems.push_back("the run ended before the fault");
    act(p);
    std::vector<int> exits{p.wait()};
    expect(c, exits[0] == expect_first, fmt::format("first run exit {} != {}", exits[0], expect_first));
    for (int i = 0; i < 3; ++i) {
        auto r = start_import(dir, fmt::format("resume{}", i), {"--resume"});
        exits.push_back(r.wait());
        if (exits.back() != 130) break;
    }
    return exits;
}

std::vector<fault_spec> faults() {
    std::vector<fault_spec> f;
    f.push_back({"none", "no fault", {}, "", "", run_plain});
    f.push_back({"worker-sigkill", "one worker SIGKILLed mid-run", {}, "", "",
                 [](const fs::path& dir, server& srv, cell& c) {
                     auto p = start_import(dir, "run");
                     bool killed = false;
                     if (wait_for_rows(srv.uri, p, input_rows / 4)) {
                         const auto pids = workers_of(p.pid);
                         killed = !pids.empty() && ::kill(pids.front(), SIGKILL) == 0;
                     }
                     expect(c, killed, "no worker to kill");
                     return std::vector<int>{p.wait()};
                 }});
    f.push_back({"coordinator-sigkill", "boltload SIGKILLed, then --resume", {}, "", "",
                 [](const fs::path& dir, server& srv, cell& c) {
                     return interrupt_and_resume(dir, srv, c, [&](process& p) {
                         const auto pids = workers_of(p.pid);
                         ::kill(p.pid, SIGKILL);
                         expect(c, wait_gone(pids), "orphaned workers did not exit");
                     }, 137);
                 }});
    f.push_back({"sigint-group", "SIGINT to the process group, then --resume", {}, "", "",
                 [](const fs::path& dir, server& srv, cell& c) {
                     return interrupt_and_resume(dir, srv, c, [](process& p) { ::kill(-p.pid, SIGINT); }, 130);
                 }});
    f.push_back({"sigterm-group", "SIGTERM to the process group, then --resume", {}, "", "",
                 [](const fs::path& dir, server& srv, cell& c) {
                     return interrupt_and_resume(dir, srv, c, [](process& p) { ::kill(-p.pid, SIGTERM); }, 130);
                 }});
    f.push_back({"sigint-twice", "SIGINT twice (stop at once), then --resume", {}, "", "",
                 [](const fs::path& dir, server& srv, cell& c) {
                     return interrupt_and_resume(dir, srv, c, [](process& p) {
                         ::kill(-p.pid, SIGINT);
                         std::this_thread::sleep_for(5ms);
                         ::kill(p.pid, SIGINT);
                     }, 130);
                 }});
    f.push_back({"drop-probability", "server drops 1 % of messages", {"--fault-drop-probability", "0.01"}, "", "",
                 run_plain});
    f.push_back({"drop-after", "server drops each connection after 40 messages", {"--fault-drop-after", "40"}, "",
                 "", run_plain});
    f.push_back({"stall-read-timeout", "server stalls 3 s once per connection; read_timeout 1 s",
                 {"--fault-stall-after", "30", "--fault-stall-ms", "3000"}, "  read_timeout: 1\n", "", run_plain});
    f.push_back({"server-restart", "server gone for 1 s mid-run, back on the same port", {}, "", "",
                 [](const fs::path& dir, server& srv, cell& c) {
                     // The config points at the relay, which stands for the server's port.
                     const int port = free_port();
                     relay r(port, srv.port);
                     r.start();
                     std::string text = read_file(dir / "c.yaml");
                     text.replace(text.find(srv.uri), srv.uri.size(), fmt::format("bolt://127.0.0.1:{}", port));
                     std::ofstream(dir / "c.yaml") << text;
                     auto p = start_import(dir, "run");
                     if (!wait_for_rows(srv.uri, p, input_rows / 4)) c.problems.push_back("the run ended before the fault");
                     r.stop();
                     std::this_thread::sleep_for(1s);
                     r.start();
                     const int code = p.wait();
                     r.stop();
                     return std::vector<int>{code};
                 }});
    f.push_back({"resume-changed-batch-size", "SIGINT, --resume with another batch_size (refused), --resume", {},
                 "", "", [](const fs::path& dir, server& srv, cell& c) {
                     auto p = start_import(dir, "first");
                     if (!wait_for_rows(srv.uri, p, input_rows / 4)) c.problems.push_back("the run ended before the fault");
                     ::kill(-p.pid, SIGINT);
                     std::vector<int> exits{p.wait()};
                     auto refused = start_import(dir, "refused", {"--resume", "--set", "phases.0.batch_size=100"});
                     exits.push_back(refused.wait());
                     expect(c, exits.back() == 2, "a resume with another batch_size was not refused with exit 2");
                     expect(c, read_file(refused.err).find("batch_size was 200, is now 100") != std::string::npos,
                            "the refusal does not say what changed");
                     auto r = start_import(dir, "resume", {"--resume"});
                     exits.push_back(r.wait());
                     return exits;
                 }});
    f.push_back({"empty-csv", "an empty CSV", {}, "", "empty-csv", run_plain});
    f.push_back({"header-only-csv", "a CSV with only its header", {}, "", "header-csv", run_plain});
    return f;
}

cell run_cell(const fault_spec& f, kind k) {
    cell c{f.name, k};
    temp_dir dir{"boltload-faults"};
    server srv = server::start(dir.path, f.server_faults);
    if (f.source == "empty-csv") std::ofstream(dir.path / "input.csv") << "";
    if (f.source == "header-csv") std::ofstream(dir.path / "input.csv") << "id\n";
    std::ofstream(dir.path / "c.yaml") << config_text(srv.uri, k, f);
    c.exits = f.drive(dir.path, srv, c);
    const bool csv = !f.source.empty();
    if (c.exits.empty() || c.exits.back() < 0) {
        c.problems.push_back("boltload did not finish in time");
    } else {
        read_outcome(dir.path, srv.uri, c);
        judge(c, csv ? 0 : input_rows, c.exits.back());
    }
    if (!c.problems.empty()) {
        const std::vector<std::string> logs = {"run.err", "first.err", "resume0.err", "resume.err"};
        for (const auto& name : logs)
            if (fs::exists(dir.path / name)) std::cerr << "--- " << name << ":\n" << read_file(dir.path / name);
    }
    return c;
}

std::string exits_text(const std::vector<int>& exits) {
    std::string s;
    for (std::size_t i = 0; i < exits.size(); ++i) s += (i ? " → " : "") + std::to_string(exits[i]);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);  // orphaned workers come back to us to be reaped
    ::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> wanted(argv + 1, argv + argc);
    std::vector<cell> cells;
    const auto started = clock_type::now();
    for (const auto& f : faults()) {
        if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), f.name) == wanted.end()) continue;
        for (kind k : {kind::create, kind::merge}) {
            try {
                cells.push_back(run_cell(f, k));
            } catch (const std::exception& e) {
                cell c{f.name, k};
                c.problems.push_back(e.what());
                cells.push_back(c);
            }
        }
    }
    if (cells.empty()) {
        std::cerr << "fault_matrix: no such fault\n";
        return 2;
    }
    std::cout << "| fault | phase | exit codes | rows in DB | committed | unknown (of which in DB) | failed | "
                 "not attempted | replayed batches | result |\n|---|---|---|---|---|---|---|---|---|---|\n";
    bool ok = true;
    for (const auto& c : cells) {
        ok = ok && c.problems.empty();
        std::string problems;
        for (const auto& p : c.problems) problems += (problems.empty() ? "" : "; ") + p;
        std::cout << fmt::format("| {} | {} | {} | {} | {} | {} ({}) | {} | {} | {} | {} |\n", c.fault,
                                 c.phase == kind::create ? "CREATE" : "MERGE (idempotent)", exits_text(c.exits),
                                 c.in_db, c.committed, c.unknown, c.unknown_in_db, c.failed, c.not_attempted,
                                 c.replayed, problems.empty() ? "pass" : "FAIL: " + problems);
    }
    std::cout << fmt::format("\n{} cells in {:.0f} s\n", cells.size(),
                             std::chrono::duration<double>(clock_type::now() - started).count());
    return ok ? 0 : 1;
}
