// Users for the embedded server's Bolt authentication: names with salted PBKDF2-HMAC-SHA256
// password hashes. As in Memgraph, access control is on once any user exists.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace server::storage {

class user_store {
public:
    enum class outcome : std::uint8_t { ok, exists, missing };

    /// A user without a password (CREATE USER name) accepts any password, as in Memgraph.
    outcome create(std::string_view name, std::optional<std::string_view> password);
    /// CREATE USER IF NOT EXISTS: ok when created or already there.
    outcome create_if_missing(std::string_view name, std::optional<std::string_view> password);
    outcome drop(std::string_view name);
    /// Sorted names (SHOW USERS).
    std::vector<std::string> list() const;
    bool exists(std::string_view name) const;
    /// True when access control is off (no users) or the credentials match.
    bool authenticate(std::string_view name, std::string_view password) const;
    /// Access control is on once any user exists.
    bool auth_required() const;

    /// PBKDF2 iterations: enough to make offline guessing slow, few enough that a connection
    /// storm of tests does not spend seconds hashing.
    static constexpr int iterations = 4096;

private:
    struct entry {
        bool has_password = false;
        std::array<std::uint8_t, 16> salt{};
        std::array<std::uint8_t, 32> hash{};
    };
    static entry make_entry(std::optional<std::string_view> password);

    mutable std::mutex mutex_;
    std::map<std::string, entry, std::less<>> users_;
};

}  // namespace server::storage
