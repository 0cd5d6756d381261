// The PackStream value model: every type Bolt can carry, as plain C++ values.
// Small types live inline in the variant; graph types and zone-id datetimes are boxed so a
// value stays 40 bytes and a batch of rows stays compact.
#pragma once

#include <compare>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

namespace bolt {

class value;

/// A copyable owning pointer: deep-copies on copy, so boxed values keep value semantics.
template <class T>
class box {
public:
    box() : ptr_(std::make_unique<T>()) {}
    box(T v) : ptr_(std::make_unique<T>(std::move(v))) {}  // NOLINT: implicit by design
    box(const box& o) : ptr_(std::make_unique<T>(*o.ptr_)) {}
    box(box&&) noexcept = default;
    box& operator=(const box& o) {
        if (this != &o) ptr_ = std::make_unique<T>(*o.ptr_);
        return *this;
    }
    box& operator=(box&&) noexcept = default;
    T& operator*() { return *ptr_; }
    const T& operator*() const { return *ptr_; }
    T* operator->() { return ptr_.get(); }
    const T* operator->() const { return ptr_.get(); }
    friend bool operator==(const box& a, const box& b) { return *a.ptr_ == *b.ptr_; }

private:
    std::unique_ptr<T> ptr_;
};

struct null_t {
    friend bool operator==(null_t, null_t) = default;
};
inline constexpr null_t null{};

using bytes = std::vector<std::uint8_t>;
using list = std::vector<value>;

/// A PackStream dictionary. Keeps insertion order (what the peer sent, what the user wrote);
/// lookups are linear, which beats hashing for the handful of keys rows and metadata have.
class map {
public:
    using entry = std::pair<std::string, value>;
    map() = default;
    map(std::initializer_list<entry> entries);

    const value* find(std::string_view key) const;
    value* find(std::string_view key);
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    /// Throws std::out_of_range when the key is absent.
    const value& at(std::string_view key) const;
    /// Inserts null when absent, like std::map::operator[].
    value& operator[](std::string_view key);
    /// Sets key to v, replacing an existing entry (PackStream: the last duplicate wins).
    void set(std::string key, value v);
    /// Appends without checking for duplicates (decoder fast path; caller guarantees order).
    void append(std::string key, value v);
    /// Like append, but builds the value in place from a value constructor's arguments (none: null)
    /// and returns it, so the decoder's hot loop neither moves nor re-assigns entries.
    template <class... A>
    value& emplace_back(std::string_view key, A&&... args);
    bool erase(std::string_view key);

    // Defined after `value` is complete (clang instantiates the vector members eagerly).
    using iterator = std::vector<entry>::iterator;
    using const_iterator = std::vector<entry>::const_iterator;
    std::size_t size() const;
    bool empty() const;
    void reserve(std::size_t n);
    void clear();
    const_iterator begin() const;
    const_iterator end() const;
    iterator begin();
    iterator end();
    /// Equal when they hold the same keys with equal values, in any order.
    friend bool operator==(const map& a, const map& b);

private:
    std::vector<entry> entries_;
};

// ---- graph structures ------------------------------------------------------------------------

struct node {
    std::int64_t id = 0;
    std::vector<std::string> labels;
    map properties;
    std::string element_id;  // Bolt 5+; filled with std::to_string(id) when the peer is older
    friend bool operator==(const node&, const node&) = default;
};

struct relationship {
    std::int64_t id = 0;
    std::int64_t start_node_id = 0;
    std::int64_t end_node_id = 0;
    std::string type;
    map properties;
    std::string element_id;
    std::string start_node_element_id;
    std::string end_node_element_id;
    friend bool operator==(const relationship&, const relationship&) = default;
};

struct unbound_relationship {
    std::int64_t id = 0;
    std::string type;
    map properties;
    std::string element_id;
    friend bool operator==(const unbound_relationship&, const unbound_relationship&) = default;
};

/// Bolt's compact path: distinct nodes and relationships plus the index sequence that walks them.
struct path {
    std::vector<node> nodes;
    std::vector<unbound_relationship> relationships;
    std::vector<std::int64_t> indices;
    friend bool operator==(const path&, const path&) = default;
};

// ---- temporal and spatial structures ---------------------------------------------------------

struct date {
    std::int64_t days = 0;  // since 1970-01-01
    friend auto operator<=>(const date&, const date&) = default;
};

struct time {  // time of day with a UTC offset
    std::int64_t nanoseconds = 0;  // since local midnight
    std::int64_t tz_offset_seconds = 0;
    friend bool operator==(const time&, const time&) = default;
};

struct local_time {
    std::int64_t nanoseconds = 0;  // since midnight
    friend auto operator<=>(const local_time&, const local_time&) = default;
};

/// An instant with a fixed UTC offset. `seconds` is always UTC epoch seconds in memory; the
/// legacy (Bolt <= 4.4 without the utc patch) wire layout adds the offset when encoding.
struct date_time {
    std::int64_t seconds = 0;
    std::int64_t nanoseconds = 0;
    std::int64_t tz_offset_seconds = 0;
    friend bool operator==(const date_time&, const date_time&) = default;
};

/// An instant in a named zone. In memory `seconds` is UTC epoch seconds when the value came from
/// (or is meant for) the UTC layout; the legacy layout carries local wall-clock seconds instead
/// and is kept as received, flagged by `legacy_local_seconds`, since converting needs a tz database.
struct date_time_zone_id {
    std::int64_t seconds = 0;
    std::int64_t nanoseconds = 0;
    std::string tz_id;
    bool legacy_local_seconds = false;
    friend bool operator==(const date_time_zone_id&, const date_time_zone_id&) = default;
};

struct local_date_time {
    std::int64_t seconds = 0;  // wall clock, as if UTC
    std::int64_t nanoseconds = 0;
    friend auto operator<=>(const local_date_time&, const local_date_time&) = default;
};

struct duration {
    std::int64_t months = 0;
    std::int64_t days = 0;
    std::int64_t seconds = 0;
    std::int64_t nanoseconds = 0;
    friend bool operator==(const duration&, const duration&) = default;
};

struct point2d {
    std::int64_t srid = 0;
    double x = 0, y = 0;
    friend bool operator==(const point2d&, const point2d&) = default;
};

struct point3d {
    std::int64_t srid = 0;
    double x = 0, y = 0, z = 0;
    friend bool operator==(const point3d&, const point3d&) = default;
};

// ---- the value -------------------------------------------------------------------------------

enum class value_type : std::uint8_t {
    null, boolean, integer, floating, string, bytes, list, map,
    node, relationship, unbound_relationship, path,
    date, time, local_time, date_time, date_time_zone_id, local_date_time, duration,
    point2d, point3d,
};

std::string_view to_string(value_type t);

class value {
public:
    // The alternatives' order matches value_type.
    using variant_type =
        std::variant<null_t, bool, std::int64_t, double, std::string, bytes, list, map,
                     box<node>, box<relationship>, box<unbound_relationship>, box<path>, date,
                     time, local_time, date_time, box<date_time_zone_id>, local_date_time,
                     duration, point2d, point3d>;

    value() = default;
    value(null_t) {}
    value(bool b) : v_(b) {}
    value(int i) : v_(std::int64_t{i}) {}
    value(long i) : v_(std::int64_t{i}) {}
    value(long long i) : v_(std::int64_t{i}) {}
    value(unsigned i) : v_(std::int64_t{i}) {}
    value(unsigned long i) : v_(static_cast<std::int64_t>(i)) {}
    value(unsigned long long i) : v_(static_cast<std::int64_t>(i)) {}
    value(double d) : v_(d) {}
    value(const char* s) : v_(std::string(s)) {}
    value(std::string s) : v_(std::move(s)) {}
    value(std::string_view s) : v_(std::string(s)) {}
    value(bytes b) : v_(std::move(b)) {}
    value(list l) : v_(std::move(l)) {}
    value(map m) : v_(std::move(m)) {}
    value(node n) : v_(box<node>(std::move(n))) {}
    value(relationship r) : v_(box<relationship>(std::move(r))) {}
    value(unbound_relationship r) : v_(box<unbound_relationship>(std::move(r))) {}
    value(path p) : v_(box<path>(std::move(p))) {}
    value(date d) : v_(d) {}
    value(bolt::time t) : v_(t) {}
    value(local_time t) : v_(t) {}
    value(date_time t) : v_(t) {}
    value(date_time_zone_id t) : v_(box<date_time_zone_id>(std::move(t))) {}
    value(local_date_time t) : v_(t) {}
    value(duration d) : v_(d) {}
    value(point2d p) : v_(p) {}
    value(point3d p) : v_(p) {}

    value_type type() const { return static_cast<value_type>(v_.index()); }
    bool is_null() const { return type() == value_type::null; }

    /// Typed access; `as<T>` throws bolt::value_error naming both types when T does not match.
    /// For boxed types ask for the plain type (`as<node>()`).
    template <class T> const T& as() const;
    template <class T> T& as();
    /// Returns nullptr when T does not match.
    template <class T> const T* get_if() const;
    template <class T> T* get_if();

    /// Map and list conveniences; throw value_error on the wrong type or a missing key.
    const value& operator[](std::string_view key) const;
    const value& operator[](std::size_t index) const;

    const variant_type& variant() const { return v_; }
    variant_type& variant() { return v_; }

    friend bool operator==(const value& a, const value& b) { return a.v_ == b.v_; }

private:
    variant_type v_;
};

template <class... A>
value& map::emplace_back(std::string_view key, A&&... args) {
    return entries_
        .emplace_back(std::piecewise_construct, std::forward_as_tuple(key), std::forward_as_tuple(std::forward<A>(args)...))
        .second;
}

inline std::size_t map::size() const { return entries_.size(); }
inline bool map::empty() const { return entries_.empty(); }
inline void map::reserve(std::size_t n) { entries_.reserve(n); }
inline void map::clear() { entries_.clear(); }
inline map::const_iterator map::begin() const { return entries_.begin(); }
inline map::const_iterator map::end() const { return entries_.end(); }
inline map::iterator map::begin() { return entries_.begin(); }
inline map::iterator map::end() { return entries_.end(); }

/// Raised by value::as and the indexers; the message names the expected and actual types.
class value_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// Cypher-like rendering for logs and examples: {name: "Alice", age: 42}, (:User {..}), etc.
std::string to_string(const value& v);

namespace detail {
template <class T> struct boxed_as { using type = T; };
template <> struct boxed_as<node> { using type = box<node>; };
template <> struct boxed_as<relationship> { using type = box<relationship>; };
template <> struct boxed_as<unbound_relationship> { using type = box<unbound_relationship>; };
template <> struct boxed_as<path> { using type = box<path>; };
template <> struct boxed_as<date_time_zone_id> { using type = box<date_time_zone_id>; };
template <class T> inline constexpr bool is_boxed_v = !std::is_same_v<typename boxed_as<T>::type, T>;
[[noreturn]] void throw_type_mismatch(std::string_view wanted, value_type actual);
template <class T> std::string_view type_name();
// Declared here so every user of as<T> sees the specialisations value.cpp defines.
template <> std::string_view type_name<null_t>();
template <> std::string_view type_name<bool>();
template <> std::string_view type_name<std::int64_t>();
template <> std::string_view type_name<double>();
template <> std::string_view type_name<std::string>();
template <> std::string_view type_name<bytes>();
template <> std::string_view type_name<list>();
template <> std::string_view type_name<map>();
template <> std::string_view type_name<node>();
template <> std::string_view type_name<relationship>();
template <> std::string_view type_name<unbound_relationship>();
template <> std::string_view type_name<path>();
template <> std::string_view type_name<date>();
template <> std::string_view type_name<time>();
template <> std::string_view type_name<local_time>();
template <> std::string_view type_name<date_time>();
template <> std::string_view type_name<date_time_zone_id>();
template <> std::string_view type_name<local_date_time>();
template <> std::string_view type_name<duration>();
template <> std::string_view type_name<point2d>();
template <> std::string_view type_name<point3d>();
}  // namespace detail

template <class T>
const T* value::get_if() const {
    using stored = typename detail::boxed_as<T>::type;
    const stored* p = std::get_if<stored>(&v_);
    if (!p) return nullptr;
    if constexpr (detail::is_boxed_v<T>) return &**p; else return p;
}

template <class T>
T* value::get_if() {
    using stored = typename detail::boxed_as<T>::type;
    stored* p = std::get_if<stored>(&v_);
    if (!p) return nullptr;
    if constexpr (detail::is_boxed_v<T>) return &**p; else return p;
}

template <class T>
const T& value::as() const {
    if (const T* p = get_if<T>()) return *p;
    detail::throw_type_mismatch(detail::type_name<T>(), type());
}

template <class T>
T& value::as() {
    if (T* p = get_if<T>()) return *p;
    detail::throw_type_mismatch(detail::type_name<T>(), type());
}

}  // namespace bolt
