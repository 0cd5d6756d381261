// What a worker process does once configured: its one driver and session, its phase's source
// (CSV file or generator), and running a chunk batch by batch. Separate from main() so tests can
// drive it with an in-process server.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <variant>

#include "bolt/driver.hpp"
#include "boltload/batch_runner.hpp"
#include "boltload/csv.hpp"
#include "boltload/generate.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

class worker_session {
public:
    /// Connects and authenticates (so `ready` means the server accepted us), opens the source.
    /// Returns the fatal message to send when that fails: connect, auth or config.
    static std::variant<std::unique_ptr<worker_session>, fatal> open(const configure& c,
                                                                   bolt::driver_config extra = {});
    ~worker_session();

    ready ready_message() const { return ready_; }

    using sender = std::function<void(const worker_message&)>;
    /// Runs every batch of the chunk not listed in skip_batches, sending a batch_result for each
    /// (and progress for CSV), then chunk_done. `should_stop` is asked after every batch; when it
    /// says yes the chunk ends there without chunk_done. Returns a fatal message for input errors
    /// (the file, line and column) — the batches before it were reported.
    std::optional<fatal> run_chunk(const chunk& c, const sender& send,
                                   const std::function<bool()>& should_stop);

private:
    worker_session(const configure& c, bolt::driver driver, ready r);
    std::optional<fatal> run_csv(const chunk& c, const csv_range& range, const sender& send,
                                 const std::function<bool()>& should_stop);
    std::optional<fatal> run_generated(const chunk& c, const generate_range& range,
                                       const sender& send, const std::function<bool()>& should_stop);
    /// Runs the batch in params_ unless it is skipped; fills in what only the worker knows.
    void run_batch(const chunk& c, std::uint32_t index, std::uint64_t rows, std::uint64_t first_line,
                   const std::function<std::vector<std::string>()>& dead_letter_rows,
                   const sender& send);
    bolt::list& rows();

    configure config_;
    bolt::driver driver_;
    std::unique_ptr<batch_runner> runner_;
    ready ready_;
    bolt::map params_;  // {parameter: [rows]}, reused from batch to batch
    // CSV phases
    std::optional<csv_source> csv_;
    std::unique_ptr<row_converter> converter_;
    // generated phases
    std::unique_ptr<row_generator> generator_;
};

/// A row as one JSON object, for dead-letter files of generated phases.
std::string row_to_json(const bolt::value& row);

}  // namespace boltload
