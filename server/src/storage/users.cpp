// Salted PBKDF2 password storage for the server's users.
#include "server/users.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace server::storage {

namespace {

std::array<std::uint8_t, 32> derive(std::string_view password, const std::array<std::uint8_t, 16>& salt) {
    std::array<std::uint8_t, 32> out{};
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), user_store::iterations, EVP_sha256(),
                          static_cast<int>(out.size()), out.data()) != 1)
        throw std::runtime_error("PBKDF2 failed");
    return out;
}

}  // namespace

user_store::entry user_store::make_entry(std::optional<std::string_view> password) {
    entry e;
    if (!password) return e;
    e.has_password = true;
    if (RAND_bytes(e.salt.data(), static_cast<int>(e.salt.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    e.hash = derive(*password, e.salt);
    return e;
}

user_store::outcome user_store::create(std::string_view name, std::optional<std::string_view> password) {
    entry e = make_entry(password);  // hash outside the lock: it is the slow part
    std::lock_guard lock(mutex_);
    if (users_.find(name) != users_.end()) return outcome::exists;
    users_.emplace(std::string(name), e);
    return outcome::ok;
}

user_store::outcome user_store::create_if_missing(std::string_view name,
                                                  std::optional<std::string_view> password) {
    auto r = create(name, password);
    return r == outcome::exists ? outcome::ok : r;
}

user_store::outcome user_store::drop(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto it = users_.find(name);
    if (it == users_.end()) return outcome::missing;
    users_.erase(it);
    return outcome::ok;
}

std::vector<std::string> user_store::list() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(users_.size());
    for (const auto& [name, e] : users_) out.push_back(name);
    return out;
}

bool user_store::exists(std::string_view name) const {
    std::lock_guard lock(mutex_);
    return users_.find(name) != users_.end();
}

bool user_store::auth_required() const {
    std::lock_guard lock(mutex_);
    return !users_.empty();
}

bool user_store::authenticate(std::string_view name, std::string_view password) const {
    entry e;
    {
        std::lock_guard lock(mutex_);
        if (users_.empty()) return true;
        auto it = users_.find(name);
        if (it == users_.end()) return false;
        e = it->second;
    }
    if (!e.has_password) return true;
    auto h = derive(password, e.salt);
    return CRYPTO_memcmp(h.data(), e.hash.data(), h.size()) == 0;
}

}  // namespace server::storage
