// Reads the YAML run configuration into run_config. One pass walks the tree with the key path and
// the YAML position of every node, checks keys and types, and collects every problem, so a user
// fixes a config in one round instead of one error per run.
#include "boltload/config.hpp"
#include "boltload/csv_inputs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <variant>

#include "bolt/uri.hpp"
#include "boltload/sweep_plan.hpp"

namespace boltload {

namespace {

using YAML::Node;
using YAML::NodeType;

// ---- small helpers -----------------------------------------------------------------------------

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

/// The known key closest to `key`, if it is close enough to be a typo.
std::optional<std::string_view> nearest(std::string_view key,
                                        const std::vector<std::string_view>& known) {
    std::optional<std::string_view> best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (auto k : known) {
        const std::size_t d = edit_distance(key, k);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    if (best && best_d <= std::max<std::size_t>(2, best->size() / 3)) return best;
    return std::nullopt;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view kind_name(const Node& n) {
    switch (n.Type()) {
        case NodeType::Map:
            return "a mapping";
        case NodeType::Sequence:
            return "a list";
        case NodeType::Null:
            return "nothing";
        default:
            return "a value";
    }
}

/// What a scalar looked like, for "got 'abc'" (shortened: a value may be long).
std::string shown(const Node& n) {
    if (!n.IsScalar()) return std::string(kind_name(n));
    std::string s = n.Scalar();
    if (s.size() > 40) s = s.substr(0, 40) + "...";
    return fmt::format("'{}'", s);
}

template <class T>
std::optional<T> parse_integer(std::string_view s) {
    T v{};
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<double> parse_double(std::string_view s) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::optional<bool> parse_bool(std::string_view s) {
    const std::string l = lower(s);
    if (l == "true" || l == "yes" || l == "on") return true;
    if (l == "false" || l == "no" || l == "off") return false;
    return std::nullopt;
}

/// Why an input file cannot be read, or nullopt when it can: it is missing, a directory, or not
/// readable (opened for reading, so permissions, ACLs and read-only mounts all count).
std::optional<std::string> unreadable_input(const std::filesystem::path& p) {
    std::error_code ec;
    const auto st = std::filesystem::status(p, ec);
    if (st.type() == std::filesystem::file_type::not_found) return fmt::format("file not found: {}", p.string());
    if (st.type() == std::filesystem::file_type::directory)
        return fmt::format("{} is a directory, not a CSV file", p.string());
    if (ec) return fmt::format("cannot read {}: {}", p.string(), ec.message());
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return fmt::format("cannot read {}: {}", p.string(), std::strerror(errno));
    ::close(fd);
    return std::nullopt;
}

/// "8MiB", "512KiB", "1GB", "1048576" → bytes.
std::optional<std::int64_t> parse_size(std::string_view s) {
    struct unit {
        std::string_view suffix;
        std::int64_t factor;
    };
    static constexpr std::array<unit, 7> units{{{"KiB", 1LL << 10},
                                                {"MiB", 1LL << 20},
                                                {"GiB", 1LL << 30},
                                                {"KB", 1000},
                                                {"MB", 1000'000},
                                                {"GB", 1000'000'000},
                                                {"B", 1}}};
    std::int64_t factor = 1;
    for (const auto& u : units) {
        if (s.size() > u.suffix.size() && s.ends_with(u.suffix)) {
            factor = u.factor;
            s.remove_suffix(u.suffix.size());
            while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
            break;
        }
    }
    auto v = parse_integer<std::int64_t>(s);
    if (!v || *v < 0 || *v > std::numeric_limits<std::int64_t>::max() / factor) return std::nullopt;
    return *v * factor;
}

std::chrono::milliseconds seconds_to_ms(double s) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000.0)));
}

// ---- the reader --------------------------------------------------------------------------------

/// A value put in the tree by --set or a placed_value, for messages about what it put there.
struct override_entry {
    std::string text;     // as given: "phases.0.workers=4"
    std::string display;  // "phases[0].workers"
    std::string origin;   // where a placed value was written; empty: a --set
};

class config_reader {
public:
    config_reader(std::string file, std::vector<override_entry> overrides,
                  const load_options& options)
        : file_(std::move(file)), overrides_(std::move(overrides)), options_(options) {}

    std::vector<std::string> problems;
    std::vector<std::string> warnings;

    // Where a node is, as "FILE:LINE:COLUMN", or the --set that put it there.
    std::string where(const Node& n, std::string_view path) const {
        for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
            const std::string& d = it->display;
            if (path.starts_with(d) &&
                (path.size() == d.size() || path[d.size()] == '.' || path[d.size()] == '[')) {
                return it->origin.empty() ? fmt::format("--set {}", it->text) : it->origin;
            }
        }
        if (!n.IsDefined()) return file_;
        const YAML::Mark m = n.Mark();
        if (m.is_null()) return file_;
        return fmt::format("{}:{}:{}", file_, m.line + 1, m.column + 1);
    }

    config_location location(const Node& n) const {
        config_location loc;
        loc.file = file_;
        if (n.IsDefined() && !n.Mark().is_null()) {
            loc.line = n.Mark().line + 1;
            loc.column = n.Mark().column + 1;
        }
        return loc;
    }

    /// "FILE:LINE:COLUMN: key.path: message"; about the whole file (an empty path) the key
    /// path is left out: "FILE:1:1: message".
    void error(const Node& at, std::string_view path, std::string_view msg) {
        problems.push_back(path.empty() ? fmt::format("{}: {}", where(at, path), msg)
                                        : fmt::format("{}: {}: {}", where(at, path), path, msg));
    }
    void warn(const Node& at, std::string_view path, std::string_view msg) {
        warnings.push_back(path.empty() ? fmt::format("{}: {}", where(at, path), msg)
                                        : fmt::format("{}: {}: {}", where(at, path), path, msg));
    }

    static std::string join(std::string_view path, std::string_view key) {
        return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
    }

    /// Errors for keys of `map` that are not in `known` (with the nearest known key), for
    /// duplicates and for non-scalar keys. False when `map` is not a mapping at all.
    bool check_map(const Node& map, std::string_view path,
                   const std::vector<std::string_view>& known,
                   const std::map<std::string_view, std::string_view>& hints = {}) {
        if (!map.IsMap()) {
            error(map, path,
                  path.empty() ? fmt::format("expected a mapping of settings (connection:, phases:, ...), got {}",
                                             shown(map))
                               : fmt::format("expected a mapping, got {}", shown(map)));
            return false;
        }
        std::map<std::string, Node> seen;
        for (auto it = map.begin(); it != map.end(); ++it) {
            // A copy: `it->` yields a temporary pair, a reference would dangle.
            const Node key = it->first;
            if (!key.IsScalar()) {
                error(key, path, "keys must be plain names");
                continue;
            }
            const std::string& k = key.Scalar();
            const std::string child = join(path, k);
            if (auto [pos, fresh] = seen.emplace(k, key); !fresh) {
                const YAML::Mark m = pos->second.Mark();
                error(key, child, fmt::format("duplicate key (first at line {})", m.line + 1));
                continue;
            }
            if (std::find(known.begin(), known.end(), k) != known.end()) continue;
            if (auto h = hints.find(k); h != hints.end())
                error(key, child, fmt::format("unknown key '{}' ({})", k, h->second));
            else
                error(key, child, unknown_key_message(k, known));
        }
        return true;
    }

    /// The value of `key`, or nullopt when absent or null (`key:` with nothing after it).
    static std::optional<Node> child(const Node& map, std::string_view key) {
        if (!map.IsMap()) return std::nullopt;
        const Node& m = map;
        Node v = m[std::string(key)];
        if (!v.IsDefined() || v.IsNull()) return std::nullopt;
        return v;
    }

    bool scalar(const Node& n, std::string_view path, std::string_view expected) {
        if (n.IsScalar()) return true;
        error(n, path, fmt::format("expected {}, got {}", expected, shown(n)));
        return false;
    }

    void get_string(const Node& map, std::string_view key, std::string_view path,
                    std::string& out) {
        auto v = child(map, key);
        if (!v) return;
        const std::string p = join(path, key);
        if (scalar(*v, p, "a string")) out = v->Scalar();
    }

    void get_optional_string(const Node& map, std::string_view key, std::string_view path,
                             std::optional<std::string>& out) {
        auto v = child(map, key);
        if (!v) return;
        const std::string p = join(path, key);
        if (scalar(*v, p, "a string")) out = v->Scalar();
    }

    void get_char(const Node& map, std::string_view key, std::string_view path, char& out) {
        auto v = child(map, key);
        if (!v) return;
        const std::string p = join(path, key);
        if (!scalar(*v, p, "one character")) return;
        const std::string& s = v->Scalar();
        if (s.size() == 1) {
            out = s[0];
        } else if (lower(s) == "tab" || s == "\\t") {
            out = '\t';
        } else {
            error(*v, p, fmt::format("expected one character, got {}", shown(*v)));
        }
    }

    void get_bool(const Node& map, std::string_view key, std::string_view path, bool& out) {
        auto v = child(map, key);
        if (!v) return;
        const std::string p = join(path, key);
        if (!scalar(*v, p, "true or false")) return;
        if (auto b = parse_bool(v->Scalar())) {
            out = *b;
        } else {
            error(*v, p, fmt::format("expected true or false, got {}", shown(*v)));
        }
    }

    /// An integer in [min, max]; `what` names the range in messages ("a positive integer").
    template <class T>
    bool get_int(const Node& map, std::string_view key, std::string_view path, T& out,
                 std::int64_t min, std::int64_t max, std::string_view what) {
        auto v = child(map, key);
        if (!v) return false;
        const std::string p = join(path, key);
        if (!scalar(*v, p, what)) return false;
        auto i = parse_integer<std::int64_t>(v->Scalar());
        if (!i || *i < min || *i > max) {
            error(*v, p, fmt::format("expected {}, got {}", what, shown(*v)));
            return false;
        }
        out = static_cast<T>(*i);
        return true;
    }

    bool get_uint64(const Node& map, std::string_view key, std::string_view path,
                    std::uint64_t& out) {
        auto v = child(map, key);
        if (!v) return false;
        const std::string p = join(path, key);
        if (!scalar(*v, p, "a non-negative integer")) return false;
        auto i = parse_integer<std::uint64_t>(v->Scalar());
        if (!i) {
            error(*v, p, fmt::format("expected a non-negative integer, got {}", shown(*v)));
            return false;
        }
        out = *i;
        return true;
    }

    /// A finite number in [min, max] (max may be infinity).
    bool get_double(const Node& map, std::string_view key, std::string_view path, double& out,
                    double min, double max, std::string_view what, bool min_exclusive = false) {
        auto v = child(map, key);
        if (!v) return false;
        const std::string p = join(path, key);
        if (!scalar(*v, p, what)) return false;
        auto d = parse_double(v->Scalar());
        if (!d || *d < min || (min_exclusive && *d == min) || *d > max) {
            error(*v, p, fmt::format("expected {}, got {}", what, shown(*v)));
            return false;
        }
        out = *d;
        return true;
    }

    /// A string or a list of strings.
    void get_statements(const Node& map, std::string_view key, std::string_view path,
                        std::vector<std::string>& out) {
        auto v = child(map, key);
        if (!v) return;
        const std::string p = join(path, key);
        if (v->IsScalar()) {
            out.push_back(v->Scalar());
            return;
        }
        if (!v->IsSequence()) {
            error(*v, p,
                  fmt::format("expected a statement or a list of statements, got {}", shown(*v)));
            return;
        }
        for (std::size_t i = 0; i < v->size(); ++i) {
            const Node item = (*v)[i];
            const std::string ip = fmt::format("{}[{}]", p, i);
            if (scalar(item, ip, "a statement")) {
                if (item.Scalar().empty())
                    error(item, ip, "empty statement");
                else
                    out.push_back(item.Scalar());
            }
        }
    }

    std::optional<std::string> env(const std::string& name) const {
        if (options_.getenv) return options_.getenv(name);
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    }

    const load_options& options() const { return options_; }

private:
    std::string file_;
    std::vector<override_entry> overrides_;
    const load_options& options_;
};

// ---- sections ----------------------------------------------------------------------------------

const std::vector<std::string_view> top_keys{"connection", "embedded",    "before",     "after",
                                             "phases",     "verify",      "report",     "report_html",
                                             "journal",    "checkpoint",  "progress",   "seed",
                                             "sweep"};
const std::vector<std::string_view> connection_keys{
    "uri",        "user",      "password",        "password_env", "auth",
    "database",   "tls",       "connect_timeout", "read_timeout", "transaction_timeout",
    "fetch_size", "user_agent"};
const std::vector<std::string_view> auth_keys{"scheme", "principal", "credentials",
                                              "credentials_env", "realm"};
const std::vector<std::string_view> tls_keys{"ca_file"};
const std::vector<std::string_view> embedded_keys{"storage_mode", "edge_rule", "threads", "faults"};
const std::vector<std::string_view> fault_keys{"transient_error_probability",
                                               "latency_ms",
                                               "drop_after_messages",
                                               "drop_probability",
                                               "stall_after_messages",
                                               "stall_ms",
                                               "seed"};
const std::vector<std::string_view> phase_keys{"name",
                                               "source",
                                               "query",
                                               "batch_size",
                                               "workers",
                                               "chunk_rows",
                                               "chunk_bytes",
                                               "max_in_flight",
                                               "transaction",
                                               "retry",
                                               "max_failed_batches",
                                               "dead_letter",
                                               "on_bad_row",
                                               "max_bad_rows",
                                               "idempotent",
                                               "schedule",
                                               "mix_and_batch",
                                               "before",
                                               "after"};
const std::vector<std::string_view> mix_keys{"endpoints", "structure", "groups", "grouping", "spill_dir"};
const std::vector<std::string_view> endpoint_keys{"source", "target"};
const std::vector<std::string_view> source_keys{"csv", "generate"};
const std::vector<std::string_view> csv_keys{"path", "delimiter", "quote", "header", "columns", "max_row_bytes"};
const std::vector<std::string_view> column_keys{"name", "type", "element", "separator",
                                                "null_on_empty"};
const std::vector<std::string_view> generate_keys{"entity", "count",        "repeat",     "id_min",
                                                  "id_max", "distribution", "properties", "seed"};
const std::vector<std::string_view> property_keys{"name", "type", "min", "max"};
const std::vector<std::string_view> memgraph_retry_keys{"max_retries", "initial_wait_time",
                                                        "backoff_factor", "jitter"};
const std::vector<std::string_view> neo4j_retry_keys{
    "max_transaction_retry_time", "initial_retry_delay", "retry_delay_multiplier",
    "retry_delay_jitter_factor"};
const std::vector<std::string_view> retry_keys{"kind",
                                               "max_retries",
                                               "initial_wait_time",
                                               "backoff_factor",
                                               "jitter",
                                               "max_transaction_retry_time",
                                               "initial_retry_delay",
                                               "retry_delay_multiplier",
                                               "retry_delay_jitter_factor",
                                               "base",
                                               "max_wait"};
const std::vector<std::string_view> verify_keys{"query", "expect"};

const std::map<std::string_view, std::string_view> phase_hints{
    {"chunk_size", "use chunk_rows for generated rows per chunk or chunk_bytes for CSV bytes"},
    {"parallelism", "the number of worker processes is 'workers'"},
    {"processes", "the number of worker processes is 'workers'"},
};
const std::map<std::string_view, std::string_view> retry_hints{
    {"jitter_factor",
     "the Memgraph guide calls it 'jitter'; the Neo4j drivers 'retry_delay_jitter_factor'"},
    {"policy", "the policy is chosen with 'kind'"},
    {"strategy", "the policy is chosen with 'kind'"},
};

/// The settings a retry kind reads, for "belongs to another kind" errors.
std::vector<std::string_view> settings_of(bolt::retry_kind k) {
    switch (k) {
        case bolt::retry_kind::none:
            return {};
        case bolt::retry_kind::memgraph:
            return {"max_retries", "initial_wait_time", "backoff_factor", "jitter", "max_wait"};
        case bolt::retry_kind::neo4j:
            return {"max_transaction_retry_time", "initial_retry_delay", "retry_delay_multiplier",
                    "retry_delay_jitter_factor", "max_wait"};
        case bolt::retry_kind::full_jitter:
        case bolt::retry_kind::equal_jitter:
        case bolt::retry_kind::decorrelated:
            return {"max_retries", "base", "max_wait"};
    }
    return {};
}

bool contains(const std::vector<std::string_view>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

void read_connection(config_reader& r, const Node& n, run_config& cfg,
                     const std::filesystem::path& base) {
    const std::string path = "connection";
    if (!r.check_map(n, path, connection_keys)) return;
    connection_spec& c = cfg.connection;
    r.get_string(n, "uri", path, c.uri);
    if (auto u = config_reader::child(n, "uri"); u && u->IsScalar()) {
        std::string err;
        if (!bolt::parse_uri(c.uri, err)) r.error(*u, "connection.uri", err);
    }
    std::optional<std::string> user, password, password_env;
    r.get_optional_string(n, "user", path, user);
    r.get_optional_string(n, "password", path, password);
    r.get_optional_string(n, "password_env", path, password_env);
    if (password && password_env) {
        r.error(*config_reader::child(n, "password_env"), "connection.password_env",
                "give either password or password_env, not both");
    }
    if (password_env) {
        if (auto v = r.env(*password_env)) {
            password = *v;
        } else {
            r.error(*config_reader::child(n, "password_env"), "connection.password_env",
                    fmt::format("environment variable '{}' is not set", *password_env));
        }
    }
    if ((password || password_env) && !user) {
        r.error(n, path, "a password needs a user (or use auth: for other schemes)");
    }
    auto auth = config_reader::child(n, "auth");
    if (auth && user) {
        r.error(*auth, "connection.auth", "give either user/password or auth, not both");
    } else if (user) {
        c.auth.scheme = "basic";
        c.auth.principal = *user;
        c.auth.credentials = password.value_or("");
    } else if (auth) {
        const std::string ap = "connection.auth";
        if (r.check_map(*auth, ap, auth_keys)) {
            std::optional<std::string> scheme, credentials, credentials_env;
            r.get_optional_string(*auth, "scheme", ap, scheme);
            r.get_string(*auth, "principal", ap, c.auth.principal);
            r.get_optional_string(*auth, "credentials", ap, credentials);
            r.get_optional_string(*auth, "credentials_env", ap, credentials_env);
            r.get_string(*auth, "realm", ap, c.auth.realm);
            if (!scheme || scheme->empty()) {
                r.error(*auth, ap,
                        "needs a scheme: none, basic, bearer, or a custom one (e.g. oidc-okta)");
            } else {
                c.auth.scheme = *scheme;
            }
            if (credentials && credentials_env) {
                r.error(*config_reader::child(*auth, "credentials_env"),
                        "connection.auth.credentials_env",
                        "give either credentials or credentials_env, not both");
            } else if (credentials_env) {
                if (auto v = r.env(*credentials_env)) {
                    c.auth.credentials = *v;
                } else {
                    r.error(*config_reader::child(*auth, "credentials_env"),
                            "connection.auth.credentials_env",
                            fmt::format("environment variable '{}' is not set", *credentials_env));
                }
            } else if (credentials) {
                c.auth.credentials = *credentials;
            }
            if (scheme && *scheme == "bearer" && !credentials && !credentials_env) {
                r.error(*auth, ap, "the bearer scheme needs credentials (the token)");
            }
        }
    }
    r.get_string(n, "database", path, c.database);
    if (auto tls = config_reader::child(n, "tls")) {
        const std::string tp = "connection.tls";
        if (r.check_map(*tls, tp, tls_keys)) {
            std::optional<std::string> ca;
            r.get_optional_string(*tls, "ca_file", tp, ca);
            if (ca) {
                const Node at = *config_reader::child(*tls, "ca_file");
                const std::filesystem::path p = (base / *ca).lexically_normal();
                c.ca_file = p.string();
                std::string err;
                if (auto u = bolt::parse_uri(c.uri, err)) {
                    if (!u->tls) {
                        r.error(at, "connection.tls.ca_file",
                                "needs a TLS URI (bolt+s:// or neo4j+s://): the URI's scheme "
                                "turns TLS on");
                    } else if (u->trust_all) {
                        r.warn(at, "connection.tls.ca_file",
                               "ignored: a +ssc URI accepts any certificate");
                    }
                }
                if (r.options().check_files && !std::filesystem::exists(p)) {
                    r.error(at, "connection.tls.ca_file",
                            fmt::format("file not found: {}", p.string()));
                }
            }
        }
    }
    constexpr double inf = std::numeric_limits<double>::infinity();
    double secs = 0;
    if (r.get_double(n, "connect_timeout", path, secs, 0, inf, "a positive number of seconds",
                     true))
        c.connect_timeout = seconds_to_ms(secs);
    if (r.get_double(n, "read_timeout", path, secs, 0, inf, "a number of seconds (0 = no timeout)"))
        c.read_timeout = seconds_to_ms(secs);
    if (r.get_double(n, "transaction_timeout", path, secs, 0, inf, "a positive number of seconds",
                     true))
        c.transaction_timeout = seconds_to_ms(secs);
    if (auto f = config_reader::child(n, "fetch_size"); f && f->IsScalar() && f->Scalar() == "-1") {
        c.fetch_size = -1;
    } else {
        r.get_int(n, "fetch_size", path, c.fetch_size, 1, std::numeric_limits<std::int64_t>::max(),
                  "a positive integer (or -1: everything at once)");
    }
    r.get_string(n, "user_agent", path, c.user_agent);
}

void read_embedded(config_reader& r, const Node& n, run_config& cfg) {
    const std::string path = "embedded";
    embedded_config e;
    if (!r.check_map(n, path, embedded_keys)) return;
    if (auto v = config_reader::child(n, "storage_mode")) {
        if (r.scalar(*v, "embedded.storage_mode", "a storage mode")) {
            const std::string s = lower(v->Scalar());
            if (s == "in_memory_transactional") {
                e.storage_mode = embedded_storage_mode::in_memory_transactional;
            } else if (s == "in_memory_analytical") {
                e.storage_mode = embedded_storage_mode::in_memory_analytical;
            } else {
                r.error(*v, "embedded.storage_mode",
                        fmt::format("expected in_memory_transactional or in_memory_analytical, "
                                    "got {}",
                                    shown(*v)));
            }
        }
    }
    if (auto v = config_reader::child(n, "edge_rule")) {
        if (r.scalar(*v, "embedded.edge_rule", "an edge rule")) {
            const std::string s = lower(v->Scalar());
            if (s == "sequential") {
                e.edge_rule = embedded_edge_rule::sequential;
            } else if (s == "non_sequential") {
                e.edge_rule = embedded_edge_rule::non_sequential;
            } else {
                r.error(*v, "embedded.edge_rule",
                        fmt::format("expected sequential or non_sequential, got {}", shown(*v)));
            }
        }
    }
    r.get_int(n, "threads", path, e.threads, 0, 1024, "a number of threads (0 = one per core)");
    if (auto f = config_reader::child(n, "faults")) {
        const std::string fp = "embedded.faults";
        if (r.check_map(*f, fp, fault_keys)) {
            embedded_faults& x = e.faults;
            constexpr auto max = std::numeric_limits<std::int64_t>::max();
            r.get_double(*f, "transient_error_probability", fp, x.transient_error_probability, 0, 1,
                         "a probability between 0 and 1");
            r.get_int(*f, "latency_ms", fp, x.latency_ms, 0, max, "a non-negative integer");
            r.get_int(*f, "drop_after_messages", fp, x.drop_after_messages, 0, max,
                      "a non-negative integer (0 = never)");
            r.get_double(*f, "drop_probability", fp, x.drop_probability, 0, 1,
                         "a probability between 0 and 1");
            r.get_int(*f, "stall_after_messages", fp, x.stall_after_messages, 0, max,
                      "a non-negative integer (0 = never)");
            r.get_int(*f, "stall_ms", fp, x.stall_ms, 0, max, "a non-negative integer");
            r.get_uint64(*f, "seed", fp, x.seed);
        }
    }
    cfg.embedded = e;
}

void read_retry(config_reader& r, const Node& n, const std::string& path, retry_spec& out) {
    if (n.IsScalar()) {  // `retry: none` / `retry: neo4j`: that kind with its defaults
        if (auto k = bolt::parse_retry_kind(n.Scalar())) {
            out = retry_spec{*k, {}};
        } else {
            r.error(n, path,
                    fmt::format("expected a retry block or a kind (none, memgraph, neo4j, "
                                "full_jitter, equal_jitter, decorrelated), got {}",
                                shown(n)));
        }
        return;
    }
    if (!r.check_map(n, path, retry_keys, retry_hints)) return;
    std::optional<bolt::retry_kind> kind;
    if (auto k = config_reader::child(n, "kind")) {
        if (r.scalar(*k, path + ".kind", "a retry kind")) {
            kind = bolt::parse_retry_kind(k->Scalar());
            if (!kind) {
                r.error(*k, path + ".kind",
                        fmt::format("expected none, memgraph, neo4j, full_jitter, equal_jitter or "
                                    "decorrelated, got {}",
                                    shown(*k)));
                return;
            }
        }
    }
    // Without `kind`, the vocabulary decides: Neo4j's names mean the Neo4j policy.
    if (!kind) {
        bool neo = false, mg = false;
        for (auto key : neo4j_retry_keys) neo = neo || config_reader::child(n, key).has_value();
        for (auto key : memgraph_retry_keys)
            if (key != "max_retries") mg = mg || config_reader::child(n, key).has_value();
        if (neo && mg) {
            r.error(n, path,
                    "mixes the Memgraph guide's settings (initial_wait_time, backoff_factor, "
                    "jitter) with the Neo4j drivers' (initial_retry_delay, ...): set kind");
            return;
        }
        if (config_reader::child(n, "base")) {
            r.error(n, path, "'base' needs kind: full_jitter, equal_jitter or decorrelated");
            return;
        }
        kind = neo ? bolt::retry_kind::neo4j : bolt::retry_kind::memgraph;
    }
    out = retry_spec{*kind, {}};
    const auto own = settings_of(*kind);
    std::map<std::string, Node> where;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const Node key_node = it->first;  // copies: `it->` yields a temporary pair
        const Node v = it->second;
        if (!key_node.IsScalar()) continue;
        const std::string key = key_node.Scalar();
        if (key == "kind" || !contains(retry_keys, key)) continue;
        const std::string kp = path + "." + key;
        if (v.IsNull()) continue;
        if (!contains(own, key)) {
            r.error(
                key_node, kp,
                fmt::format("not a setting of the {} policy (it reads: {})", bolt::to_string(*kind),
                            own.empty() ? std::string("nothing")
                                        : fmt::format("{}", fmt::join(own, ", "))));
            continue;
        }
        if (!r.scalar(v, kp, "a number")) continue;
        auto d = parse_double(v.Scalar());
        if (!d) {
            r.error(v, kp, fmt::format("expected a number, got {}", shown(v)));
            continue;
        }
        out.settings[key] = *d;
        where[key] = v;
    }
    std::vector<std::string> problems;
    const bolt::retry_policy policy = to_retry_policy(out, &problems);
    for (const auto& p : policy.validate()) problems.push_back(p);
    for (const auto& p : problems) {
        // The client's messages start with the setting's name: point at that value if given.
        const std::string first = p.substr(0, p.find(' '));
        if (auto w = where.find(first); w != where.end()) {
            r.error(w->second, path + "." + first, p);
        } else {
            r.error(n, path, p);
        }
    }
}

std::optional<column_type> parse_column_type_name(std::string_view s) {
    const std::string l = lower(s);
    if (l == "integer" || l == "int64") return column_type::integer;
    if (l == "boolean") return column_type::boolean;
    if (l == "str" || l == "text") return column_type::string_;
    if (l == "double") return column_type::float_;
    return parse_column_type(l);
}

/// `path`: one file, a glob, or a list of them; every file relative to the config's folder, the
/// whole list sorted and without repeats (chunk ids follow the order, so it must not depend on
/// how the list was written).
void read_csv_paths(config_reader& r, const Node& n, const std::string& path, csv_spec& s,
                    const std::filesystem::path& base) {
    const auto node = config_reader::child(n, "path");
    if (!node || (node->IsScalar() && node->Scalar().empty()) || (node->IsSequence() && node->size() == 0)) {
        r.error(n, path, "needs a path (relative to the config file's folder)");
        return;
    }
    std::vector<Node> items;
    if (node->IsSequence())
        for (std::size_t i = 0; i < node->size(); ++i) items.push_back((*node)[i]);
    else
        items.push_back(*node);
    std::vector<std::string> files;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string ip = node->IsSequence() ? fmt::format("{}.path[{}]", path, i) : path + ".path";
        if (!items[i].IsScalar() || items[i].Scalar().empty()) {
            r.error(items[i], ip, fmt::format("expected a file name or glob, got {}", shown(items[i])));
            continue;
        }
        const std::string p = (base / items[i].Scalar()).lexically_normal().string();
        if (is_glob(items[i].Scalar())) {
            auto matched = glob_files(p);
            if (matched.empty() && r.options().check_files)
                r.error(items[i], ip, fmt::format("no file matches {}", p));
            if (r.options().check_files)
                for (const auto& f : matched)
                    if (auto problem = unreadable_input(f)) r.error(items[i], ip, *problem);
            if (matched.empty()) matched.push_back(p);
            files.insert(files.end(), matched.begin(), matched.end());
            continue;
        }
        if (r.options().check_files)
            if (auto problem = unreadable_input(p)) r.error(items[i], ip, *problem);
        files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    if (files.empty()) return;
    s.path = files.front();
    if (files.size() > 1) s.files = std::move(files);
}

void read_csv(config_reader& r, const Node& n, const std::string& path, csv_spec& s,
              const std::filesystem::path& base) {
    if (!r.check_map(n, path, csv_keys)) return;
    read_csv_paths(r, n, path, s, base);
    r.get_char(n, "delimiter", path, s.delimiter);
    // `quote: ""` turns quoting off: quote characters are plain data ('\0' for the reader).
    if (auto q = config_reader::child(n, "quote"); q && q->IsScalar() && q->Scalar().empty())
        s.quote = '\0';
    else
        r.get_char(n, "quote", path, s.quote);
    r.get_bool(n, "header", path, s.header);
    if (auto b = config_reader::child(n, "max_row_bytes")) {
        if (r.scalar(*b, path + ".max_row_bytes", "a size")) {
            auto sz = parse_size(b->Scalar());
            if (!sz || *sz < 1)
                r.error(*b, path + ".max_row_bytes",
                        fmt::format("expected a positive size in bytes (or with KiB, MiB, GiB), got {}", shown(*b)));
            else
                s.max_row_bytes = static_cast<std::uint64_t>(*sz);
        }
    }
    if (s.delimiter == s.quote)
        r.error(n, path, "the delimiter and the quote must be different characters");
    if (s.delimiter == '\n' || s.delimiter == '\r' || s.quote == '\n' || s.quote == '\r')
        r.error(n, path, "the delimiter and the quote cannot be line ends");
    if (auto cols = config_reader::child(n, "columns")) {
        const std::string cp = path + ".columns";
        if (!cols->IsSequence()) {
            r.error(*cols, cp, fmt::format("expected a list of columns, got {}", shown(*cols)));
        } else {
            std::map<std::string, bool> names;
            for (std::size_t i = 0; i < cols->size(); ++i) {
                const Node c = (*cols)[i];
                const std::string ip = fmt::format("{}[{}]", cp, i);
                column_spec col;
                if (c.IsScalar()) {  // `- name`: a string column
                    col.name = c.Scalar();
                } else if (r.check_map(c, ip, column_keys)) {
                    r.get_string(c, "name", ip, col.name);
                    if (auto t = config_reader::child(c, "type")) {
                        if (r.scalar(*t, ip + ".type", "a column type")) {
                            if (auto ct = parse_column_type_name(t->Scalar())) {
                                col.type = *ct;
                            } else {
                                r.error(*t, ip + ".type",
                                        fmt::format("expected int, float, string, bool, list, "
                                                    "date, datetime or skip, got {}",
                                                    shown(*t)));
                            }
                        }
                    }
                    if (auto t = config_reader::child(c, "element")) {
                        if (r.scalar(*t, ip + ".element", "a column type")) {
                            auto ct = parse_column_type_name(t->Scalar());
                            if (ct && *ct != column_type::list && *ct != column_type::skip) {
                                col.element_type = *ct;
                            } else {
                                r.error(*t, ip + ".element",
                                        fmt::format("expected int, float, string, bool, date or "
                                                    "datetime, got {}",
                                                    shown(*t)));
                            }
                            if (col.type != column_type::list)
                                r.error(*t, ip + ".element", "only a list column has elements");
                        }
                    }
                    r.get_char(c, "separator", ip, col.list_separator);
                    if (config_reader::child(c, "separator") && col.type != column_type::list)
                        r.error(*config_reader::child(c, "separator"), ip + ".separator",
                                "only a list column has a separator");
                    if (col.type == column_type::list && col.list_separator == s.delimiter)
                        r.error(c, ip, "the list separator must differ from the delimiter");
                    r.get_bool(c, "null_on_empty", ip, col.null_on_empty);
                } else {
                    continue;
                }
                if (col.name.empty() && col.type != column_type::skip && !s.header) {
                    // With a header, an unnamed column takes the header's name.
                    r.error(c, ip,
                            "without a header, a column needs a name (only a skip column may "
                            "have none)");
                } else if (!col.name.empty() && !names.emplace(col.name, true).second) {
                    r.error(c, ip, fmt::format("duplicate column name '{}'", col.name));
                }
                s.columns.push_back(std::move(col));
            }
        }
    }
    if (!s.header && s.columns.empty())
        r.error(n, path, "without a header, columns must name every field");
}

/// "zipf", "zipf(1.2)", "hotspot(10, 0.9)", "uniform", "sequential".
bool parse_distribution(std::string_view text, key_distribution& out, std::string& err) {
    std::string s = lower(text);
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    std::string name = s;
    std::vector<std::string> args;
    if (auto open = s.find('('); open != std::string::npos) {
        if (s.back() != ')') {
            err = "a missing ')'";
            return false;
        }
        name = s.substr(0, open);
        std::string inner = s.substr(open + 1, s.size() - open - 2);
        std::stringstream ss(inner);
        std::string a;
        while (std::getline(ss, a, ',')) args.push_back(a);
        if (inner.empty()) args.clear();
    }
    auto kind = parse_distribution_kind(name);
    if (!kind) {
        err = "an unknown distribution";
        return false;
    }
    out = key_distribution{};
    out.kind = *kind;
    switch (*kind) {
        case distribution_kind::sequential:
        case distribution_kind::uniform:
            if (!args.empty()) {
                err = fmt::format("{} takes no arguments", name);
                return false;
            }
            return true;
        case distribution_kind::zipf: {
            if (args.size() > 1) {
                err = "zipf takes one argument, the exponent s";
                return false;
            }
            if (args.size() == 1) {
                auto v = parse_double(args[0]);
                if (!v || *v <= 0) {
                    err = "zipf's exponent s must be a positive number";
                    return false;
                }
                out.zipf_s = *v;
            }
            return true;
        }
        case distribution_kind::hotspot: {
            if (args.size() == 1 || args.size() > 2) {
                err = "hotspot takes two arguments: the number of hot keys k and their share p";
                return false;
            }
            if (args.size() == 2) {
                auto k = parse_integer<std::int64_t>(args[0]);
                auto p = parse_double(args[1]);
                if (!k || *k < 1) {
                    err = "hotspot's k (the number of hot keys) must be a positive integer";
                    return false;
                }
                if (!p || *p < 0 || *p > 1) {
                    err = "hotspot's p (the hot keys' share of draws) must be between 0 and 1";
                    return false;
                }
                out.hotspot_keys = *k;
                out.hotspot_probability = *p;
            }
            return true;
        }
    }
    return false;
}

void read_generate(config_reader& r, const Node& n, const std::string& path, generate_spec& g) {
    if (!r.check_map(n, path, generate_keys)) return;
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    if (auto e = config_reader::child(n, "entity")) {
        if (r.scalar(*e, path + ".entity", "nodes or relationships")) {
            if (auto k = parse_entity(lower(e->Scalar()))) {
                g.kind = *k;
            } else {
                r.error(*e, path + ".entity",
                        fmt::format("expected nodes or relationships, got {}", shown(*e)));
            }
        }
    }
    if (!config_reader::child(n, "count")) r.error(n, path, "needs a count (rows to generate)");
    r.get_int(n, "count", path, g.count, 1, max, "a positive integer");
    r.get_int(n, "repeat", path, g.repeat, 1, max, "a positive integer");
    if (g.count > 0 && g.repeat > max / g.count) r.error(n, path, "count × repeat is too large");
    r.get_int(n, "id_min", path, g.id_min, min, max, "an integer");
    std::int64_t id_max = 0;
    if (r.get_int(n, "id_max", path, id_max, min, max, "an integer")) {
        g.id_max = id_max;
        if (id_max < g.id_min)
            r.error(*config_reader::child(n, "id_max"), path + ".id_max",
                    fmt::format("must be >= id_min ({})", g.id_min));
    }
    if (auto d = config_reader::child(n, "distribution")) {
        const std::string dp = path + ".distribution";
        if (r.scalar(*d, dp, "a distribution")) {
            std::string err;
            if (!parse_distribution(d->Scalar(), g.keys, err)) {
                r.error(*d, dp,
                        fmt::format("expected sequential, uniform, zipf(s) or hotspot(k, p), "
                                    "got {}: {}",
                                    shown(*d), err));
            } else if (g.kind == generate_spec::entity::nodes &&
                       g.keys.kind != distribution_kind::sequential) {
                r.warn(*d, dp, "ignored for nodes: node ids are always id_min, id_min+1, ...");
            }
        }
    }
    if (auto props = config_reader::child(n, "properties")) {
        const std::string pp = path + ".properties";
        if (!props->IsSequence()) {
            r.error(*props, pp,
                    fmt::format("expected a list of properties, got {}", shown(*props)));
        } else {
            std::map<std::string, bool> names;
            for (std::size_t i = 0; i < props->size(); ++i) {
                const Node p = (*props)[i];
                const std::string ip = fmt::format("{}[{}]", pp, i);
                if (!r.check_map(p, ip, property_keys)) continue;
                generated_property prop;
                r.get_string(p, "name", ip, prop.name);
                if (prop.name.empty()) r.error(p, ip, "a property needs a name");
                if (!prop.name.empty() && !names.emplace(prop.name, true).second)
                    r.error(p, ip, fmt::format("duplicate property name '{}'", prop.name));
                const bool nodes = g.kind == generate_spec::entity::nodes;
                if ((nodes && prop.name == "id") ||
                    (!nodes && (prop.name == "a" || prop.name == "b")))
                    r.error(p, ip, fmt::format("'{}' is the generator's own key", prop.name));
                if (auto t = config_reader::child(p, "type")) {
                    if (r.scalar(*t, ip + ".type", "a property type")) {
                        std::string tl = lower(t->Scalar());
                        if (tl == "integer") tl = "int";
                        if (tl == "boolean") tl = "bool";
                        if (auto gt = parse_generated_type(tl)) {
                            prop.type = *gt;
                        } else {
                            r.error(*t, ip + ".type",
                                    fmt::format("expected int, float, string or bool, got {}",
                                                shown(*t)));
                        }
                    }
                }
                r.get_int(p, "min", ip, prop.min, min, max, "an integer");
                r.get_int(p, "max", ip, prop.max, min, max, "an integer");
                if (prop.max < prop.min)
                    r.error(p, ip, fmt::format("max ({}) must be >= min ({})", prop.max, prop.min));
                if (prop.type == generated_type::string_ && prop.min < 0)
                    r.error(p, ip, "a string's min length cannot be negative");
                g.properties.push_back(std::move(prop));
            }
        }
    }
    r.get_uint64(n, "seed", path, g.seed);
}

/// True when `query` names the parameter `$name` (not `$names`: the next character ends the word).
bool uses_parameter(std::string_view query, std::string_view name) {
    auto word = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    };
    for (std::size_t at = query.find('$'); at != std::string_view::npos;
         at = query.find('$', at + 1)) {
        const std::string_view rest = query.substr(at + 1);
        if (rest.starts_with(name) && (rest.size() == name.size() || !word(rest[name.size()])))
            return true;
    }
    return false;
}

/// The query parameter that carries the rows: "batch" or "rows".
void check_query(config_reader& r, const Node& at, const std::string& path, phase_work& w) {
    const bool batch = uses_parameter(w.query, "batch");
    const bool rows = uses_parameter(w.query, "rows");
    if (batch && rows) {
        r.error(at, path, "uses both $batch and $rows: the rows are passed as one of them");
    } else if (!batch && !rows) {
        r.error(at, path,
                "must take the batch's rows as $batch or $rows (e.g. UNWIND $batch AS row "
                "CREATE ...)");
    } else {
        w.parameter = batch ? "batch" : "rows";
    }
}

/// `schedule:` and its `mix_and_batch:` block.
void read_schedule(config_reader& r, const Node& n, const std::string& path, phase_config& ph) {
    if (auto s = config_reader::child(n, "schedule")) {
        if (r.scalar(*s, path + ".schedule", "free or mix_and_batch")) {
            const std::string v = lower(s->Scalar());
            if (v == "free") {
                ph.schedule = schedule_kind::free;
            } else if (v == "mix_and_batch") {
                ph.schedule = schedule_kind::mix_and_batch;
            } else {
                r.error(*s, path + ".schedule", fmt::format("expected free or mix_and_batch, got {}", shown(*s)));
            }
        }
    }
    const auto m = config_reader::child(n, "mix_and_batch");
    const std::string mp = path + ".mix_and_batch";
    if (const auto* g = std::get_if<generate_spec>(&ph.work.source);
        g && g->kind == generate_spec::entity::nodes && ph.schedule == schedule_kind::mix_and_batch)
        r.error(config_reader::child(n, "schedule").value_or(n), path + ".schedule",
                "mix_and_batch schedules relationships; this phase generates nodes (they do not conflict)");
    if (!m) return;
    if (ph.schedule != schedule_kind::mix_and_batch) r.warn(*m, mp, "ignored: the phase's schedule is not mix_and_batch");
    if (!r.check_map(*m, mp, mix_keys)) return;
    mix_and_batch_config& mix = ph.mix;
    if (auto e = config_reader::child(*m, "endpoints")) {
        if (r.check_map(*e, mp + ".endpoints", endpoint_keys)) {
            r.get_string(*e, "source", mp + ".endpoints", mix.source_field);
            r.get_string(*e, "target", mp + ".endpoints", mix.target_field);
            if (mix.source_field.empty() != mix.target_field.empty())
                r.error(*e, mp + ".endpoints", "needs both source and target (the row fields of the two node keys)");
        }
    }
    if (auto s = config_reader::child(*m, "structure")) {
        if (r.scalar(*s, mp + ".structure", "monopartite or bipartite")) {
            if (auto v = mnb::parse_structure(lower(s->Scalar())))
                mix.structure = *v;
            else
                r.error(*s, mp + ".structure", fmt::format("expected monopartite or bipartite, got {}", shown(*s)));
        }
    }
    if (auto g = config_reader::child(*m, "groups"); g && !(g->IsScalar() && lower(g->Scalar()) == "auto"))
        r.get_int(*m, "groups", mp, mix.groups, 1, 4096, "a positive integer (at most 4096) or auto");
    if (auto g = config_reader::child(*m, "grouping")) {
        if (r.scalar(*g, mp + ".grouping", "greedy or hash")) {
            if (auto v = mnb::parse_grouping(lower(g->Scalar())))
                mix.grouping = *v;
            else
                r.error(*g, mp + ".grouping", fmt::format("expected greedy or hash, got {}", shown(*g)));
        }
    }
    r.get_string(*m, "spill_dir", mp, mix.spill_dir);
}

void read_phase(config_reader& r, const Node& n, std::size_t index, run_config& cfg,
                const std::filesystem::path& base) {
    const std::string path = fmt::format("phases[{}]", index);
    phase_config ph;
    ph.location = r.location(n);
    if (!r.check_map(n, path, phase_keys, phase_hints)) return;
    phase_work& w = ph.work;
    w.name = fmt::format("phase{}", index + 1);
    r.get_string(n, "name", path, w.name);
    if (w.name.empty())
        r.error(*config_reader::child(n, "name"), path + ".name", "must not be empty");
    for (const auto& other : cfg.phases) {
        if (other.work.name == w.name)
            r.error(config_reader::child(n, "name").value_or(n), path + ".name",
                    fmt::format("another phase is already named '{}'", w.name));
    }
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    bool csv = false;
    if (auto s = config_reader::child(n, "source")) {
        const std::string sp = path + ".source";
        if (r.check_map(*s, sp, source_keys)) {
            auto c = config_reader::child(*s, "csv");
            auto g = config_reader::child(*s, "generate");
            if (c && g) {
                r.error(*s, sp, "needs exactly one of csv and generate");
            } else if (c) {
                csv_spec spec;
                read_csv(r, *c, sp + ".csv", spec, base);
                w.source = std::move(spec);
                csv = true;
            } else if (g) {
                generate_spec spec;
                read_generate(r, *g, sp + ".generate", spec);
                w.source = std::move(spec);
            } else {
                r.error(*s, sp, "needs csv: or generate:");
            }
        }
    } else {
        r.error(n, path, "needs a source (csv: or generate:)");
    }
    if (auto q = config_reader::child(n, "query")) {
        if (r.scalar(*q, path + ".query", "a Cypher query")) {
            w.query = q->Scalar();
            check_query(r, *q, path + ".query", w);
        }
    } else {
        r.error(n, path, "needs a query (using $batch or $rows)");
    }
    r.get_int(n, "batch_size", path, w.batch_size, 1, max, "a positive integer");
    r.get_int(n, "workers", path, ph.workers, 1, 4096, "a positive integer (at most 4096)");
    const bool rows_given =
        r.get_int(n, "chunk_rows", path, ph.chunk_rows, 1, max, "a positive integer");
    if (!rows_given) ph.chunk_rows = w.batch_size > max / 10 ? max : w.batch_size * 10;
    if (auto b = config_reader::child(n, "chunk_bytes")) {
        if (r.scalar(*b, path + ".chunk_bytes", "a size")) {
            auto sz = parse_size(b->Scalar());
            if (!sz || *sz < 1) {
                r.error(*b, path + ".chunk_bytes",
                        fmt::format("expected a positive size in bytes (or with KiB, MiB, GiB), "
                                    "got {}",
                                    shown(*b)));
            } else {
                ph.chunk_bytes = *sz;
            }
        }
        if (!csv) r.warn(*b, path + ".chunk_bytes", "ignored: the source is not CSV");
    }
    if (rows_given && csv)
        r.warn(*config_reader::child(n, "chunk_rows"), path + ".chunk_rows",
               "ignored: CSV chunks are cut by chunk_bytes");
    r.get_int(n, "max_in_flight", path, ph.max_in_flight, 1, 1024,
              "a positive integer (at most 1024)");
    if (auto t = config_reader::child(n, "transaction")) {
        if (r.scalar(*t, path + ".transaction", "a transaction mode")) {
            if (auto m = parse_transaction_mode(lower(t->Scalar()))) {
                w.transaction = *m;
            } else {
                r.error(*t, path + ".transaction",
                        fmt::format("expected explicit, managed or implicit, got {}", shown(*t)));
            }
        }
    }
    if (auto rb = config_reader::child(n, "retry")) {
        ph.retry_given = true;
        read_retry(r, *rb, path + ".retry", w.retry);
        if (w.transaction == transaction_mode::implicit && w.retry.kind != bolt::retry_kind::none) {
            r.warn(*rb, path + ".retry",
                   "ignored: implicit (auto-commit) transactions are never retried; use "
                   "explicit or managed to retry conflicts");
        }
    }
    if (w.transaction == transaction_mode::implicit)
        w.retry = retry_spec{bolt::retry_kind::none, {}};
    r.get_int(n, "max_failed_batches", path, ph.max_failed_batches, 0, max,
              "a non-negative integer");
    r.get_string(n, "dead_letter", path, ph.dead_letter);
    if (ph.dead_letter.empty())
        ph.dead_letter = fmt::format("{}.dead-letter.{}", w.name, csv ? "csv" : "jsonl");
    r.get_bool(n, "idempotent", path, ph.work.idempotent);
    if (auto b = config_reader::child(n, "on_bad_row")) {
        if (r.scalar(*b, path + ".on_bad_row", "stop or skip")) {
            if (auto p = parse_bad_row_policy(lower(b->Scalar())))
                w.on_bad_row = *p;
            else
                r.error(*b, path + ".on_bad_row", fmt::format("expected stop or skip, got {}", shown(*b)));
            if (w.on_bad_row == bad_row_policy::skip && !csv)
                r.warn(*b, path + ".on_bad_row", "ignored: generated rows are never bad");
        }
    }
    if (r.get_int(n, "max_bad_rows", path, ph.max_bad_rows, 0, max, "a non-negative integer") &&
        w.on_bad_row != bad_row_policy::skip)
        r.warn(*config_reader::child(n, "max_bad_rows"), path + ".max_bad_rows",
               "ignored: it counts the bad rows that on_bad_row: skip lets through (the default, stop, stops at the first)");
    read_schedule(r, n, path, ph);
    if (ph.mix.spill_dir.empty())  // in the directory boltload runs in, like the journal
        ph.mix.spill_dir = fmt::format("{}.{}.spill", std::filesystem::path(cfg.file).filename().string(), w.name);
    r.get_statements(n, "before", path, ph.before);
    r.get_statements(n, "after", path, ph.after);
    cfg.phases.push_back(std::move(ph));
}

void read_verify(config_reader& r, const Node& n, run_config& cfg) {
    if (!n.IsSequence()) {
        r.error(n, "verify", fmt::format("expected a list of checks, got {}", shown(n)));
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const Node v = n[i];
        const std::string path = fmt::format("verify[{}]", i);
        if (!r.check_map(v, path, verify_keys)) continue;
        verify_check c;
        c.location = r.location(v);
        if (!config_reader::child(v, "query")) r.error(v, path, "needs a query");
        r.get_string(v, "query", path, c.query);
        if (!config_reader::child(v, "expect"))
            r.error(v, path, "needs expect (the count the query must return)");
        r.get_int(v, "expect", path, c.expect, 0, std::numeric_limits<std::int64_t>::max(),
                  "a non-negative integer");
        cfg.verify.push_back(std::move(c));
    }
}

// ---- overrides ---------------------------------------------------------------------------------

/// "phases[0].retry.jitter" and "phases.0.retry.jitter" → {"phases", "0", "retry", "jitter"}.
std::vector<std::string> split_key_path(std::string_view key) {
    std::string s;
    for (char c : key) {
        if (c == '[') {
            s += '.';
        } else if (c != ']') {
            s += c;
        }
    }
    std::vector<std::string> parts;
    std::stringstream ss(s);
    std::string part;
    while (std::getline(ss, part, '.')) parts.push_back(part);
    return parts;
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() < 9 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The item of a list that `part` names: its index, or for the phases list a phase's name (a phase
/// without `name` is "phase<N>", as the reader names it). An error message when none is.
std::variant<std::size_t, std::string> list_item(const Node& list, std::string_view display,
                                                 const std::string& part) {
    if (all_digits(part) && std::stoul(part) < list.size()) return std::stoul(part);
    if (display == "phases" && !all_digits(part)) {
        std::vector<std::string> names;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const Node item = list[i];
            const Node name = item.IsMap() ? item["name"] : Node();
            names.push_back(name.IsDefined() && name.IsScalar() ? name.Scalar() : fmt::format("phase{}", i + 1));
            if (names.back() == part) return i;
        }
        std::vector<std::string_view> known(names.begin(), names.end());
        const auto near = nearest(part, known);
        return fmt::format("no phase is named '{}'{} (phases: {}; or give an index)", part,
                           near ? fmt::format(" (did you mean '{}'?)", *near) : std::string(),
                           fmt::join(names, ", "));
    }
    return fmt::format("'{}' is a list of {}; '{}' is not an index in it", display, list.size(), part);
}

/// Puts `value` at the key path `key` (creating mappings on the way); `label` starts error
/// messages. Sets `display` ("phases[1].retry.kind") and returns nullopt, or returns the error.
std::optional<std::string> place(Node& root, std::string_view key, const Node& value, std::string_view label,
                                 std::string& display) {
    const std::vector<std::string> parts = split_key_path(key);
    if (parts.empty() ||
        std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); }))
        return fmt::format("{}: the key path has an empty part", label);
    if (!root.IsMap() && !root.IsNull() && root.IsDefined())
        return fmt::format("{}: the file's top level is not a mapping", label);
    display.clear();
    Node cur;
    cur.reset(root);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        const bool last = i + 1 == parts.size();
        Node next;
        if (cur.IsSequence()) {
            const auto item = list_item(cur, display, part);
            if (const auto* err = std::get_if<std::string>(&item)) return fmt::format("{}: {}", label, *err);
            const std::size_t idx = std::get<std::size_t>(item);
            display += fmt::format("[{}]", idx);
            if (last) {
                cur[idx] = value;
                return std::nullopt;
            }
            next.reset(cur[idx]);
        } else if (cur.IsMap() || cur.IsNull() || !cur.IsDefined()) {
            display += display.empty() ? part : "." + part;
            if (last) {
                cur[part] = value;
                return std::nullopt;
            }
            Node existing = cur[part];
            if (!existing.IsDefined() || existing.IsNull()) {
                cur[part] = Node(NodeType::Map);
            }
            next.reset(cur[part]);
        } else {
            return fmt::format("{}: '{}' is a single value, it has no '{}'", label, display, part);
        }
        cur.reset(next);
    }
    return std::nullopt;
}

/// A value's YAML text as a node: "[1, 2]" a list, "'007'" a string; text that is not YAML on its
/// own is the plain string it probably is.
Node value_node(const std::string& text) {
    try {
        return text.empty() ? Node(std::string()) : YAML::Load(text);
    } catch (const YAML::Exception&) {
        return Node(text);
    }
}

/// Applies one `key.path=value`; returns its display path, or an error message.
std::optional<std::string> apply_override(Node& root, const std::string& assignment,
                                          std::string& display) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
        return fmt::format("--set {}: expected key.path=value", assignment);
    return place(root, assignment.substr(0, eq), value_node(assignment.substr(eq + 1)),
                 fmt::format("--set {}", assignment), display);
}

/// Applies --set overrides, then placed values, to the tree: the entries for messages, or the
/// problems of those that do not fit.
std::vector<override_entry> apply_all(Node& root, const load_options& options, std::vector<std::string>& problems) {
    std::vector<override_entry> out;
    for (const auto& o : options.overrides) {
        std::string display;
        if (auto err = apply_override(root, o, display))
            problems.push_back(*err);
        else
            out.push_back({o, display, {}});
    }
    for (const auto& v : options.values) {
        std::string display;
        const std::string text = fmt::format("{}={}", v.key_path, v.yaml);
        const std::string label = v.origin.empty() ? "--set " + text : fmt::format("{}: {}", v.origin, v.key_path);
        if (auto err = place(root, v.key_path, value_node(v.yaml), label, display))
            problems.push_back(*err);
        else
            out.push_back({text, display, v.origin});
    }
    return out;
}

/// Node at a display path ("phases[1].retry"), or an undefined node.
Node node_at(const Node& root, std::string_view display) {
    Node cur;
    cur.reset(root);
    for (const auto& part : split_key_path(display)) {
        Node next;
        if (cur.IsSequence() && all_digits(part) && std::stoul(part) < cur.size())
            next.reset(cur[std::stoul(part)]);
        else if (cur.IsMap() && cur[part].IsDefined())
            next.reset(cur[part]);
        else
            return Node(NodeType::Undefined);
        cur.reset(next);
    }
    return cur;
}

/// An override that changes a retry `kind` drops the settings of that block which came from the
/// file and which the new kind does not read: the user changed the kind alone, and the old kind's
/// settings would otherwise make the block invalid. Returns one warning per block.
std::vector<std::string> drop_other_kinds_settings(Node& root, const std::vector<override_entry>& applied) {
    std::vector<std::string> warnings;
    std::set<std::string> placed;
    for (const auto& e : applied) placed.insert(e.display);
    for (const auto& e : applied) {
        if (!e.display.ends_with("retry.kind")) continue;
        const std::string block_path = e.display.substr(0, e.display.size() - std::string_view(".kind").size());
        Node block = node_at(root, block_path);
        const Node kind_node = node_at(root, e.display);
        if (!block.IsMap() || !kind_node.IsScalar()) continue;
        const auto kind = bolt::parse_retry_kind(kind_node.Scalar());
        if (!kind) continue;  // the reader reports it
        const auto own = settings_of(*kind);
        std::vector<std::string> dropped;
        for (auto it = block.begin(); it != block.end(); ++it) {
            const Node k = it->first;
            if (!k.IsScalar() || k.Scalar() == "kind" || contains(own, k.Scalar()) ||
                !contains(retry_keys, k.Scalar()) || placed.contains(block_path + "." + k.Scalar()))
                continue;
            dropped.push_back(k.Scalar());
        }
        for (const auto& k : dropped) block.remove(k);
        if (!dropped.empty())
            warnings.push_back(fmt::format("{}: {}: {} not read by the {} policy: dropped (it uses its own "
                                           "defaults)",
                                           e.origin.empty() ? "--set " + e.text : e.origin, block_path,
                                           fmt::join(dropped, ", "), kind_node.Scalar()));
    }
    return warnings;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw config_error({fmt::format("{}: cannot read the file", file.string())});
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

// ---- public ------------------------------------------------------------------------------------

std::string unknown_key_message(std::string_view key, const std::vector<std::string_view>& known) {
    if (auto n = nearest(key, known)) return fmt::format("unknown key '{}' (did you mean '{}'?)", key, *n);
    return fmt::format("unknown key '{}' (known here: {})", key, fmt::join(known, ", "));
}

std::string config_location::to_string() const {
    if (line == 0) return file;
    return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string join_problems(const std::vector<std::string>& p) {
    std::string s;
    for (const auto& x : p) s += (s.empty() ? "" : "\n") + x;
    return s;
}
}  // namespace

config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

run_config load_config(const std::filesystem::path& file, const load_options& options) {
    return parse_config(read_file(file), file, options);
}

run_config parse_config(std::string_view yaml, const std::filesystem::path& file,
                        const load_options& options) {
    const std::string shown_file = file.string();
    Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        const YAML::Mark& m = e.mark;
        std::string msg = e.msg;
        // The usual cause: a Cypher map such as {id: row.id} in an unquoted one-line query.
        if (msg == YAML::ErrorMsg::MAP_VALUE)
            msg +=
                " (a value containing ': ', such as a Cypher map {id: row.id}, must be quoted "
                "or written as a block: 'query: |' and the query on the next lines)";
        if (m.is_null()) throw config_error({fmt::format("{}: {}", shown_file, msg)});
        throw config_error(
            {fmt::format("{}:{}:{}: {}", shown_file, m.line + 1, m.column + 1, msg)});
    }

    std::vector<std::string> problems;
    const std::vector<override_entry> overrides = apply_all(root, options, problems);
    std::vector<std::string> dropped = drop_other_kinds_settings(root, overrides);

    config_reader r(shown_file, overrides, options);
    r.problems = std::move(problems);
    r.warnings = std::move(dropped);
    run_config cfg;
    cfg.file = shown_file;
    cfg.base_dir = file.parent_path();
    const std::filesystem::path& base = cfg.base_dir;

    if (!root.IsDefined() || root.IsNull()) {
        r.problems.push_back(
            fmt::format("{}: the file is empty: it needs at least phases:", shown_file));
        throw config_error(std::move(r.problems));
    }
    if (r.check_map(root, "", top_keys)) {
        if (auto c = config_reader::child(root, "connection")) read_connection(r, *c, cfg, base);
        if (auto e = config_reader::child(root, "embedded")) read_embedded(r, *e, cfg);
        r.get_statements(root, "before", "", cfg.before);
        r.get_statements(root, "after", "", cfg.after);
        if (auto p = config_reader::child(root, "phases")) {
            if (!p->IsSequence()) {
                r.error(*p, "phases", fmt::format("expected a list of phases, got {}", shown(*p)));
            } else if (p->size() == 0) {
                r.error(*p, "phases", "the list is empty: a config needs at least one phase");
            } else {
                for (std::size_t i = 0; i < p->size(); ++i) read_phase(r, (*p)[i], i, cfg, base);
            }
        } else {
            r.error(root, "phases", "missing: a config needs at least one phase");
        }
        if (auto v = config_reader::child(root, "verify")) read_verify(r, *v, cfg);
        r.get_optional_string(root, "report", "", cfg.report);
        r.get_optional_string(root, "report_html", "", cfg.report_html);
        r.get_optional_string(root, "journal", "", cfg.journal);
        if (auto c = config_reader::child(root, "checkpoint")) {
            // The write-on-exit checkpoint became the run journal; old configs keep working.
            if (cfg.journal) {
                r.error(*c, "checkpoint", "give either journal or its old name checkpoint, not both");
            } else {
                r.get_optional_string(root, "checkpoint", "", cfg.journal);
                r.warn(*c, "checkpoint", "renamed to 'journal' (the run journal --resume continues from)");
            }
        }
        std::uint64_t seed = 0;
        if (r.get_uint64(root, "seed", "", seed)) cfg.seed = seed;
        if (auto p = config_reader::child(root, "progress")) {
            if (r.scalar(*p, "progress", "true, false or auto")) {
                if (lower(p->Scalar()) == "auto") {
                    cfg.progress = progress_mode::auto_;
                } else if (auto b = parse_bool(p->Scalar())) {
                    cfg.progress = *b ? progress_mode::on : progress_mode::off;
                } else {
                    r.error(*p, "progress",
                            fmt::format("expected true, false or auto, got {}", shown(*p)));
                }
            }
        }
    }
    if (!r.problems.empty()) throw config_error(std::move(r.problems));
    cfg.warnings = std::move(r.warnings);
    return cfg;
}

std::string changed_sections_yaml(std::string_view yaml, const std::filesystem::path& file,
                                  const std::vector<placed_value>& values) {
    Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw config_error({fmt::format("{}: {}", file.string(), e.msg)});
    }
    load_options o;
    o.values = values;
    std::vector<std::string> problems;
    const auto applied = apply_all(root, o, problems);
    if (!problems.empty()) throw config_error(std::move(problems));
    drop_other_kinds_settings(root, applied);
    // Which sections: (phase index or none, top-level or phase key), in the order first changed.
    std::vector<std::pair<std::optional<std::size_t>, std::string>> sections;
    for (const auto& e : applied) {
        const auto parts = split_key_path(e.display);
        std::pair<std::optional<std::size_t>, std::string> s{std::nullopt, parts[0]};
        if (parts[0] == "phases" && parts.size() >= 3) s = {std::stoul(parts[1]), parts[2]};
        if (std::find(sections.begin(), sections.end(), s) == sections.end()) sections.push_back(s);
    }
    Node out(NodeType::Map);
    std::map<std::size_t, Node> phases;
    for (const auto& [phase, key] : sections) {
        if (!phase) {
            out[key] = root[key];
            continue;
        }
        auto [it, fresh] = phases.try_emplace(*phase, Node(NodeType::Map));
        const Node entry = root["phases"][*phase];
        if (fresh && entry["name"].IsDefined()) it->second["name"] = entry["name"];
        it->second[key] = entry[key];
    }
    if (!phases.empty()) {
        Node list(NodeType::Sequence);
        for (auto& [index, node] : phases) list.push_back(node);
        out["phases"] = list;
    }
    YAML::Emitter emit;
    emit << out;
    return std::string(emit.c_str()) + "\n";
}

bolt::retry_policy retry_policy_of(const phase_config& phase) {
    return to_retry_policy(phase.work.retry);
}

std::string_view to_string(embedded_storage_mode m) {
    return m == embedded_storage_mode::in_memory_analytical ? "in_memory_analytical"
                                                            : "in_memory_transactional";
}

std::string_view to_string(embedded_edge_rule r) {
    return r == embedded_edge_rule::non_sequential ? "non_sequential" : "sequential";
}

std::string_view to_string(schedule_kind k) { return k == schedule_kind::free ? "free" : "mix_and_batch"; }

std::string_view to_string(progress_mode m) {
    switch (m) {
        case progress_mode::on:
            return "true";
        case progress_mode::off:
            return "false";
        case progress_mode::auto_:
            break;
    }
    return "auto";
}

const std::vector<std::string>& known_key_paths() {
    static const std::vector<std::string> paths = [] {
        std::vector<std::string> out;
        auto add = [&](std::string_view prefix, const std::vector<std::string_view>& keys) {
            for (auto k : keys)
                out.push_back(prefix.empty() ? std::string(k) : fmt::format("{}.{}", prefix, k));
        };
        add("", top_keys);
        add("connection", connection_keys);
        add("connection.auth", auth_keys);
        add("connection.tls", tls_keys);
        add("embedded", embedded_keys);
        add("embedded.faults", fault_keys);
        add("phases[]", phase_keys);
        add("phases[].source", source_keys);
        add("phases[].source.csv", csv_keys);
        add("phases[].source.csv.columns[]", column_keys);
        add("phases[].source.generate", generate_keys);
        add("phases[].source.generate.properties[]", property_keys);
        add("phases[].retry", retry_keys);
        add("phases[].mix_and_batch", mix_keys);
        add("phases[].mix_and_batch.endpoints", endpoint_keys);
        add("verify[]", verify_keys);
        add("sweep", sweep::block_keys);
        return out;
    }();
    return paths;
}

}  // namespace boltload
