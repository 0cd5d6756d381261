// Mix and Batch: colouring, groups, key hashes and the small binary files of the schedule.
#include "boltload/mix_and_batch.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

namespace {

constexpr std::size_t groups_header = 20;  // magic, groups (u32), count (u64)
constexpr std::size_t groups_entry = 12;   // hash (u64), group (u32)

template <class T>
T read_at(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);  // entries are packed: not aligned
    return v;
}

/// Greedy, in place: `degrees` sorted by hash with each second member replaced by its group.
void assign_greedily(std::vector<std::pair<std::uint64_t, std::uint64_t>>& degrees, std::uint32_t groups) {
    std::sort(degrees.begin(), degrees.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    using load = std::pair<std::uint64_t, std::uint32_t>;  // rows so far, group
    std::priority_queue<load, std::vector<load>, std::greater<>> lightest;
    for (std::uint32_t g = 0; g < groups; ++g) lightest.push({0, g});
    for (auto& [hash, degree] : degrees) {
        auto [rows, g] = lightest.top();
        lightest.pop();
        lightest.push({rows + degree, g});
        degree = g;
    }
    std::sort(degrees.begin(), degrees.end());
}

}  // namespace

group_map::group_map(std::uint32_t groups, std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned)
    : groups_(groups == 0 ? 1 : groups), assigned_(std::move(assigned)) {}

group_map::group_map(group_map&& o) noexcept
    : groups_(o.groups_),
      assigned_(std::move(o.assigned_)),
      mapped_(std::exchange(o.mapped_, nullptr)),
      mapped_bytes_(o.mapped_bytes_),
      mapped_count_(o.mapped_count_) {}

group_map& group_map::operator=(group_map&& o) noexcept {
    if (this != &o) {
        if (mapped_) ::munmap(const_cast<unsigned char*>(mapped_), mapped_bytes_);
        groups_ = o.groups_;
        assigned_ = std::move(o.assigned_);
        mapped_ = std::exchange(o.mapped_, nullptr);
        mapped_bytes_ = o.mapped_bytes_;
        mapped_count_ = o.mapped_count_;
    }
    return *this;
}

group_map::~group_map() {
    if (mapped_) ::munmap(const_cast<unsigned char*>(mapped_), mapped_bytes_);
}

std::uint32_t group_map::group_of(std::uint64_t hash) const {
    if (mapped_) {
        // Keys are mix64 hashes, spread evenly over 64 bits: a key's place in the sorted file is
        // close to hash / 2^64 of the way in. Start there and widen until the key is bracketed,
        // then a binary search in that small window: a probe or two, not log2(keys).
        const unsigned char* entries = mapped_ + groups_header;
        const auto key_at = [&](std::size_t i) { return read_at<std::uint64_t>(entries + i * groups_entry); };
        const auto guess = static_cast<std::size_t>((static_cast<unsigned __int128>(hash) * mapped_count_) >> 64);
        std::size_t lo = guess, hi = guess + 1, step = 1;
        while (lo > 0 && key_at(lo) > hash) {
            lo = lo > step ? lo - step : 0;
            step *= 2;
        }
        step = 1;
        while (hi < mapped_count_ && key_at(hi - 1) < hash) {
            hi = std::min(mapped_count_, hi + step);
            step *= 2;
        }
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            const auto h = read_at<std::uint64_t>(entries + mid * groups_entry);
            if (h == hash) return read_at<std::uint32_t>(entries + mid * groups_entry + 8);
            if (h < hash) lo = mid + 1;
            else hi = mid;
        }
        return static_cast<std::uint32_t>(hash % groups_);
    }
    const auto it = std::lower_bound(assigned_.begin(), assigned_.end(), hash,
                                     [](const auto& e, std::uint64_t h) { return e.first < h; });
    if (it != assigned_.end() && it->first == hash) return it->second;
    return static_cast<std::uint32_t>(hash % groups_);
}

group_map greedy_groups(std::vector<std::pair<std::uint64_t, std::uint64_t>> degrees, std::uint32_t groups) {
    if (groups == 0) groups = 1;
    assign_greedily(degrees, groups);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> assigned;
    assigned.reserve(degrees.size());
    for (const auto& [hash, g] : degrees) assigned.emplace_back(hash, static_cast<std::uint32_t>(g));
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

template <class Entries>
void save_groups(const std::filesystem::path& path, std::uint32_t groups, const Entries& entries) {
    write_atomically(path, [&](std::ofstream& out) {
        out.write(groups_magic, 8);
        put<std::uint32_t>(out, groups);
        put<std::uint64_t>(out, entries.size());
        for (const auto& [hash, g] : entries) {
            put<std::uint64_t>(out, hash);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(g));
        }
    });
}

void group_map::save(const std::filesystem::path& path) const {
    if (mapped_) throw std::logic_error("a mapped group_map is saved already");
    save_groups(path, groups_, assigned_);
}

void write_greedy_groups(const std::filesystem::path& path, std::vector<std::pair<std::uint64_t, std::uint64_t>> degrees,
                         std::uint32_t groups) {
    if (groups == 0) groups = 1;
    assign_greedily(degrees, groups);
    save_groups(path, groups, degrees);
}

group_map group_map::load(const std::filesystem::path& path) {
    const auto damaged = [&](const char* why) {
        return std::runtime_error(fmt::format("{}: {}", path.string(), why));
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw damaged("cannot be read (the spill directory is damaged or gone)");
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::size_t>(st.st_size);
    void* p = size >= groups_header ? ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    ::close(fd);
    if (p == MAP_FAILED) throw damaged("not a boltload groups file");
    group_map m;
    m.mapped_ = static_cast<const unsigned char*>(p);
    m.mapped_bytes_ = size;
    const auto count = read_at<std::uint64_t>(m.mapped_ + 12);
    m.groups_ = read_at<std::uint32_t>(m.mapped_ + 8);
    if (std::memcmp(m.mapped_, groups_magic, 8) != 0) throw damaged("not a boltload groups file");
    if (m.groups_ == 0 || count > (size - groups_header) / groups_entry || size - groups_header != count * groups_entry)
        throw damaged("a damaged groups file");
    m.mapped_count_ = static_cast<std::size_t>(count);
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < m.mapped_count_; ++i) {  // one pass: lookups may trust it
        const unsigned char* e = m.mapped_ + groups_header + i * groups_entry;
        const auto hash = read_at<std::uint64_t>(e);
        if ((i > 0 && hash <= last) || read_at<std::uint32_t>(e + 8) >= m.groups_)
            throw damaged("a damaged groups file (unsorted keys or a group out of range)");
        last = hash;
    }
    return m;
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

namespace {

/// One count file read a few thousand entries at a time.
class count_stream {
public:
    explicit count_stream(const std::filesystem::path& path) : path_(path) {
        std::uint64_t count = 0;
        in_ = open_checked(path, counts_magic, 16, count);
        left_ = count;
        advance();
    }
    bool done() const { return done_; }
    const std::pair<std::uint64_t, std::uint64_t>& head() const { return head_; }
    void advance() {
        if (left_ == 0) {
            done_ = true;
            return;
        }
        const std::uint64_t previous = head_.first;
        if (!get(in_, head_.first) || !get(in_, head_.second))
            throw std::runtime_error(fmt::format("{}: truncated", path_.string()));
        if (started_ && head_.first <= previous)
            throw std::runtime_error(fmt::format("{}: a damaged counts file (not sorted)", path_.string()));
        started_ = true;
        --left_;
    }

private:
    std::filesystem::path path_;
    std::ifstream in_;
    std::uint64_t left_ = 0;
    std::pair<std::uint64_t, std::uint64_t> head_{0, 0};
    bool started_ = false;
    bool done_ = false;
};

/// A k-way merge of count files, summing equal keys.
std::vector<std::pair<std::uint64_t, std::uint64_t>> merge_streams(std::vector<count_stream>& streams) {
    using item = std::pair<std::uint64_t, std::size_t>;  // hash, stream
    std::priority_queue<item, std::vector<item>, std::greater<>> heads;
    for (std::size_t i = 0; i < streams.size(); ++i)
        if (!streams[i].done()) heads.push({streams[i].head().first, i});
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    while (!heads.empty()) {
        const auto [hash, i] = heads.top();
        heads.pop();
        if (!out.empty() && out.back().first == hash)
            out.back().second += streams[i].head().second;
        else
            out.push_back(streams[i].head());
        streams[i].advance();
        if (!streams[i].done()) heads.push({streams[i].head().first, i});
    }
    return out;
}

}  // namespace

std::vector<std::pair<std::uint64_t, std::uint64_t>> merge_count_files(const std::vector<std::filesystem::path>& paths) {
    constexpr std::size_t open_at_once = 256;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
    for (std::size_t first = 0; first < paths.size(); first += open_at_once) {
        std::vector<count_stream> streams;
        for (std::size_t i = first; i < std::min(paths.size(), first + open_at_once); ++i) streams.emplace_back(paths[i]);
        auto part = merge_streams(streams);
        merged = merged.empty() ? std::move(part) : merge_counts(merged, part);
    }
    return merged;
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
