// `boltload report html`: a saved JSON report in, the HTML page out; bad input gets one clear line
// naming the file and exit code 2, never a crash.
#include "boltload/report_command.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <variant>

#include "boltload/commands.hpp"
#include "boltload/html_report.hpp"
#include "boltload/report_merge.hpp"

namespace boltload {
namespace {

std::string default_output(const std::string& input) {
    return std::filesystem::path(input).replace_extension(".html").string();
}

/// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string parse_message(const nlohmann::json::exception& e) {
    const std::string what = e.what();
    const auto end = what.find("] ");
    return what.starts_with("[json.exception.") && end != std::string::npos ? what.substr(end + 2)
                                                                            : what;
}

/// The report in `path`, or why not (the caller prints it and exits 2).
std::variant<nlohmann::json, std::string> read_report(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return fmt::format("{}: is a directory", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) return fmt::format("{}: cannot read: {}", path, std::strerror(errno));
    nlohmann::json report;
    try {
        report = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        return fmt::format("{}: not JSON: {}", path, parse_message(e));
    }
    if (auto problem = report_problem(report)) return fmt::format("{}: {}", path, *problem);
    return report;
}

}  // namespace

std::optional<std::string> write_html_report(const nlohmann::json& report,
                                             const std::string& path) {
    std::string page;
    try {
        page = render_html_report(report);
    } catch (const std::exception& e) {
        return fmt::format("cannot render the HTML report: {}", e.what());
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << page;
    out.close();
    if (!out)
        return fmt::format("cannot write the HTML report to {}: {}", path, std::strerror(errno));
    return std::nullopt;
}

int run_report_html(const report_html_options& options, std::ostream& err) {
    auto read = read_report(options.input);
    if (auto* problem = std::get_if<std::string>(&read)) {
        err << "boltload report html: " << *problem << "\n";
        return exit_usage;
    }
    const std::string output =
        options.output.empty() ? default_output(options.input) : options.output;
    if (auto problem = write_html_report(std::get<nlohmann::json>(read), output)) {
        err << "boltload report html: " << *problem << "\n";
        return exit_usage;
    }
    return exit_ok;
}

void add_report_command(CLI::App& app, report_html_options& options, std::function<int()>& action) {
    auto* report = app.add_subcommand("report", "Work with saved JSON reports");
    report->require_subcommand(1);
    auto* html = report->add_subcommand(
        "html",
        "Render a JSON report (a run's, a merged or a sweep's) as one self-contained HTML page");
    html->add_option("report", options.input, "The JSON report (import --report)")->required();
    html->add_option("-o,--output", options.output,
                     "The page to write (default: the report's path with .html)");
    html->footer(
        "Exit codes: 0 written; 2 the report cannot be read, is not JSON, is not a boltload report "
        "or has an unknown report_version, or the page cannot be written.");
    html->callback([&] { action = [&] { return run_report_html(options, std::cerr); }; });
    // `report merge` (report_merge.hpp) keeps its options here: they live as long as the CLI.
    static report_merge_options merge_options;
    add_report_merge_command(*report, merge_options, action);
}

}  // namespace boltload
