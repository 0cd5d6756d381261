// The compact in-storage property value (16 bytes, short strings inline) and the per-object
// property block: one heap allocation holding sorted keys and values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bolt/value.hpp"

namespace server::storage::detail {

/// Holds any bolt::value: null, bool, integer, float and strings up to 14 bytes inline;
/// longer strings and every other type in one heap object.
class prop_value {
public:
    enum class tag : std::uint8_t { null, boolean, integer, floating, short_string, long_string, boxed };
    static constexpr std::size_t inline_capacity = 14;

    prop_value() noexcept { std::memset(raw_, 0, sizeof raw_); }
    explicit prop_value(const bolt::value& v);
    prop_value(const prop_value& o);
    prop_value(prop_value&& o) noexcept {
        std::memcpy(raw_, o.raw_, sizeof raw_);
        std::memset(o.raw_, 0, sizeof o.raw_);
    }
    prop_value& operator=(const prop_value& o) {
        if (this != &o) { prop_value tmp(o); swap(tmp); }
        return *this;
    }
    prop_value& operator=(prop_value&& o) noexcept {
        if (this != &o) { reset(); std::memcpy(raw_, o.raw_, sizeof raw_); std::memset(o.raw_, 0, sizeof o.raw_); }
        return *this;
    }
    ~prop_value() { reset(); }

    void swap(prop_value& o) noexcept {
        unsigned char t[16];
        std::memcpy(t, raw_, 16); std::memcpy(raw_, o.raw_, 16); std::memcpy(o.raw_, t, 16);
    }

    tag kind() const noexcept { return static_cast<tag>(raw_[0]); }
    bool is_null() const noexcept { return kind() == tag::null; }
    bool is_number() const noexcept { return kind() == tag::integer || kind() == tag::floating; }
    bool is_string() const noexcept { return kind() == tag::short_string || kind() == tag::long_string; }
    std::int64_t as_int() const noexcept { std::int64_t i; std::memcpy(&i, raw_ + 8, 8); return i; }
    double as_double() const noexcept { double d; std::memcpy(&d, raw_ + 8, 8); return d; }
    double as_number() const noexcept { return kind() == tag::integer ? static_cast<double>(as_int()) : as_double(); }
    std::string_view as_string() const noexcept;

    bolt::value to_value() const;
    /// Cypher equality as an index needs it: 1 = 1.0, strings by content.
    bool equals(const prop_value& o) const;
    /// Consistent with equals().
    std::size_t hash() const noexcept;
    /// Order for range lookups; nullopt when the two are not comparable (different kinds).
    std::optional<int> compare(const prop_value& o) const;
    /// Heap bytes owned beyond the 16 inline ones.
    std::size_t heap_bytes() const noexcept;

private:
    template <class T> T* ptr() const noexcept { T* p; std::memcpy(&p, raw_ + 8, sizeof p); return p; }
    template <class T> void set_ptr(T* p) noexcept { std::memcpy(raw_ + 8, &p, sizeof p); }
    void reset() noexcept;

    // raw_[0]: tag; raw_[1]: short string length; raw_[2..16): short string bytes;
    // raw_[8..16): int64 / double / bool / pointer payload.
    alignas(8) unsigned char raw_[16];
};

/// A vertex's or edge's properties: one heap block [size, capacity, keys..., values...],
/// keys sorted. 8 bytes in the object; empty costs nothing.
class property_store {
public:
    property_store() = default;
    property_store(const property_store&) = delete;
    property_store& operator=(const property_store&) = delete;
    ~property_store() { clear(); }

    /// Replaces the contents with `sorted` (sorted by key, unique keys, no nulls).
    void assign(std::vector<std::pair<std::uint32_t, prop_value>>&& sorted);
    const prop_value* get(std::uint32_t key) const noexcept;
    /// Sets key to v (null removes) and returns the previous value (null when absent).
    prop_value set(std::uint32_t key, prop_value v);
    void clear() noexcept;
    std::uint32_t size() const noexcept { return block_ ? header()->size : 0; }
    std::uint32_t key_at(std::uint32_t i) const noexcept { return keys()[i]; }
    const prop_value& value_at(std::uint32_t i) const noexcept { return values()[i]; }
    std::size_t heap_bytes() const noexcept;

private:
    struct block_header { std::uint32_t size; std::uint32_t capacity; };
    static std::size_t values_offset(std::uint32_t cap) noexcept {
        return (sizeof(block_header) + cap * sizeof(std::uint32_t) + 7) & ~std::size_t{7};
    }
    block_header* header() const noexcept { return reinterpret_cast<block_header*>(block_); }
    std::uint32_t* keys() const noexcept { return reinterpret_cast<std::uint32_t*>(block_ + sizeof(block_header)); }
    prop_value* values() const noexcept { return reinterpret_cast<prop_value*>(block_ + values_offset(header()->capacity)); }
    void reserve(std::uint32_t cap);

    unsigned char* block_ = nullptr;
};

}  // namespace server::storage::detail
