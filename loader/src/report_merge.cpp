// Merging shard reports: each report's figures read back into phase_stats (every field checked,
// since a report is outside input), summed by phase, and written with the same to_json as a run's
// report, so the merged report is a report like any other.
#include "boltload/report_merge.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "boltload/commands.hpp"
#include "boltload/html_report.hpp"
#include "boltload/report_command.hpp"
#include "boltload/run_stats.hpp"

namespace boltload {
namespace {

using json = nlohmann::json;

/// A bad field stops the merge: thrown inside, turned into the one line the user reads.
struct bad_report {
    std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw bad_report{fmt::format("{}: {}", where, what)}; }

const json* member(const json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

std::uint64_t u64(const json& v, const std::string& where) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
    fail(where, fmt::format("expected a non-negative integer, got {}", v.dump().substr(0, 40)));
}

std::uint64_t u64_of(const json& j, const char* key, const std::string& where) {
    const json* v = member(j, key);
    return v ? u64(*v, where + "." + key) : 0;
}

double seconds_of(const json& j, const char* key, const std::string& where) {
    const json* v = member(j, key);
    if (!v) return 0;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0 || v->get<double>() > 1e12)
        fail(where + "." + key, fmt::format("expected a non-negative number of seconds, got {}", v->dump().substr(0, 40)));
    return v->get<double>();
}

std::string string_of(const json& j, const char* key, const std::string& where) {
    const json* v = member(j, key);
    if (!v || !v->is_string()) fail(where, fmt::format("not a shard report: no {} (a string)", key));
    return v->get<std::string>();
}

std::vector<std::uint64_t> series_of(const json& j, const char* key, const std::string& where) {
    std::vector<std::uint64_t> out;
    const json* v = member(j, key);
    if (!v) return out;
    if (!v->is_array() || v->size() > 10'000'000) fail(where + "." + key, "expected an array of counts");
    for (std::size_t i = 0; i < v->size(); ++i) out.push_back(u64((*v)[i], fmt::format("{}.{}[{}]", where, key, i)));
    return out;
}

/// A report's (or a phase's) figures, back as phase_stats.
phase_stats stats_of(const json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "expected an object");
    phase_stats s;
    s.rows_committed = u64_of(j, "rows_committed", where);
    s.rows_failed = u64_of(j, "rows_failed", where);
    s.rows_unknown = u64_of(j, "rows_unknown", where);
    s.rows_bad = u64_of(j, "rows_bad", where);
    s.rows_not_attempted = u64_of(j, "rows_not_attempted", where);
    s.rows_input = u64_of(j, "rows_input", where);
    s.batches = u64_of(j, "batches", where);
    s.batches_replayed = u64_of(j, "batches_replayed", where);
    s.batches_failed = u64_of(j, "batches_failed", where);
    s.unknown_outcome_batches = u64_of(j, "unknown_outcome_batches", where);
    s.conflicts = u64_of(j, "conflicts", where);
    s.other_transient_errors = u64_of(j, "other_transient_errors", where);
    s.retries = u64_of(j, "retries", where);
    s.worker_restarts = u64_of(j, "worker_restarts", where);
    s.backoff_wait_ms = static_cast<std::uint64_t>(std::llround(seconds_of(j, "backoff_wait_s", where) * 1e3));
    s.duration_s = seconds_of(j, "duration_s", where);
    if (const json* h = member(j, "latency_histogram_us")) {
        if (!h->is_array()) fail(where + ".latency_histogram_us", "expected [upper_edge_us, count] pairs");
        for (std::size_t i = 0; i < h->size(); ++i) {
            const json& b = (*h)[i];
            const std::string at = fmt::format("{}.latency_histogram_us[{}]", where, i);
            if (!b.is_array() || b.size() != 2) fail(at, "expected [upper_edge_us, count]");
            const std::uint64_t n = u64(b[1], at);
            if (n > std::numeric_limits<std::uint32_t>::max()) fail(at, "count too large");
            s.latency_us.add(u64(b[0], at), static_cast<std::uint32_t>(n));
        }
    }
    if (const json* a = member(j, "attempts_histogram")) {
        if (!a->is_object()) fail(where + ".attempts_histogram", "expected an object");
        for (const auto& [k, v] : a->items()) {
            std::uint32_t attempts = 0;
            const auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), attempts);
            if (ec != std::errc() || end != k.data() + k.size())
                fail(where + ".attempts_histogram", fmt::format("key '{}' is not a number of attempts", k.substr(0, 20)));
            s.attempts_histogram[attempts] += u64(v, where + ".attempts_histogram." + k);
        }
    }
    if (const json* c = member(j, "server_counters")) {
        if (!c->is_object()) fail(where + ".server_counters", "expected an object");
        for (const auto& [k, v] : c->items()) {
            if (!v.is_number_integer()) fail(where + ".server_counters." + k.substr(0, 40), "expected an integer");
            s.server_counters[k] += v.get<std::int64_t>();
        }
    }
    s.rows_per_second = series_of(j, "rows_per_second", where);
    s.conflicts_per_second = series_of(j, "conflicts_per_second", where);
    s.other_transient_per_second = series_of(j, "other_transient_per_second", where);
    s.retries_per_second = series_of(j, "retries_per_second", where);
    if (const json* d = member(j, "dead_letters")) {
        if (!d->is_array()) fail(where + ".dead_letters", "expected an array");
        for (std::size_t i = 0; i < d->size(); ++i) {
            const json& g = (*d)[i];
            const std::string at = fmt::format("{}.dead_letters[{}]", where, i);
            phase_stats one;
            error_group& group = one.dead_letters[{string_of(g, "outcome", at), string_of(g, "code", at)}];
            group.batches = u64_of(g, "batches", at);
            group.rows = u64_of(g, "rows", at);
            if (const json* m = member(g, "messages"); m && m->is_array())
                for (const auto& text : *m)
                    if (text.is_string() && group.messages.size() < error_group::max_messages)
                        group.messages.push_back(text.get<std::string>().substr(0, error_group::max_message_bytes));
            s += one;
        }
    }
    return s;
}

/// What a shard report says about itself.
struct shard_report {
    std::string name;
    const json* report = nullptr;
    std::int64_t version = 0;
    std::string run_id, config_digest, input_digest;
    std::uint64_t index = 0, count = 1;
    json scope;
    std::string scope_text;  ///< for messages: "phase nodes", "statements after, verify"
};

shard_report identify(const std::string& name, const json& r) {
    if (auto problem = report_problem(r)) fail(name, *problem);
    shard_report s;
    s.name = name;
    s.report = &r;
    s.version = r.at("report_version").get<std::int64_t>();
    s.run_id = string_of(r, "run_id", name);
    s.config_digest = string_of(r, "config_digest", name);
    s.input_digest = string_of(r, "input_digest", name);
    const json* shard = member(r, "shard");
    if (!shard || !shard->is_object()) fail(name, "not a shard report: no shard {index, count}");
    s.index = u64_of(*shard, "index", name + ".shard");
    s.count = u64_of(*shard, "count", name + ".shard");
    if (s.count < 1 || s.count > 1'000'000 || s.index >= s.count)
        fail(name, fmt::format("shard {}/{} is not a shard (0 <= index < count)", s.index, s.count));
    const json* scope = member(r, "scope");
    const json* phases = scope ? member(*scope, "phases") : nullptr;
    const json* only = scope ? member(*scope, "only") : nullptr;
    if (!phases || !phases->is_array() || !only || !only->is_array())
        fail(name, "not a shard report: no scope {phases, only}");
    for (const json* list : {phases, only})
        for (const auto& v : *list)
            if (!v.is_string()) fail(name + ".scope", "expected names");
    s.scope = json{{"phases", *phases}, {"only", *only}};
    std::vector<std::string> words;
    for (const auto& v : only->empty() ? *phases : *only) words.push_back(v.get<std::string>());
    s.scope_text = fmt::format("{} {}", only->empty() ? "phases" : "statements", fmt::join(words, ", "));
    if (words.empty()) s.scope_text = "nothing";
    const json* list = member(r, "phases");
    if (list && !list->is_array()) fail(name + ".phases", "expected an array");
    return s;
}

/// Every report shares the first one's version, run id and digests; each scope's shards are
/// there exactly once. Returns the groups by scope, in the order they were first seen.
std::vector<std::vector<const shard_report*>> check_shards(const std::vector<shard_report>& all) {
    const shard_report& first = all.front();
    for (const auto& s : all) {
        if (s.version != first.version)
            fail(s.name, fmt::format("report_version {} differs from {}'s {}: merge reports of one boltload version",
                                     s.version, first.name, first.version));
        const std::pair<const char*, std::pair<const std::string*, const std::string*>> keys[] = {
            {"run_id", {&s.run_id, &first.run_id}},
            {"config_digest", {&s.config_digest, &first.config_digest}},
            {"input_digest", {&s.input_digest, &first.input_digest}}};
        for (const auto& [key, values] : keys)
            if (*values.first != *values.second)
                fail(s.name, fmt::format("a foreign shard: its {} {} differs from {}'s {}", key, *values.first,
                                         first.name, *values.second));
    }
    std::vector<std::vector<const shard_report*>> groups;
    std::map<std::string, std::size_t> group_of;
    for (const auto& s : all) {
        const auto [it, added] = group_of.emplace(s.scope.dump(), groups.size());
        if (added) groups.emplace_back();
        groups[it->second].push_back(&s);
    }
    for (const auto& g : groups) {
        std::map<std::uint64_t, const shard_report*> seen;
        for (const shard_report* s : g) {
            if (s->count != g.front()->count)
                fail(s->name, fmt::format("shard {}/{} of {}, but {} is shard {}/{}", s->index, s->count, s->scope_text,
                                          g.front()->name, g.front()->index, g.front()->count));
            const auto [it, added] = seen.emplace(s->index, s);
            if (!added)
                fail(s->name, fmt::format("shard {}/{} of {} twice (also {})", s->index, s->count, s->scope_text,
                                          it->second->name));
        }
        for (std::uint64_t i = 0; i < g.front()->count; ++i)
            if (!seen.contains(i))
                fail(fmt::format("shard {}/{} of {}", i, g.front()->count, g.front()->scope_text),
                     fmt::format("missing: no report given for it (the others are {})", g.front()->name));
    }
    return groups;
}

/// How a phase ended over its shards: completed only if every shard completed it.
std::string merged_end(const std::string& a, const std::string& b) {
    if (a.empty() || a == "completed" || a == "completed earlier") return b == "completed earlier" ? "completed" : b;
    return a;
}

json merge(const std::vector<shard_report>& all) {
    const auto groups = check_shards(all);
    struct phase_sum {
        phase_stats stats;
        double duration_s = 0;  // the slowest shard: shards run side by side
        json settings, schedule;
        bool idempotent = false;
        std::string end;
    };
    std::vector<std::string> order;
    std::map<std::string, phase_sum> phases;
    phase_stats totals;
    double duration = 0;
    int exit_code = 0;
    json shards = json::array();
    for (const auto& group : groups) {
        double slowest = 0;
        for (const shard_report* s : group) {
            const json& r = *s->report;
            const phase_stats top = stats_of(r, s->name);
            totals += top;
            slowest = std::max(slowest, top.duration_s);
            const json* code = member(r, "exit_code");
            const int c = code && code->is_number_integer() ? static_cast<int>(std::clamp<std::int64_t>(code->get<std::int64_t>(), 0, 255)) : 1;
            exit_code = std::max(exit_code, c);
            json row = {{"file", s->name}, {"index", s->index}, {"count", s->count}, {"scope", s->scope},
                        {"exit_code", c}, {"rows_input", top.rows_input}, {"rows_committed", top.rows_committed},
                        {"rows_failed", top.rows_failed}, {"rows_unknown", top.rows_unknown},
                        {"batches", top.batches}, {"conflicts", top.conflicts}, {"retries", top.retries},
                        {"duration_s", top.duration_s}};
            if (const json* started = member(r, "started_at"); started && started->is_string()) row["started_at"] = *started;
            shards.push_back(std::move(row));
            const json* list = member(r, "phases");
            if (!list) continue;
            for (std::size_t i = 0; i < list->size(); ++i) {
                const json& p = (*list)[i];
                const std::string at = fmt::format("{}.phases[{}]", s->name, i);
                const std::string name = string_of(p, "name", at);
                auto [it, added] = phases.try_emplace(name);
                if (added) order.push_back(name);
                phase_sum& sum = it->second;
                phase_stats one = stats_of(p, at);
                sum.duration_s = std::max(sum.duration_s, one.duration_s);
                sum.stats += one;
                if (const json* v = member(p, "settings"); v && sum.settings.is_null()) sum.settings = *v;
                if (const json* v = member(p, "schedule"); v && sum.schedule.is_null()) sum.schedule = *v;
                if (const json* v = member(p, "idempotent"); v && v->is_boolean()) sum.idempotent = v->get<bool>();
                const json* end = member(p, "end");
                sum.end = merged_end(sum.end, end && end->is_string() ? end->get<std::string>() : "completed");
            }
        }
        duration += slowest;
    }
    totals.duration_s = duration;
    std::vector<phase_stats> list;
    for (const auto& name : order) {
        phase_stats s = phases[name].stats;
        s.name = name;
        s.idempotent = phases[name].idempotent;
        s.duration_s = phases[name].duration_s;
        list.push_back(std::move(s));
    }
    run_info info;
    const json& first = *all.front().report;
    for (const auto& [key, field] : {std::pair{"config_file", &info.config_file}, std::pair{"server_agent", &info.server_agent},
                                     std::pair{"bolt_version", &info.bolt_version}})
        if (const json* v = member(first, key); v && v->is_string()) *field = v->get<std::string>();
    std::string started;
    for (const auto& s : all)
        if (const json* v = member(*s.report, "started_at"); v && v->is_string())
            if (started.empty() || v->get<std::string>() < started) started = v->get<std::string>();
    info.started_at = started;
    json out = make_report(list, totals, exit_code, info);
    for (std::size_t i = 0; i < order.size(); ++i) {
        const phase_sum& sum = phases[order[i]];
        json& p = out["phases"][i];
        for (const char* drop : {"timeline", "worker_timeline", "rows_per_worker"}) p.erase(drop);  // per shard, not summable
        if (!sum.settings.is_null()) p["settings"] = sum.settings;
        if (!sum.schedule.is_null()) p["schedule"] = sum.schedule;
        p["end"] = sum.end;
    }
    out.erase("rows_per_worker");
    out["report_version"] = all.front().version;
    out["run_id"] = all.front().run_id;
    out["config_digest"] = all.front().config_digest;
    out["input_digest"] = all.front().input_digest;
    out["merged_from"] = all.size();
    out["shards"] = std::move(shards);
    return out;
}

}  // namespace

std::variant<nlohmann::json, std::string> merge_reports(const std::vector<std::pair<std::string, nlohmann::json>>& reports) {
    if (reports.empty()) return std::string("no reports to merge");
    try {
        std::vector<shard_report> all;
        for (const auto& [name, r] : reports) all.push_back(identify(name, r));
        return merge(all);
    } catch (const bad_report& e) {
        return e.message;
    }
}

int run_report_merge(const report_merge_options& options, std::ostream& err) {
    std::vector<std::pair<std::string, json>> reports;
    for (const auto& path : options.inputs) {
        std::error_code ec;
        std::ifstream in(path, std::ios::binary);
        if (std::filesystem::is_directory(path, ec) || !in) {
            err << fmt::format("boltload report merge: {}: cannot read: {}\n", path,
                               std::filesystem::is_directory(path, ec) ? "is a directory" : std::strerror(errno));
            return exit_usage;
        }
        try {
            reports.emplace_back(path, json::parse(in));
        } catch (const json::exception& e) {
            err << fmt::format("boltload report merge: {}: not JSON: {}\n", path, e.what());
            return exit_usage;
        }
    }
    auto merged = merge_reports(reports);
    if (const auto* problem = std::get_if<std::string>(&merged)) {
        err << "boltload report merge: " << *problem << "\n";
        return exit_usage;
    }
    std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
    out << std::get<json>(merged).dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    out.close();
    if (!out) {
        err << fmt::format("boltload report merge: cannot write {}: {}\n", options.output, std::strerror(errno));
        return exit_usage;
    }
    if (!options.html.empty())
        if (auto problem = write_html_report(std::get<json>(merged), options.html)) {
            err << "boltload report merge: " << *problem << "\n";
            return exit_usage;
        }
    return exit_ok;
}

void add_report_merge_command(CLI::App& report, report_merge_options& options, std::function<int()>& action) {
    auto* merge = report.add_subcommand(
        "merge", "Join the JSON reports of one import's shards (and its before/after/verify steps) into one report");
    merge->add_option("reports", options.inputs, "The shard reports (import --report of each shard)")->required();
    merge->add_option("-o,--output", options.output, "The merged report to write")->required();
    merge->add_option("--html", options.html, "Also write its HTML page");
    merge->footer(
        "Exit codes: 0 written; 2 a report cannot be read or is not a shard report, report versions differ, a "
        "shard is foreign (another run_id, config or input digest), given twice or missing, or the output "
        "cannot be written.");
    merge->callback([&] { action = [&] { return run_report_merge(options, std::cerr); }; });
}

}  // namespace boltload
