// What a worker process does once configured: its one driver and session, its phase's source
// (CSV file or generator), and running a chunk batch by batch. Separate from main() so tests can
// drive it with an in-process server.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>

#include "bolt/driver.hpp"
#include "boltload/batch_runner.hpp"
#include "boltload/csv.hpp"
#include "boltload/generate.hpp"
#include "boltload/mix_and_batch.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

/// How a chunk's loop hears from the coordinator (main() reads its stdin for it).
struct chunk_control {
    /// Asked after every batch: stop here (shutdown came, or the coordinator is gone)?
    std::function<bool()> should_stop;
};

class worker_session {
public:
    /// Connects and authenticates (so `ready` means the server accepted us), opens the source.
    /// Returns the fatal message to send when that fails: connect, auth or config.
    static std::variant<std::unique_ptr<worker_session>, fatal> open(const configure& c,
                                                                   bolt::driver_config extra = {});
    ~worker_session();

    ready ready_message() const { return ready_; }

    using sender = std::function<void(const worker_message&)>;
    /// Runs every batch of the chunk not listed in skip_batches: batch_begin, then (after `go`)
    /// the transaction and its batch_result. Batches in unknown_batches are not run: their rows
    /// are reported with outcome unknown. Then chunk_done. When `control` says stop, the chunk
    /// ends there without chunk_done. Returns a fatal message for input errors (the file, line
    /// and column) — the batches before it were reported.
    std::optional<fatal> run_chunk(const chunk& c, const sender& send, const chunk_control& control);

private:
    worker_session(const configure& c, bolt::driver driver, ready r);
    /// Calls body(rows) with the chunk's row source: a CSV range, a generator range, or a Mix and
    /// Batch cell read back from the spill files.
    template <class Body>
    std::optional<fatal> with_rows(const chunk& c, Body body);
    /// The batch loop: every batch_size rows one run_batch.
    template <class Rows>
    std::optional<fatal> run_rows(const chunk& c, Rows& src, const sender& send, const chunk_control& control);
    /// Mix and Batch: the degrees of the chunk's endpoint keys into count-<chunk>.bin.
    template <class Rows>
    std::optional<fatal> count_rows(const chunk& c, Rows& src, const sender& send);
    /// Mix and Batch: the chunk's rows into part-<chunk>.rows (and .lines), grouped by cell.
    template <class Rows>
    std::optional<fatal> partition_rows(const chunk& c, Rows& src, const sender& send);
    /// The current row's endpoint key hashes (nullopt: a null key). Throws csv_error naming the
    /// row when a field is missing or holds a list or map.
    template <class Rows>
    std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>> endpoints(Rows& src);
    template <class Rows>
    std::optional<std::pair<std::optional<std::uint64_t>, std::optional<std::uint64_t>>> readable_endpoints(Rows& src);
    const mnb::group_map& groups(std::uint32_t n);
    /// Appends the batch's begin record to the run journal. Throws std::runtime_error.
    void append_to_journal(const batch_begin& b);
    const csv_source& spill_source(std::uint64_t chunk);
    /// The phase's input file `index`, opened when first needed; only the last one stays open (a
    /// worker may read hundreds of files, a compressed one holds a decoder).
    const csv_source& input_file(std::uint32_t index);
    static void write_spill(const std::filesystem::path& path, const std::string& bytes);
    /// Runs the batch in params_ (its begin written to the journal first), or reports the rows of
    /// a batch in doubt; fills in what only the worker knows.
    /// `rows` counts the batch's records, the bad ones (in bad_) included; params_ holds the rest.
    void run_batch(const chunk& c, std::uint32_t index, std::uint64_t rows, std::uint64_t first_line,
                   const std::string& file, const std::function<std::vector<std::string>()>& dead_letter_rows,
                   const sender& send);
    /// A row that could not be read or converted: set aside (on_bad_row: skip) or rethrown.
    template <class Rows>
    void set_aside(const csv_error& problem, const Rows& src);
    bolt::list& rows();

    configure config_;
    bolt::driver driver_;
    std::unique_ptr<batch_runner> runner_;
    ready ready_;
    bolt::map params_;  // {parameter: [rows]}, reused from batch to batch
    std::vector<bad_row> bad_;  // the current batch's bad rows
    // CSV phases
    std::vector<std::string> files_;  ///< csv_files(spec)
    std::optional<std::pair<std::uint32_t, csv_source>> csv_;  ///< the input file open now
    std::unique_ptr<row_converter> converter_;
    // generated phases
    std::unique_ptr<row_generator> generator_;
    // Mix and Batch
    bolt::list scratch_;                                ///< one converted row, for its endpoints
    std::optional<mnb::group_map> groups_;
    std::map<std::uint64_t, csv_source> spill_sources_;  ///< part files of CSV cells, by chunk
    int journal_fd_ = -1;                                ///< the run journal, appended to
};

/// A row as one JSON object, for dead-letter files of generated phases.
std::string row_to_json(const bolt::value& row);

}  // namespace boltload
