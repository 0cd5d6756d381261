// `boltload report html`: a saved report becomes a page; bad input gets one line naming the file
// and exit code 2, never a crash.
#include "boltload/report_command.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "boltload/commands.hpp"
#include "boltload/run_stats.hpp"

namespace boltload {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "boltload-report-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
};

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string a_report() {
    phase_stats p, totals;
    p.name = "nodes";
    batch_result r;
    r.rows = 10;
    r.latency_us = 1500;
    p.add(r, 0, 0.1);
    totals += p;
    return make_report({p}, totals, 0).dump(2);
}

/// Runs the command; returns (exit code, what it printed).
std::pair<int, std::string> run(const std::string& input, const std::string& output = {}) {
    std::ostringstream err;
    const int code = run_report_html({input, output}, err);
    return {code, err.str()};
}

TEST(report_html_command, renders_a_saved_report_next_to_it_by_default) {
    temp_dir dir;
    const auto input = dir.write("run.json", a_report());
    const auto [code, err] = run(input);
    EXPECT_EQ(code, exit_ok) << err;
    EXPECT_EQ(err, "");
    const std::string page = read(dir.path / "run.html");
    EXPECT_THAT(page, StartsWith("<!DOCTYPE html>"));
    EXPECT_THAT(page, HasSubstr("Phase 1: nodes"));
    EXPECT_EQ(run(input, (dir.path / "other.html").string()).first, exit_ok);
    EXPECT_EQ(read(dir.path / "other.html"), page);  // deterministic
}

TEST(report_html_command, bad_input_is_one_line_naming_the_file_and_exit_2) {
    temp_dir dir;
    const std::pair<std::string, std::string> cases[] = {
        {(dir.path / "missing.json").string(),
         "missing.json: cannot read: No such file or directory"},
        {dir.path.string(), ": is a directory"},
        {dir.write("text.json", "hello"), "text.json: not JSON: parse error at line 1, column 1"},
        {dir.write("cut.json", "{\"report_version\": 2, \"phases\": ["),
         "cut.json: not JSON: parse error"},
        {dir.write("empty.json", ""), "empty.json: not JSON:"},
        {dir.write("other.json", "{\"name\": \"x\"}"),
         "other.json: not a boltload report: no report_version"},
        {dir.write("list.json", "[1, 2]"),
         "list.json: not a boltload report: the JSON is not an object"},
        {dir.write("future.json", "{\"report_version\": 7}"),
         "future.json: unknown report_version 7 (this boltload reads 1 to 2)"},
    };
    for (const auto& [input, message] : cases) {
        const auto [code, err] = run(input, (dir.path / "out.html").string());
        EXPECT_EQ(code, exit_usage) << input;
        EXPECT_THAT(err, StartsWith("boltload report html: ")) << input;
        EXPECT_THAT(err, HasSubstr(message)) << input;
        EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    }
    EXPECT_FALSE(fs::exists(dir.path / "out.html"));
}

TEST(report_html_command, an_unwritable_output_is_exit_2) {
    temp_dir dir;
    const auto input = dir.write("run.json", a_report());
    const auto [code, err] = run(input, (dir.path / "no" / "such" / "dir.html").string());
    EXPECT_EQ(code, exit_usage);
    EXPECT_THAT(err, HasSubstr("cannot write the HTML report to"));
}

TEST(report_html_command, deeply_nested_values_do_not_exhaust_the_stack) {
    temp_dir dir;
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    const auto input = dir.write(
        "deep.json", "{\"report_version\": 2, \"exit_code\": 1e300, \"journal\": {\"x\": " + deep +
                         "}, \"sweep\": {\"cells\": [{\"settings\": {\"a\": " + deep +
                         "}}], \"recommendation\": {\"settings\": {\"a\": " + deep + "}}}}");
    const auto [code, err] = run(input);
    EXPECT_EQ(code, exit_ok) << err;
    EXPECT_THAT(read(dir.path / "deep.html"), HasSubstr("<td>x</td><td>[1 items]</td>"));
}

TEST(report_html_command, the_cli_takes_the_report_and_an_output) {
    CLI::App app;
    report_html_options options;
    std::function<int()> action;
    add_report_command(app, options, action);
    const char* argv[] = {"boltload", "report", "html", "r.json", "-o", "run.html"};
    app.parse(6, argv);
    EXPECT_EQ(options.input, "r.json");
    EXPECT_EQ(options.output, "run.html");
    EXPECT_TRUE(action);
}

}  // namespace
}  // namespace boltload
