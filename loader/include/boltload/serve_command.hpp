// `boltload serve`: runs the embedded Bolt server until SIGINT/SIGTERM. The command line is
// separate from main() so the flags can be tested without starting anything.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "server/bolt/options.hpp"

namespace CLI {
class App;
}

namespace boltload {

struct serve_options {
    server::bolt::server_options server;
    /// --user/--password: created before the first connection, so access control is on from
    /// the start (as after CREATE USER ... IDENTIFIED BY ...).
    std::string user;
    std::string password;
};

/// Adds `serve` to the CLI: its flags fill `options`; `action` is set to the runner when the
/// subcommand is chosen (the same pattern as add_import_commands).
void add_serve_command(CLI::App& app, serve_options& options, std::function<int()>& action);

/// Starts the server, prints "listening on bolt://HOST:PORT" (bolt+ssc:// with TLS) as one
/// flushed line on `out`, waits for SIGINT or SIGTERM, stops it. Returns the exit code: 0 after
/// a signal, 3 when the server cannot start (the reason goes to `err`).
int run_serve(const serve_options& options, std::ostream& out, std::ostream& err);

}  // namespace boltload
