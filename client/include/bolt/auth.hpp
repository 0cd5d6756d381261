// Authentication tokens: none, basic, bearer and custom schemes (Memgraph SSO uses custom).
// A token never prints its credentials: to_string() and error messages show the scheme and
// principal only.
#pragma once

#include <optional>
#include <string>

#include "bolt/value.hpp"

namespace bolt {

class auth_token {
public:
    /// No authentication (scheme "none"). Memgraph without users accepts it.
    static auth_token none();
    /// Username and password; an empty realm is omitted on the wire.
    static auth_token basic(std::string user, std::string password, std::string realm = {});
    /// A bearer token (scheme "bearer", credentials only).
    static auth_token bearer(std::string token);
    /// Any scheme, e.g. Memgraph SSO:
    /// custom(std::nullopt, "access_token=..;id_token=..", "", "oidc-okta"). No principal
    /// (nullopt, Python's None) leaves it out of the token; "" sends an empty one, which servers
    /// before Neo4j 4.4 require.
    static auth_token custom(std::optional<std::string> principal, std::string credentials,
                             std::string realm, std::string scheme, map parameters = {});

    const std::string& scheme() const { return scheme_; }
    /// Empty when there is none.
    const std::string& principal() const;
    /// The secret part; only the connection layer should read it.
    const std::string& credentials() const { return credentials_; }
    const std::string& realm() const { return realm_; }
    const map& parameters() const { return parameters_; }

    /// The auth dictionary sent in HELLO (Bolt < 5.1) or LOGON (5.1+).
    map to_wire() const;
    /// "basic auth for 'alice'" — safe to log.
    std::string to_string() const;

    friend bool operator==(const auth_token&, const auth_token&) = default;

private:
    std::string scheme_ = "none";
    std::optional<std::string> principal_;
    std::string credentials_;
    std::string realm_;
    map parameters_;
};

}  // namespace bolt
