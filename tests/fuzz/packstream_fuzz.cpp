// Fuzzes the PackStream decoder with tight limits in every dialect; whatever decodes must re-encode
// without error, decode again to the same value, and re-encode to the same bytes (canonical form).
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "bolt/packstream.hpp"

namespace {

using namespace bolt;
using namespace bolt::packstream;

bool same(const value& a, const value& b);

// Doubles compare by bits: NaN must survive a round trip, and so must the sign of zero.
bool same_double(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

// Decoding keeps the order of map entries, so a round trip must too.
bool same_map(const map& a, const map& b) {
    if (a.size() != b.size()) return false;
    auto i = a.begin();
    auto j = b.begin();
    for (; i != a.end(); ++i, ++j)
        if (i->first != j->first || !same(i->second, j->second)) return false;
    return true;
}

bool same_node(const node& a, const node& b) {
    return a.id == b.id && a.labels == b.labels && a.element_id == b.element_id && same_map(a.properties, b.properties);
}

bool same_unbound(const unbound_relationship& a, const unbound_relationship& b) {
    return a.id == b.id && a.type == b.type && a.element_id == b.element_id && same_map(a.properties, b.properties);
}

bool same(const value& a, const value& b) {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case value_type::floating: return same_double(a.as<double>(), b.as<double>());
        case value_type::list: {
            const auto& x = a.as<list>();
            const auto& y = b.as<list>();
            if (x.size() != y.size()) return false;
            for (std::size_t i = 0; i < x.size(); ++i)
                if (!same(x[i], y[i])) return false;
            return true;
        }
        case value_type::map: return same_map(a.as<map>(), b.as<map>());
        case value_type::node: return same_node(a.as<node>(), b.as<node>());
        case value_type::relationship: {
            const auto& x = a.as<relationship>();
            const auto& y = b.as<relationship>();
            return x.id == y.id && x.start_node_id == y.start_node_id && x.end_node_id == y.end_node_id &&
                   x.type == y.type && x.element_id == y.element_id &&
                   x.start_node_element_id == y.start_node_element_id &&
                   x.end_node_element_id == y.end_node_element_id && same_map(x.properties, y.properties);
        }
        case value_type::unbound_relationship:
            return same_unbound(a.as<unbound_relationship>(), b.as<unbound_relationship>());
        case value_type::path: {
            const auto& x = a.as<path>();
            const auto& y = b.as<path>();
            if (x.nodes.size() != y.nodes.size() || x.relationships.size() != y.relationships.size() ||
                x.indices != y.indices)
                return false;
            for (std::size_t i = 0; i < x.nodes.size(); ++i)
                if (!same_node(x.nodes[i], y.nodes[i])) return false;
            for (std::size_t i = 0; i < x.relationships.size(); ++i)
                if (!same_unbound(x.relationships[i], y.relationships[i])) return false;
            return true;
        }
        case value_type::point2d: {
            const auto& x = a.as<point2d>();
            const auto& y = b.as<point2d>();
            return x.srid == y.srid && same_double(x.x, y.x) && same_double(x.y, y.y);
        }
        case value_type::point3d: {
            const auto& x = a.as<point3d>();
            const auto& y = b.as<point3d>();
            return x.srid == y.srid && same_double(x.x, y.x) && same_double(x.y, y.y) && same_double(x.z, y.z);
        }
        default: return a == b;
    }
}

void round_trip(byte_view in, dialect d, const limits& l) {
    value first;
    if (decode(in, first, d, l)) return;
    buffer encoded;
    encoder enc(encoded, d);
    enc.write(first);
    if (enc.error()) std::abort();  // anything the decoder accepts must be writable again
    value second;
    if (decode(encoded, second, d, l)) std::abort();
    if (!same(first, second)) std::abort();
    if (encode(second, d) != encoded) std::abort();

    // Decoding into a value that already holds something (the decoder reuses its storage) must
    // give the same result as decoding into a fresh one.
    value reused;
    if (decode(in.subspan(in.size() / 2), reused, d, l))
        reused = list{map{{"id", 1}, {"name", "x"}, {"tags", list{"a", "b"}}}, map{{"k", bytes{1}}}, "s"};
    if (decode(in, reused, d, l)) std::abort();
    if (!same(first, reused)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const byte_view in(data, size);
    limits tight;
    tight.max_depth = 12;
    tight.max_string_bytes = 4096;
    tight.max_container_items = 4096;
    for (dialect d : {dialect{true, true}, dialect{false, false}, dialect{false, true}}) round_trip(in, d, tight);

    // The message layer's view: a structure header, then values one after another.
    decoder dec(in, dialect{true, true}, tight);
    std::uint8_t tag = 0, fields = 0;
    if (!dec.read_struct_header(tag, fields)) {
        value v;
        for (unsigned i = 0; i < fields && !dec.read(v); ++i) {
        }
    }
    return 0;
}
