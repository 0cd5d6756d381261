// Runs one phase with worker processes: the I/O around the scheduler. It starts boltload-worker
// processes, turns their messages, their exits and the user's signals into scheduler events,
// and carries out the scheduler's commands: messages to workers, journal records, dead letters.
// Everything runs on one Asio event loop in the calling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "boltload/config.hpp"
#include "boltload/journal.hpp"
#include "boltload/run_stats.hpp"
#include "boltload/scheduler.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

struct csv_inputs;

/// A live view for the progress bar.
struct live_status {
    std::string phase;
    std::uint64_t rows_committed = 0;
    std::uint64_t conflicts = 0;
    std::uint64_t retries = 0;
    std::uint64_t failed_batches = 0;
    double fraction_done = 0;  ///< of the phase's input, 0..1 (bytes for CSV, rows generated)
    double elapsed_s = 0;
};

struct phase_run_options {
    std::filesystem::path worker_program;
    connection_spec connection;
    /// What earlier parts of the run settled (from the journal); empty for a fresh run.
    journal::phase_state resume;
    /// The journal this part appends to.
    journal::journal_file* journal = nullptr;
    /// Called about five times a second while the phase runs.
    std::function<void(const live_status&)> on_status;
    /// Signals received (SIGINT, SIGTERM), counted by the caller's handler: the first drains the
    /// phase, the second stops it at once.
    const std::atomic<int>* signals = nullptr;
    /// How often a worker may die before the phase gives up.
    int max_worker_restarts = 8;
    /// The dead-letter files of a resumed run are appended to, not replaced.
    bool append_dead_letters = false;
    /// The config's `seed`: each worker seeds its retry jitter from it and its id.
    std::optional<std::uint64_t> retry_seed;
    /// A CSV phase's input as the check before the run found it (csv_inputs.hpp); null: checked
    /// when the phase starts.
    const csv_inputs* inputs = nullptr;
    /// A shard's chunks (shard.hpp), of `shards` shards; empty: every chunk.
    std::function<bool(std::uint64_t)> owned;
    std::uint32_t shards = 1;
};

struct phase_result {
    phase_end end = phase_end::completed;
    /// This part's batches, on the phase's time axis after `resume.duration_s`, with the whole
    /// phase's rows_input and rows_not_attempted.
    phase_stats stats;
    std::optional<fatal> fatal_error;  ///< for phase_end::fatal
    std::string message;               ///< why the phase stopped early, for the user
    /// The report's `schedule`: {kind: free}, or Mix and Batch's groups, rounds, rows per
    /// (round, cell), and the seconds its counting and partitioning took.
    nlohmann::json schedule;
};

/// Runs the phase to its end. Throws only for problems before any worker starts (an unreadable
/// CSV file, an unstartable worker program).
phase_result run_phase(const phase_config& phase, const phase_run_options& options);

/// The dead-letter paths of a phase: `<dead_letter>` for failed batches (CSV rows with the
/// header, or JSON lines for generated rows), `<dead_letter>.errors.jsonl` for why each failed,
/// and `<dead_letter>.unknown` for batches whose commit outcome is unknown.
struct dead_letter_paths {
    std::filesystem::path rows;
    std::filesystem::path errors;
    std::filesystem::path unknown;
};
dead_letter_paths dead_letter_paths_for(const phase_config& phase);

/// Where a phase's bad rows go (on_bad_row: skip): `<name>.bad-rows.csv` (each bad record's text
/// as in the input, after the input's header) and `<name>.bad-rows.errors.jsonl` (why, where).
struct bad_rows_paths {
    std::filesystem::path rows;
    std::filesystem::path errors;
};
bad_rows_paths bad_rows_paths_for(const phase_config& phase);

}  // namespace boltload
