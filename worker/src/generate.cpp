// Counter-based row generation: every value is a hash of (seed, row, stream), never the state of
// a sequential random generator, so rows do not depend on which chunk or worker produced them.
#include "boltload/generate.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace boltload {

namespace {

constexpr std::uint64_t sub_streams = 1 << 18;  // draws one value may use (zipf retries, string bytes)
constexpr std::uint64_t stream_a = 0;
constexpr std::uint64_t stream_b = 1;
constexpr std::uint64_t first_property_stream = 2;
constexpr std::int64_t max_string_length = 1 << 20;
constexpr int max_zipf_attempts = 64;  // acceptance is > 0.5 per attempt; this never binds in practice

// Apache Commons' helpers for rejection-inversion: log1p(x)/x and expm1(x)/x, exact near 0,
// which is what makes s = 1 work without a special case.
double helper1(double x) {
    if (std::abs(x) > 1e-8) return std::log1p(x) / x;
    return 1.0 - x * (0.5 - x * (1.0 / 3.0 - x * 0.25));
}
double helper2(double x) {
    if (std::abs(x) > 1e-8) return std::expm1(x) / x;
    return 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + x * 0.25));
}

void invalid(const std::string& what) { throw std::invalid_argument("generate: " + what); }

}  // namespace

row_generator::row_generator(const generate_spec& spec) : spec_(spec) {
    if (spec.count < 0) invalid("count must not be negative");
    if (spec.repeat < 1) invalid("repeat must be at least 1");
    if (spec.count > 0 && spec.repeat > std::numeric_limits<std::int64_t>::max() / spec.count)
        invalid("count × repeat is too large");
    total_ = spec.count * spec.repeat;
    if (spec.id_max) {
        if (*spec.id_max < spec.id_min) invalid("id_max must not be below id_min");
        id_max_ = *spec.id_max;
    } else {
        if (spec.count > 0 && spec.id_min > std::numeric_limits<std::int64_t>::max() - (spec.count - 1))
            invalid("id_min + count overflows");
        id_max_ = spec.count > 0 ? spec.id_min + (spec.count - 1) : spec.id_min;
    }
    range_ = static_cast<std::uint64_t>(id_max_) - static_cast<std::uint64_t>(spec.id_min) + 1;
    const key_distribution& k = spec.keys;
    if (k.kind == distribution_kind::zipf && !(k.zipf_s >= 0 && std::isfinite(k.zipf_s)))
        invalid("zipf s must be a finite number >= 0");
    if (k.kind == distribution_kind::hotspot) {
        if (k.hotspot_keys < 1) invalid("hotspot keys must be at least 1");
        if (!(k.hotspot_probability >= 0 && k.hotspot_probability <= 1))
            invalid("hotspot probability must be in [0, 1]");
    }
    for (const generated_property& p : spec.properties) {
        if (p.name.empty()) invalid("a property has no name");
        if (p.name == (spec.kind == generate_spec::entity::nodes ? "id" : "a") ||
            (spec.kind == generate_spec::entity::relationships && p.name == "b"))
            invalid("property '" + p.name + "' clashes with a generated key");
        if (p.min > p.max) invalid("property '" + p.name + "': min is above max");
        if (p.type == generated_type::string_ && (p.min < 0 || p.max > max_string_length))
            invalid("property '" + p.name + "': string length must be in [0, 1048576]");
    }
    seed_key_ = mix64(spec.seed);
    if (k.kind == distribution_kind::zipf && k.zipf_s > 0) {
        const double n = range_ == 0 ? 0x1p64 : static_cast<double>(range_);
        h_integral_x1_ = h_integral(1.5) - 1.0;
        h_integral_n_ = h_integral(n + 0.5);
        zipf_cut_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
    }
}

std::uint64_t row_generator::draw(std::int64_t row, std::uint64_t stream) const {
    return mix64(mix64(static_cast<std::uint64_t>(row) ^ seed_key_) + stream * 0xd1b54a32d192ed03ULL);
}

double row_generator::draw_unit(std::int64_t row, std::uint64_t stream) const {
    return static_cast<double>(draw(row, stream) >> 11) * 0x1p-53;
}

std::uint64_t row_generator::draw_below(std::int64_t row, std::uint64_t stream, std::uint64_t n) const {
    const std::uint64_t x = draw(row, stream);
    if (n == 0) return x;  // the whole 64-bit range
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

double row_generator::h_integral(double x) const {
    const double log_x = std::log(x);
    return helper2((1.0 - spec_.keys.zipf_s) * log_x) * log_x;
}

double row_generator::h(double x) const { return std::exp(-spec_.keys.zipf_s * std::log(x)); }

double row_generator::h_integral_inverse(double x) const {
    double t = x * (1.0 - spec_.keys.zipf_s);
    if (t < -1.0) t = -1.0;  // rounding can push it just below
    return std::exp(helper1(t) * x);
}

// Rank in [1, n], P(k) ∝ k^-s. Each attempt uses its own sub-stream, so the result is still a
// pure function of (seed, row, stream).
std::int64_t row_generator::zipf_rank(std::int64_t row, std::uint64_t stream) const {
    const double n = range_ == 0 ? 0x1p64 : static_cast<double>(range_);
    const double n_max = std::min(n, 0x1p62);
    double k = 1;
    for (int attempt = 0; attempt < max_zipf_attempts; ++attempt) {
        const double u = h_integral_n_ + draw_unit(row, stream * sub_streams + static_cast<std::uint64_t>(attempt)) *
                                             (h_integral_x1_ - h_integral_n_);
        const double x = h_integral_inverse(u);
        k = std::floor(x + 0.5);
        if (k < 1) k = 1;
        else if (k > n_max) k = n_max;
        if (k - x <= zipf_cut_ || u >= h_integral(k + 0.5) - h(k)) break;
    }
    return static_cast<std::int64_t>(k);
}

std::int64_t row_generator::draw_key(std::int64_t row, std::uint64_t stream) const {
    const auto base = static_cast<std::uint64_t>(spec_.id_min);
    const key_distribution& k = spec_.keys;
    switch (k.kind) {
        case distribution_kind::sequential: {
            const std::uint64_t step = static_cast<std::uint64_t>(row) + (stream == stream_b ? 1 : 0);
            const std::uint64_t offset = spec_.id_max && range_ != 0 ? step % range_ : step;
            return static_cast<std::int64_t>(base + offset);
        }
        case distribution_kind::uniform:
            return static_cast<std::int64_t>(base + draw_below(row, stream * sub_streams, range_));
        case distribution_kind::zipf:
            if (k.zipf_s == 0) return static_cast<std::int64_t>(base + draw_below(row, stream * sub_streams, range_));
            return static_cast<std::int64_t>(base + static_cast<std::uint64_t>(zipf_rank(row, stream)) - 1);
        case distribution_kind::hotspot: {
            const auto hot = std::min<std::uint64_t>(static_cast<std::uint64_t>(k.hotspot_keys),
                                                     range_ == 0 ? ~0ULL : range_);
            const bool to_hot = draw_unit(row, stream * sub_streams) < k.hotspot_probability;
            if (to_hot || hot == range_)
                return static_cast<std::int64_t>(base + draw_below(row, stream * sub_streams + 1, hot));
            return static_cast<std::int64_t>(base + hot + draw_below(row, stream * sub_streams + 1, range_ - hot));
        }
    }
    return spec_.id_min;
}

void row_generator::row(std::int64_t index, bolt::value& slot) const {
    if (index < 0 || index >= total_)
        throw std::out_of_range("generate: row " + std::to_string(index) + " is outside [0, " +
                                std::to_string(total_) + ")");
    const std::int64_t r = index % spec_.count;
    const bool nodes = spec_.kind == generate_spec::entity::nodes;
    const std::size_t keys = nodes ? 1 : 2;
    const std::size_t size = keys + spec_.properties.size();

    auto* m = slot.get_if<bolt::map>();
    if (!m || m->size() != size) {
        slot = bolt::map{};
        m = slot.get_if<bolt::map>();
        m->reserve(size);
        if (nodes) {
            m->emplace_back("id");
        } else {
            m->emplace_back("a");
            m->emplace_back("b");
        }
        for (const generated_property& p : spec_.properties) m->emplace_back(p.name);
    }
    auto entry = m->begin();
    if (nodes) {
        (entry++)->second.variant().emplace<std::int64_t>(spec_.id_min + r);
    } else {
        (entry++)->second.variant().emplace<std::int64_t>(draw_key(r, stream_a));
        (entry++)->second.variant().emplace<std::int64_t>(draw_key(r, stream_b));
    }
    std::uint64_t stream = first_property_stream;
    for (const generated_property& p : spec_.properties) {
        bolt::value& v = (entry++)->second;
        const std::uint64_t s = (stream++) * sub_streams;
        switch (p.type) {
            case generated_type::integer: {
                const std::uint64_t span = static_cast<std::uint64_t>(p.max) - static_cast<std::uint64_t>(p.min) + 1;
                v.variant().emplace<std::int64_t>(
                    static_cast<std::int64_t>(static_cast<std::uint64_t>(p.min) + draw_below(r, s, span)));
                break;
            }
            case generated_type::float_:
                v.variant().emplace<double>(static_cast<double>(p.min) +
                                            draw_unit(r, s) * (static_cast<double>(p.max) - static_cast<double>(p.min)));
                break;
            case generated_type::boolean:
                v.variant().emplace<bool>((draw(r, s) & 1) != 0);
                break;
            case generated_type::string_: {
                static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
                const auto length = static_cast<std::size_t>(
                    p.min + static_cast<std::int64_t>(draw_below(r, s, static_cast<std::uint64_t>(p.max - p.min + 1))));
                auto* str = v.get_if<std::string>();
                if (!str) str = &v.variant().emplace<std::string>();
                str->resize(length);
                std::uint64_t bits = 0;
                for (std::size_t i = 0; i < length; ++i) {
                    if (i % 8 == 0) bits = draw(r, s + 1 + i / 8);
                    (*str)[i] = alphabet[((bits & 0xff) * 36) >> 8];
                    bits >>= 8;
                }
                break;
            }
        }
    }
}

void row_generator::fill(std::int64_t first, std::int64_t count, bolt::list& rows) const {
    if (first < 0 || count < 0 || first > total_ || count > total_ - first)
        throw std::out_of_range("generate: rows [" + std::to_string(first) + ", +" + std::to_string(count) +
                                ") are outside [0, " + std::to_string(total_) + ")");
    const auto n = static_cast<std::size_t>(count);
    if (rows.size() > n) rows.resize(n);
    rows.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (i == rows.size()) rows.emplace_back();
        row(first + static_cast<std::int64_t>(i), rows[i]);
    }
}

}  // namespace boltload
