// URI parsing and the host[:port] grammar it shares with routing-table addresses (address::parse
// lives here so both read addresses the same way).
#include "bolt/uri.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace bolt {
namespace {

constexpr std::string_view supported_schemes =
    "bolt, bolt+s, bolt+ssc, neo4j, neo4j+s or neo4j+ssc";

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

// Both built by appending: `"'" + std::string(s)` and `" " + quoted(s)` trip GCC 12's -Wrestrict
// false positive at -O3 (GCC bug 105329).
std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.append("'").append(s).append("'");
    return out;
}

// " 'text'" when messages may quote the text, else "".
std::string quoted_suffix(std::string_view s, bool echo) {
    std::string out;
    if (!echo) return out;
    out.reserve(s.size() + 3);
    out.append(" '").append(s).append("'");
    return out;
}

bool is_ipv6_literal(const std::string& s) {
    std::array<unsigned char, 16> buf{};
    return ::inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Parses the port after ':'; an empty or out-of-range port is an error (port 0 cannot be dialled).
bool parse_port(std::string_view text, std::uint16_t& port, std::string& error, bool echo) {
    auto shown = [&] { return quoted_suffix(text, echo); };
    if (text.empty()) {
        error = "missing port number after ':'";
        return false;
    }
    if (text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error = "invalid port" + shown() + ": expected a number from 1 to 65535";
        return false;
    }
    unsigned value = 0;
    for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
    if (value == 0 || value > 65535) {
        error = "invalid port" + shown() + ": expected a number from 1 to 65535";
        return false;
    }
    port = static_cast<std::uint16_t>(value);
    return true;
}

// host, host:port, [v6], [v6]:port, [v6%zone]:port. `echo` = whether messages may quote the text
// (not when the URI may have carried a password).
bool parse_host_port(std::string_view text, address& out, std::uint16_t default_port,
                     std::string& error, bool echo) {
    auto shown = [&](std::string_view s) { return quoted_suffix(s, echo); };
    if (text.empty()) {
        error = "missing host";
        return false;
    }
    std::string_view port_text;
    bool has_port = false;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            error = "missing ']' after the IPv6 address" + shown(text);
            return false;
        }
        std::string host(text.substr(1, close - 1));
        // RFC 6874 writes a zone id as %25zone inside brackets; accept it and plain %zone alike.
        if (auto pct = host.find("%25"); pct != std::string::npos) host.erase(pct + 1, 2);
        const auto pct = host.find('%');
        if (!is_ipv6_literal(host.substr(0, pct)) || pct + 1 == host.size()) {
            error = "invalid IPv6 address" + shown(text.substr(0, close + 1));
            return false;
        }
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                error = "unexpected text after the IPv6 address" + shown(text);
                return false;
            }
            port_text = rest.substr(1);
            has_port = true;
        }
        out.host = to_lower(host);
    } else {
        const auto colons = std::count(text.begin(), text.end(), ':');
        if (colons > 1) {
            error = "an IPv6 address must be written in brackets, as in [::1]:7687" +
                    (echo ? std::string(" (got ") + quoted(text) + ")" : std::string());
            return false;
        }
        auto host = text;
        if (colons == 1) {
            const auto colon = text.find(':');
            host = text.substr(0, colon);
            port_text = text.substr(colon + 1);
            has_port = true;
        }
        if (host.empty()) {
            error = "missing host";
            return false;
        }
        if (!std::all_of(host.begin(), host.end(), is_host_char)) {
            error = "invalid host name" + shown(host) +
                    ": expected letters, digits, '-', '.', '_' or an IP address";
            return false;
        }
        out.host = to_lower(host);
    }
    out.port = default_port;
    return !has_port || parse_port(port_text, out.port, error, echo);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// application/x-www-form-urlencoded decoding, as parse_qs does it: %XX and '+' for space.
bool percent_decode(std::string_view in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] == '%') {
            if (i + 2 >= in.size()) return false;
            const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += in[i];
        }
    }
    return true;
}

void percent_encode(std::string_view in, std::string& out) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    for (char c : in) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
}

// The URI as messages may show it: whatever precedes the last '@' after "://" could be a
// password, so it is replaced by "***".
std::string redacted(std::string_view text) {
    const auto at = text.rfind('@');
    if (at == std::string_view::npos) return std::string(text);
    const auto sep = text.find("://");
    const auto start = (sep == std::string_view::npos || sep > at) ? 0 : sep + 3;
    return std::string(text.substr(0, start)) + "***" + std::string(text.substr(at));
}

}  // namespace

std::string address::to_string() const {
    std::string out;
    if (host.find(':') != std::string::npos) {
        out = "[" + host + "]";
    } else {
        out = host;
    }
    return out + ":" + std::to_string(port);
}

std::optional<address> address::parse(std::string_view text, std::string* error,
                                      std::uint16_t default_port) {
    address out;
    std::string message;
    if (parse_host_port(text, out, default_port, message, true)) return out;
    if (error) *error = std::move(message);
    return std::nullopt;
}

tls_options uri::tls_settings() const {
    tls_options t;
    t.enabled = tls;
    t.trust_all = trust_all;
    t.verify_hostname = !trust_all;
    t.server_name = host;
    return t;
}

std::string uri::to_string() const {
    std::string out = scheme + "://" + server().to_string();
    char sep = '?';
    for (const auto& [key, value] : routing_context) {
        out += sep;
        percent_encode(key, out);
        out += '=';
        percent_encode(value, out);
        sep = '&';
    }
    return out;
}

std::optional<uri> parse_uri(std::string_view text, std::string& error) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    const std::string shown = quoted(redacted(text));
    // Quoting parts of the URI is safe only when nothing in it can be a password.
    const bool echo = text.find('@') == std::string_view::npos;
    auto fail = [&](std::string message) {
        error = std::move(message);
        return std::nullopt;
    };

    if (text.empty()) return fail("empty URI; expected e.g. bolt://localhost:7687");
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) {
        return fail(shown + " is not a URI; expected scheme://host[:port] with scheme " +
                    std::string(supported_schemes) + ", e.g. bolt://localhost:7687");
    }

    uri out;
    out.scheme = to_lower(text.substr(0, sep));
    const std::string_view s = out.scheme;
    if (s == "bolt" || s == "bolt+s" || s == "bolt+ssc") {
        out.routing = false;
    } else if (s == "neo4j" || s == "neo4j+s" || s == "neo4j+ssc") {
        out.routing = true;
    } else {
        return fail("unsupported scheme " + (echo ? quoted(s) + " " : std::string()) + "in " +
                    shown + "; expected " + std::string(supported_schemes));
    }
    out.tls = s.ends_with("+s") || s.ends_with("+ssc");
    out.trust_all = s.ends_with("+ssc");

    std::string_view rest = text.substr(sep + 3);
    const auto query_start = rest.find_first_of("?#");
    const auto at = rest.find('@');
    if (at != std::string_view::npos &&
        (query_start == std::string_view::npos || at < query_start)) {
        return fail("the URI " + shown +
                    " contains a user name or password; pass credentials as the auth token "
                    "instead, never in the URI");
    }
    if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
        return fail("unexpected fragment ('#...') in " + shown);
    }
    std::string_view query;
    if (const auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
        const auto path = rest.substr(slash);
        if (path != "/") {
            return fail("unexpected path " + (echo ? quoted(path) + " " : std::string()) + "in " +
                        shown + "; the database is chosen per session, not in the URI");
        }
        rest = rest.substr(0, slash);
    }

    address server;
    std::string host_error;
    if (!parse_host_port(rest, server, 7687, host_error, echo)) {
        return fail(host_error + " in " + shown);
    }
    out.host = std::move(server.host);
    out.port = server.port;

    if (!query.empty() && !out.routing) {
        const std::string why = " uses " + quoted(s) + ", which connects to one server directly";
        return fail(
            "a query string (routing context) is only allowed with the neo4j schemes, but " +
            shown + why);
    }
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        std::string key, value;
        if (!percent_decode(item.substr(0, eq), key) ||
            (eq != std::string_view::npos && !percent_decode(item.substr(eq + 1), value))) {
            return fail("invalid percent-encoding in the query of " + shown);
        }
        const std::string name = echo ? quoted(key) + " " : std::string();
        if (key.empty()) return fail("routing context parameter without a name in " + shown);
        if (value.empty()) {
            return fail("routing context parameter " + name + "has no value in " + shown);
        }
        if (key == "address") {
            return fail("routing context key 'address' is reserved (the driver sets it) in " +
                        shown);
        }
        if (!out.routing_context.emplace(key, std::move(value)).second) {
            return fail("duplicate routing context parameter " + name + "in " + shown);
        }
    }
    return out;
}

uri parse_uri(std::string_view text) {
    std::string error;
    auto parsed = parse_uri(text, error);
    if (!parsed) throw std::invalid_argument(error);
    return std::move(*parsed);
}

}  // namespace bolt
