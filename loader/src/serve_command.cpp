// `boltload serve`: flags → server::bolt::server_options, then run until a signal.
#include "boltload/serve_command.hpp"

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <exception>
#include <iostream>
#include <mutex>
#include <ostream>
#include <string>

#include "server/bolt/server.hpp"

namespace boltload {

namespace {

constexpr int exit_ok = 0;
constexpr int exit_cannot_start = 3;

}  // namespace

void add_serve_command(CLI::App& app, serve_options& options, std::function<int()>& action) {
    auto* cmd = app.add_subcommand(
        "serve",
        "Run the embedded Bolt server (Memgraph semantics: MVCC write-write conflicts, Cypher "
        "subset, users) until SIGINT/SIGTERM. Prints 'listening on bolt://HOST:PORT' first.");
    auto& s = options.server;
    auto& c = s.connection;
    auto& f = c.faults;

    cmd->add_option("--listen", s.listen, "HOST:PORT to listen on; port 0 picks a free port")
        ->capture_default_str();
    auto* cert = cmd->add_option("--tls-cert", s.tls_cert_file,
                                 "PEM certificate (chain): serve TLS on the same port "
                                 "(scripts/gen-cert.sh makes one)");
    auto* key = cmd->add_option("--tls-key", s.tls_key_file, "PEM private key of --tls-cert");
    cert->needs(key);
    key->needs(cert);
    cert->check(CLI::ExistingFile);
    key->check(CLI::ExistingFile);

    cmd->add_option_function<std::string>(
           "--storage-mode",
           [&s](const std::string& v) {
               s.storage.mode = v == "in_memory_analytical"
                                    ? server::storage::storage_mode::in_memory_analytical
                                    : server::storage::storage_mode::in_memory_transactional;
           },
           "in_memory_transactional (MVCC, conflicts, rollback) or in_memory_analytical (no "
           "versions, no conflicts, no rollback) [default: in_memory_transactional]")
        ->transform(CLI::IsMember({"in_memory_transactional", "in_memory_analytical"},
                                  CLI::ignore_case));
    cmd->add_option_function<std::string>(
           "--edge-rule",
           [&s](const std::string& v) {
               s.storage.edge_rule = v == "non_sequential"
                                         ? server::storage::edge_creation_rule::non_sequential
                                         : server::storage::edge_creation_rule::sequential;
           },
           "sequential (Memgraph <= 3.7: creating a relationship write-locks both endpoints) or "
           "non_sequential (Memgraph >= 3.8: concurrent relationship creation on one node does "
           "not conflict) [default: sequential]")
        ->transform(CLI::IsMember({"sequential", "non_sequential"}, CLI::ignore_case));
    cmd->add_option("--threads", s.threads, "threads serving connections; 0 = one per CPU")
        ->capture_default_str();
    cmd->add_option("--advertised-address", s.advertised_address,
                    "HOST:PORT that ROUTE answers with; default the bound address");
    cmd->add_option("--user", options.user,
                    "create this user first (access control on from the start)");
    cmd->add_option("--password", options.password, "password of --user");

    auto& l = c.limits;
    cmd->add_option("--max-connections", l.max_connections,
                    "open connections; a further client gets a FAILURE saying the server is full")
        ->capture_default_str();
    cmd->add_option("--max-message-bytes", l.max_message_bytes,
                    "largest request; beyond it: a FAILURE naming this limit, and close")
        ->capture_default_str();
    cmd->add_option_function<double>(
           "--handshake-timeout",
           [&l](double seconds) {
               l.handshake_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
           },
           "seconds a new connection has to get through TLS, the Bolt handshake and authentication "
           "before it is closed; 0 = no limit [default: 5]")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option_function<double>(
           "--idle-timeout",
           [&l](double seconds) {
               l.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
           },
           "seconds a connection may stay silent before it is closed; 0 = never [default: 1800]")
        ->check(CLI::NonNegativeNumber);

    const char* faults = "Testbed faults (reproducible from --fault-seed)";
    cmd->add_option("--fault-seed", f.seed, "seed of the fault generators (one per connection)")
        ->capture_default_str()
        ->group(faults);
    cmd->add_option("--fault-transient-probability", f.transient_error_probability,
                    "per transaction: fail its first PULL/DISCARD/COMMIT with Memgraph's "
                    "TransientError code and a message saying it was injected")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str()
        ->group(faults);
    cmd->add_option("--fault-latency-ms", f.latency_ms, "extra latency before every RUN is answered")
        ->capture_default_str()
        ->group(faults);
    cmd->add_option("--fault-drop-after", f.drop_after_messages,
                    "drop the connection at message N+1 (processed, reply lost); 0 = never")
        ->capture_default_str()
        ->group(faults);
    cmd->add_option("--fault-drop-probability", f.drop_probability,
                    "per message: the same drop at random")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str()
        ->group(faults);
    cmd->add_option("--fault-stall-after", f.stall_after_messages,
                    "once per connection, before message N+1, answer nothing for "
                    "--fault-stall-ms; 0 = never")
        ->capture_default_str()
        ->group(faults);
    cmd->add_option("--fault-stall-ms", f.stall_ms, "length of the stall")
        ->capture_default_str()
        ->group(faults);

    cmd->callback([&options, &action] {
        action = [&options] { return run_serve(options, std::cout, std::cerr); };
    });
}

int run_serve(const serve_options& options, std::ostream& out, std::ostream& err) {
    // Block the signals before the server's threads exist, so they inherit the mask and only
    // sigwait below sees SIGINT/SIGTERM.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &signals, &previous);

    server::bolt::server_options settings = options.server;
    settings.connection.log = [&err](const std::string& line) {
        static std::mutex one_line_at_a_time;
        const std::lock_guard lock(one_line_at_a_time);
        err << "boltload serve: " << line << std::endl;
    };
    server::bolt::server srv(settings);
    try {
        if (!options.user.empty()) {
            srv.database().users().create(options.user, options.password);
        }
        srv.start();
    } catch (const std::exception& e) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        err << "boltload serve: " << e.what() << '\n';
        return exit_cannot_start;
    }
    out << "listening on " << srv.uri() << std::endl;  // flushed: scripts read the port

    int received = 0;
    sigwait(&signals, &received);
    srv.stop();
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    err << "boltload serve: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << ", stopped\n";
    return exit_ok;
}

}  // namespace boltload
