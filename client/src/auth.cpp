// Auth tokens and their wire form.
#include "bolt/auth.hpp"

namespace bolt {

auth_token auth_token::none() { return auth_token{}; }

auth_token auth_token::basic(std::string user, std::string password, std::string realm) {
    auth_token t;
    t.scheme_ = "basic";
    t.principal_ = std::move(user);
    t.credentials_ = std::move(password);
    t.realm_ = std::move(realm);
    return t;
}

auth_token auth_token::bearer(std::string token) {
    auth_token t;
    t.scheme_ = "bearer";
    t.credentials_ = std::move(token);
    return t;
}

auth_token auth_token::custom(std::optional<std::string> principal, std::string credentials,
                              std::string realm, std::string scheme, map parameters) {
    auth_token t;
    t.scheme_ = std::move(scheme);
    t.principal_ = std::move(principal);
    t.credentials_ = std::move(credentials);
    t.realm_ = std::move(realm);
    t.parameters_ = std::move(parameters);
    return t;
}

const std::string& auth_token::principal() const {
    static const std::string none;
    return principal_ ? *principal_ : none;
}

map auth_token::to_wire() const {
    // Like the Python driver: empty optional parts are left out, so "none" is just {scheme}.
    map m;
    m.set("scheme", scheme_);
    if (principal_) m.set("principal", *principal_);
    if (!credentials_.empty()) m.set("credentials", credentials_);
    if (!realm_.empty()) m.set("realm", realm_);
    if (!parameters_.empty()) m.set("parameters", parameters_);
    return m;
}

std::string auth_token::to_string() const {
    if (!principal_ || principal_->empty()) return scheme_ + " auth";
    return scheme_ + " auth for '" + *principal_ + "'";
}

}  // namespace bolt
