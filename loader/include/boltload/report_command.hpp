// `boltload report html REPORT.json -o run.html`: renders a saved JSON report (a run's, a merged
// or a sweep's) as the same HTML page `import --html` writes. Separate from main() so tests can
// run it in-process.
#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace boltload {

struct report_html_options {
    std::string input;   ///< the JSON report
    std::string output;  ///< the page; empty: the input's path with the extension .html
};

/// Adds `report html` to the CLI; `action` is set to the runner when it is chosen.
void add_report_command(CLI::App& app, report_html_options& options, std::function<int()>& action);

/// Reads, checks and renders the report. Returns 0, or 2 with one line on `err` naming the file
/// when it cannot be read, is not JSON, is not a boltload report (or of an unknown
/// report_version), or the page cannot be written.
int run_report_html(const report_html_options& options, std::ostream& err);

/// Renders `report` into `path` (import --html uses the same). Returns why it failed, or nothing.
std::optional<std::string> write_html_report(const nlohmann::json& report, const std::string& path);

}  // namespace boltload
