// The run journal's records (JSON lines), their replay into what is done, in doubt and left, the
// config's fingerprint, and the append-only file.
#include "boltload/journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "boltload/config.hpp"
#include "boltload/json_fields.hpp"

namespace boltload::journal {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// ---- encoding ----------------------------------------------------------------------------------

ojson body(const header& h) {
    return ojson{{"journal", h.version}, {"program", h.program}, {"config", h.config_file},
                 {"fingerprint", h.fingerprint}};
}
ojson body(const run_start& r) { return ojson{{"t", "run"}, {"part", r.part}, {"started_at", r.started_at}}; }
ojson body(const statements_done& r) { return ojson{{"t", "statements"}, {"which", r.which}}; }
ojson body(const batch_begin& r) {
    // The worker writes these records itself: one format, the worker protocol's.
    return journal_begin(r.phase, boltload::batch_begin{r.chunk, r.batch, r.rows, r.first_line, r.bad}, r.worker);
}
void put_mark(ojson& j, const std::optional<bad_rows_mark>& m) {
    if (m) j["bad_files"] = ojson::array({m->rows_bytes, m->errors_bytes});
}
ojson body(const batch_end& r) {
    ojson j{{"t", "batch"}, {"phase", r.phase}, {"worker", r.worker}, {"at_s", r.at_s}};
    if (r.replayed) j["replayed"] = true;
    j["result"] = to_json(r.result);
    put_mark(j, r.bad_files);
    return j;
}
ojson body(const batch_doubt& r) {
    ojson j{{"t", "doubt"}, {"phase", r.phase}, {"chunk", r.chunk}, {"batch", r.batch},
            {"rows", r.rows}, {"replay", r.replay}, {"why", r.why}};
    if (r.first_line) j["first_line"] = r.first_line;
    if (r.bad) j["bad"] = r.bad;
    return j;
}
ojson body(const unknown_rows_written& r) {
    ojson j{{"t", "unknown_rows"}, {"phase", r.phase}, {"chunk", r.chunk}, {"batch", r.batch}};
    if (r.bad) j["bad"] = r.bad;
    put_mark(j, r.bad_files);
    return j;
}
ojson body(const chunk_end& r) {
    return ojson{{"t", "chunk"}, {"phase", r.phase}, {"chunk", r.chunk}, {"rows", r.rows}};
}
ojson body(const chunk_counted& r) {
    return ojson{{"t", "counted"}, {"phase", r.phase}, {"chunk", r.done.chunk_id}, {"rows", r.done.rows},
                 {"keys", r.done.keys}};
}
ojson body(const chunk_partitioned& r) {
    // The worker protocol's shape, under "done" (it round-trips through the same decoder).
    nlohmann::ordered_json done = nlohmann::ordered_json::parse(encode(worker_message{r.done}));
    done.erase("type");
    return ojson{{"t", "partitioned"}, {"phase", r.phase}, {"done", std::move(done)}};
}
ojson body(const phase_end& r) {
    return ojson{{"t", "phase_end"},         {"phase", r.phase},
                 {"end", r.end},               {"duration_s", r.duration_s},
                 {"worker_restarts", r.worker_restarts}, {"rows_input", r.rows_input},
                 {"rows_not_attempted", r.rows_not_attempted}};
}
ojson body(const run_end& r) { return ojson{{"t", "run_end"}, {"exit_code", r.exit_code}}; }

// ---- decoding ----------------------------------------------------------------------------------

std::optional<record> decode_header(json_fields& f) {
    header h;
    f.integer("journal", h.version);
    f.string("program", h.program, false);
    f.string("config", h.config_file, false);
    if (const json* fp = f.object("fingerprint")) h.fingerprint = *fp;
    if (f.ok() && h.version != format_version)
        f.fail(fmt::format("journal format {} is not the {} this boltload reads", h.version, format_version));
    if (!f.ok()) return std::nullopt;
    return h;
}

/// "bad_files": [rows_bytes, errors_bytes], optional.
void get_mark(json_fields& f, std::optional<bad_rows_mark>& out) {
    const json* a = f.array("bad_files", false);
    if (!a) return;
    if (a->size() != 2 || !(*a)[0].is_number_unsigned() || !(*a)[1].is_number_unsigned())
        return f.fail("field 'bad_files' must be two non-negative integers");
    out = bad_rows_mark{(*a)[0].get<std::uint64_t>(), (*a)[1].get<std::uint64_t>()};
}

template <class R>
std::optional<record> done(json_fields& f, R r) {
    if (!f.ok()) return std::nullopt;
    return record(std::move(r));
}

std::optional<record> decode_typed(json_fields& f, const json& j, const std::string& t, std::string& error) {
    if (t == "run") {
        run_start r;
        f.integer("part", r.part);
        f.string("started_at", r.started_at, false);
        return done(f, r);
    }
    if (t == "statements") {
        statements_done r;
        f.string("which", r.which);
        return done(f, r);
    }
    if (t == "begin") {
        batch_begin r;
        f.string("phase", r.phase);
        f.integer("chunk", r.chunk);
        f.integer("batch", r.batch);
        f.integer("rows", r.rows);
        f.integer("first_line", r.first_line, false);
        f.integer("worker", r.worker, false);
        f.integer("bad", r.bad, false);
        return done(f, r);
    }
    if (t == "batch") {
        batch_end r;
        f.string("phase", r.phase);
        f.integer("worker", r.worker, false);
        f.number("at_s", r.at_s, false);
        f.boolean("replayed", r.replayed, false);
        get_mark(f, r.bad_files);
        const json* res = f.object("result");
        if (!f.ok()) return std::nullopt;
        auto result = batch_result_from_json(*res, error);
        if (!result) return std::nullopt;
        r.result = std::move(*result);
        return record(std::move(r));
    }
    if (t == "doubt") {
        batch_doubt r;
        f.string("phase", r.phase);
        f.integer("chunk", r.chunk);
        f.integer("batch", r.batch);
        f.integer("rows", r.rows);
        f.integer("first_line", r.first_line, false);
        f.boolean("replay", r.replay);
        f.string("why", r.why, false);
        f.integer("bad", r.bad, false);
        return done(f, r);
    }
    if (t == "unknown_rows") {
        unknown_rows_written r;
        f.string("phase", r.phase);
        f.integer("chunk", r.chunk);
        f.integer("batch", r.batch);
        f.integer("bad", r.bad, false);
        get_mark(f, r.bad_files);
        return done(f, r);
    }
    if (t == "chunk") {
        chunk_end r;
        f.string("phase", r.phase);
        f.integer("chunk", r.chunk);
        f.integer("rows", r.rows);
        return done(f, r);
    }
    if (t == "counted") {
        chunk_counted r;
        f.string("phase", r.phase);
        f.integer("chunk", r.done.chunk_id);
        f.integer("rows", r.done.rows);
        f.integer("keys", r.done.keys, false);
        return done(f, r);
    }
    if (t == "partitioned") {
        chunk_partitioned r;
        f.string("phase", r.phase);
        const json* d = f.object("done");
        if (!f.ok()) return std::nullopt;
        json message = *d;
        message["type"] = "partitioned";
        auto m = decode_worker_message(message.dump(), error);
        if (!m) return std::nullopt;
        r.done = std::get<partitioned>(*m);
        return record(std::move(r));
    }
    if (t == "phase_end") {
        phase_end r;
        f.string("phase", r.phase);
        f.string("end", r.end);
        f.number("duration_s", r.duration_s);
        f.integer("worker_restarts", r.worker_restarts, false);
        f.integer("rows_input", r.rows_input, false);
        f.integer("rows_not_attempted", r.rows_not_attempted, false);
        return done(f, r);
    }
    if (t == "run_end") {
        run_end r;
        f.integer("exit_code", r.exit_code);
        return done(f, r);
    }
    (void)j;
    error = fmt::format("unknown record type '{}'", t);
    return std::nullopt;
}

}  // namespace

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string encode(const record& r) {
    std::string s = std::visit([](const auto& v) { return body(v); }, r)
                        .dump(-1, ' ', false, ojson::error_handler_t::replace);
    s += '\n';
    return s;
}

std::optional<record> decode(std::string_view line, std::string& error) {
    error.clear();
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    const json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        error = "not a JSON object";
        return std::nullopt;
    }
    if (j.contains("journal")) {
        json_fields f(j, "header", error);
        return decode_header(f);
    }
    const auto t = j.find("t");
    if (t == j.end() || !t->is_string()) {
        error = "a record without a string 't' (its type)";
        return std::nullopt;
    }
    const std::string type = t->get<std::string>();
    json_fields f(j, type, error);
    return decode_typed(f, j, type, error);
}

std::uint64_t batch_rows(std::uint64_t chunk_rows, std::int64_t batch_size, std::uint32_t batch) {
    const auto size = static_cast<std::uint64_t>(std::max<std::int64_t>(1, batch_size));
    const std::uint64_t first = static_cast<std::uint64_t>(batch) * size;
    return first >= chunk_rows ? 0 : std::min(size, chunk_rows - first);
}

// ---- replay ------------------------------------------------------------------------------------

void replayer::finish(state& s) { close_part(s); }

void replayer::close_part(state& s) {
    for (const auto& [name, elapsed] : part_last_at_) s.phases[name].duration_s += elapsed;
    part_last_at_.clear();
}

void replayer::apply(const record& r, state& s) {
    const auto known = [&](const std::string& phase) { return info_.contains(phase); };
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, header>) {
                s.head = v;
            } else if constexpr (std::is_same_v<T, run_start>) {
                close_part(s);
                s.parts.push_back(part{v.part, v.started_at, std::nullopt, 0});
                s.finished = false;
            } else if constexpr (std::is_same_v<T, statements_done>) {
                s.statements.insert(v.which);
                const auto dot = v.which.rfind(".before");
                if (dot != std::string::npos && dot + 7 == v.which.size())
                    s.phases[v.which.substr(0, dot)].started = true;
            } else if constexpr (std::is_same_v<T, batch_begin>) {
                if (!known(v.phase)) return;
                auto& open = s.phases[v.phase].open;
                std::erase_if(open, [&](const batch_begin& b) { return b.chunk == v.chunk && b.batch == v.batch; });
                open.push_back(v);
            } else if constexpr (std::is_same_v<T, batch_end>) {
                if (!known(v.phase)) return;
                phase_state& p = s.phases[v.phase];
                std::erase_if(p.open, [&](const batch_begin& b) {
                    return b.chunk == v.result.chunk_id && b.batch == v.result.batch;
                });
                p.finished[v.result.chunk_id].insert(v.result.batch);
                p.replay[v.result.chunk_id].erase(v.result.batch);
                p.stats.add(v.result, v.worker, p.duration_s + v.at_s, v.replayed);
                if (v.replayed) ++p.stats.batches_replayed;
                if (v.bad_files) p.bad_files = v.bad_files;
                part_last_at_[v.phase] = std::max(part_last_at_[v.phase], v.at_s);
                if (!s.parts.empty() && v.result.outcome == batch_outcome::committed)
                    s.parts.back().rows_committed += v.result.good_rows();
            } else if constexpr (std::is_same_v<T, batch_doubt>) {
                if (!known(v.phase)) return;
                phase_state& p = s.phases[v.phase];
                std::erase_if(p.open, [&](const batch_begin& b) { return b.chunk == v.chunk && b.batch == v.batch; });
                if (v.replay) {
                    p.replay[v.chunk].insert(v.batch);
                } else {
                    p.unknown_pending[v.chunk].insert(v.batch);
                    p.stats.add_in_doubt(v.rows - std::min(v.bad, v.rows), v.why);
                }
            } else if constexpr (std::is_same_v<T, unknown_rows_written>) {
                if (!known(v.phase)) return;
                phase_state& p = s.phases[v.phase];
                p.unknown_pending[v.chunk].erase(v.batch);
                p.finished[v.chunk].insert(v.batch);
                p.stats.rows_bad += v.bad;
                if (v.bad_files) p.bad_files = v.bad_files;
            } else if constexpr (std::is_same_v<T, chunk_end>) {
                if (!known(v.phase)) return;
                phase_state& p = s.phases[v.phase];
                p.done_chunks.insert(v.chunk);
                p.finished.erase(v.chunk);
                p.unknown_pending.erase(v.chunk);
                p.replay.erase(v.chunk);
            } else if constexpr (std::is_same_v<T, chunk_counted>) {
                if (!known(v.phase)) return;
                s.phases[v.phase].done_chunks.insert(v.done.chunk_id);
            } else if constexpr (std::is_same_v<T, chunk_partitioned>) {
                if (!known(v.phase)) return;
                phase_state& p = s.phases[v.phase];
                p.done_chunks.insert(v.done.chunk_id);
                p.partitions[v.done.chunk_id] = v.done;
            } else if constexpr (std::is_same_v<T, phase_end>) {
                if (!known(v.phase)) return;
                phase_state& p = s.phases[v.phase];
                part_last_at_[v.phase] = v.duration_s;
                p.stats.worker_restarts += v.worker_restarts;
                p.rows_input = v.rows_input;
                p.rows_not_attempted = v.rows_not_attempted;
                if (v.end == "completed") p.complete = true;
            } else if constexpr (std::is_same_v<T, run_end>) {
                if (!s.parts.empty()) s.parts.back().exit_code = v.exit_code;
                s.finished = s.statements.contains("after");
            }
        },
        r);
}

state read(const std::filesystem::path& path, const std::map<std::string, replayer::phase_info>& phases,
           std::uint64_t* good_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw journal_error(fmt::format("cannot read the journal {}: {}", path.string(), std::strerror(errno)));
    state s;
    replayer rp(phases);
    std::string line;
    std::uint64_t offset = 0;
    std::uint64_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (in.eof()) break;  // no '\n': a torn last write, ignored
        std::string error;
        auto r = decode(line, error);
        if (!r)
            throw journal_error(fmt::format("{}:{}: not a boltload journal record: {}", path.string(), line_no, error));
        if (line_no == 1 && !std::holds_alternative<header>(*r))
            throw journal_error(fmt::format("{}:1: not a boltload journal (no header)", path.string()));
        if (line_no > 1 && std::holds_alternative<header>(*r))
            throw journal_error(fmt::format("{}:{}: a second header", path.string(), line_no));
        rp.apply(*r, s);
        offset += line.size() + 1;
    }
    if (line_no == 0 || offset == 0) throw journal_error(fmt::format("{}: empty, not a boltload journal", path.string()));
    rp.finish(s);
    if (good_bytes) *good_bytes = offset;
    return s;
}

// ---- fingerprint -------------------------------------------------------------------------------

namespace {

/// SHA-256 (hex) of `n` bytes at `offset` of the open file.
std::string sha256_of_range(int fd, std::uint64_t offset, std::uint64_t n, const std::string& name) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::vector<char> buf(1 << 16);
    while (n > 0) {
        const ssize_t got = ::pread(fd, buf.data(), std::min<std::uint64_t>(n, buf.size()), static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw journal_error(fmt::format("{}: {}", name, std::strerror(errno)));
        if (got == 0) break;
        EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(got));
        n -= static_cast<std::uint64_t>(got);
        offset += static_cast<std::uint64_t>(got);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

/// The input file's identity: path, size, modification time, and hashes of its first and last MiB.
ojson file_identity(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw journal_error(fmt::format("{}: {}", path, std::strerror(errno)));
    struct stat st {};
    ::fstat(fd, &st);
    constexpr std::uint64_t mib = 1 << 20;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    ojson j;
    try {
        j = ojson{{"path", path},
                  {"size", size},
                  {"mtime_ns", static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec},
                  {"first_mib_sha256", sha256_of_range(fd, 0, std::min(size, mib), path)},
                  {"last_mib_sha256", sha256_of_range(fd, size > mib ? size - mib : 0, std::min(size, mib), path)}};
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    return j;
}

}  // namespace

nlohmann::json fingerprint(const run_config& config) {
    ojson phases = ojson::array();
    for (const auto& p : config.phases) {
        ojson j{{"name", p.work.name},
                {"query", p.work.query},
                {"parameter", p.work.parameter},
                {"batch_size", p.work.batch_size},
                {"source", to_json(p.work.source)}};
        if (p.schedule == schedule_kind::mix_and_batch) {
            // Groups, rounds and cell ids follow from these (auto groups from the workers too).
            j["schedule"] = ojson{{"kind", "mix_and_batch"},
                                  {"structure", mnb::to_string(p.mix.structure)},
                                  {"grouping", mnb::to_string(p.mix.grouping)},
                                  {"groups", p.mix.groups},
                                  {"workers", p.workers},
                                  {"endpoints", ojson::array({p.mix.source_field, p.mix.target_field})}};
        }
        if (const auto* csv = std::get_if<csv_spec>(&p.work.source)) {
            j["chunk_bytes"] = p.chunk_bytes;
            // One file keeps the journal format it always had; several are listed in order.
            const std::vector<std::string> files = csv_files(*csv);
            if (files.size() == 1) {
                j["input"] = file_identity(files.front());
            } else {
                ojson list = ojson::array();
                for (const auto& f : files) list.push_back(file_identity(f));
                j["inputs"] = std::move(list);
            }
        } else {
            j["chunk_rows"] = p.chunk_rows > 0 ? p.chunk_rows : 10 * p.work.batch_size;
        }
        phases.push_back(std::move(j));
    }
    return nlohmann::json::parse(ojson{{"phases", phases}}.dump());
}

std::vector<std::string> fingerprint_changes(const nlohmann::json& was, const nlohmann::json& now) {
    std::vector<std::string> out;
    // A shard's journal names only its own chunks: another shard cannot continue it.
    const json no_shard = "0/1";
    const json& shard_was = was.contains("shard") ? was.at("shard") : no_shard;
    const json& shard_now = now.contains("shard") ? now.at("shard") : no_shard;
    if (shard_was != shard_now) out.push_back(fmt::format("shard was {}, is now {}", shard_was.dump(), shard_now.dump()));
    const auto list = [](const json& fp) { return fp.contains("phases") ? fp.at("phases") : json::array(); };
    const json a = list(was), b = list(now);
    const auto name = [](const json& p) { return p.value("name", std::string("?")); };
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        if (i >= a.size()) {
            out.push_back(fmt::format("phase '{}' is new", name(b[i])));
            continue;
        }
        if (i >= b.size()) {
            out.push_back(fmt::format("phase '{}' is gone", name(a[i])));
            continue;
        }
        if (name(a[i]) != name(b[i])) {
            out.push_back(fmt::format("phase {} was '{}', is now '{}'", i, name(a[i]), name(b[i])));
            continue;
        }
        const json diff = json::diff(a[i], b[i]);
        for (const auto& d : diff) {
            const std::string at = d.value("path", std::string());
            const json::json_pointer ptr(at);
            const std::string before = a[i].contains(ptr) ? a[i].at(ptr).dump() : "(nothing)";
            const std::string after = b[i].contains(ptr) ? b[i].at(ptr).dump() : "(nothing)";
            std::string key = at.substr(at.empty() ? 0 : 1);
            std::replace(key.begin(), key.end(), '/', '.');
            out.push_back(fmt::format("phase '{}': {} was {}, is now {}", name(a[i]), key, before, after));
        }
    }
    return out;
}

// ---- the file ----------------------------------------------------------------------------------

journal_file journal_file::create(const std::filesystem::path& path) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw journal_error(fmt::format("cannot create the journal {}: {}", path.string(), std::strerror(errno)));
    return journal_file(path, fd);
}

journal_file journal_file::append_to(const std::filesystem::path& path, std::uint64_t good_bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) throw journal_error(fmt::format("cannot open the journal {}: {}", path.string(), std::strerror(errno)));
    if (::ftruncate(fd, static_cast<off_t>(good_bytes)) != 0) {
        const int e = errno;
        ::close(fd);
        throw journal_error(fmt::format("cannot cut the torn end of the journal {}: {}", path.string(), std::strerror(e)));
    }
    return journal_file(path, fd);
}

journal_file::journal_file(journal_file&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::exchange(o.fd_, -1)), dirty_(o.dirty_) {}

journal_file& journal_file::operator=(journal_file&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(o.path_);
        fd_ = std::exchange(o.fd_, -1);
        dirty_ = o.dirty_;
    }
    return *this;
}

journal_file::~journal_file() {
    if (fd_ < 0) return;
    sync();
    ::close(fd_);
}

void journal_file::append(const record& r) {
    const std::string line = encode(r);
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw journal_error(fmt::format("cannot write the journal {}: {}", path_.string(), std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
    dirty_ = true;
}

void journal_file::sync() {
    if (!dirty_ || fd_ < 0) return;
    ::fdatasync(fd_);
    dirty_ = false;
}

}  // namespace boltload::journal
