// boltload: the command-line entry point. Each subcommand registers its flags and, when chosen,
// the function that runs it; main only parses and dispatches.
#include <CLI/CLI.hpp>
#include <functional>

#include "boltload/commands.hpp"
#include "boltload/report_command.hpp"
#include "boltload/serve_command.hpp"
#include "boltload/sweep_command.hpp"
#include "boltload/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{"boltload — bulk loader and write-write-conflict testbed for Bolt graph databases "
                 "(Memgraph, Neo4j)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("boltload ") + boltload::version_string);
    std::function<int()> action;

    // Subcommands register here: `import` and `check` (boltload/commands.hpp), `serve`, `report`,
    // `sweep`.
    boltload::import_options import;
    boltload::check_options check;
    boltload::add_import_commands(app, import, check, action);
    boltload::serve_options serve;
    boltload::add_serve_command(app, serve, action);
    boltload::report_html_options report;
    boltload::add_report_command(app, report, action);
    boltload::sweep_options sweep;
    boltload::add_sweep_command(app, sweep, action);

    CLI11_PARSE(app, argc, argv);
    return action ? action() : 0;
}
