// The pure part of `boltload sweep`: the block, the grid, the trials, their figures, the rule.
#include "boltload/sweep_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "boltload/run_stats.hpp"

namespace boltload::sweep {
namespace {

using YAML::Node;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// ---- reading the block -------------------------------------------------------------------------

/// Collects every problem of the block, each "FILE:LINE:COLUMN: sweep.key: message".
class block_reader {
public:
    explicit block_reader(std::string file) : file_(std::move(file)) {}

    std::string where(const Node& n) const {
        if (!n.IsDefined() || n.Mark().is_null()) return file_;
        return fmt::format("{}:{}:{}", file_, n.Mark().line + 1, n.Mark().column + 1);
    }
    void error(const Node& at, std::string_view path, std::string_view msg) {
        problems.push_back(fmt::format("{}: {}: {}", where(at), path, msg));
    }

    std::vector<std::string> problems;

private:
    std::string file_;
};

std::string shown(const Node& n) {
    if (n.IsMap()) return "a mapping";
    if (n.IsSequence()) return "a list";
    if (!n.IsScalar()) return "nothing";
    std::string s = n.Scalar();
    if (s.size() > 40) s = s.substr(0, 40) + "...";
    return fmt::format("'{}'", s);
}

/// A quoted YAML scalar is a string whatever it looks like ('007').
bool quoted(const Node& n) { return n.Tag() == "!"; }

constexpr int max_value_depth = 32;

/// A YAML value as JSON: plain scalars that read as integers, numbers, booleans or null become
/// those; everything else a string. False when it nests deeper than max_value_depth.
bool to_json(const Node& n, nlohmann::json& out, int depth = 0) {
    if (depth > max_value_depth) return false;
    if (n.IsMap()) {
        out = nlohmann::json::object();
        for (auto it = n.begin(); it != n.end(); ++it) {
            const Node k = it->first;
            const Node v = it->second;
            nlohmann::json value;
            if (!k.IsScalar() || !to_json(v, value, depth + 1)) return false;
            out[k.Scalar()] = std::move(value);
        }
        return true;
    }
    if (n.IsSequence()) {
        out = nlohmann::json::array();
        for (const auto& item : n) {
            nlohmann::json value;
            if (!to_json(item, value, depth + 1)) return false;
            out.push_back(std::move(value));
        }
        return true;
    }
    if (!n.IsScalar()) {
        out = nullptr;
        return true;
    }
    const std::string& s = n.Scalar();
    if (quoted(n)) {
        out = s;
        return true;
    }
    std::int64_t i = 0;
    if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && p == s.data() + s.size() && !s.empty()) {
        out = i;
        return true;
    }
    double d = 0;
    if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
        ec == std::errc() && p == s.data() + s.size() && !s.empty() && std::isfinite(d)) {
        out = d;
        return true;
    }
    if (s == "true" || s == "false") {
        out = s == "true";
        return true;
    }
    if (s == "null" || s == "~") {
        out = nullptr;
        return true;
    }
    out = s;
    return true;
}

/// A value as one line of YAML (flow style), as --set reads it.
std::string flow_yaml(const Node& n) {
    YAML::Emitter e;
    e.SetMapFormat(YAML::Flow);
    e.SetSeqFormat(YAML::Flow);
    if (n.IsScalar() && quoted(n))
        e << YAML::DoubleQuoted << n.Scalar();
    else
        e << n;
    return e.c_str();
}

std::optional<setting> setting_of(block_reader& r, const std::string& key, const Node& value, std::string_view path) {
    setting s;
    s.key = key;
    s.origin = r.where(value);
    if (!to_json(value, s.value)) {
        r.error(value, path, fmt::format("the value nests deeper than {} levels", max_value_depth));
        return std::nullopt;
    }
    s.yaml = flow_yaml(value);
    return s;
}

bool key_ok(block_reader& r, const Node& key, std::string_view path) {
    if (key.IsScalar() && !key.Scalar().empty()) return true;
    r.error(key, path, "keys must be config key paths, such as phases.0.workers");
    return false;
}

void read_vary(block_reader& r, const Node& n, spec& s) {
    if (!n.IsMap()) {
        r.error(n, "sweep.vary", fmt::format("expected a mapping of config key paths to lists of values, got {}", shown(n)));
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const Node key = it->first;
        const Node values = it->second;
        if (!key_ok(r, key, "sweep.vary")) continue;
        const std::string path = "sweep.vary." + key.Scalar();
        if (std::any_of(s.vary.begin(), s.vary.end(), [&](const axis& a) { return a.key == key.Scalar(); })) {
            r.error(key, path, "this key path is already varied");
            continue;
        }
        if (!values.IsSequence()) {
            r.error(values, path, fmt::format("expected a list of values, got {}", shown(values)));
            continue;
        }
        if (values.size() == 0) {
            r.error(values, path, "empty list: the grid would have no cells");
            continue;
        }
        axis a{key.Scalar(), {}};
        for (const auto& v : values)
            if (auto st = setting_of(r, a.key, v, path)) a.values.push_back(std::move(*st));
        s.vary.push_back(std::move(a));
    }
}

void read_cases(block_reader& r, const Node& n, spec& s) {
    if (!n.IsSequence()) {
        r.error(n, "sweep.cases", fmt::format("expected a list of cases (each a mapping of key paths to values), got {}", shown(n)));
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const Node c = n[i];
        const std::string path = fmt::format("sweep.cases[{}]", i);
        if (!c.IsMap() || c.size() == 0) {
            r.error(c, path, fmt::format("expected a mapping of config key paths to values, got {}", shown(c)));
            continue;
        }
        std::vector<setting> settings;
        for (auto it = c.begin(); it != c.end(); ++it) {
            const Node key = it->first;
            if (!key_ok(r, key, path)) continue;
            if (auto st = setting_of(r, key.Scalar(), it->second, path + "." + key.Scalar()))
                settings.push_back(std::move(*st));
        }
        s.cases.push_back(std::move(settings));
    }
}

/// A string or a list of strings (statements, phase names).
std::vector<std::string> read_strings(block_reader& r, const Node& n, std::string_view path, std::string_view what) {
    std::vector<std::string> out;
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) {
        r.error(n, path, fmt::format("expected {} or a list of them, got {}", what, shown(n)));
        return out;
    }
    for (const auto& item : n) {
        if (item.IsScalar() && !item.Scalar().empty())
            out.push_back(item.Scalar());
        else
            r.error(item, path, fmt::format("expected {}, got {}", what, shown(item)));
    }
    return out;
}

template <class T>
void read_number(block_reader& r, const Node& block, const char* key, T& out, double min, double max, std::string_view what) {
    const Node n = block[key];
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string path = fmt::format("sweep.{}", key);
    double d = 0;
    const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    const bool whole = std::is_integral_v<T> ? std::floor(d) == d : true;
    if (!n.IsScalar() || s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(d) ||
        d < min || d > max || !whole) {
        r.error(n, path, fmt::format("expected {}, got {}", what, shown(n)));
        return;
    }
    out = static_cast<T>(d);
}

void read_seed(block_reader& r, const Node& block, spec& s) {
    const Node n = block["seed"];
    if (!n.IsDefined() || n.IsNull()) return;
    const std::string& t = n.IsScalar() ? n.Scalar() : std::string();
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (!n.IsScalar() || t.empty() || ec != std::errc() || p != t.data() + t.size())
        r.error(n, "sweep.seed", fmt::format("expected a non-negative integer, got {}", shown(n)));
    else
        s.seed = v;
}

/// The block inside the document: its `sweep:` key, or the document itself when it is not a
/// config (no `phases:`). Undefined when a config has no sweep.
Node block_of(const Node& root) {
    if (root.IsMap()) {
        if (root["sweep"].IsDefined()) return root["sweep"];
        if (root["phases"].IsDefined()) return Node(YAML::NodeType::Undefined);
    }
    return root;
}

}  // namespace

std::optional<spec> parse(std::string_view yaml, const std::string& file) {
    Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        if (e.mark.is_null()) throw config_error({fmt::format("{}: {}", file, e.msg)});
        throw config_error({fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg)});
    }
    const Node block = block_of(root);
    if (!block.IsDefined()) return std::nullopt;
    block_reader r(file);
    spec s;
    s.file = file;
    if (!block.IsMap()) {
        r.error(block, "sweep", fmt::format("expected a mapping (vary:, repeat:, ...), got {}", shown(block)));
        throw config_error(std::move(r.problems));
    }
    for (auto it = block.begin(); it != block.end(); ++it) {
        const Node key = it->first;
        if (!key.IsScalar()) {
            r.error(key, "sweep", "keys must be plain names");
        } else if (std::find(block_keys.begin(), block_keys.end(), key.Scalar()) == block_keys.end()) {
            r.error(key, "sweep." + key.Scalar(), unknown_key_message(key.Scalar(), block_keys));
        }
    }
    if (const Node v = block["vary"]; v.IsDefined() && !v.IsNull()) read_vary(r, v, s);
    if (const Node c = block["cases"]; c.IsDefined() && !c.IsNull()) read_cases(r, c, s);
    if (s.vary.empty() && s.cases.empty() && r.problems.empty())
        r.error(block, "sweep", "the grid is empty: give vary: (key path → list of values) or cases:");
    read_number(r, block, "repeat", s.repeat, 1, 1000, "a number of runs per cell, 1 to 1000");
    read_number(r, block, "max_amplification", s.max_amplification, 1, 1e9,
                "a number of attempts per committed batch, at least 1");
    read_number(r, block, "max_trials", s.max_trials, 1, 1e9, "a positive integer");
    read_number(r, block, "trial_timeout", s.trial_timeout_s, 0, 1e9, "a number of seconds (0: none)");
    read_seed(r, block, s);
    if (const Node m = block["measure"]; m.IsDefined() && !m.IsNull()) {
        s.measure = read_strings(r, m, "sweep.measure", "a phase name or index");
        s.measure_origin = r.where(m);
    }
    if (const Node m = block["reset"]; m.IsDefined() && !m.IsNull()) {
        s.reset = read_strings(r, m, "sweep.reset", "a statement");
        s.reset_origin = r.where(m);
    }
    if (!r.problems.empty()) throw config_error(std::move(r.problems));
    return s;
}

std::vector<cell> expand(const spec& s) {
    std::vector<std::vector<setting>> combos = s.cases.empty() ? std::vector<std::vector<setting>>{{}} : s.cases;
    const auto too_many = [&](std::size_t cells) {
        return cells * static_cast<std::size_t>(s.repeat) > static_cast<std::size_t>(s.max_trials);
    };
    bool partial = false;  // the product was cut short: it is bigger still
    for (std::size_t i = 0; i < s.vary.size() && !partial; ++i) {
        const axis& a = s.vary[i];
        if (a.values.empty())
            throw config_error({fmt::format("{}: sweep.vary.{}: empty list: the grid would have no cells", s.file, a.key)});
        std::vector<std::vector<setting>> next;
        for (const auto& c : combos)
            for (const auto& v : a.values) {
                next.push_back(c);
                next.back().push_back(v);
            }
        combos = std::move(next);
        // Checked as it grows: the product of many lists could not be held before the check.
        partial = too_many(combos.size()) && i + 1 < s.vary.size();
    }
    if (combos.empty() || (combos.size() == 1 && combos[0].empty()))
        throw config_error({fmt::format("{}: sweep: the grid is empty", s.file)});
    if (too_many(combos.size()))
        throw config_error({fmt::format(
            "{}: sweep: {}{} cells × {} repeats = {} trials, more than max_trials ({}): narrow the grid, lower repeat "
            "or raise max_trials",
            s.file, partial ? "more than " : "", combos.size(), s.repeat, combos.size() * static_cast<std::size_t>(s.repeat),
            s.max_trials)});
    std::vector<cell> out;
    std::vector<std::string> problems;
    for (std::size_t i = 0; i < combos.size(); ++i) {
        for (std::size_t a = 0; a < combos[i].size(); ++a)
            for (std::size_t b = 0; b < a; ++b)
                if (combos[i][a].key == combos[i][b].key) {
                    const std::string p = fmt::format("{}: {}: set twice in one cell (also at {})", combos[i][a].origin,
                                                      combos[i][a].key, combos[i][b].origin);
                    if (std::find(problems.begin(), problems.end(), p) == problems.end()) problems.push_back(p);
                }
        out.push_back({i, std::move(combos[i])});
    }
    if (!problems.empty()) throw config_error(std::move(problems));
    return out;
}

std::string describe(const cell& c) {
    std::string out;
    for (const auto& s : c.settings) out += fmt::format("{}{}={}", out.empty() ? "" : ", ", s.key, s.yaml);
    return out;
}

std::vector<run_config> check_cells(std::string_view config_yaml, const std::filesystem::path& config_file,
                                    const std::vector<std::string>& overrides, const std::vector<cell>& cells,
                                    bool check_files, std::vector<std::string>& warnings) {
    std::vector<run_config> out;
    // Problem → the cells that have it, in the order first seen.
    std::vector<std::pair<std::string, std::vector<std::size_t>>> problems;
    // The same problem in several cells is one problem, even when each names its own value's
    // position (an unknown key in `vary` is reported at each of its values): compared without it.
    const auto without_origin = [](const std::string& p, const cell& c) {
        for (const auto& s : c.settings)
            if (p.starts_with(s.origin + ": ")) return p.substr(s.origin.size() + 2);
        return p;
    };
    const auto note = [&](auto& list, const std::string& p, const cell& c) {
        const std::string key = without_origin(p, c);
        auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return without_origin(e.first, cells[e.second[0]]) == key; });
        if (it == list.end()) it = list.insert(list.end(), {p, {}});
        it->second.push_back(c.index);
    };
    std::vector<std::pair<std::string, std::vector<std::size_t>>> warned;
    for (const auto& c : cells) {
        load_options lo;
        lo.overrides = overrides;
        lo.check_files = check_files;
        for (const auto& s : c.settings) lo.values.push_back({s.key, s.yaml, s.origin});
        try {
            out.push_back(parse_config(config_yaml, config_file, lo));
            for (const auto& w : out.back().warnings) note(warned, w, c);
        } catch (const config_error& e) {
            for (const auto& p : e.problems()) note(problems, p, c);
        }
    }
    const auto where = [&](const std::string& text, const std::vector<std::size_t>& in) {
        if (in.size() == cells.size()) return text;
        return fmt::format("{} (in {} of {} cells, such as cell {}: {})", text, in.size(), cells.size(), in[0],
                           describe(cells[in[0]]));
    };
    for (const auto& [w, in] : warned) warnings.push_back(where(w, in));
    if (problems.empty()) return out;
    std::vector<std::string> all;
    for (const auto& [p, in] : problems) all.push_back(where(p, in));
    throw config_error(std::move(all));
}

std::vector<std::size_t> measured_phases(const spec& s, const run_config& config) {
    if (s.measure.empty()) return {config.phases.size() - 1};
    std::vector<std::size_t> out;
    std::vector<std::string> problems;
    std::vector<std::string_view> names;
    for (const auto& p : config.phases) names.push_back(p.work.name);
    for (const auto& m : s.measure) {
        std::optional<std::size_t> found;
        for (std::size_t i = 0; i < config.phases.size(); ++i)
            if (config.phases[i].work.name == m || std::to_string(i) == m) found = i;
        if (!found) {
            problems.push_back(fmt::format("{}: sweep.measure: no phase '{}' ({}; phases: {})", s.measure_origin, m,
                                           unknown_key_message(m, names), fmt::join(names, ", ")));
        } else if (std::find(out.begin(), out.end(), *found) == out.end()) {
            out.push_back(*found);
        }
    }
    if (!problems.empty()) throw config_error(std::move(problems));
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<trial> plan_trials(const spec& s, std::size_t cells) {
    std::vector<trial> out;
    for (int r = 0; r < s.repeat; ++r)
        for (std::size_t c = 0; c < cells; ++c)
            out.push_back({out.size(), c, r, s.seed + static_cast<std::uint64_t>(r)});
    return out;
}

std::vector<std::string> seed_overrides(const cell& c, const trial& t, bool embedded) {
    const auto set_by_cell = [&](std::string_view key) {
        return std::any_of(c.settings.begin(), c.settings.end(), [&](const setting& s) { return s.key == key; });
    };
    std::vector<std::string> out;
    if (!set_by_cell("seed")) out.push_back(fmt::format("seed={}", t.seed));
    if (embedded && !set_by_cell("embedded.faults.seed")) out.push_back(fmt::format("embedded.faults.seed={}", t.seed));
    return out;
}

// ---- a trial's figures -------------------------------------------------------------------------

const std::vector<std::string>& metric_names() {
    static const std::vector<std::string> names{
        "makespan_s",     "rows_per_s",     "attempts_per_batch", "conflicts",      "other_transient_errors",
        "backoff_s",      "latency_p50_ms", "latency_p95_ms",     "latency_p99_ms", "latency_max_ms",
        "batches_failed", "unknown_outcome_batches", "imbalance"};
    return names;
}

namespace {

double number(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return 0;
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

/// Max ÷ mean busy time of a phase's workers; NaN without the figures. Workers that ran nothing
/// count (the phase's `workers` setting), as they are the imbalance.
double imbalance_of(const nlohmann::json& phase) {
    const auto busy = phase.find("busy_s_per_worker");
    if (busy == phase.end() || !busy->is_object() || busy->empty()) return nan;
    double sum = 0, top = 0;
    for (const auto& [w, s] : busy->items()) {
        const double v = s.is_number() ? s.get<double>() : 0;
        sum += v;
        top = std::max(top, v);
    }
    double workers = static_cast<double>(busy->size());
    if (const auto settings = phase.find("settings"); settings != phase.end())
        workers = std::max(workers, number(*settings, "workers"));
    return sum > 0 ? top / (sum / workers) : nan;
}

}  // namespace

std::map<std::string, double> metrics_of(const nlohmann::json& report, const std::vector<std::size_t>& measured) {
    const auto phases = report.is_object() ? report.find("phases") : report.end();
    if (!report.is_object() || phases == report.end() || !phases->is_array())
        throw std::invalid_argument("the report has no phases");
    double makespan = 0, rows = 0, batches = 0, failed = 0, unknown = 0, conflicts = 0, other = 0, backoff = 0,
           attempts = 0, imbalance = nan;
    latency_histogram latency;
    for (const std::size_t i : measured) {
        if (i >= phases->size() || !(*phases)[i].is_object())
            throw std::invalid_argument(fmt::format("the report has no phase {} (it stopped before it)", i));
        const nlohmann::json& p = (*phases)[i];
        makespan += number(p, "duration_s");
        rows += number(p, "rows_committed");
        batches += number(p, "batches");
        failed += number(p, "batches_failed");
        unknown += number(p, "unknown_outcome_batches");
        conflicts += number(p, "conflicts");
        other += number(p, "other_transient_errors");
        backoff += number(p, "backoff_wait_s");
        if (const auto h = p.find("attempts_histogram"); h != p.end() && h->is_object())
            for (const auto& [a, n] : h->items())
                if (n.is_number()) attempts += std::strtod(a.c_str(), nullptr) * n.get<double>();
        if (const auto h = p.find("latency_histogram_us"); h != p.end() && h->is_array())
            for (const auto& b : *h)
                if (b.is_array() && b.size() == 2 && b[0].is_number_integer() && b[1].is_number_integer() &&
                    b[0].get<std::int64_t>() >= 0 && b[1].get<std::int64_t>() >= 0)
                    latency.add(b[0].get<std::uint64_t>(), b[1].get<std::uint64_t>());
        const double im = imbalance_of(p);
        if (std::isfinite(im)) imbalance = std::isfinite(imbalance) ? std::max(imbalance, im) : im;
    }
    std::map<std::string, double> m{{"makespan_s", makespan},
                                    {"conflicts", conflicts},
                                    {"other_transient_errors", other},
                                    {"backoff_s", backoff},
                                    {"batches_failed", failed},
                                    {"unknown_outcome_batches", unknown}};
    if (makespan > 0) m["rows_per_s"] = rows / makespan;
    if (const double committed = batches - failed - unknown; committed > 0) m["attempts_per_batch"] = attempts / committed;
    if (latency.count() > 0) {
        m["latency_p50_ms"] = static_cast<double>(latency.percentile(0.50)) / 1000;
        m["latency_p95_ms"] = static_cast<double>(latency.percentile(0.95)) / 1000;
        m["latency_p99_ms"] = static_cast<double>(latency.percentile(0.99)) / 1000;
        m["latency_max_ms"] = static_cast<double>(latency.max()) / 1000;
    }
    if (std::isfinite(imbalance)) m["imbalance"] = imbalance;
    return m;
}

std::string_view to_string(trial_status s) {
    switch (s) {
        case trial_status::ok: return "ok";
        case trial_status::failed: return "failed";
        case trial_status::interrupted: return "interrupted";
    }
    return "failed";
}

std::pair<trial_status, std::string> judge(int exit_code, const std::map<std::string, double>& metrics) {
    const auto get = [&](const char* k) {
        const auto it = metrics.find(k);
        return it == metrics.end() ? 0.0 : it->second;
    };
    if (get("batches_failed") > 0 || get("unknown_outcome_batches") > 0)
        return {trial_status::failed, fmt::format("{} batches failed, {} have an unknown outcome", get("batches_failed"),
                                                  get("unknown_outcome_batches"))};
    if (exit_code != 0) return {trial_status::failed, fmt::format("the import exited with {}", exit_code)};
    return {trial_status::ok, {}};
}

// ---- cells ---------------------------------------------------------------------------------------

spread spread_of(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return {median, values.front(), values.back()};
}

double cell_summary::metric(const std::string& name) const {
    const auto it = metrics.find(name);
    return it == metrics.end() ? nan : it->second.median;
}

std::vector<bool> pareto_front(const std::vector<std::pair<double, double>>& points) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < points.size(); ++i)
        if (std::isfinite(points[i].first) && std::isfinite(points[i].second)) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
    std::vector<bool> on(points.size(), false);
    double best = std::numeric_limits<double>::infinity();
    for (const std::size_t i : order)
        if (points[i].second < best) {
            on[i] = true;
            best = points[i].second;
        }
    return on;
}

std::vector<cell_summary> summarize(const std::vector<cell>& cells, const std::vector<trial_result>& results) {
    std::vector<cell_summary> out(cells.size());
    std::vector<std::map<std::string, std::vector<double>>> values(cells.size());
    for (std::size_t i = 0; i < cells.size(); ++i) out[i].index = cells[i].index;
    for (const auto& r : results) {
        if (r.t.cell >= out.size()) continue;
        cell_summary& c = out[r.t.cell];
        ++c.trials;
        if (r.status == trial_status::interrupted) {
            ++c.interrupted;
            continue;
        }
        if (r.status == trial_status::failed) ++c.failed_trials;
        if (r.metrics.empty()) continue;
        ++c.measured;
        for (const auto& [k, v] : r.metrics) values[r.t.cell][k].push_back(v);
    }
    std::vector<std::pair<double, double>> points;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        for (auto& [k, v] : values[i]) out[i].metrics[k] = spread_of(std::move(v));
        const bool clean = out[i].measured > 0 && out[i].failed_trials == 0;
        points.emplace_back(clean ? out[i].metric("makespan_s") : nan, clean ? out[i].metric("attempts_per_batch") : nan);
    }
    const auto front = pareto_front(points);
    for (std::size_t i = 0; i < cells.size(); ++i) out[i].pareto = front[i];
    return out;
}

std::string rule_text(double max_amplification) {
    return fmt::format("among cells where no trial failed, the lowest median makespan whose median attempts per "
                       "committed batch is at most {}; ties go to fewer attempts",
                       max_amplification);
}

recommendation recommend(const std::vector<cell_summary>& cells, double max_amplification) {
    const cell_summary* best = nullptr;
    const cell_summary* fewest = nullptr;  // for the message when none qualifies
    std::size_t measured = 0, clean = 0;
    for (const auto& c : cells) {
        if (c.measured == 0) continue;
        ++measured;
        if (c.failed_trials > 0) continue;
        const double m = c.metric("makespan_s"), a = c.metric("attempts_per_batch");
        if (!std::isfinite(m) || !std::isfinite(a)) continue;
        ++clean;
        if (!fewest || a < fewest->metric("attempts_per_batch")) fewest = &c;
        if (a > max_amplification) continue;
        if (!best || std::pair(m, a) < std::pair(best->metric("makespan_s"), best->metric("attempts_per_batch")))
            best = &c;
    }
    if (best) return {best->index, {}};
    if (measured == 0) return {std::nullopt, "no trial finished, so no cell was measured"};
    if (clean == 0) return {std::nullopt, fmt::format("every cell failed: each of the {} measured cells had a failed trial", measured)};
    return {std::nullopt, fmt::format("no cell without failures stays within {} attempts per committed batch (the fewest: "
                                      "{:.3g}, cell {}); raise max_amplification or widen the grid",
                                      max_amplification, fewest->metric("attempts_per_batch"), fewest->index)};
}

nlohmann::json settings_json(const cell& c) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& s : c.settings) out[s.key] = s.value;
    return out;
}

// ---- the report and the table ------------------------------------------------------------------

namespace {

std::vector<std::string> parameters_of(const std::vector<cell>& cells) {
    std::vector<std::string> out;
    for (const auto& c : cells)
        for (const auto& s : c.settings)
            if (std::find(out.begin(), out.end(), s.key) == out.end()) out.push_back(s.key);
    return out;
}

nlohmann::json metrics_json(const std::map<std::string, double>& m) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : m) out[k] = v;
    return out;
}

/// The shortest tail of each key path that still tells them apart: "kind", "initial_wait_time".
std::vector<std::string> short_names(const std::vector<std::string>& keys) {
    std::vector<std::string> out;
    for (const auto& k : keys) {
        std::string tail = k.substr(k.find_last_of('.') == std::string::npos ? 0 : k.find_last_of('.') + 1);
        const bool unique = std::count_if(keys.begin(), keys.end(), [&](const std::string& o) {
                                return o.ends_with("." + tail) || o == tail;
                            }) == 1;
        out.push_back(unique ? tail : k);
    }
    return out;
}

std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

nlohmann::json report(const outcome& o, const std::vector<cell_summary>& summaries, const recommendation& r) {
    nlohmann::json cells = nlohmann::json::array();
    nlohmann::json frontier = nlohmann::json::array();
    for (std::size_t i = 0; i < o.cells.size() && i < summaries.size(); ++i) {
        const cell_summary& c = summaries[i];
        nlohmann::json j = {{"index", c.index},         {"settings", settings_json(o.cells[i])},
                            {"trials", c.trials},        {"measured_trials", c.measured},
                            {"failed_trials", c.failed_trials}, {"interrupted_trials", c.interrupted},
                            {"pareto", c.pareto}};
        for (const auto& [k, s] : c.metrics) j[k] = {{"median", s.median}, {"min", s.min}, {"max", s.max}};
        cells.push_back(std::move(j));
        if (c.pareto) frontier.push_back(c.index);
    }
    nlohmann::json trials = nlohmann::json::array();
    for (const auto& t : o.results) {
        nlohmann::json j = {{"index", t.t.index},  {"cell", t.t.cell},     {"repeat", t.t.repeat},
                            {"seed", t.t.seed},    {"status", to_string(t.status)},
                            {"wall_s", t.wall_s},  {"report", t.report},   {"metrics", metrics_json(t.metrics)}};
        j["exit_code"] = t.exit_code ? nlohmann::json(*t.exit_code) : nlohmann::json(nullptr);
        if (!t.reason.empty()) j["reason"] = t.reason;
        trials.push_back(std::move(j));
    }
    nlohmann::json rec = nullptr;
    if (r.cell && *r.cell < o.cells.size()) {
        const cell_summary& c = summaries[*r.cell];
        rec = {{"cell", *r.cell},
               {"settings", settings_json(o.cells[*r.cell])},
               {"yaml", o.recommended_yaml},
               {"makespan_s", c.metric("makespan_s")},
               {"attempts_per_batch", c.metric("attempts_per_batch")}};
    }
    nlohmann::json seeds = nlohmann::json::array();
    for (int rep = 0; o.s && rep < o.s->repeat; ++rep) seeds.push_back(o.s->seed + static_cast<std::uint64_t>(rep));
    nlohmann::json sweep = {
        {"file", o.s ? o.s->file : ""},
        {"parameters", parameters_of(o.cells)},
        {"metrics", {"makespan_s", "attempts_per_batch", "conflicts", "latency_p99_ms"}},
        {"rule", rule_text(o.s ? o.s->max_amplification : 2)},
        {"max_amplification", o.s ? o.s->max_amplification : 2},
        {"repeat", o.s ? o.s->repeat : 0},
        {"seeds", seeds},
        {"measure", o.measured},
        {"trials_planned", o.planned},
        {"trials_run", o.results.size()},
        {"interrupted", o.interrupted},
        {"cells", std::move(cells)},
        {"trials", std::move(trials)},
        {"frontier", std::move(frontier)},
        {"recommendation", std::move(rec)}};
    if (!r.cell) sweep["no_recommendation"] = r.why_none;
    return {{"report_version", report_version}, {"kind", "sweep"},           {"config_file", o.config_file},
            {"started_at", o.started_at},       {"duration_s", o.duration_s}, {"exit_code", o.exit_code},
            {"sweep", std::move(sweep)}};
}

std::string table(const outcome& o, const std::vector<cell_summary>& cells, const recommendation& r) {
    const auto params = parameters_of(o.cells);
    const auto names = short_names(params);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < cells.size(); ++i) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double x = cells[a].metric("makespan_s"), y = cells[b].metric("makespan_s");
        return std::isfinite(x) && (!std::isfinite(y) || x < y);
    });
    struct column {
        std::string head;
        const char* metric;
        const char* format;
    };
    const std::vector<column> columns{{"makespan s (min-max)", "makespan_s", "{:.2f}"},
                                      {"attempts/batch", "attempts_per_batch", "{:.2f}"},
                                      {"conflicts", "conflicts", "{:.0f}"},
                                      {"backoff s", "backoff_s", "{:.1f}"},
                                      {"p99 ms", "latency_p99_ms", "{:.0f}"},
                                      {"imbalance", "imbalance", "{:.2f}"}};
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head{"cell"};
    head.insert(head.end(), names.begin(), names.end());
    for (const auto& c : columns) head.push_back(c.head);
    head.insert(head.end(), {"failed", "note"});
    rows.push_back(head);
    for (const std::size_t i : order) {
        const cell_summary& c = cells[i];
        std::vector<std::string> row{std::to_string(c.index)};
        const nlohmann::json settings = settings_json(o.cells[i]);
        for (const auto& p : params) row.push_back(settings.contains(p) ? value_text(settings[p]) : "-");
        for (const auto& col : columns) {
            const auto it = c.metrics.find(col.metric);
            if (it == c.metrics.end()) {
                row.emplace_back("-");
            } else if (std::string_view(col.metric) == "makespan_s") {
                row.push_back(fmt::format("{:.2f} ({:.2f}-{:.2f})", it->second.median, it->second.min, it->second.max));
            } else {
                row.push_back(fmt::format(fmt::runtime(col.format), it->second.median));
            }
        }
        row.push_back(fmt::format("{}/{}", c.failed_trials, c.trials - c.interrupted));
        std::string note = r.cell == c.index ? "recommended" : "";
        if (c.pareto) note += note.empty() ? "pareto" : ", pareto";
        row.push_back(note);
        rows.push_back(std::move(row));
    }
    std::vector<std::size_t> width(head.size(), 0);
    for (const auto& row : rows)
        for (std::size_t k = 0; k < row.size(); ++k) width[k] = std::max(width[k], row[k].size());
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t k = 0; k < row.size(); ++k)
            line += fmt::format("{:<{}}{}", row[k], width[k], k + 1 < row.size() ? "  " : "");
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    out += fmt::format("\nmeasured: phase{} {}; {} of {} trials run{}\n", o.measured.size() == 1 ? "" : "s",
                       fmt::join(o.measured, ", "), o.results.size(), o.planned, o.interrupted ? " (interrupted)" : "");
    out += "rule: " + rule_text(o.s ? o.s->max_amplification : 2) + "\n";
    std::vector<std::string> frontier;
    for (const auto& c : cells)
        if (c.pareto)
            frontier.push_back(fmt::format("cell {} ({:.2f} s, {:.2f} attempts/batch)", c.index, c.metric("makespan_s"),
                                           c.metric("attempts_per_batch")));
    out += fmt::format("Pareto frontier (makespan vs attempts): {}\n", frontier.empty() ? "none" : fmt::format("{}", fmt::join(frontier, "; ")));
    if (r.cell) {
        const cell_summary& c = cells[*r.cell];
        out += fmt::format("\nrecommended: cell {} ({}): median makespan {:.2f} s, {:.2f} attempts per batch\n", c.index,
                           describe(o.cells[*r.cell]), c.metric("makespan_s"), c.metric("attempts_per_batch"));
        out += fmt::format("# boltload sweep: recommended for {} (paste over the same keys)\n{}", o.config_file,
                           o.recommended_yaml);
    } else {
        out += "\nno recommendation: " + r.why_none + "\n";
    }
    return out;
}

}  // namespace boltload::sweep
