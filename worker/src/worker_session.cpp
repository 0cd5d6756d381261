// The worker's chunk loop: read only its own slice (or generate its rows), cut batches of
// batch_size, run each as one transaction and report it. For Mix and Batch also the counting and
// partition passes, and cells read back from the spill files.
//
// Every kind of input is a row source with the same small interface (next, convert, keep, dead
// letters, progress), so one batch loop serves CSV ranges, generator ranges and both kinds of
// cells.
#include "boltload/worker_session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "boltload/mix_and_batch.hpp"

namespace boltload {
namespace {

bool skipped(const chunk& c, std::uint32_t index) {
    return std::binary_search(c.skip_batches.begin(), c.skip_batches.end(), index);
}

bool in_doubt(const chunk& c, std::uint32_t index) {
    return std::binary_search(c.unknown_batches.begin(), c.unknown_batches.end(), index);
}

nlohmann::json to_json_value(const bolt::value& v) {
    switch (v.type()) {
        case bolt::value_type::null: return nullptr;
        case bolt::value_type::boolean: return v.as<bool>();
        case bolt::value_type::integer: return v.as<std::int64_t>();
        case bolt::value_type::floating: return v.as<double>();
        case bolt::value_type::string: return v.as<std::string>();
        case bolt::value_type::list: {
            nlohmann::json a = nlohmann::json::array();
            for (const auto& item : v.as<bolt::list>()) a.push_back(to_json_value(item));
            return a;
        }
        case bolt::value_type::map: {
            nlohmann::json o = nlohmann::json::object();
            for (const auto& [k, item] : v.as<bolt::map>()) o[k] = to_json_value(item);
            return o;
        }
        default: return to_string(v);  // temporal and spatial values in their Cypher spelling
    }
}

fatal fatal_from(fatal_kind kind, const std::string& message, std::optional<std::uint64_t> chunk = {}) {
    return fatal{kind, message, chunk};
}

/// Bytes [begin, end) of a file.
std::string read_range(const std::string& path, std::uint64_t begin, std::uint64_t end) {
    std::ifstream in(path, std::ios::binary);
    std::string out(static_cast<std::size_t>(end - begin), '\0');
    in.seekg(static_cast<std::streamoff>(begin));
    if (!in.read(out.data(), static_cast<std::streamsize>(out.size())))
        throw std::runtime_error(fmt::format("{}: cannot read bytes {}..{} (the spill files are damaged or gone)",
                                             path, begin, end));
    return out;
}

std::vector<std::uint64_t> as_u64s(const std::string& bytes) {
    std::vector<std::uint64_t> out(bytes.size() / 8);
    std::memcpy(out.data(), bytes.data(), out.size() * 8);
    return out;
}

// ---- row sources -------------------------------------------------------------------------------

/// CSV records of one byte range of a file. For a Mix and Batch spill file `lines` holds each
/// record's line in the input, so messages and dead letters name the input's lines.
class csv_rows {
public:
    static constexpr bool dead_letters_need_rows = false;

    csv_rows(const csv_source& src, const csv_spec& spec, const row_converter& conv, csv_chunk range,
             std::vector<std::uint64_t> lines = {})
        : src_(src), conv_(conv), reader_(src, spec, range), begin_(range.begin), lines_(std::move(lines)) {}
    csv_rows(const csv_rows&) = delete;
    csv_rows& operator=(const csv_rows&) = delete;

    /// The next record; a malformed one is returned too, its error kept for take_error().
    bool next() {
        problem_.reset();
        try {
            if (!reader_.next()) return false;
        } catch (const csv_error& e) {
            problem_ = e;
        }
        record_ = reader_.record();
        if (!lines_.empty()) record_.line = k_ < lines_.size() ? lines_[k_] : 0;
        if (problem_ && !lines_.empty())  // a spill file's record: name the input's line
            problem_ = csv_error(problem_->file(), record_.line, problem_->column(), strip_where(*problem_));
        ++k_;
        return true;
    }
    /// Why the current record is malformed (reading it), if it is.
    const std::optional<csv_error>& read_error() const { return problem_; }
    /// The current record as in the file, without its line end.
    std::string_view text() const { return record_.raw; }
    void convert(bolt::list& rows, std::size_t slot) { conv_.convert_into(record_, rows, slot); }
    /// One field of the current record (the passes read only the endpoints).
    void convert_field(std::size_t column, bolt::value& out) { conv_.convert_field(record_, column, out); }
    std::uint64_t line() const { return record_.line; }
    std::string where() const { return fmt::format("{}:{}", src_.name(), record_.line); }
    const std::string& file() const { return src_.name(); }
    /// A compressed file cannot be read back cheaply: its records are copied instead.
    void keep() {
        if (src_.seekable())
            kept_.emplace_back(record_.begin, record_.raw.size());
        else
            kept_text_.emplace_back(record_.raw);
    }
    /// The kept records' text, read back from the file (no copy is held while the batch runs).
    std::vector<std::string> dead_letters(const bolt::list&) const {
        if (!src_.seekable()) return kept_text_;
        std::vector<std::string> out;
        out.reserve(kept_.size());
        for (const auto& [at, size] : kept_) {
            std::string raw(size, '\0');
            raw.resize(src_.read(at, raw.data(), size));
            out.push_back(std::move(raw));
        }
        return out;
    }
    void forget() {
        kept_.clear();
        kept_text_.clear();
    }
    std::uint64_t bytes_done() const { return record_.end - begin_; }
    /// Mix and Batch partition: the record (and its line) as the spill file keeps it.
    void spill(std::string& rows, std::string& lines) const {
        rows.append(record_.raw);
        rows.push_back('\n');
        lines.append(reinterpret_cast<const char*>(&record_.line), 8);
    }

private:
    const csv_source& src_;
    const row_converter& conv_;
    csv_chunk_reader reader_;
    std::uint64_t begin_;
    std::vector<std::uint64_t> lines_;
    std::size_t k_ = 0;
    csv_record record_;
    std::optional<csv_error> problem_;
    std::vector<std::pair<std::uint64_t, std::size_t>> kept_;
    std::vector<std::string> kept_text_;

    /// The message without its "file:line: " prefix.
    static std::string strip_where(const csv_error& e) {
        const std::string what = e.what();
        const std::string prefix = e.line() ? e.file() + ":" + std::to_string(e.line()) + ": " : e.file() + ": ";
        return what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what;
    }
};

/// Generated rows: a range of row numbers, or the row numbers a spill file lists.
class generated_rows {
public:
    static constexpr bool dead_letters_need_rows = true;

    generated_rows(const row_generator& gen, std::int64_t first, std::int64_t count)
        : gen_(gen), first_(first), count_(count) {}
    generated_rows(const row_generator& gen, std::vector<std::uint64_t> indices)
        : gen_(gen), count_(static_cast<std::int64_t>(indices.size())), indices_(std::move(indices)) {}

    bool next() {
        if (k_ >= count_) return false;
        current_ = indices_.empty() ? first_ + k_ : static_cast<std::int64_t>(indices_[static_cast<std::size_t>(k_)]);
        ++k_;
        return true;
    }
    void convert(bolt::list& rows, std::size_t slot) {
        if (slot >= rows.size()) rows.resize(slot + 1);
        gen_.row(current_, rows[slot]);
    }
    std::uint64_t line() const { return 0; }
    const std::optional<csv_error>& read_error() const { return no_error_; }
    std::string_view text() const { return {}; }
    std::string where() const { return fmt::format("generated row {}", current_); }
    const std::string& file() const {
        static const std::string none;
        return none;
    }
    void keep() {}
    /// The batch's rows as JSON objects (they were converted for it).
    std::vector<std::string> dead_letters(const bolt::list& batch) const {
        std::vector<std::string> out;
        out.reserve(batch.size());
        for (const auto& row : batch) out.push_back(row_to_json(row));
        return out;
    }
    void forget() {}
    std::uint64_t bytes_done() const { return 0; }
    void spill(std::string& rows, std::string&) const {
        const auto i = static_cast<std::uint64_t>(current_);
        rows.append(reinterpret_cast<const char*>(&i), 8);
    }

private:
    const row_generator& gen_;
    std::int64_t first_ = 0;
    std::int64_t count_ = 0;
    std::vector<std::uint64_t> indices_;
    std::int64_t k_ = 0;
    std::int64_t current_ = 0;
    std::optional<csv_error> no_error_;
};

/// A Mix and Batch cell: its slices (one per partitioned chunk) read one after the other, as one
/// stream of rows. `Part` is csv_rows or generated_rows; `open(slice)` makes one.
template <class Part>
class cell_rows {
public:
    static constexpr bool dead_letters_need_rows = Part::dead_letters_need_rows;
    using opener = std::function<std::unique_ptr<Part>(const cell_slice&)>;

    cell_rows(const cell_range& cell, opener open) : cell_(cell), open_(std::move(open)) {}

    bool next() {
        for (;;) {
            if (part_ && part_->next()) return true;
            if (next_slice_ >= cell_.slices.size()) return false;
            // Rows kept for dead letters of the batch so far stay readable: finished parts are kept.
            if (part_) done_parts_.push_back(std::move(part_));
            part_ = open_(cell_.slices[next_slice_++]);
        }
    }
    void convert(bolt::list& rows, std::size_t slot) { part_->convert(rows, slot); }
    const std::optional<csv_error>& read_error() const { return part_->read_error(); }
    std::string_view text() const { return part_->text(); }
    std::uint64_t line() const { return part_->line(); }
    std::string where() const { return part_->where(); }
    const std::string& file() const { return part_->file(); }
    void keep() { part_->keep(); }
    std::vector<std::string> dead_letters(const bolt::list& batch) const {
        if constexpr (Part::dead_letters_need_rows) return part_->dead_letters(batch);  // from the batch itself
        std::vector<std::string> out;  // a batch may span slices: each part gives its own rows
        for (const auto& p : done_parts_) {
            auto more = p->dead_letters(batch);
            out.insert(out.end(), more.begin(), more.end());
        }
        auto last = part_->dead_letters(batch);
        out.insert(out.end(), last.begin(), last.end());
        return out;
    }
    void forget() {
        done_parts_.clear();
        if (part_) part_->forget();
    }
    std::uint64_t bytes_done() const { return 0; }
    void spill(std::string& rows, std::string& lines) const { part_->spill(rows, lines); }

private:
    const cell_range& cell_;
    opener open_;
    std::size_t next_slice_ = 0;
    std::unique_ptr<Part> part_;
    std::vector<std::unique_ptr<Part>> done_parts_;
};

}  // namespace

std::string row_to_json(const bolt::value& row) { return to_json_value(row).dump(); }

std::variant<std::unique_ptr<worker_session>, fatal> worker_session::open(const configure& c,
                                                                          bolt::driver_config extra) {
    try {
        bolt::driver_config config = to_driver_config(c.connection);
        if (extra.transport_factory) config.transport_factory = extra.transport_factory;
        bolt::driver driver(c.connection.uri, to_auth_token(c.connection.auth), std::move(config));
        const bolt::server_info info = driver.get_server_info();  // connects and authenticates
        std::unique_ptr<worker_session> s(
            new worker_session(c, std::move(driver), ready{info.agent, info.protocol_version}));
        if (!c.journal.empty()) {
            s->journal_fd_ = ::open(c.journal.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
            if (s->journal_fd_ < 0)
                return fatal_from(fatal_kind::config, fmt::format("cannot open the journal {}: {}", c.journal, std::strerror(errno)));
        }
        if (const auto* spec = std::get_if<csv_spec>(&c.phase.source)) {
            // Every file has the same header (the coordinator checked): the first one that has a
            // header record names the columns.
            s->files_ = csv_files(*spec);
            csv_header header;
            for (std::uint32_t f = 0; f < s->files_.size(); ++f) {
                header = read_csv_header(s->input_file(f), *spec);
                if (!spec->header || !header.names.empty()) break;
            }
            s->converter_ = std::make_unique<row_converter>(*spec, header.names);
        } else {
            s->generator_ = std::make_unique<row_generator>(std::get<generate_spec>(c.phase.source));
        }
        return s;
    } catch (const bolt::auth_error& e) {
        return fatal_from(fatal_kind::auth, e.what());
    } catch (const bolt::usage_error& e) {
        return fatal_from(fatal_kind::config, e.what());
    } catch (const bolt::error& e) {
        return fatal_from(fatal_kind::connect, e.what());
    } catch (const csv_error& e) {
        return fatal_from(fatal_kind::input, e.what());
    } catch (const std::invalid_argument& e) {
        return fatal_from(fatal_kind::config, e.what());
    }
}

namespace {

/// With the run's seed, the retry jitter draws from a generator seeded by it and the worker's id,
/// so a run's waits can be drawn again; without, the client's own (seeded by the system).
bolt::retry_hooks jitter_hooks(const configure& c) {
    bolt::retry_hooks hooks;
    if (!c.retry_seed) return hooks;
    std::seed_seq seq{static_cast<std::uint32_t>(*c.retry_seed), static_cast<std::uint32_t>(*c.retry_seed >> 32),
                      static_cast<std::uint32_t>(c.worker_id)};
    auto engine = std::make_shared<std::mt19937_64>(seq);
    hooks.random = [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
    return hooks;
}

}  // namespace

worker_session::worker_session(const configure& c, bolt::driver driver, ready r)
    : config_(c), driver_(std::move(driver)), ready_(std::move(r)) {
    runner_ = std::make_unique<batch_runner>(driver_, config_.connection, config_.phase, jitter_hooks(config_));
    params_.append(config_.phase.parameter, bolt::list{});
}

worker_session::~worker_session() {
    if (journal_fd_ >= 0) ::close(journal_fd_);
}

bolt::list& worker_session::rows() {
    return params_.find(config_.phase.parameter)->as<bolt::list>();
}

std::optional<fatal> worker_session::run_chunk(const chunk& c, const sender& send, const chunk_control& control) {
    try {
        return with_rows(c, [&](auto& src) -> std::optional<fatal> {
            switch (c.task) {
                case chunk_task::load: return run_rows(c, src, send, control);
                case chunk_task::count: return count_rows(c, src, send);
                case chunk_task::partition: return partition_rows(c, src, send);
            }
            return std::nullopt;
        });
    } catch (const csv_error& e) {
        return fatal{fatal_kind::input, e.what(), c.chunk_id};
    } catch (const std::out_of_range& e) {
        return fatal{fatal_kind::protocol, e.what(), c.chunk_id};
    } catch (const std::runtime_error& e) {  // spill files: cannot write, damaged, gone
        return fatal{fatal_kind::input, e.what(), c.chunk_id};
    }
}

template <class Body>
std::optional<fatal> worker_session::with_rows(const chunk& c, Body body) {
    const bool is_csv = converter_ != nullptr;
    if (const auto* range = std::get_if<csv_range>(&c.range)) {
        if (!is_csv) return fatal{fatal_kind::protocol, "CSV chunk for a generated phase", c.chunk_id};
        if (range->file >= files_.size())
            return fatal{fatal_kind::protocol, fmt::format("file {} of {}", range->file, files_.size()), c.chunk_id};
        csv_rows src(input_file(range->file), std::get<csv_spec>(config_.phase.source), *converter_,
                     csv_chunk{range->begin, range->end, range->first_line, 0});
        return body(src);
    }
    if (const auto* range = std::get_if<generate_range>(&c.range)) {
        if (is_csv) return fatal{fatal_kind::protocol, "generator chunk for a CSV phase", c.chunk_id};
        generated_rows src(*generator_, range->first, range->count);
        return body(src);
    }
    if (!config_.phase.mix) return fatal{fatal_kind::protocol, "a cell for a phase without mix_and_batch", c.chunk_id};
    const auto& cell = std::get<cell_range>(c.range);
    const std::filesystem::path dir = config_.phase.mix->spill_dir;
    if (is_csv) {
        cell_rows<csv_rows> src(cell, [&](const cell_slice& s) {
            auto& part = spill_source(s.chunk);
            auto lines = as_u64s(read_range(mnb::part_lines_path(dir, s.chunk), s.first_row * 8, (s.first_row + s.rows) * 8));
            return std::make_unique<csv_rows>(part, std::get<csv_spec>(config_.phase.source), *converter_,
                                              csv_chunk{s.begin, s.end, 1, 0}, std::move(lines));
        });
        return body(src);
    }
    cell_rows<generated_rows> src(cell, [&](const cell_slice& s) {
        return std::make_unique<generated_rows>(*generator_, as_u64s(read_range(mnb::part_rows_path(dir, s.chunk), s.begin, s.end)));
    });
    return body(src);
}

const csv_source& worker_session::spill_source(std::uint64_t chunk) {
    auto it = spill_sources_.find(chunk);
    if (it == spill_sources_.end()) {
        const auto path = mnb::part_rows_path(config_.phase.mix->spill_dir, chunk);
        // Messages name the input file the rows came from: the partition item's id is the input
        // chunk's id with bit 40 set (mix_and_batch_plan::partition_id).
        const std::uint64_t input_chunk = chunk & ((std::uint64_t{1} << 40) - 1);
        const std::string& name = files_.at(csv_file_of_chunk(input_chunk, files_.size()));
        it = spill_sources_.emplace(chunk, csv_source::open_file(path.string(), name)).first;
    }
    return it->second;
}

const csv_source& worker_session::input_file(std::uint32_t index) {
    if (!csv_ || csv_->first != index) {
        csv_.reset();
        csv_.emplace(index, csv_source::open_file(files_.at(index)));
    }
    return csv_->second;
}

void worker_session::run_batch(const chunk& c, std::uint32_t index, std::uint64_t rows, std::uint64_t first_line,
                               const std::string& file,
                               const std::function<std::vector<std::string>()>& dead_letter_rows, const sender& send) {
    const std::uint64_t bad = bad_.size();
    const auto finish = [&](batch_result& r) {
        r.chunk_id = c.chunk_id;
        r.batch = index;
        r.rows = rows;
        r.first_line = first_line;
        r.bad = bad;
        if (r.outcome != batch_outcome::committed) r.file = file;
        r.bad_rows = std::move(bad_);
        bad_.clear();
        send(r);
    };
    if (in_doubt(c, index)) {
        batch_result r;
        r.outcome = batch_outcome::unknown;
        r.attempts = 0;
        if (rows > bad) r.dead_letter_rows = dead_letter_rows();
        return finish(r);
    }
    // The begin is in the journal before the batch can commit, whatever crashes next (this
    // worker, the coordinator, both): a batch that committed is never missing from it.
    const batch_begin begin{c.chunk_id, index, rows, first_line, bad};
    append_to_journal(begin);
    send(begin);
    if (rows == bad) {  // nothing left to send
        batch_result r;
        r.attempts = 0;
        return finish(r);
    }
    batch_result r = runner_->run(params_, rows - bad);
    if (r.outcome != batch_outcome::committed) r.dead_letter_rows = dead_letter_rows();
    finish(r);
}

template <class Rows>
void worker_session::set_aside(const csv_error& problem, const Rows& src) {
    if (config_.phase.on_bad_row == bad_row_policy::stop) throw problem;
    bad_.push_back(bad_row{src.line(), problem.column(), problem.what(), std::string(src.text()), src.file()});
}

void worker_session::append_to_journal(const batch_begin& b) {
    if (journal_fd_ < 0) return;
    std::string line = journal_begin(config_.phase.name, b, config_.worker_id).dump();
    line += '\n';
    // One write(2) with O_APPEND: whole, and never interleaved with the coordinator's records.
    for (std::size_t done = 0; done < line.size();) {
        const ssize_t n = ::write(journal_fd_, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(fmt::format("cannot write the journal {}: {}", config_.journal, std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
}

template <class Rows>
std::optional<fatal> worker_session::run_rows(const chunk& c, Rows& src, const sender& send,
                                               const chunk_control& control) {
    const auto batch_size = static_cast<std::size_t>(std::max<std::int64_t>(1, config_.phase.batch_size));
    bolt::list& batch = rows();
    std::uint32_t index = 0;
    std::size_t in_batch = 0;
    std::uint64_t total = 0;
    std::uint64_t first_line = 0;
    std::string first_file;
    const bool skip_bad = config_.phase.on_bad_row == bad_row_policy::skip;
    std::size_t good = 0;  // rows of the batch in `batch` (the others are bad: in bad_)
    bad_.clear();
    for (;;) {
        const bool more = src.next();
        if (more) {
            if (in_batch == 0) {
                first_line = src.line();
                first_file = src.file();
            }
            // Rows of skipped batches are read but not converted; rows in doubt only when their
            // dead letters are made from the converted rows (generated data), or when bad rows
            // must be told apart from the others.
            const bool convert = !skipped(c, index) && (!in_doubt(c, index) || Rows::dead_letters_need_rows || skip_bad);
            const std::optional<csv_error>& unreadable = src.read_error();
            if (unreadable && (convert || !skip_bad)) {
                set_aside(*unreadable, src);
            } else if (convert) {
                try {
                    src.convert(batch, good);
                    src.keep();
                    ++good;
                } catch (const csv_error& e) {
                    set_aside(e, src);
                }
            } else {
                src.keep();
            }
            ++in_batch;
            ++total;
        }
        if (in_batch > 0 && (in_batch == batch_size || !more)) {
            if (!skipped(c, index)) {
                if (batch.size() > good) batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(good), batch.end());
                run_batch(c, index, in_batch, first_line, first_file, [&] { return src.dead_letters(batch); }, send);
            }
            bad_.clear();
            good = 0;
            src.forget();
            send(progress{c.chunk_id, total, src.bytes_done()});
            in_batch = 0;
            ++index;
            if (control.should_stop()) return std::nullopt;
        }
        if (!more) break;
    }
    send(chunk_done{c.chunk_id, total, index});
    return std::nullopt;
}

// ---- Mix and Batch: counting and partition passes ----------------------------------------------

namespace {

/// Degrees by key hash: open addressing with linear probing (two lookups a row, most of the
/// counting pass's time with std::unordered_map's node per key).
class degree_counter {
public:
    void add(std::uint64_t hash) {
        if (hash == 0) {  // the empty slot's marker: counted apart
            ++zero_;
            return;
        }
        if ((used_ + 1) * 4 > slots_.size() * 3) grow();
        std::size_t i = static_cast<std::size_t>(hash) & (slots_.size() - 1);
        while (slots_[i].first != 0 && slots_[i].first != hash) i = (i + 1) & (slots_.size() - 1);
        if (slots_[i].first == 0) {
            slots_[i].first = hash;
            ++used_;
        }
        ++slots_[i].second;
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> take() {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
        out.reserve(used_ + 1);
        if (zero_) out.emplace_back(0, zero_);
        for (const auto& e : slots_)
            if (e.first != 0) out.push_back(e);
        return out;
    }

private:
    void grow() {
        std::vector<std::pair<std::uint64_t, std::uint64_t>> old(std::max<std::size_t>(1024, slots_.size() * 2));
        old.swap(slots_);
        for (const auto& e : old) {
            if (e.first == 0) continue;
            std::size_t i = static_cast<std::size_t>(e.first) & (slots_.size() - 1);
            while (slots_[i].first != 0) i = (i + 1) & (slots_.size() - 1);
            slots_[i] = e;
        }
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> slots_;
    std::size_t used_ = 0;
    std::uint64_t zero_ = 0;
};

}  // namespace

/// The group of each endpoint of the current row: the key's hash, or nullopt for null.
template <class Rows>
std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>> worker_session::endpoints(Rows& src) {
    const mix_work& mix = *config_.phase.mix;
    const auto check = [&](const bolt::value& v, const std::string& field, const char* which) {
        if (v.type() == bolt::value_type::list || v.type() == bolt::value_type::map)
            throw csv_error(src.where(), 0, 0,
                            fmt::format("mix_and_batch.endpoints.{}: field '{}' holds a {}, not a node key", which,
                                        field, v.type() == bolt::value_type::list ? "list" : "map"));
        return mnb::key_hash(v);
    };
    if constexpr (std::is_same_v<Rows, csv_rows>) {
        // Only the two fields: converting the whole row would cost the passes most of their time.
        scratch_.resize(2);
        const auto column = [&](const std::string& field, const char* which) {
            if (auto c = converter_->column_of(field)) return *c;
            throw csv_error(src.where(), 0, 0, fmt::format("mix_and_batch.endpoints.{}: the row has no field '{}'", which, field));
        };
        src.convert_field(column(mix.source_field, "source"), scratch_[0]);
        src.convert_field(column(mix.target_field, "target"), scratch_[1]);
        return {check(scratch_[0], mix.source_field, "source"), check(scratch_[1], mix.target_field, "target")};
    }
    scratch_.resize(1);
    src.convert(scratch_, 0);
    const auto* row = scratch_[0].get_if<bolt::map>();
    const auto key = [&](const std::string& field, const char* which) {
        const bolt::value* v = row ? row->find(field) : nullptr;
        if (!v)
            throw csv_error(src.where(), 0, 0,
                            fmt::format("mix_and_batch.endpoints.{}: the row has no field '{}'", which, field));
        return check(*v, field, which);
    };
    return {key(mix.source_field, "source"), key(mix.target_field, "target")};
}

/// endpoints() of a row that can be read; nullopt for a bad row when on_bad_row is skip.
template <class Rows>
std::optional<std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>>> worker_session::readable_endpoints(
    Rows& src) {
    const bool skip_bad = config_.phase.on_bad_row == bad_row_policy::skip;
    if (const auto& unreadable = src.read_error()) {
        if (!skip_bad) throw *unreadable;
        return std::nullopt;
    }
    try {
        return endpoints(src);
    } catch (const csv_error& e) {
        if (!skip_bad || e.line() == 0) throw;  // line 0: not the row's fault (a missing field)
        return std::nullopt;
    }
}

template <class Rows>
std::optional<fatal> worker_session::count_rows(const chunk& c, Rows& src, const sender& send) {
    if (!config_.phase.mix) return fatal{fatal_kind::protocol, "a count task for a phase without mix_and_batch", c.chunk_id};
    degree_counter degrees;
    std::uint64_t total = 0;
    while (src.next()) {
        ++total;
        const auto ends = readable_endpoints(src);
        if (!ends) continue;  // a bad row: the load pass reports it
        const auto [s, t] = *ends;
        if (s) degrees.add(*s);
        if (t && t != s) degrees.add(*t);  // a self-loop writes its node once
    }
    auto counts = degrees.take();
    const std::uint64_t keys = counts.size();
    mnb::save_counts(mnb::counts_path(config_.phase.mix->spill_dir, c.chunk_id), std::move(counts));
    send(counted{c.chunk_id, total, keys});
    return std::nullopt;
}

const mnb::group_map& worker_session::groups(std::uint32_t n) {
    if (!groups_ || groups_->groups() != n) {
        const mix_work& mix = *config_.phase.mix;
        groups_ = mix.grouping == mnb::grouping::hash ? mnb::group_map(n)
                                                      : mnb::group_map::load(mnb::groups_path(mix.spill_dir));
        if (groups_->groups() != n)
            throw std::runtime_error(fmt::format("{} holds {} groups, the coordinator asked for {}",
                                                 mnb::groups_path(mix.spill_dir).string(), groups_->groups(), n));
    }
    return *groups_;
}

template <class Rows>
std::optional<fatal> worker_session::partition_rows(const chunk& c, Rows& src, const sender& send) {
    if (!config_.phase.mix || c.groups == 0)
        return fatal{fatal_kind::protocol, "a partition task without mix_and_batch or groups", c.chunk_id};
    const mix_work& mix = *config_.phase.mix;
    const mnb::group_map& map = groups(c.groups);
    struct bucket {
        std::string rows, lines;
        std::uint64_t count = 0;
    };
    // The chunk's rows in memory, bounded by the chunk's size; cell (s, t) at s * groups + t.
    const std::uint32_t n = map.groups();
    std::vector<bucket> cells(static_cast<std::size_t>(n) * n);
    // Bad rows (on_bad_row: skip) go last into cell (0, 0)'s part, where the load pass finds and
    // reports them: last, so a record that never ends (an unterminated quote) swallows nothing.
    bucket bad;
    std::uint64_t total = 0;
    while (src.next()) {
        const auto ends = readable_endpoints(src);
        if (!ends) {
            src.spill(bad.rows, bad.lines);
            ++bad.count;
            ++total;
            continue;
        }
        const auto [s, t] = *ends;
        // A null key names no node: it conflicts with nothing, any group will do.
        const mnb::cell cell = mnb::cell_of(mix.structure, s ? map.group_of(*s) : 0, t ? map.group_of(*t) : 0);
        bucket& b = cells[static_cast<std::size_t>(cell.source) * n + cell.target];
        src.spill(b.rows, b.lines);
        ++b.count;
        ++total;
    }
    if (bad.count > 0) {
        bucket& home = cells[static_cast<std::size_t>(mnb::cell_of(mix.structure, 0, 0).source) * n +
                             mnb::cell_of(mix.structure, 0, 0).target];
        home.rows += bad.rows;
        home.lines += bad.lines;
        home.count += bad.count;
    }
    partitioned out{c.chunk_id, total, {}};
    std::string all_rows, all_lines;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const bucket& b = cells[i];
        if (b.count == 0) continue;
        const mnb::cell cell{static_cast<std::uint32_t>(i / n), static_cast<std::uint32_t>(i % n)};
        out.cells.push_back(cell_part{cell, all_rows.size(), all_rows.size() + b.rows.size(), all_lines.size() / 8, b.count});
        all_rows += b.rows;
        all_lines += b.lines;
    }
    write_spill(mnb::part_rows_path(mix.spill_dir, c.chunk_id), all_rows);
    write_spill(mnb::part_lines_path(mix.spill_dir, c.chunk_id), all_lines);
    send(out);
    return std::nullopt;
}

void worker_session::write_spill(const std::filesystem::path& path, const std::string& bytes) {
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) throw std::runtime_error(fmt::format("cannot write {} (is the spill directory writable, the disk full?)", tmp));
    }
    std::filesystem::rename(tmp, path);
}

}  // namespace boltload
