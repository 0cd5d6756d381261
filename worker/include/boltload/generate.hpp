// Generated rows for a generate_spec: row i is a pure function of (seed, i mod count), so any
// split into (first, count) chunks, any worker, and any resume produce exactly the same rows.
//
// Nodes: {id: id_min + r, <properties>} with r = i mod count.
// Relationships: {a, b, <properties>} with endpoints in [id_min, id_max] drawn by the spec's
// key distribution:
// - sequential: a = id_min + r, b = a + 1 (the guide's {a: i, b: i+1}); without id_max nothing
//   wraps (b may be id_min + count), with id_max both wrap inside [id_min, id_max];
// - uniform: a and b independent and uniform;
// - zipf(s): key rank k (1 = id_min) with probability ∝ 1/k^s, by rejection-inversion sampling
//   (Hörmann & Derflinger), O(1) per draw for any range and any s >= 0 (s = 0 is uniform);
// - hotspot(k, p): with probability p a key among the k lowest ids, else one of the others.
// Properties: integer uniform in [min, max], float uniform in [min, max), string of [a-z0-9]
// with a length in [min, max], boolean fair.
#pragma once

#include <cstdint>

#include "bolt/value.hpp"
#include "boltload/source_spec.hpp"

namespace boltload {

/// splitmix64's finalizer: the counter-based hash all draws come from.
constexpr std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class row_generator {
public:
    /// Throws std::invalid_argument for an unusable spec (negative count, id_max < id_min,
    /// hotspot p outside [0, 1], zipf s < 0, a property with min > max, ...).
    explicit row_generator(const generate_spec& spec);

    /// count × repeat.
    std::int64_t total_rows() const { return total_; }

    /// Row `index` into `slot`, reusing the map already there (no allocation once warm).
    void row(std::int64_t index, bolt::value& slot) const;
    /// Rows [first, first + count) into rows[0, count), reusing existing slots; rows is resized
    /// to count. Throws std::out_of_range past total_rows().
    void fill(std::int64_t first, std::int64_t count, bolt::list& rows) const;

    /// Endpoint draw for relationships (exposed for tests): a key in [id_min, id_max].
    std::int64_t draw_key(std::int64_t row, std::uint64_t stream) const;

private:
    std::uint64_t draw(std::int64_t row, std::uint64_t stream) const;
    double draw_unit(std::int64_t row, std::uint64_t stream) const;  // in [0, 1)
    std::uint64_t draw_below(std::int64_t row, std::uint64_t stream, std::uint64_t n) const;
    std::int64_t zipf_rank(std::int64_t row, std::uint64_t stream) const;
    double h_integral(double x) const;
    double h(double x) const;
    double h_integral_inverse(double x) const;

    generate_spec spec_;
    std::int64_t total_ = 0;
    std::int64_t id_max_ = 0;
    std::uint64_t range_ = 0;  // id_max - id_min + 1 (0 means 2^64)
    std::uint64_t seed_key_ = 0;
    // zipf rejection-inversion constants
    double h_integral_x1_ = 0;
    double h_integral_n_ = 0;
    double zipf_cut_ = 0;
};

}  // namespace boltload
