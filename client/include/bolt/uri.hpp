// Connection URIs as the official drivers accept them: bolt://, neo4j:// and their +s (TLS,
// verified) and +ssc (TLS, any certificate) variants, with a routing context for neo4j://.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bolt/transport.hpp"

namespace bolt {

struct uri {
    std::string scheme;  // lower-cased: bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc
    std::string host;    // DNS names lower-cased; IPv6 literals without brackets
    std::uint16_t port = 7687;
    bool routing = false;    // neo4j schemes: discover servers with ROUTE before connecting
    bool tls = false;        // +s and +ssc
    bool trust_all = false;  // +ssc: encrypted, but any certificate is accepted
    /// The query parameters, percent-decoded (neo4j schemes only; bolt:// rejects a query).
    /// HELLO's routing context is this plus "address" = server().to_string(), a key the URI may
    /// not set itself.
    std::map<std::string, std::string> routing_context;

    address server() const { return address{host, port}; }
    /// What connect() needs for this scheme; the CA file and hostname check are left as default.
    tls_options tls_settings() const;
    /// The canonical form: scheme://host:port[?k=v&...] (percent-encoded where needed).
    std::string to_string() const;

    friend bool operator==(const uri&, const uri&) = default;
};

/// Parses `text`. On failure returns nullopt and sets `error` to a message that says what is
/// wrong and what would be right. A message never repeats credentials put into the URI.
std::optional<uri> parse_uri(std::string_view text, std::string& error);

/// The same, throwing std::invalid_argument with that message (for the API edge).
uri parse_uri(std::string_view text);

}  // namespace bolt
