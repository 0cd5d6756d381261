// PackStream v1 encoder and decoder. The encoder writes straight into the caller's buffer with one
// capacity check per value; the decoder is a bounded recursive descent that checks every length
// against the bytes left before it allocates anything.
#include "bolt/packstream.hpp"
#include "bolt/utf8.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string>

namespace bolt::packstream {

// ---- errors ------------------------------------------------------------------------------------

namespace {

class category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "bolt.packstream"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::ok: return "success";
            case errc::truncated: return "PackStream input ended inside a value";
            case errc::reserved_marker:
                return "PackStream marker is reserved (C4-C7, CF, D3, D7, DB, DC, DD, DE, DF or E0-EF)";
            case errc::too_deep: return "PackStream value nests deeper than the decoder's depth limit";
            case errc::too_large:
                return "PackStream length exceeds the decoder's limits or the bytes left in the input";
            case errc::non_string_key: return "PackStream map key is not a string";
            case errc::unknown_struct: return "PackStream structure tag is not defined for the negotiated Bolt version";
            case errc::bad_struct: return "PackStream structure has the wrong number of fields or a field of the wrong type";
            case errc::trailing_bytes: return "PackStream input has bytes left after the value";
            case errc::size_overflow: return "value is too long for PackStream (strings, lists and maps up to 2^32-1, bytes up to 2^31-1, structures up to 15 fields)";
            case errc::unrepresentable:
                return "value cannot be expressed in the negotiated Bolt version (a zone-id date-time needs "
                       "UTC seconds from Bolt 5 on and local seconds before, or the seconds overflow)";
            case errc::not_a_structure: return "PackStream value is not a structure where one was expected";
            case errc::invalid_utf8: return "PackStream string is not valid UTF-8";
        }
        return "unknown PackStream error";
    }
};

}  // namespace

const std::error_category& error_category() {
    static const category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), error_category()}; }

// ---- byte order --------------------------------------------------------------------------------

namespace {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);
constexpr bool little = std::endian::native == std::endian::little;

inline std::uint8_t to_be(std::uint8_t v) { return v; }
inline std::uint16_t to_be(std::uint16_t v) { return little ? __builtin_bswap16(v) : v; }
inline std::uint32_t to_be(std::uint32_t v) { return little ? __builtin_bswap32(v) : v; }
inline std::uint64_t to_be(std::uint64_t v) { return little ? __builtin_bswap64(v) : v; }

template <class U>
inline void store_be(std::uint8_t* p, U v) {
    v = to_be(v);
    std::memcpy(p, &v, sizeof v);
}

template <class U>
inline U load_be(const std::uint8_t* p) {
    U v;
    std::memcpy(&v, p, sizeof v);
    return to_be(v);
}

constexpr std::uint64_t max_u32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t max_bytes = std::numeric_limits<std::int32_t>::max();  // spec: 2^31-1
constexpr std::size_t max_int_bytes = 9;   // marker + int64
constexpr std::size_t max_header_bytes = 5;  // marker + u32 size

// ---- encoder internals ---------------------------------------------------------------------------

// Unchecked stores: the caller has made room. Each returns the number of bytes written.
inline std::size_t put_int(std::uint8_t* p, std::int64_t i) {
    if (i >= -16 && i <= 127) {
        p[0] = static_cast<std::uint8_t>(i);
        return 1;
    }
    if (i >= -128 && i <= 127) {
        p[0] = marker::int8;
        p[1] = static_cast<std::uint8_t>(i);
        return 2;
    }
    if (i >= -32768 && i <= 32767) {
        p[0] = marker::int16;
        store_be(p + 1, static_cast<std::uint16_t>(i));
        return 3;
    }
    if (i >= std::numeric_limits<std::int32_t>::min() && i <= std::numeric_limits<std::int32_t>::max()) {
        p[0] = marker::int32;
        store_be(p + 1, static_cast<std::uint32_t>(i));
        return 5;
    }
    p[0] = marker::int64;
    store_be(p + 1, static_cast<std::uint64_t>(i));
    return 9;
}

inline std::size_t put_float(std::uint8_t* p, double d) {
    p[0] = marker::float64;
    store_be(p + 1, std::bit_cast<std::uint64_t>(d));
    return 9;
}

// A sized header with a tiny form (strings, lists, maps): tiny, 8, 16 and 32-bit markers are
// consecutive from `m8`. The size has been checked against 2^32-1.
inline std::size_t put_header(std::uint8_t* p, std::uint8_t tiny, std::uint8_t m8, std::uint64_t n) {
    if (n < 16) {
        p[0] = static_cast<std::uint8_t>(tiny | n);
        return 1;
    }
    if (n <= 0xFF) {
        p[0] = m8;
        p[1] = static_cast<std::uint8_t>(n);
        return 2;
    }
    if (n <= 0xFFFF) {
        p[0] = static_cast<std::uint8_t>(m8 + 1);
        store_be(p + 1, static_cast<std::uint16_t>(n));
        return 3;
    }
    p[0] = static_cast<std::uint8_t>(m8 + 2);
    store_be(p + 1, static_cast<std::uint32_t>(n));
    return 5;
}

// Copies a std::string's bytes to dst, which has room for at least 16. Strings shorter than 16
// bytes move as one 16-byte block instead of a memcpy call: a std::string owns capacity()+1 bytes
// of storage (its inline buffer or the heap), so when capacity() >= 15 the block stays inside
// memory the string owns, and the extra bytes land past the cursor where they are overwritten or
// trimmed.
inline std::uint8_t* copy_string(std::uint8_t* dst, const std::string& s) {
    if (s.size() < 16 && s.capacity() >= 15)
        std::memcpy(dst, s.data(), 16);
    else if (!s.empty())
        std::memcpy(dst, s.data(), s.size());
    return dst + s.size();
}

constexpr std::size_t small_copy_bytes = 16;
constexpr std::size_t small_value_bytes = 1 + small_copy_bytes;  // >= max_int_bytes too

// Writes v at p when it is a scalar or a string shorter than 16 bytes, which fit in
// small_value_bytes of room; returns the new cursor, or nullptr when v needs the general path.
inline std::uint8_t* put_small(std::uint8_t* p, const value& v) {
    const auto& var = v.variant();
    switch (var.index()) {
        case 0: *p = marker::null; return p + 1;
        case 1: *p = *std::get_if<1>(&var) ? marker::true_ : marker::false_; return p + 1;
        case 2: return p + put_int(p, *std::get_if<2>(&var));
        case 3: return p + put_float(p, *std::get_if<3>(&var));
        case 4: {
            const std::string& s = *std::get_if<4>(&var);
            if (s.size() >= 16) return nullptr;
            *p = static_cast<std::uint8_t>(marker::tiny_string | s.size());
            return copy_string(p + 1, s);
        }
        default: return nullptr;
    }
}

// Appends to the caller's buffer through a raw cursor. The buffer is grown ahead of the cursor and
// trimmed back when the writer ends, so between public calls the caller sees exactly the encoded
// bytes; a call that fails leaves the buffer as it found it.
class writer {
public:
    writer(buffer& out, dialect d) : out_(out), dialect_(d), start_(out.size()) {
        base_ = out_.data();
        p_ = base_ + start_;
        end_ = p_;
    }
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    ~writer() { out_.resize(err_ == errc::ok ? static_cast<std::size_t>(p_ - base_) : start_); }

    errc error() const { return err_; }

    void null() { *room(1) = marker::null; ++p_; }
    void boolean(bool b) { *room(1) = b ? marker::true_ : marker::false_; ++p_; }
    void integer(std::int64_t i) { p_ += put_int(room(max_int_bytes), i); }
    void floating(double d) { p_ += put_float(room(9), d); }

    void string(std::string_view s) {
        if (s.size() > max_u32) return fail(errc::size_overflow);
        std::uint8_t* p = room(max_header_bytes + s.size());
        p += put_header(p, marker::tiny_string, marker::string8, s.size());
        if (!s.empty()) std::memcpy(p, s.data(), s.size());
        p_ = p + s.size();
    }

    void string(const std::string& s) {
        if (s.size() > max_u32) return fail(errc::size_overflow);
        std::uint8_t* p = room(max_header_bytes + std::max(s.size(), small_copy_bytes));
        p += put_header(p, marker::tiny_string, marker::string8, s.size());
        p_ = copy_string(p, s);
    }

    void byte_array(byte_view b) {
        if (b.size() > max_bytes) return fail(errc::size_overflow);
        std::uint8_t* p = room(max_header_bytes + b.size());
        if (b.size() <= 0xFF) {
            *p++ = marker::bytes8;
            *p++ = static_cast<std::uint8_t>(b.size());
        } else if (b.size() <= 0xFFFF) {
            *p++ = marker::bytes16;
            store_be(p, static_cast<std::uint16_t>(b.size()));
            p += 2;
        } else {
            *p++ = marker::bytes32;
            store_be(p, static_cast<std::uint32_t>(b.size()));
            p += 4;
        }
        if (!b.empty()) std::memcpy(p, b.data(), b.size());
        p_ = p + b.size();
    }

    void list_header(std::size_t n) {
        if (n > max_u32) return fail(errc::size_overflow);
        p_ += put_header(room(max_header_bytes), marker::tiny_list, marker::list8, n);
    }

    void map_header(std::size_t n) {
        if (n > max_u32) return fail(errc::size_overflow);
        p_ += put_header(room(max_header_bytes), marker::tiny_map, marker::map8, n);
    }

    void struct_header(std::uint8_t tag, std::size_t fields) {
        if (fields > 15) return fail(errc::size_overflow);
        std::uint8_t* p = room(2);
        p[0] = static_cast<std::uint8_t>(marker::tiny_struct | fields);
        p[1] = tag;
        p_ += 2;
    }

    void list_items(const list& l) {
        list_header(l.size());
        for (const auto& item : l) {
            std::uint8_t* p = put_small(room(small_value_bytes), item);
            if (p)
                p_ = p;
            else
                any(item);
        }
    }

    void map_entries(const map& m) {
        map_header(m.size());
        for (const auto& [key, v] : m) {
            if (key.size() > max_u32) {
                fail(errc::size_overflow);
                continue;
            }
            // One capacity check covers the key and a scalar or short string: the common row shape.
            std::uint8_t* p = room(max_header_bytes + std::max(key.size(), small_copy_bytes) + small_value_bytes);
            p += put_header(p, marker::tiny_string, marker::string8, key.size());
            p = copy_string(p, key);
            if (std::uint8_t* after = put_small(p, v)) {
                p_ = after;
            } else {
                p_ = p;
                any(v);
            }
        }
    }

    void any(const value& v) {
        const auto& var = v.variant();
        switch (v.type()) {
            case value_type::null: return null();
            case value_type::boolean: return boolean(*std::get_if<bool>(&var));
            case value_type::integer: return integer(*std::get_if<std::int64_t>(&var));
            case value_type::floating: return floating(*std::get_if<double>(&var));
            case value_type::string: return string(*std::get_if<std::string>(&var));
            case value_type::bytes: return byte_array(*std::get_if<bytes>(&var));
            case value_type::list: return list_items(*std::get_if<list>(&var));
            case value_type::map: return map_entries(*std::get_if<map>(&var));
            case value_type::node: return write_node(**std::get_if<box<node>>(&var));
            case value_type::relationship: return write_relationship(**std::get_if<box<relationship>>(&var));
            case value_type::unbound_relationship:
                return write_unbound(**std::get_if<box<unbound_relationship>>(&var));
            case value_type::path: return write_path(**std::get_if<box<path>>(&var));
            case value_type::date: return scalar_fields(tag::date, *std::get_if<date>(&var), &date::days);
            case value_type::time:
                return scalar_fields(tag::time, *std::get_if<bolt::time>(&var), &bolt::time::nanoseconds,
                                     &bolt::time::tz_offset_seconds);
            case value_type::local_time:
                return scalar_fields(tag::local_time, *std::get_if<local_time>(&var), &local_time::nanoseconds);
            case value_type::date_time: return write_date_time(*std::get_if<date_time>(&var));
            case value_type::date_time_zone_id:
                return write_date_time_zone_id(**std::get_if<box<date_time_zone_id>>(&var));
            case value_type::local_date_time:
                return scalar_fields(tag::local_date_time, *std::get_if<local_date_time>(&var),
                                     &local_date_time::seconds, &local_date_time::nanoseconds);
            case value_type::duration:
                return scalar_fields(tag::duration, *std::get_if<duration>(&var), &duration::months,
                                     &duration::days, &duration::seconds, &duration::nanoseconds);
            case value_type::point2d:
                return scalar_fields(tag::point2d, *std::get_if<point2d>(&var), &point2d::srid, &point2d::x,
                                     &point2d::y);
            case value_type::point3d:
                return scalar_fields(tag::point3d, *std::get_if<point3d>(&var), &point3d::srid, &point3d::x,
                                     &point3d::y, &point3d::z);
        }
    }

private:
    void fail(errc e) {
        if (err_ == errc::ok) err_ = e;
    }

    void field(std::int64_t i) { integer(i); }
    void field(double d) { floating(d); }

    // A structure of integer and float fields (temporal and spatial types), one per member in
    // order; the decoder's scalar_fields reads them back.
    template <class T, class... M>
    void scalar_fields(std::uint8_t t, const T& x, M T::*... members) {
        struct_header(t, sizeof...(M));
        (field(x.*members), ...);
    }

    // Returns a cursor with at least n writable bytes.
    std::uint8_t* room(std::size_t n) {
        if (static_cast<std::size_t>(end_ - p_) < n) [[unlikely]]
            grow(n);
        return p_;
    }

    [[gnu::noinline]] void grow(std::size_t n) {
        const auto written = static_cast<std::size_t>(p_ - base_);
        // Grow by what this call has written so far, between 64 bytes and 16 KiB: the zero-fill
        // that vector::resize does stays close to the bytes actually written even when the
        // caller's buffer has a huge capacity, a resize within capacity is only that memset, and
        // vector's own capacity growth stays geometric.
        const std::size_t slack = std::max(n, std::clamp(written - start_, std::size_t{64}, std::size_t{16384}));
        out_.resize(written + slack);
        base_ = out_.data();
        p_ = base_ + written;
        end_ = base_ + out_.size();
    }

    void write_node(const node& n) {
        struct_header(tag::node, dialect_.element_ids ? 4 : 3);
        integer(n.id);
        list_header(n.labels.size());
        for (const auto& l : n.labels) string(l);
        map_entries(n.properties);
        if (dialect_.element_ids) string(n.element_id);
    }

    void write_relationship(const relationship& r) {
        struct_header(tag::relationship, dialect_.element_ids ? 8 : 5);
        integer(r.id);
        integer(r.start_node_id);
        integer(r.end_node_id);
        string(r.type);
        map_entries(r.properties);
        if (dialect_.element_ids) {
            string(r.element_id);
            string(r.start_node_element_id);
            string(r.end_node_element_id);
        }
    }

    void write_unbound(const unbound_relationship& r) {
        struct_header(tag::unbound_relationship, dialect_.element_ids ? 4 : 3);
        integer(r.id);
        string(r.type);
        map_entries(r.properties);
        if (dialect_.element_ids) string(r.element_id);
    }

    void write_path(const path& p) {
        struct_header(tag::path, 3);
        list_header(p.nodes.size());
        for (const auto& n : p.nodes) write_node(n);
        list_header(p.relationships.size());
        for (const auto& r : p.relationships) write_unbound(r);
        list_header(p.indices.size());
        for (auto i : p.indices) integer(i);
    }

    void write_date_time(const date_time& t) {
        std::int64_t seconds = t.seconds;
        // The legacy layout carries the wall clock at the offset: UTC seconds plus the offset.
        if (!dialect_.utc_datetime && __builtin_add_overflow(t.seconds, t.tz_offset_seconds, &seconds))
            return fail(errc::unrepresentable);
        struct_header(dialect_.utc_datetime ? tag::date_time : tag::legacy_date_time, 3);
        integer(seconds);
        integer(t.nanoseconds);
        integer(t.tz_offset_seconds);
    }

    void write_date_time_zone_id(const date_time_zone_id& t) {
        // Converting between UTC and a zone's wall clock needs a time-zone database, which the
        // codec does not have: only the layout matching the value's seconds can be written.
        if (t.legacy_local_seconds == dialect_.utc_datetime) return fail(errc::unrepresentable);
        struct_header(dialect_.utc_datetime ? tag::date_time_zone_id : tag::legacy_date_time_zone_id, 3);
        integer(t.seconds);
        integer(t.nanoseconds);
        string(t.tz_id);
    }

    buffer& out_;
    dialect dialect_;
    std::size_t start_;
    std::uint8_t* base_;
    std::uint8_t* p_;
    std::uint8_t* end_;
    errc err_ = errc::ok;
};

}  // namespace

// ---- encoder -----------------------------------------------------------------------------------

namespace {
// Every public call runs one writer; errors are sticky, so nothing is written after the first.
template <class F>
void run_writer(buffer& out, dialect d, std::error_code& error, F&& f) {
    if (error) return;
    errc e = errc::ok;
    {
        writer w(out, d);
        f(w);
        e = w.error();
    }
    if (e != errc::ok) error = make_error_code(e);
}
}  // namespace

void encoder::write(const value& v) { run_writer(out_, dialect_, error_, [&](writer& w) { w.any(v); }); }
void encoder::write_null() { run_writer(out_, dialect_, error_, [](writer& w) { w.null(); }); }
void encoder::write_bool(bool b) { run_writer(out_, dialect_, error_, [&](writer& w) { w.boolean(b); }); }
void encoder::write_int(std::int64_t i) { run_writer(out_, dialect_, error_, [&](writer& w) { w.integer(i); }); }
void encoder::write_float(double d) { run_writer(out_, dialect_, error_, [&](writer& w) { w.floating(d); }); }
void encoder::write_string(std::string_view s) {
    run_writer(out_, dialect_, error_, [&](writer& w) { w.string(s); });
}
void encoder::write_bytes(byte_view b) { run_writer(out_, dialect_, error_, [&](writer& w) { w.byte_array(b); }); }
void encoder::write_list_header(std::size_t size) {
    run_writer(out_, dialect_, error_, [&](writer& w) { w.list_header(size); });
}
void encoder::write_map_header(std::size_t size) {
    run_writer(out_, dialect_, error_, [&](writer& w) { w.map_header(size); });
}
void encoder::write_struct_header(std::uint8_t t, std::uint8_t fields) {
    run_writer(out_, dialect_, error_, [&](writer& w) { w.struct_header(t, fields); });
}
void encoder::write(const list& l) { run_writer(out_, dialect_, error_, [&](writer& w) { w.list_items(l); }); }
void encoder::write(const map& m) { run_writer(out_, dialect_, error_, [&](writer& w) { w.map_entries(m); }); }

buffer encode(const value& v, dialect d) {
    buffer out;
    encoder e(out, d);
    e.write(v);
    return out;
}

// ---- decoder internals ---------------------------------------------------------------------------

// Building fresh values. Row keys and most string values (names, tags) are at most 15 bytes,
// which fit std::string's inline buffer. Built from a string_view they cost an out-of-line
// constructor and a libc memcpy of a variable length, and moving one into a value costs a second
// memcpy. Built from exactly 15 bytes they take two fixed-size loads and stores, and cutting the
// string back to its length is one store. `flatten` inlines the library code into the small
// helpers below, which the inliner would not do inside the decoder's large loops.
constexpr std::size_t short_string_bytes = 15;

// A string of n <= short_string_bytes bytes at p, with short_string_bytes bytes readable at p.
struct short_string {
    const std::uint8_t* p;
    std::size_t n;
    std::string_view padded() const { return {reinterpret_cast<const char*>(p), short_string_bytes}; }
};

// Makes the null value v hold s. The string is built in place: built apart and moved in, its
// bytes would be stored as two parts and loaded as one, which the CPU cannot forward.
inline value& set_short(value& v, short_string s) {
    std::string& str = v.variant().emplace<std::string>();
    str.resize(short_string_bytes);
    std::memcpy(str.data(), s.p, short_string_bytes);
    str.erase(s.n);
    return v;
}

// append(container, [key,] args...) adds an item or entry built from a value constructor's
// arguments (none: null) or from a short_string, and returns its value.
template <class... A>
value& append(list& l, A&&... args) {
    return l.emplace_back(std::forward<A>(args)...);
}

[[gnu::noinline, gnu::flatten]] value& append(list& l, short_string s) {
    return set_short(l.emplace_back(), s);
}

template <class... A>
value& append(map& m, std::string_view key, A&&... args) {
    return m.emplace_back(key, std::forward<A>(args)...);
}

inline value& append(map& m, std::string_view key, short_string s) {
    return set_short(m.emplace_back(key), s);
}

template <class... A>
[[gnu::noinline, gnu::flatten]] value& append(map& m, short_string key, A&&... args) {
    value& v = m.emplace_back(key.padded(), std::forward<A>(args)...);
    std::prev(m.end())->first.erase(key.n);
    return v;
}

[[gnu::noinline, gnu::flatten]] value& append(map& m, short_string key, short_string s) {
    return set_short(append(m, key), s);
}

// Reads one value at a time from [p, end). Lengths are checked against what is left before any
// allocation; recursion is bounded by limits::max_depth.
struct decoder_access {
    const std::uint8_t* p;
    const std::uint8_t* end;
    dialect dia;
    limits lim;

    std::size_t left() const { return static_cast<std::size_t>(end - p); }

    // Reads the length that follows a sized marker (n bytes, big-endian).
    template <class U>
    errc length(std::uint64_t& n) {
        if (left() < sizeof(U)) return errc::truncated;
        n = load_be<U>(p);
        p += sizeof(U);
        return errc::ok;
    }

    // Assigns a scalar, skipping the variant's destroy-and-construct when the type is unchanged.
    template <class T>
    static void set(value::variant_type& var, T x) {
        if (T* held = std::get_if<T>(&var))
            *held = x;
        else
            var.emplace<T>(x);
    }

    // Row keys are short and differ early: test the size and the first byte before memcmp.
    static bool same_key(const std::string& a, std::string_view b) {
        return a.size() == b.size() && (b.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), b.size()) == 0));
    }

    // string::assign goes through the general replace path; for the short strings of rows, clear
    // and append is a plain copy into storage the string already owns.
    static void overwrite(std::string& s, std::string_view v) {
        s.clear();
        s.append(v.data(), v.size());
    }

    static bool is_string_marker(std::uint8_t m) {
        return (m & 0xF0) == marker::tiny_string || m == marker::string8 || m == marker::string16 ||
               m == marker::string32;
    }

    // The byte count of a string whose marker m has just been consumed; non_string_key when m is
    // not a string marker.
    errc string_length(std::uint8_t m, std::uint64_t& n) {
        if ((m & 0xF0) == marker::tiny_string) {
            n = m & 0x0F;
            return errc::ok;
        }
        switch (m) {
            case marker::string8: return length<std::uint8_t>(n);
            case marker::string16: return length<std::uint16_t>(n);
            case marker::string32: return length<std::uint32_t>(n);
            default: return errc::non_string_key;
        }
    }

    // PackStream strings are UTF-8: anything else is refused (as strict drivers and servers do)
    // rather than stored and handed on. ASCII, most of what rows hold, costs a word test per 8 bytes.
    bool utf8_at(std::uint64_t n) const {
        return bolt::is_valid_utf8(std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)));
    }

    errc string_body(std::uint64_t n, std::string& out) {
        if (n > lim.max_string_bytes || n > left()) return errc::too_large;
        if (!utf8_at(n)) return errc::invalid_utf8;
        out.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
        return errc::ok;
    }

    errc read_string_into(std::uint64_t n, value& out) {
        if (n > lim.max_string_bytes || n > left()) return errc::too_large;
        if (!utf8_at(n)) return errc::invalid_utf8;
        if (auto* s = out.get_if<std::string>())
            overwrite(*s, std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)));
        else
            out.variant().emplace<std::string>(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
        return errc::ok;
    }

    errc read_bytes_into(std::uint64_t n, value& out) {
        if (n > lim.max_string_bytes || n > left()) return errc::too_large;
        if (auto* b = out.get_if<bytes>())
            b->assign(p, p + n);
        else
            out.variant().emplace<bytes>(p, p + n);
        p += n;
        return errc::ok;
    }

    // Reads the next value into a slot made by `make`: scalars are built in place by passing their
    // contents to `make` (a value constructor's arguments), so the hot loops of rows neither
    // default-construct and re-assign nor move values; everything else goes through read().
    template <class Make>
    [[gnu::always_inline]] inline errc read_new(Make&& make, std::uint32_t depth) {
        if (p == end) [[unlikely]]
            return errc::truncated;
        const std::uint8_t m = *p;
        if (m < 0x80 || m >= 0xF0) {
            ++p;
            make(std::int64_t{static_cast<std::int8_t>(m)});
            return errc::ok;
        }
        if ((m & 0xF0) == marker::tiny_string) {
            const std::size_t n = m & 0x0F;
            if (n >= left() || n > lim.max_string_bytes) return errc::too_large;
            ++p;
            if (!utf8_at(n)) return errc::invalid_utf8;
            if (left() >= short_string_bytes)
                make(short_string{p, n});
            else
                make(std::string_view(reinterpret_cast<const char*>(p), n));
            p += n;
            return errc::ok;
        }
        // Tests in the order rows use them, rather than a jump table: a row's fields take the
        // same branches every time, which the predictor follows better than one indirect jump.
        if (m == marker::false_ || m == marker::true_) {
            ++p;
            make(m == marker::true_);
            return errc::ok;
        }
        if (m == marker::float64) {
            if (left() < 9) return errc::truncated;
            make(std::bit_cast<double>(load_be<std::uint64_t>(p + 1)));
            p += 9;
            return errc::ok;
        }
        if (m >= marker::int8 && m <= marker::int64) {
            const std::size_t size = std::size_t{1} << (m - marker::int8);
            if (left() <= size) return errc::truncated;
            ++p;
            make(read_int_body(size));
            return errc::ok;
        }
        // Containers start as the right type, sparing the variant a reset.
        if ((m & 0xF0) == marker::tiny_list) {
            ++p;
            return read_list(m & 0x0F, make(list{}), depth);
        }
        if ((m & 0xF0) == marker::tiny_map) {
            ++p;
            return read_map(m & 0x0F, make(map{}), depth);
        }
        if ((m & 0xF0) == marker::tiny_struct) {
            ++p;
            return read_struct(m & 0x0F, make(), depth);
        }
        switch (m) {
            case marker::null: ++p; make(); return errc::ok;
            case marker::list8:
            case marker::list16:
            case marker::list32: return read(make(list{}), depth);
            case marker::map8:
            case marker::map16:
            case marker::map32: return read(make(map{}), depth);
            default: return read(make(), depth);
        }
    }

    // Containers decode into the storage `out` already has when it holds the same kind: items and
    // entries are read over in place, so a connection that decodes message after message into one
    // value (rows of the same shape, records) stops allocating after the first.
    errc read_list(std::uint64_t n, value& out, std::uint32_t depth) {
        // Every item takes at least one byte, so a count beyond the bytes left is a lie.
        if (n > lim.max_container_items || n > left()) return errc::too_large;
        if (depth >= lim.max_depth) return errc::too_deep;
        list* l = out.get_if<list>();
        if (!l) l = &out.variant().emplace<list>();
        const std::size_t count = static_cast<std::size_t>(n);
        const std::size_t reused = std::min(l->size(), count);
        for (std::size_t i = 0; i < reused; ++i)
            if (errc e = read((*l)[i], depth + 1); e != errc::ok) return e;
        if (l->size() > count) {
            l->erase(l->begin() + static_cast<std::ptrdiff_t>(count), l->end());
            return errc::ok;
        }
        l->reserve(count);
        const auto make = [l](auto&&... args) -> value& { return append(*l, std::forward<decltype(args)>(args)...); };
        for (std::size_t i = reused; i < count; ++i)
            if (errc e = read_new(make, depth + 1); e != errc::ok) return e;
        return errc::ok;
    }

    errc read_map(std::uint64_t n, value& out, std::uint32_t depth) {
        // Every entry takes at least two bytes: a key and a value.
        if (n > lim.max_container_items || n > left() / 2) return errc::too_large;
        if (depth >= lim.max_depth) return errc::too_deep;
        // Small maps (rows, metadata) check duplicates as they go; large ones once at the end.
        const bool small = n <= 16;
        map* m = out.get_if<map>();
        if (!m)
            m = &out.variant().emplace<map>();
        else if (!small || m->size() > n)
            m->clear();
        m->reserve(static_cast<std::size_t>(n));
        // Entries [0, w) hold what this call decoded; [w, size) are left from the value's previous
        // content and are overwritten in order.
        std::size_t w = 0;
        std::size_t size = m->size();
        for (std::uint64_t i = 0; i < n; ++i) {
            if (p == end) return errc::truncated;
            std::uint64_t len = 0;
            if (errc e = string_length(*p++, len); e != errc::ok) return e;
            if (len > lim.max_string_bytes || len > left()) return errc::too_large;
            const std::string_view key(reinterpret_cast<const char*>(p), static_cast<std::size_t>(len));
            p += len;
            value* slot = nullptr;
            if (small) {
                auto it = m->begin();
                for (std::size_t j = 0; j < w; ++j, ++it)
                    if (same_key(it->first, key)) {
                        slot = &it->second;  // PackStream: the last duplicate wins
                        break;
                    }
            }
            // A key equal to one already in the map was checked when it got there; only new key
            // text is checked for UTF-8 (rows repeat their keys, so that is rare).
            errc e = errc::ok;
            if (slot) {
                e = read(*slot, depth + 1);
            } else if (w < size) {
                auto& entry = *(m->begin() + static_cast<std::ptrdiff_t>(w++));
                if (!same_key(entry.first, key)) {
                    if (!bolt::is_valid_utf8(key)) return errc::invalid_utf8;
                    overwrite(entry.first, key);
                }
                e = read(entry.second, depth + 1);
            } else {
                if (!bolt::is_valid_utf8(key)) return errc::invalid_utf8;
                ++w;
                ++size;
                const auto* key_at = reinterpret_cast<const std::uint8_t*>(key.data());
                const bool short_key = key.size() <= short_string_bytes &&
                                       static_cast<std::size_t>(end - key_at) >= short_string_bytes;
                if (short_key) {
                    e = read_new([m, k = short_string{key_at, key.size()}](auto&&... args) -> value& {
                        return append(*m, k, std::forward<decltype(args)>(args)...);
                    }, depth + 1);
                } else {
                    e = read_new([m, key](auto&&... args) -> value& {
                        return append(*m, key, std::forward<decltype(args)>(args)...);
                    }, depth + 1);
                }
            }
            if (e != errc::ok) return e;
        }
        if (w < size) keep_first(*m, w);  // duplicates left stale entries behind
        if (!small) drop_duplicates(*m);
        return errc::ok;
    }

    static void keep_first(map& m, std::size_t n) {
        map kept;
        kept.reserve(n);
        for (auto it = m.begin(); n > 0; ++it, --n) kept.append(std::move(it->first), std::move(it->second));
        m = std::move(kept);
    }

    // Keeps each key once, at its first position, with the value of its last occurrence.
    static void drop_duplicates(map& m) {
        std::vector<std::pair<std::string_view, std::size_t>> keys;
        keys.reserve(m.size());
        std::size_t i = 0;
        for (const auto& entry : m) keys.emplace_back(entry.first, i++);
        std::sort(keys.begin(), keys.end());
        bool any = false;
        std::vector<bool> dropped(m.size(), false);
        auto entries = m.begin();
        for (std::size_t k = 0; k < keys.size();) {
            std::size_t last = k;
            while (last + 1 < keys.size() && keys[last + 1].first == keys[k].first) ++last;
            if (last != k) {
                any = true;
                entries[static_cast<std::ptrdiff_t>(keys[k].second)].second =
                    std::move(entries[static_cast<std::ptrdiff_t>(keys[last].second)].second);
                for (std::size_t d = k + 1; d <= last; ++d) dropped[keys[d].second] = true;
            }
            k = last + 1;
        }
        if (!any) return;
        map kept;
        kept.reserve(m.size());
        i = 0;
        for (auto& entry : m)
            if (!dropped[i++]) kept.append(std::move(entry.first), std::move(entry.second));
        m = std::move(kept);
    }

    // ---- structure fields: a wrong marker is a bad structure, not a different value ----

    errc field_int(std::int64_t& out) {
        if (p == end) return errc::truncated;
        const std::uint8_t m = *p;
        if (m < 0x80 || m >= 0xF0) {
            out = static_cast<std::int8_t>(m);
            ++p;
            return errc::ok;
        }
        std::size_t n = 0;
        switch (m) {
            case marker::int8: n = 1; break;
            case marker::int16: n = 2; break;
            case marker::int32: n = 4; break;
            case marker::int64: n = 8; break;
            default: return errc::bad_struct;
        }
        if (left() < n + 1) return errc::truncated;
        ++p;
        out = read_int_body(n);
        return errc::ok;
    }

    std::int64_t read_int_body(std::size_t n) {
        std::int64_t v = 0;
        switch (n) {
            case 1: v = static_cast<std::int8_t>(p[0]); break;
            case 2: v = static_cast<std::int16_t>(load_be<std::uint16_t>(p)); break;
            case 4: v = static_cast<std::int32_t>(load_be<std::uint32_t>(p)); break;
            default: v = static_cast<std::int64_t>(load_be<std::uint64_t>(p)); break;
        }
        p += n;
        return v;
    }

    errc field_float(double& out) {
        if (p == end) return errc::truncated;
        if (*p != marker::float64) return errc::bad_struct;
        if (left() < 9) return errc::truncated;
        out = std::bit_cast<double>(load_be<std::uint64_t>(p + 1));
        p += 9;
        return errc::ok;
    }

    errc field_string(std::string& out) {
        if (p == end) return errc::truncated;
        const std::uint8_t m = *p;
        if (!is_string_marker(m)) return errc::bad_struct;
        ++p;
        std::uint64_t n = 0;
        if (errc e = string_length(m, n); e != errc::ok) return e;
        return string_body(n, out);
    }

    // A field holding a container or structure: decoded as a value, then checked for type T.
    template <class T>
    errc field_value(T& out, std::uint32_t depth) {
        value tmp;
        if (errc e = read(tmp, depth); e != errc::ok) return e;
        T* v = tmp.get_if<T>();
        if (!v) return errc::bad_struct;
        out = std::move(*v);
        return errc::ok;
    }

    template <class T>
    errc field_list_of(std::vector<T>& out, std::uint32_t depth) {
        list items;
        if (errc e = field_value(items, depth); e != errc::ok) return e;
        out.clear();
        out.reserve(items.size());
        for (auto& item : items) {
            T* v = item.get_if<T>();
            if (!v) return errc::bad_struct;
            out.push_back(std::move(*v));
        }
        return errc::ok;
    }

    errc field(std::int64_t& out) { return field_int(out); }
    errc field(double& out) { return field_float(out); }

    // A structure of integer and float fields (temporal and spatial types): exactly one field per
    // member, read in order into a T that `out` takes only when all of them are good.
    template <class T, class... M>
    errc scalar_fields(std::uint8_t fields, value& out, M T::*... members) {
        if (fields != sizeof...(M)) return errc::bad_struct;
        T x;
        errc e = errc::ok;
        ((e = e == errc::ok ? field(x.*members) : e), ...);
        if (e == errc::ok) out = x;
        return e;
    }

    // Fields are read in order; `e` keeps the first error and the later reads are skipped.
    errc read_struct(std::uint8_t fields, value& out, std::uint32_t depth) {
        if (p == end) return errc::truncated;
        const std::uint8_t t = *p++;
        if (depth >= lim.max_depth) return errc::too_deep;
        const std::uint32_t inner = depth + 1;
        const auto count = [&](std::uint8_t n) { return fields == n ? errc::ok : errc::bad_struct; };
        errc e = errc::ok;
        switch (t) {
            case tag::node: {
                node n;
                e = count(dia.element_ids ? 4 : 3);
                if (e == errc::ok) e = read_node_fields(n, inner);
                if (e == errc::ok) out = std::move(n);
                return e;
            }
            case tag::relationship: {
                relationship r;
                e = count(dia.element_ids ? 8 : 5);
                if (e == errc::ok) e = field_int(r.id);
                if (e == errc::ok) e = field_int(r.start_node_id);
                if (e == errc::ok) e = field_int(r.end_node_id);
                if (e == errc::ok) e = field_string(r.type);
                if (e == errc::ok) e = field_value(r.properties, inner);
                if (e != errc::ok) return e;
                if (dia.element_ids) {
                    e = field_string(r.element_id);
                    if (e == errc::ok) e = field_string(r.start_node_element_id);
                    if (e == errc::ok) e = field_string(r.end_node_element_id);
                    if (e != errc::ok) return e;
                } else {
                    r.element_id = std::to_string(r.id);
                    r.start_node_element_id = std::to_string(r.start_node_id);
                    r.end_node_element_id = std::to_string(r.end_node_id);
                }
                out = std::move(r);
                return e;
            }
            case tag::unbound_relationship: {
                unbound_relationship r;
                e = count(dia.element_ids ? 4 : 3);
                if (e == errc::ok) e = read_unbound_fields(r, inner);
                if (e == errc::ok) out = std::move(r);
                return e;
            }
            case tag::path: {
                path pa;
                e = count(3);
                if (e == errc::ok) e = field_list_of(pa.nodes, inner);
                if (e == errc::ok) e = field_list_of(pa.relationships, inner);
                if (e == errc::ok) e = field_list_of(pa.indices, inner);
                if (e == errc::ok) out = std::move(pa);
                return e;
            }
            case tag::date: return scalar_fields(fields, out, &date::days);
            case tag::time:
                return scalar_fields(fields, out, &bolt::time::nanoseconds, &bolt::time::tz_offset_seconds);
            case tag::local_time: return scalar_fields(fields, out, &local_time::nanoseconds);
            case tag::date_time:
            case tag::legacy_date_time: {
                const bool legacy = t == tag::legacy_date_time;
                if (legacy == dia.utc_datetime) return errc::unknown_struct;
                date_time dt;
                e = count(3);
                if (e == errc::ok) e = field_int(dt.seconds);
                if (e == errc::ok) e = field_int(dt.nanoseconds);
                if (e == errc::ok) e = field_int(dt.tz_offset_seconds);
                if (e != errc::ok) return e;
                // Legacy seconds are the wall clock at the offset; in memory they are always UTC.
                if (legacy && __builtin_sub_overflow(dt.seconds, dt.tz_offset_seconds, &dt.seconds))
                    return errc::bad_struct;
                out = dt;
                return e;
            }
            case tag::date_time_zone_id:
            case tag::legacy_date_time_zone_id: {
                const bool legacy = t == tag::legacy_date_time_zone_id;
                if (legacy == dia.utc_datetime) return errc::unknown_struct;
                date_time_zone_id dt;
                dt.legacy_local_seconds = legacy;
                e = count(3);
                if (e == errc::ok) e = field_int(dt.seconds);
                if (e == errc::ok) e = field_int(dt.nanoseconds);
                if (e == errc::ok) e = field_string(dt.tz_id);
                if (e == errc::ok) out = std::move(dt);
                return e;
            }
            case tag::local_date_time:
                return scalar_fields(fields, out, &local_date_time::seconds, &local_date_time::nanoseconds);
            case tag::duration:
                return scalar_fields(fields, out, &duration::months, &duration::days, &duration::seconds,
                                     &duration::nanoseconds);
            case tag::point2d: return scalar_fields(fields, out, &point2d::srid, &point2d::x, &point2d::y);
            case tag::point3d:
                return scalar_fields(fields, out, &point3d::srid, &point3d::x, &point3d::y, &point3d::z);
            default: return errc::unknown_struct;
        }
    }

    errc read_node_fields(node& n, std::uint32_t depth) {
        errc e = field_int(n.id);
        if (e == errc::ok) e = field_list_of(n.labels, depth);
        if (e == errc::ok) e = field_value(n.properties, depth);
        if (e != errc::ok) return e;
        if (dia.element_ids) return field_string(n.element_id);
        n.element_id = std::to_string(n.id);
        return e;
    }

    errc read_unbound_fields(unbound_relationship& r, std::uint32_t depth) {
        errc e = field_int(r.id);
        if (e == errc::ok) e = field_string(r.type);
        if (e == errc::ok) e = field_value(r.properties, depth);
        if (e != errc::ok) return e;
        if (dia.element_ids) return field_string(r.element_id);
        r.element_id = std::to_string(r.id);
        return e;
    }

    errc read(value& out, std::uint32_t depth) {
        if (p == end) [[unlikely]]
            return errc::truncated;
        const std::uint8_t m = *p++;
        auto& var = out.variant();
        switch (m >> 4) {
            case 0x0: case 0x1: case 0x2: case 0x3: case 0x4: case 0x5: case 0x6: case 0x7:
            case 0xF:
                set(var, std::int64_t{static_cast<std::int8_t>(m)});
                return errc::ok;
            case 0x8: return read_string_into(m & 0x0F, out);
            case 0x9: return read_list(m & 0x0F, out, depth);
            case 0xA: return read_map(m & 0x0F, out, depth);
            case 0xB: return read_struct(m & 0x0F, out, depth);
            case 0xE: return errc::reserved_marker;
            default: break;
        }
        std::uint64_t n = 0;
        errc e = errc::ok;
        switch (m) {
            case marker::null: set(var, null_t{}); return errc::ok;
            case marker::false_: set(var, false); return errc::ok;
            case marker::true_: set(var, true); return errc::ok;
            case marker::float64:
                if (left() < 8) return errc::truncated;
                set(var, std::bit_cast<double>(load_be<std::uint64_t>(p)));
                p += 8;
                return errc::ok;
            case marker::int8:
            case marker::int16:
            case marker::int32:
            case marker::int64: {
                const std::size_t size = std::size_t{1} << (m - marker::int8);
                if (left() < size) return errc::truncated;
                set(var, read_int_body(size));
                return errc::ok;
            }
            case marker::bytes8: e = length<std::uint8_t>(n); break;
            case marker::bytes16: e = length<std::uint16_t>(n); break;
            case marker::bytes32: e = length<std::uint32_t>(n); break;
            case marker::string8:
            case marker::string16:
            case marker::string32:
                if ((e = string_length(m, n)) != errc::ok) return e;
                return read_string_into(n, out);
            case marker::list8: e = length<std::uint8_t>(n); break;
            case marker::list16: e = length<std::uint16_t>(n); break;
            case marker::list32: e = length<std::uint32_t>(n); break;
            case marker::map8: e = length<std::uint8_t>(n); break;
            case marker::map16: e = length<std::uint16_t>(n); break;
            case marker::map32: e = length<std::uint32_t>(n); break;
            default: return errc::reserved_marker;  // C4-C7, CF, D3, D7, DB-DF
        }
        if (e != errc::ok) return e;
        switch (m) {
            case marker::bytes8: case marker::bytes16: case marker::bytes32: return read_bytes_into(n, out);
            case marker::list8: case marker::list16: case marker::list32: return read_list(n, out, depth);
            default: return read_map(n, out, depth);
        }
    }
};

// ---- decoder -----------------------------------------------------------------------------------

std::error_code decoder::read(value& out) {
    limits capped = limits_;
    capped.max_depth = std::min(capped.max_depth, limits::max_depth_cap);
    decoder_access r{in_.data() + pos_, in_.data() + in_.size(), dialect_, capped};
    const errc e = r.read(out, 0);
    pos_ = static_cast<std::size_t>(r.p - in_.data());
    if (e != errc::ok) return make_error_code(e);
    return {};
}

std::error_code decoder::read_struct_header(std::uint8_t& t, std::uint8_t& fields) {
    if (at_end()) return make_error_code(errc::truncated);
    const std::uint8_t m = in_[pos_];
    if ((m & 0xF0) != marker::tiny_struct) {
        const bool reserved = (m >= 0xC4 && m <= 0xC7) || m == 0xCF || m == 0xD3 || m == 0xD7 ||
                              (m >= 0xDB && m <= 0xEF);
        return make_error_code(reserved ? errc::reserved_marker : errc::not_a_structure);
    }
    if (remaining() < 2) return make_error_code(errc::truncated);
    fields = m & 0x0F;
    t = in_[pos_ + 1];
    pos_ += 2;
    return {};
}

std::error_code decode(byte_view in, value& out, dialect d, limits l) {
    decoder dec(in, d, l);
    if (auto ec = dec.read(out)) return ec;
    if (!dec.at_end()) return make_error_code(errc::trailing_bytes);
    return {};
}

}  // namespace bolt::packstream
