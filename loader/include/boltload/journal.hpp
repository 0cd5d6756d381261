// The run journal: one JSON object per line, appended as the run goes, so that a crash at any
// instant (Ctrl-C, SIGKILL, OOM, power loss up to the last sync) leaves a record `--resume` can
// continue from without losing or repeating a row.
//
// What it holds, in order: a header with the fingerprint of what its numbers mean (the effective
// config of every phase that decides chunks and batches, and each input file's identity); then,
// for each part of the run (the first run and every --resume), a `run` record and what happened:
// statements done, each batch allowed to start (`begin`, written before the worker may send
// COMMIT), each batch's outcome, batches in doubt, finished chunks, phase ends, the run's end.
// A batch with a `begin` and no outcome is in doubt: it may or may not have committed.
//
// Encoding, decoding and replay are pure (unit-tested without files); journal_file does the I/O.
// The format is documented in README.md ("The run journal").
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "boltload/run_stats.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

struct run_config;

namespace journal {

inline constexpr int format_version = 1;

/// The first line: what the chunk and batch numbers that follow are numbers of.
struct header {
    int version = format_version;
    std::string program;      ///< "boltload 0.1.0", for messages
    std::string config_file;  ///< as given, for messages
    nlohmann::json fingerprint;
};

/// A part of the run starts: the first run is part 1, each --resume adds one.
struct run_start {
    int part = 1;
    std::string started_at;  ///< ISO-8601 UTC
};

/// Statements that ran to the end: "before", "after", "<phase>.before", "<phase>.after".
struct statements_done {
    std::string which;
};

/// A worker may start this batch (written before it is told so: a batch that committed always
/// has its begin in the journal).
struct batch_begin {
    std::string phase;
    std::uint64_t chunk = 0;
    std::uint32_t batch = 0;
    std::uint64_t rows = 0;
    std::uint64_t first_line = 0;  ///< CSV: the batch's first physical line
    int worker = 0;
    std::uint64_t bad = 0;  ///< of `rows`, bad ones (not in the transaction)
};

/// Where the phase's bad-rows files ended once a batch's bad rows were written: a resumed run
/// cuts the files back to the last such mark, so the bad rows of a batch whose outcome never
/// reached the journal (it is in doubt, and runs or is reported again) are not written twice.
struct bad_rows_mark {
    std::uint64_t rows_bytes = 0;    ///< <phase>.bad-rows.csv
    std::uint64_t errors_bytes = 0;  ///< <phase>.bad-rows.errors.jsonl
    friend bool operator==(const bad_rows_mark&, const bad_rows_mark&) = default;
};

/// A batch's outcome as its worker reported it (the rows' text stays in the dead-letter files).
struct batch_end {
    std::string phase;
    int worker = 0;
    double at_s = 0;        ///< when it was reported, seconds since the phase's part started
    bool replayed = false;  ///< it ran again after being in doubt (idempotent phases)
    batch_result result;    ///< dead_letter_rows and bad_rows left empty (`bad` counts them)
    std::optional<bad_rows_mark> bad_files;  ///< set when the batch had bad rows
};

/// A batch that was allowed to start and whose worker died (or the run stopped at once) before
/// reporting it. On an idempotent phase it runs again (replay); otherwise its outcome stays
/// unknown and its rows go to the .unknown file.
struct batch_doubt {
    std::string phase;
    std::uint64_t chunk = 0;
    std::uint32_t batch = 0;
    std::uint64_t rows = 0;
    std::uint64_t first_line = 0;
    bool replay = false;
    std::string why;
    std::uint64_t bad = 0;  ///< of `rows`, bad ones: they are not unknown (reported when the rows are)
};

/// The rows of a batch in doubt were written to the .unknown file.
struct unknown_rows_written {
    std::string phase;
    std::uint64_t chunk = 0;
    std::uint32_t batch = 0;
    std::uint64_t bad = 0;  ///< its bad rows, written to the bad-rows files at the same time
    std::optional<bad_rows_mark> bad_files;
};

/// Every batch of the chunk has its outcome.
struct chunk_end {
    std::string phase;
    std::uint64_t chunk = 0;
    std::uint64_t rows = 0;
};

/// Mix and Batch: a chunk's endpoint keys were counted (count-<chunk>.bin in the spill dir).
struct chunk_counted {
    std::string phase;
    counted done;
};

/// Mix and Batch: a chunk was partitioned; where each cell's rows are in its spill files.
struct chunk_partitioned {
    std::string phase;
    partitioned done;
};

/// A phase's part ended: how, and how long it ran. `end` is "completed", "interrupted",
/// "too_many_failures" or "fatal"; a completed phase is not run again.
struct phase_end {
    std::string phase;
    std::string end;
    double duration_s = 0;
    std::uint64_t worker_restarts = 0;
    std::uint64_t rows_input = 0;          ///< the phase's rows, every part included
    std::uint64_t rows_not_attempted = 0;  ///< of those, never run when this part ended
};

/// The part ended with this exit code (missing when it crashed).
struct run_end {
    int exit_code = 0;
};

using record = std::variant<header, run_start, statements_done, batch_begin, batch_end, batch_doubt,
                            unknown_rows_written, chunk_end, chunk_counted, chunk_partitioned, phase_end, run_end>;

/// The time now as ISO-8601 UTC ("2026-12-02T11:25:59Z").
std::string utc_now();

/// One JSON object and '\n'.
std::string encode(const record& r);
/// One line (without or with its '\n'); nullopt and `error` set when it is not a journal record.
/// Never throws.
std::optional<record> decode(std::string_view line, std::string& error);

/// The rows batch `batch` of a chunk of `chunk_rows` rows holds (batches are cut every batch_size).
std::uint64_t batch_rows(std::uint64_t chunk_rows, std::int64_t batch_size, std::uint32_t batch);

/// What the journal says of one phase.
struct phase_state {
    bool started = false;   ///< its `before` statements ran
    bool complete = false;  ///< a part completed it
    std::set<std::uint64_t> done_chunks;
    /// chunk → batches whose outcome is settled (committed, failed, unknown with rows written)
    std::map<std::uint64_t, std::set<std::uint32_t>> finished;
    /// chunk → batches in doubt whose rows still have to reach the .unknown file
    std::map<std::uint64_t, std::set<std::uint32_t>> unknown_pending;
    /// chunk → batches in doubt that run again (idempotent phases)
    std::map<std::uint64_t, std::set<std::uint32_t>> replay;
    /// batches with a begin and no outcome: the part that allowed them ended before they did
    std::vector<batch_begin> open;
    /// Mix and Batch: the chunks partitioned so far (their ids are in done_chunks too)
    std::map<std::uint64_t, partitioned> partitions;
    phase_stats stats;          ///< every part's batches, on one time axis
    double duration_s = 0;      ///< every part's time in this phase
    std::uint64_t rows_input = 0;          ///< from the last phase_end: the phase's rows
    std::uint64_t rows_not_attempted = 0;  ///< from the last phase_end
    /// The last mark of the bad-rows files (nullopt: no bad row was written yet).
    std::optional<bad_rows_mark> bad_files;
};

/// One part of the run, for the report's `runs` list.
struct part {
    int part = 1;
    std::string started_at;
    std::optional<int> exit_code;  ///< nullopt: it crashed or was killed
    std::uint64_t rows_committed = 0;
};

/// The journal replayed.
struct state {
    header head;
    std::vector<part> parts;
    std::set<std::string> statements;  ///< statements_done records
    std::map<std::string, phase_state> phases;
    /// The last part ended with every phase complete and the `after` statements done.
    bool finished = false;
};

/// Applies one record (the header excluded) to the state; `phases` gives each phase's batch size
/// and idempotence, by name. Records of unknown phases are ignored.
class replayer {
public:
    struct phase_info {
        std::int64_t batch_size = 1000;
        bool idempotent = false;
    };
    explicit replayer(std::map<std::string, phase_info> phases) : info_(std::move(phases)) {}
    void apply(const record& r, state& s);
    /// After the last record: the last part's time joins each phase's duration.
    void finish(state& s);

private:
    std::map<std::string, phase_info> info_;
    std::map<std::string, double> part_start_offset_;  ///< phase → time before this part
    std::map<std::string, double> part_last_at_;       ///< phase → last at_s seen in this part
    void close_part(state& s);
};

/// Reads a journal: every complete line must be a record (else journal_error naming the line); a
/// last line without its '\n' is a torn write and is ignored. `good_bytes` is set to the length of
/// the intact part, where appending continues.
state read(const std::filesystem::path& path, const std::map<std::string, replayer::phase_info>& phases,
           std::uint64_t* good_bytes = nullptr);

class journal_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The fingerprint of a config: for each phase, what decides its chunks and batches (source,
/// batch size, chunk size, columns, query) and its input file's identity (path, size, mtime, and
/// SHA-256 of the first and last MiB). Throws journal_error when an input cannot be read.
nlohmann::json fingerprint(const run_config& config);

/// What differs between a journal's fingerprint and the config's now, one sentence each
/// ("phase 'nodes': batch_size was 500, is now 1000"); empty when they agree.
std::vector<std::string> fingerprint_changes(const nlohmann::json& was, const nlohmann::json& now);

/// Appends records to the journal file. Each record is one write(2), so a process crash loses
/// nothing written; sync() (fdatasync) makes them survive a machine crash too.
class journal_file {
public:
    /// Creates (truncating) the file.
    static journal_file create(const std::filesystem::path& path);
    /// Opens it for appending after the first `good_bytes` bytes (a torn tail is cut off).
    static journal_file append_to(const std::filesystem::path& path, std::uint64_t good_bytes);

    journal_file(journal_file&& o) noexcept;
    journal_file& operator=(journal_file&& o) noexcept;
    journal_file(const journal_file&) = delete;
    journal_file& operator=(const journal_file&) = delete;
    ~journal_file();

    /// Throws journal_error when the write fails (a full disk): the run must stop, since what it
    /// does next could not be resumed exactly.
    void append(const record& r);
    /// Flushes to the disk if anything was written since the last sync.
    void sync();
    const std::filesystem::path& path() const { return path_; }

private:
    journal_file(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
    std::filesystem::path path_;
    int fd_ = -1;
    bool dirty_ = false;
};

}  // namespace journal
}  // namespace boltload
