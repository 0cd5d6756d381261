// Runs one phase with worker processes: plans chunks (CSV cut points or generator ranges), starts
// boltload-worker processes, hands out chunks with a bounded number in flight per worker,
// aggregates their batch results, writes failed batches to the dead-letter files, replaces a
// worker that dies (its chunks go to another worker without redoing committed batches), and
// stops cleanly on Ctrl-C. Everything runs on one Asio event loop in the calling thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "boltload/config.hpp"
#include "boltload/run_stats.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

/// What is done of a phase, for the checkpoint: finished chunks, and for chunks in progress the
/// batches already reported (committed or dead-lettered), which a resumed run skips.
struct phase_progress {
    std::set<std::uint64_t> done_chunks;
    std::map<std::uint64_t, std::set<std::uint32_t>> finished_batches;
    bool complete = false;
    friend bool operator==(const phase_progress&, const phase_progress&) = default;
};

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
    /// Resume state: chunks to skip and batches already done.
    phase_progress resume;
    /// Called about five times a second while the phase runs.
    std::function<void(const live_status&)> on_status;
    /// Set by the caller's signal handling: stop handing out chunks, let workers finish their
    /// current batch, and return.
    const std::atomic<bool>* interrupted = nullptr;
    /// How often a worker may die before the phase gives up.
    int max_worker_restarts = 8;
};

enum class phase_end : std::uint8_t {
    completed,
    interrupted,        ///< Ctrl-C: progress holds what is done
    too_many_failures,  ///< more dead-lettered batches than max_failed_batches
    fatal,              ///< a worker could not connect, authenticate or read its input
};

struct phase_result {
    phase_end end = phase_end::completed;
    phase_stats stats;
    phase_progress progress;
    std::optional<fatal> fatal_error;  ///< for phase_end::fatal
    std::string message;               ///< why the phase stopped early, for the user
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

}  // namespace boltload
