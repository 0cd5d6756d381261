// Reads typed fields of a JSON object from outside (a worker's message, a journal line) without
// ever throwing: every read checks presence, type and range, and the first problem becomes one
// sentence naming the field ("chunk: field 'chunk_id' must be a non-negative integer"); later
// reads then do nothing. Shared by the worker protocol and the run journal.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boltload {

/// Typed reads of one JSON object; the first problem wins and later reads do nothing.
class json_fields {
public:
    json_fields(const nlohmann::json& obj, std::string context, std::string& error)
        : obj_(obj), context_(std::move(context)), error_(error) {}

    bool ok() const { return error_.empty(); }

    const nlohmann::json* find(std::string_view key, bool required) {
        if (!ok()) return nullptr;
        auto it = obj_.find(key);
        if (it == obj_.end()) {
            if (required) fail(fmt::format("field '{}' is missing", key));
            return nullptr;
        }
        return &*it;
    }

    template <class T>
    void integer(std::string_view key, T& out, bool required = true) {
        const nlohmann::json* v = find(key, required);
        if (!v) return;
        if constexpr (std::is_unsigned_v<T>) {
            if (v->is_number_unsigned() &&
                v->get<std::uint64_t>() <= std::numeric_limits<T>::max()) {
                out = static_cast<T>(v->get<std::uint64_t>());
                return;
            }
            fail(fmt::format("field '{}' must be a non-negative integer{}", key, range_hint<T>()));
        } else {
            if (v->is_number_unsigned()) {
                const auto u = v->get<std::uint64_t>();
                if (u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
                    out = static_cast<T>(u);
                    return;
                }
            } else if (v->is_number_integer()) {
                const auto i = v->get<std::int64_t>();
                if (i >= std::numeric_limits<T>::min() && i <= std::numeric_limits<T>::max()) {
                    out = static_cast<T>(i);
                    return;
                }
            }
            fail(fmt::format("field '{}' must be an integer{}", key, range_hint<T>()));
        }
    }

    void number(std::string_view key, double& out, bool required = true) {
        const nlohmann::json* v = find(key, required);
        if (!v) return;
        if (!v->is_number()) return fail(fmt::format("field '{}' must be a number", key));
        out = v->get<double>();
    }

    void string(std::string_view key, std::string& out, bool required = true) {
        const nlohmann::json* v = find(key, required);
        if (!v) return;
        if (!v->is_string()) return fail(fmt::format("field '{}' must be a string", key));
        out = v->get<std::string>();
    }

    void character(std::string_view key, char& out, bool required = true) {
        std::string s;
        string(key, s, required);
        if (!ok() || !find(key, false)) return;
        if (s.size() != 1) return fail(fmt::format("field '{}' must be one character", key));
        out = s[0];
    }

    void boolean(std::string_view key, bool& out, bool required = true) {
        const nlohmann::json* v = find(key, required);
        if (!v) return;
        if (!v->is_boolean()) return fail(fmt::format("field '{}' must be true or false", key));
        out = v->get<bool>();
    }

    template <class E, class Parse>
    void enumeration(std::string_view key, E& out, Parse parse, bool required = true) {
        std::string s;
        string(key, s, required);
        if (!ok() || !find(key, false)) return;
        if (auto e = parse(s)) {
            out = *e;
        } else {
            fail(fmt::format("field '{}' has an unknown value '{}'", key, s));
        }
    }

    const nlohmann::json* object(std::string_view key, bool required = true) {
        const nlohmann::json* v = find(key, required);
        if (!v) return nullptr;
        if (!v->is_object()) {
            fail(fmt::format("field '{}' must be an object", key));
            return nullptr;
        }
        return v;
    }

    const nlohmann::json* array(std::string_view key, bool required = true) {
        const nlohmann::json* v = find(key, required);
        if (!v) return nullptr;
        if (!v->is_array()) {
            fail(fmt::format("field '{}' must be an array", key));
            return nullptr;
        }
        return v;
    }

    /// A reader for a nested object, sharing the error.
    json_fields nested(const nlohmann::json& obj, std::string_view name) const {
        return json_fields(obj, fmt::format("{}.{}", context_, name), error_);
    }

    void fail(const std::string& what) {
        if (ok()) error_ = fmt::format("{}: {}", context_, what);
    }

private:
    template <class T>
    static std::string range_hint() {
        if constexpr (sizeof(T) < 8)
            return fmt::format(" (at most {})", std::numeric_limits<T>::max());
        else
            return {};
    }

    const nlohmann::json& obj_;
    std::string context_;
    std::string& error_;
};


}  // namespace boltload
