// Compact property values and property blocks: conversion, Cypher equality, hashing, ordering.
#include "property_value.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <new>

namespace server::storage::detail {

prop_value::prop_value(const bolt::value& v) {
    std::memset(raw_, 0, sizeof raw_);
    switch (v.type()) {
        case bolt::value_type::null: break;
        case bolt::value_type::boolean: {
            raw_[0] = static_cast<unsigned char>(tag::boolean);
            raw_[8] = v.as<bool>() ? 1 : 0;
            break;
        }
        case bolt::value_type::integer: {
            raw_[0] = static_cast<unsigned char>(tag::integer);
            std::int64_t i = v.as<std::int64_t>();
            std::memcpy(raw_ + 8, &i, 8);
            break;
        }
        case bolt::value_type::floating: {
            raw_[0] = static_cast<unsigned char>(tag::floating);
            double d = v.as<double>();
            std::memcpy(raw_ + 8, &d, 8);
            break;
        }
        case bolt::value_type::string: {
            const std::string& s = v.as<std::string>();
            if (s.size() <= inline_capacity) {
                raw_[0] = static_cast<unsigned char>(tag::short_string);
                raw_[1] = static_cast<unsigned char>(s.size());
                if (!s.empty()) std::memcpy(raw_ + 2, s.data(), s.size());
            } else {
                raw_[0] = static_cast<unsigned char>(tag::long_string);
                set_ptr(new std::string(s));
            }
            break;
        }
        default:
            raw_[0] = static_cast<unsigned char>(tag::boxed);
            set_ptr(new bolt::value(v));
            break;
    }
}

prop_value::prop_value(const prop_value& o) {
    std::memcpy(raw_, o.raw_, sizeof raw_);
    if (o.kind() == tag::long_string) set_ptr(new std::string(*o.ptr<std::string>()));
    else if (o.kind() == tag::boxed) set_ptr(new bolt::value(*o.ptr<bolt::value>()));
}

void prop_value::reset() noexcept {
    if (kind() == tag::long_string) delete ptr<std::string>();
    else if (kind() == tag::boxed) delete ptr<bolt::value>();
    std::memset(raw_, 0, sizeof raw_);
}

std::string_view prop_value::as_string() const noexcept {
    if (kind() == tag::short_string) return {reinterpret_cast<const char*>(raw_ + 2), raw_[1]};
    if (kind() == tag::long_string) return *ptr<std::string>();
    return {};
}

bolt::value prop_value::to_value() const {
    switch (kind()) {
        case tag::null: return {};
        case tag::boolean: return raw_[8] != 0;
        case tag::integer: return as_int();
        case tag::floating: return as_double();
        case tag::short_string:
        case tag::long_string: return std::string(as_string());
        case tag::boxed: return *ptr<bolt::value>();
    }
    return {};
}

bool prop_value::equals(const prop_value& o) const {
    if (is_number() && o.is_number()) {
        if (kind() == tag::integer && o.kind() == tag::integer) return as_int() == o.as_int();
        return as_number() == o.as_number();
    }
    if (is_string() && o.is_string()) return as_string() == o.as_string();
    if (kind() != o.kind()) return false;
    switch (kind()) {
        case tag::null: return true;
        case tag::boolean: return raw_[8] == o.raw_[8];
        case tag::boxed: return *ptr<bolt::value>() == *o.ptr<bolt::value>();
        default: return false;
    }
}

std::size_t prop_value::hash() const noexcept {
    switch (kind()) {
        case tag::null: return 0;
        case tag::boolean: return raw_[8] ? 0x9e3779b97f4a7c15ULL : 0x7f4a7c159e3779b9ULL;
        case tag::integer: return std::hash<std::int64_t>{}(as_int()) * 0x9e3779b97f4a7c15ULL;
        case tag::floating: {
            double d = as_double();
            // Integral doubles hash like the integer they equal (1.0 = 1 in Cypher).
            if (std::isfinite(d) && d == std::trunc(d) && d >= -9.2e18 && d <= 9.2e18)
                return std::hash<std::int64_t>{}(static_cast<std::int64_t>(d)) * 0x9e3779b97f4a7c15ULL;
            return std::hash<double>{}(d);
        }
        case tag::short_string:
        case tag::long_string: return std::hash<std::string_view>{}(as_string());
        case tag::boxed: return static_cast<std::size_t>(ptr<bolt::value>()->type()) * 31 + 7;
    }
    return 0;
}

std::optional<int> prop_value::compare(const prop_value& o) const {
    if (is_number() && o.is_number()) {
        if (kind() == tag::integer && o.kind() == tag::integer)
            return as_int() < o.as_int() ? -1 : (as_int() > o.as_int() ? 1 : 0);
        double a = as_number(), b = o.as_number();
        if (std::isnan(a) || std::isnan(b)) return std::nullopt;
        return a < b ? -1 : (a > b ? 1 : 0);
    }
    if (is_string() && o.is_string()) {
        int c = as_string().compare(o.as_string());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (kind() == tag::boolean && o.kind() == tag::boolean) return int(raw_[8]) - int(o.raw_[8]);
    return std::nullopt;
}

std::size_t prop_value::heap_bytes() const noexcept {
    if (kind() == tag::long_string) {
        const std::string& s = *ptr<std::string>();
        return sizeof(std::string) + (s.capacity() > 15 ? s.capacity() + 1 : 0);
    }
    if (kind() == tag::boxed) return sizeof(bolt::value) + 32;  // rough: nested contents vary
    return 0;
}

// ---- property_store ------------------------------------------------------------------------

void property_store::reserve(std::uint32_t cap) {
    std::uint32_t old_size = size();
    auto* nb = static_cast<unsigned char*>(::operator new(values_offset(cap) + cap * sizeof(prop_value)));
    auto* h = reinterpret_cast<block_header*>(nb);
    h->size = old_size;
    h->capacity = cap;
    auto* nk = reinterpret_cast<std::uint32_t*>(nb + sizeof(block_header));
    auto* nv = reinterpret_cast<prop_value*>(nb + values_offset(cap));
    if (block_) {
        std::memcpy(nk, keys(), old_size * sizeof(std::uint32_t));
        // prop_value is trivially relocatable (bytes plus an owning pointer).
        std::memcpy(static_cast<void*>(nv), static_cast<const void*>(values()), old_size * sizeof(prop_value));
        ::operator delete(block_);
    }
    block_ = nb;
}

void property_store::assign(std::vector<std::pair<std::uint32_t, prop_value>>&& sorted) {
    clear();
    if (sorted.empty()) return;
    reserve(static_cast<std::uint32_t>(sorted.size()));
    auto* k = keys();
    auto* v = values();
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        k[i] = sorted[i].first;
        new (&v[i]) prop_value(std::move(sorted[i].second));
    }
    header()->size = static_cast<std::uint32_t>(sorted.size());
}

const prop_value* property_store::get(std::uint32_t key) const noexcept {
    if (!block_) return nullptr;
    const std::uint32_t n = header()->size;
    const std::uint32_t* k = keys();
    for (std::uint32_t i = 0; i < n; ++i) {
        if (k[i] == key) return &values()[i];
        if (k[i] > key) break;
    }
    return nullptr;
}

prop_value property_store::set(std::uint32_t key, prop_value v) {
    const std::uint32_t n = size();
    std::uint32_t i = 0;
    if (block_) {
        const std::uint32_t* k = keys();
        while (i < n && k[i] < key) ++i;
    }
    if (i < n && keys()[i] == key) {
        prop_value old(std::move(values()[i]));
        if (v.is_null()) {
            values()[i].~prop_value();
            std::memmove(keys() + i, keys() + i + 1, (n - i - 1) * sizeof(std::uint32_t));
            std::memmove(static_cast<void*>(values() + i), static_cast<const void*>(values() + i + 1),
                         (n - i - 1) * sizeof(prop_value));
            header()->size = n - 1;
            if (n == 1) clear();
        } else {
            values()[i] = std::move(v);
        }
        return old;
    }
    if (v.is_null()) return {};
    if (!block_ || n == header()->capacity) reserve(n + (n < 4 ? 1 : n / 2));
    std::memmove(keys() + i + 1, keys() + i, (n - i) * sizeof(std::uint32_t));
    std::memmove(static_cast<void*>(values() + i + 1), static_cast<const void*>(values() + i),
                 (n - i) * sizeof(prop_value));
    keys()[i] = key;
    new (&values()[i]) prop_value(std::move(v));
    header()->size = n + 1;
    return {};
}

void property_store::clear() noexcept {
    if (!block_) return;
    for (std::uint32_t i = 0; i < header()->size; ++i) values()[i].~prop_value();
    ::operator delete(block_);
    block_ = nullptr;
}

std::size_t property_store::heap_bytes() const noexcept {
    if (!block_) return 0;
    std::size_t b = values_offset(header()->capacity) + header()->capacity * sizeof(prop_value);
    for (std::uint32_t i = 0; i < header()->size; ++i) b += values()[i].heap_bytes();
    return b;
}

}  // namespace server::storage::detail
