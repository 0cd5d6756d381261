// FAILURE classification (the Python driver's rules, in one place), credential redaction, and
// the error constructors that apply both.
#include "bolt/errors.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "bolt/value.hpp"

namespace bolt {

namespace {

constexpr std::string_view unknown_code = "Neo.DatabaseError.General.UnknownError";
constexpr std::string_view unknown_message = "An unknown error occurred";

struct code_rewrite {
    std::string_view from;
    std::string_view to;
    error_class cls;
};

// PY exceptions.py ERROR_REWRITE_MAP, plus the two cluster ClientErrors that PY maps to
// TransientError subclasses (NotALeader, ForbiddenOnReadOnlyDatabase): the writer moved, so a
// retry on a fresh routing table can succeed. Their code stays as the server sent it.
constexpr std::array<code_rewrite, 5> rewrites{{
    {"Neo.ClientError.Cluster.NotALeader", "Neo.ClientError.Cluster.NotALeader", error_class::transient},
    {"Neo.ClientError.General.ForbiddenOnReadOnlyDatabase",
     "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase", error_class::transient},
    {"Neo.ClientError.Security.AuthorizationExpired",
     "Neo.ClientError.Security.AuthorizationExpired", error_class::transient},
    {"Neo.TransientError.Transaction.Terminated", "Neo.ClientError.Transaction.Terminated",
     error_class::client},
    {"Neo.TransientError.Transaction.LockClientStopped",
     "Neo.ClientError.Transaction.LockClientStopped", error_class::client},
}};

// PY client_errors entries that are AuthError (or its TokenExpired subclass), plus Memgraph's.
constexpr std::array<std::string_view, 4> auth_codes{
    "Neo.ClientError.Security.Unauthorized",
    "Neo.ClientError.Security.AuthorizationFailed",
    "Neo.ClientError.Security.TokenExpired",
    "Memgraph.ClientError.Security.Unauthenticated",
};

constexpr std::array<std::string_view, 2> conflict_messages{
    "Cannot resolve conflicting transactions",
    "Unable to commit due to serialization error",
};
constexpr std::string_view deadlock_code = "Neo.TransientError.Transaction.DeadlockDetected";

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

/// Case-insensitive find of an ASCII needle.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0) {
    if (needle.size() > hay.size()) return std::string_view::npos;
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        bool match = true;
        for (std::size_t j = 0; j < needle.size(); ++j) {
            if (lower(hay[i + j]) != lower(needle[j])) {
                match = false;
                break;
            }
        }
        if (match) return i;
    }
    return std::string_view::npos;
}

bool is_memory_limit(std::string_view message) {
    return ifind(message, "memory limit exceeded") != std::string_view::npos;
}

bool is_conflict(std::string_view code, std::string_view message) {
    if (code == deadlock_code) return true;
    return std::any_of(conflict_messages.begin(), conflict_messages.end(), [&](std::string_view m) {
        return message.find(m) != std::string_view::npos;
    });
}

std::string server_what(std::string_view code, std::string_view message) {
    std::string s;
    s.reserve(code.size() + 2 + message.size());
    s.append(code).append(": ").append(message);
    return redact_credentials(s);
}

// ---- redaction -------------------------------------------------------------------------------

constexpr std::string_view redacted = "***";

bool is_quote(char c) {
    return c == '\'' || c == '"' || c == '`';
}
bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_word(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

/// Replaces the password in every `scheme://user:password@host`.
void redact_uri_userinfo(std::string& s) {
    std::size_t pos = 0;
    while ((pos = s.find("://", pos)) != std::string::npos) {
        const std::size_t start = pos + 3;
        std::size_t end = start;
        while (end < s.size() && !is_space(s[end]) && !is_quote(s[end]) &&
               std::string_view("/?#").find(s[end]) == std::string_view::npos) {
            ++end;
        }
        pos = end;
        const std::size_t at = end > start ? s.rfind('@', end - 1) : std::string::npos;
        if (at != std::string::npos && at >= start) {
            const std::size_t colon = s.find(':', start);
            if (colon < at) {
                s.replace(colon + 1, at - colon - 1, redacted);
                pos = colon + 1 + redacted.size();
            }
        }
    }
}

/// Replaces the inside of the quoted literal opening at s[i]; returns the index after it.
std::size_t redact_literal(std::string& s, std::size_t i) {
    const char q = s[i];
    std::size_t j = i + 1;
    while (j < s.size() && s[j] != q) j += (s[j] == '\\' && j + 1 < s.size()) ? 2 : 1;
    const bool closed = j < s.size();
    const std::size_t inner = i + 1;
    s.replace(inner, std::min(j, s.size()) - inner, redacted);
    return inner + redacted.size() + (closed ? 1 : 0);
}

/// Redacts the values that follow a secret-naming keyword. `password` and `identified` start a
/// statement (`IDENTIFIED BY 'x'`, `SET PASSWORD FOR u TO 'x'`, `PASSWORD FROM 'a' TO 'b'`): every
/// quoted literal up to the statement's end goes. The others name one value: `credentials: "x"`,
/// `"credentials":"x"`, `access_token=x;...`.
void redact_after_keywords(std::string& s) {
    struct keyword {
        std::string_view word;
        bool statement;
    };
    static constexpr std::array<keyword, 5> keywords{{
        {"identified", true},
        {"password", true},
        {"credentials", false},
        {"access_token", false},
        {"id_token", false},
    }};
    for (const keyword& kw : keywords) {
        std::size_t pos = 0;
        while ((pos = ifind(s, kw.word, pos)) != std::string::npos) {
            std::size_t i = pos + kw.word.size();
            pos = i;
            if (pos > kw.word.size() && is_word(s[pos - kw.word.size() - 1]))
                continue;  // inside a longer word
            // A quoted key (`"credentials":`) closes its quote right after the keyword.
            if (i < s.size() && is_quote(s[i])) {
                std::size_t j = i + 1;
                while (j < s.size() && is_space(s[j])) ++j;
                if (j < s.size() && (s[j] == ':' || s[j] == '=')) i = i + 1;
            }
            bool separator = false;
            while (i < s.size() && (is_space(s[i]) || s[i] == ':' || s[i] == '=')) {
                separator = separator || s[i] == ':' || s[i] == '=';
                ++i;
            }
            if (i >= s.size()) break;
            if (is_quote(s[i])) {
                i = redact_literal(s, i);
            } else if (separator) {  // an unquoted value, up to the next delimiter
                std::size_t j = i;
                while (j < s.size() && !is_space(s[j]) &&
                       std::string_view(";,&})]").find(s[j]) == std::string_view::npos) {
                    ++j;
                }
                if (j > i) {
                    s.replace(i, j - i, redacted);
                    i += redacted.size();
                }
                pos = i;
                continue;
            }
            if (kw.statement) {
                while (i < s.size() && s[i] != ';' && s[i] != '\n') {
                    i = is_quote(s[i]) ? redact_literal(s, i) : i + 1;
                }
            }
            pos = i;
        }
    }
}

}  // namespace

std::string_view to_string(error_class c) {
    switch (c) {
        case error_class::client:
            return "client";
        case error_class::transient:
            return "transient";
        case error_class::database:
            return "database";
        case error_class::auth:
            return "auth";
        case error_class::service_unavailable:
            return "service_unavailable";
        case error_class::session_expired:
            return "session_expired";
        case error_class::incomplete_commit:
            return "incomplete_commit";
        case error_class::protocol:
            return "protocol";
        case error_class::usage:
            return "usage";
        case error_class::other:
            return "other";
    }
    return "unknown";
}

std::string_view rewritten_code(std::string_view code) noexcept {
    for (const auto& r : rewrites) {
        if (r.from == code) return r.to;
    }
    return code;
}

failure_info classify_failure(std::string_view code, std::string_view message) noexcept {
    failure_info info;
    info.conflict = is_conflict(code, message);

    // code.split('.') must give exactly 4 parts: _, classification, category, title.
    if (std::count(code.begin(), code.end(), '.') != 3) {
        info.cls = error_class::database;
        return info;
    }
    const std::size_t first = code.find('.');
    const std::size_t second = code.find('.', first + 1);
    const std::string_view classification = code.substr(first + 1, second - first - 1);

    const auto rw = std::find_if(rewrites.begin(), rewrites.end(),
                                 [&](const code_rewrite& r) { return r.from == code; });
    if (rw != rewrites.end()) {
        info.cls = rw->cls;
    } else if (classification == "ClientError") {
        info.cls = error_class::client;
    } else if (classification == "TransientError") {
        info.cls = error_class::transient;
    } else {
        info.cls = error_class::database;
    }
    if (info.cls == error_class::client &&
        std::find(auth_codes.begin(), auth_codes.end(), code) != auth_codes.end()) {
        info.cls = error_class::auth;
    }
    info.retryable = info.cls == error_class::transient && !is_memory_limit(message);
    return info;
}

error_class classify(std::string_view code, std::string_view message) noexcept {
    return classify_failure(code, message).cls;
}

routing_effect routing_effect_of(std::string_view code) noexcept {
    if (code == "Neo.ClientError.Cluster.NotALeader" || code == "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase")
        return routing_effect::not_writer;
    if (code == "Neo.TransientError.General.DatabaseUnavailable") return routing_effect::forget_server;
    return routing_effect::none;
}

bool fatal_during_discovery(std::string_view code) noexcept {
    static constexpr std::string_view fatal[] = {
        "Neo.ClientError.Database.DatabaseNotFound",          "Neo.ClientError.Transaction.InvalidBookmark",
        "Neo.ClientError.Transaction.InvalidBookmarkMixture", "Neo.ClientError.Statement.TypeError",
        "Neo.ClientError.Statement.ArgumentError",            "Neo.ClientError.Request.Invalid"};
    if (std::find(std::begin(fatal), std::end(fatal), code) != std::end(fatal)) return true;
    if (code.starts_with("Neo.ClientError.Security.")) return code != "Neo.ClientError.Security.AuthorizationExpired";
    return code.starts_with("Memgraph.ClientError.");
}

failure_details failure_from_metadata(const map& metadata) {
    auto text = [&](std::string_view key) -> const std::string* {
        const value* v = metadata.find(key);
        if (!v) return nullptr;
        const std::string* s = v->get_if<std::string>();
        return (s && !s->empty()) ? s : nullptr;
    };
    failure_details d;
    if (const std::string* c = text("code")) {
        d.code = *c;
    } else if (const std::string* n = text("neo4j_code")) {
        d.code = *n;
    } else {
        d.code = unknown_code;
    }
    if (const std::string* m = text("message")) {
        d.message = *m;
    } else if (const std::string* desc = text("description")) {
        d.message = *desc;
    } else {
        d.message = unknown_message;
    }
    if (const std::string* g = text("gql_status")) d.gql_status = *g;
    return d;
}

std::string redact_credentials(std::string_view text) {
    std::string s(text);
    redact_uri_userinfo(s);
    redact_after_keywords(s);
    return s;
}

// ---- error -----------------------------------------------------------------------------------

error::error(std::string code, std::string message)
    : std::runtime_error(server_what(rewritten_code(code), message)),
      code_(rewritten_code(code)),
      server_message_(redact_credentials(message)),
      info_(classify_failure(code, message)) {}

error::error(error_class cls, bool retryable, std::string message)
    : std::runtime_error(redact_credentials(message)), info_{cls, retryable, false} {}

std::exception_ptr make_server_error(std::string code, std::string message) {
    if (code.empty()) code = unknown_code;
    if (message.empty()) message = unknown_message;
    switch (classify(code, message)) {
        case error_class::client:
            return std::make_exception_ptr(client_error(std::move(code), std::move(message)));
        case error_class::auth:
            return std::make_exception_ptr(auth_error(std::move(code), std::move(message)));
        case error_class::transient:
            return std::make_exception_ptr(transient_error(std::move(code), std::move(message)));
        default:
            return std::make_exception_ptr(database_error(std::move(code), std::move(message)));
    }
}

void throw_server_error(std::string code, std::string message) {
    std::rethrow_exception(make_server_error(std::move(code), std::move(message)));
}

void throw_failure(const map& metadata) {
    failure_details d = failure_from_metadata(metadata);
    throw_server_error(std::move(d.code), std::move(d.message));
}

}  // namespace bolt
