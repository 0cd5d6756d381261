// Mix and Batch: colouring, groups, key hashes and the small binary files of the schedule.
#include "boltload/mix_and_batch.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <queue>
#include <stdexcept>

#include <fmt/format.h>

#include "boltload/generate.hpp"

namespace boltload::mnb {

std::string_view to_string(structure s) { return s == structure::monopartite ? "monopartite" : "bipartite"; }
std::optional<structure> parse_structure(std::string_view s) {
    if (s == "monopartite") return structure::monopartite;
    if (s == "bipartite") return structure::bipartite;
    return std::nullopt;
}
std::string_view to_string(grouping g) { return g == grouping::greedy ? "greedy" : "hash"; }
std::optional<grouping> parse_grouping(std::string_view s) {
    if (s == "greedy") return grouping::greedy;
    if (s == "hash") return grouping::hash;
    return std::nullopt;
}

cell cell_of(structure st, std::uint32_t s, std::uint32_t t) {
    if (st == structure::monopartite && t < s) std::swap(s, t);
    return cell{s, t};
}

std::string label(structure st, const cell& c) {
    return fmt::format("{}{}{}", c.source, st == structure::monopartite ? "-" : ">", c.target);
}

std::vector<std::vector<cell>> rounds(structure st, std::uint32_t n) {
    if (n == 0) n = 1;
    std::vector<std::vector<cell>> out(n);
    if (st == structure::bipartite) {
        for (std::uint32_t k = 0; k < n; ++k)
            for (std::uint32_t s = 0; s < n; ++s) out[k].push_back(cell{s, (k + n - s) % n});
        return out;
    }
    if (n % 2 == 1) {
        for (std::uint32_t s = 0; s < n; ++s)
            for (std::uint32_t i = 0; i <= (n - 1) / 2; ++i) out[s].push_back(cell_of(st, (s + n - i) % n, (s + i) % n));
        return out;
    }
    // Even: the circle method on n-1 groups around the fixed group n-1, then the self-loops.
    const std::uint32_t m = n - 1;
    for (std::uint32_t r = 0; r < m; ++r) {
        out[r].push_back(cell_of(st, r, m));
        for (std::uint32_t k = 1; k <= (n - 2) / 2; ++k) out[r].push_back(cell_of(st, (r + k) % m, (r + m - k) % m));
    }
    for (std::uint32_t g = 0; g < n; ++g) out[m].push_back(cell{g, g});
    return out;
}

std::uint32_t default_groups(structure st, int workers, std::uint64_t rows, std::int64_t batch_size) {
    // A cell should hold a few batches: a round lasts as long as its slowest cell, and each cell
    // pays a dispatch and a first round trip that a batch of its own would not hide.
    constexpr std::uint64_t batches_per_cell = 3;
    const auto batch = static_cast<std::uint64_t>(std::max<std::int64_t>(1, batch_size)) * batches_per_cell;
    const auto w = static_cast<std::uint64_t>(std::max(1, workers));
    if (st == structure::bipartite) {
        std::uint64_t n = w;
        while (n > 1 && n * n * batch > rows) --n;
        return static_cast<std::uint32_t>(n);
    }
    std::uint64_t n = 2 * w - 1;
    while (n > 1 && n * (n + 1) / 2 * batch > rows) n -= 2;
    return static_cast<std::uint32_t>(n);
}

namespace {

std::uint64_t hash_bytes(std::string_view s, std::uint64_t tag) {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ tag;  // FNV-1a, then mixed
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return mix64(h);
}

}  // namespace

std::optional<std::uint64_t> key_hash(const bolt::value& key) {
    switch (key.type()) {
        case bolt::value_type::null: return std::nullopt;
        case bolt::value_type::integer: return mix64(static_cast<std::uint64_t>(key.as<std::int64_t>()));
        case bolt::value_type::string: return hash_bytes(key.as<std::string>(), 1);
        default: return hash_bytes(to_string(key), static_cast<std::uint64_t>(key.type()) + 2);
    }
}

group_map::group_map(std::uint32_t groups, std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned)
    : groups_(groups == 0 ? 1 : groups), assigned_(std::move(assigned)) {}

std::uint32_t group_map::group_of(std::uint64_t hash) const {
    const auto it = std::lower_bound(assigned_.begin(), assigned_.end(), hash,
                                     [](const auto& e, std::uint64_t h) { return e.first < h; });
    if (it != assigned_.end() && it->first == hash) return it->second;
    return static_cast<std::uint32_t>(hash % groups_);
}

group_map greedy_groups(std::vector<std::pair<std::uint64_t, std::uint64_t>> degrees, std::uint32_t groups) {
    if (groups == 0) groups = 1;
    std::sort(degrees.begin(), degrees.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    using load = std::pair<std::uint64_t, std::uint32_t>;  // rows so far, group
    std::priority_queue<load, std::vector<load>, std::greater<>> lightest;
    for (std::uint32_t g = 0; g < groups; ++g) lightest.push({0, g});
    std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned;
    assigned.reserve(degrees.size());
    for (const auto& [hash, degree] : degrees) {
        auto [rows, g] = lightest.top();
        lightest.pop();
        assigned.emplace_back(hash, g);
        lightest.push({rows + degree, g});
    }
    std::sort(assigned.begin(), assigned.end());
    return group_map(groups, std::move(assigned));
}

// ---- files -------------------------------------------------------------------------------------

namespace {

constexpr char groups_magic[8] = {'B', 'L', 'G', 'R', 'P', '0', '0', '1'};
constexpr char counts_magic[8] = {'B', 'L', 'C', 'N', 'T', '0', '0', '1'};

template <class T>
void put(std::ofstream& out, T v) {
    out.write(reinterpret_cast<const char*>(&v), sizeof v);  // little-endian machines only (x86-64, arm64)
}

template <class T>
bool get(std::ifstream& in, T& v) {
    return static_cast<bool>(in.read(reinterpret_cast<char*>(&v), sizeof v));
}

/// Writes through a temporary name and renames, so a reader never sees half a file.
template <class Body>
void write_atomically(const std::filesystem::path& path, Body body) {
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        body(out);
        out.flush();
        if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp));
    }
    std::filesystem::rename(tmp, path);
}

std::ifstream open_checked(const std::filesystem::path& path, const char (&magic)[8], std::uint64_t entry_bytes,
                           std::uint64_t& count) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
    char m[8];
    if (!in.read(m, 8) || std::memcmp(m, magic, 8) != 0 || !get(in, count))
        throw std::runtime_error(fmt::format("{}: not a boltload schedule file", path.string()));
    const std::uint64_t body = std::filesystem::file_size(path) - 16;
    if (count > body / entry_bytes || body != count * entry_bytes)
        throw std::runtime_error(fmt::format("{}: {} entries announced, {} bytes follow", path.string(), count, body));
    return in;
}

}  // namespace

void group_map::save(const std::filesystem::path& path) const {
    write_atomically(path, [&](std::ofstream& out) {
        out.write(groups_magic, 8);
        put<std::uint32_t>(out, groups_);
        put<std::uint64_t>(out, assigned_.size());
        for (const auto& [hash, g] : assigned_) {
            put<std::uint64_t>(out, hash);
            put<std::uint32_t>(out, g);
        }
    });
}

group_map group_map::load(const std::filesystem::path& path) {
    std::uint64_t count = 0;
    std::ifstream in(path, std::ios::binary);
    char m[8];
    std::uint32_t groups = 0;
    if (!in || !in.read(m, 8) || std::memcmp(m, groups_magic, 8) != 0 || !get(in, groups) || !get(in, count))
        throw std::runtime_error(fmt::format("{}: not a boltload groups file", path.string()));
    const auto size = std::filesystem::file_size(path);
    if (groups == 0 || count > (size - 20) / 12 || size - 20 != count * 12)
        throw std::runtime_error(fmt::format("{}: a damaged groups file", path.string()));
    std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned(count);
    for (auto& [hash, g] : assigned) {
        if (!get(in, hash) || !get(in, g) || g >= groups)
            throw std::runtime_error(fmt::format("{}: a damaged groups file", path.string()));
    }
    if (!std::is_sorted(assigned.begin(), assigned.end()))
        throw std::runtime_error(fmt::format("{}: a damaged groups file (not sorted)", path.string()));
    return group_map(groups, std::move(assigned));
}

void save_counts(const std::filesystem::path& path, std::vector<std::pair<std::uint64_t, std::uint64_t>> counts) {
    std::sort(counts.begin(), counts.end());
    write_atomically(path, [&](std::ofstream& out) {
        out.write(counts_magic, 8);
        put<std::uint64_t>(out, counts.size());
        for (const auto& [hash, n] : counts) {
            put(out, hash);
            put(out, n);
        }
    });
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> load_counts(const std::filesystem::path& path) {
    std::uint64_t count = 0;
    std::ifstream in = open_checked(path, counts_magic, 16, count);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out(count);
    for (auto& [hash, n] : out)
        if (!get(in, hash) || !get(in, n)) throw std::runtime_error(fmt::format("{}: truncated", path.string()));
    if (!std::is_sorted(out.begin(), out.end()))
        throw std::runtime_error(fmt::format("{}: a damaged counts file (not sorted)", path.string()));
    return out;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> merge_counts(
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& a,
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& b) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    out.reserve(a.size() + b.size());
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].first < b[j].first)) {
            out.push_back(a[i++]);
        } else if (i == a.size() || b[j].first < a[i].first) {
            out.push_back(b[j++]);
        } else {
            out.emplace_back(a[i].first, a[i].second + b[j].second);
            ++i;
            ++j;
        }
    }
    return out;
}

std::filesystem::path part_rows_path(const std::filesystem::path& dir, std::uint64_t chunk) {
    return dir / fmt::format("part-{}.rows", chunk);
}
std::filesystem::path part_lines_path(const std::filesystem::path& dir, std::uint64_t chunk) {
    return dir / fmt::format("part-{}.lines", chunk);
}
std::filesystem::path counts_path(const std::filesystem::path& dir, std::uint64_t chunk) {
    return dir / fmt::format("count-{}.bin", chunk);
}
std::filesystem::path groups_path(const std::filesystem::path& dir) { return dir / "groups.bin"; }

}  // namespace boltload::mnb
