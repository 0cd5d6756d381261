// The run configuration: a YAML file (plus `--set key.path=value` overrides) read into plain
// structs and validated, with every problem reported as FILE:LINE:COLUMN: key.path: message.
// README.md ("Configuration reference") documents every key and its default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "boltload/mix_and_batch.hpp"
#include "boltload/source_spec.hpp"
#include "boltload/worker_protocol.hpp"

namespace boltload {

/// Testbed faults of the embedded server (server::bolt::fault_options, filled field by field).
struct embedded_faults {
    double transient_error_probability = 0;  ///< per transaction
    std::int64_t latency_ms = 0;             ///< added to every query
    std::int64_t drop_after_messages = 0;    ///< 0: never; else close after N messages
    double drop_probability = 0;             ///< per message
    std::int64_t stall_after_messages = 0;   ///< 0: never; else stop answering once...
    std::int64_t stall_ms = 0;               ///< ...for this long
    std::uint64_t seed = 1;
    friend bool operator==(const embedded_faults&, const embedded_faults&) = default;
};

enum class embedded_storage_mode : std::uint8_t { in_memory_transactional, in_memory_analytical };
enum class embedded_edge_rule : std::uint8_t { sequential, non_sequential };

/// The `embedded:` block: how `--embedded` starts the in-process server.
struct embedded_config {
    embedded_storage_mode storage_mode = embedded_storage_mode::in_memory_transactional;
    embedded_edge_rule edge_rule = embedded_edge_rule::sequential;
    int threads = 0;  ///< 0: one per hardware thread
    embedded_faults faults;
};

/// Where a value came from, for messages the coordinator prints later ("configs/x.yaml:12:5").
struct config_location {
    std::string file;
    int line = 0;    ///< 1-based; 0 when the value came from --set or a default
    int column = 0;  ///< 1-based
    std::string to_string() const;
};

/// How a phase's work is handed out: `free` (any worker takes the next chunk; conflicts are
/// retried) or `mix_and_batch` (relationships in conflict-free rounds; README, "Conflict-free").
enum class schedule_kind : std::uint8_t { free, mix_and_batch };
std::string_view to_string(schedule_kind k);

/// The `mix_and_batch:` block of a phase.
struct mix_and_batch_config {
    std::string source_field;  ///< the row field holding the source node's key; empty: guess
    std::string target_field;  ///< ... the target's; empty: guess (a/b, source/target, from/to, ...)
    mnb::structure structure = mnb::structure::monopartite;
    std::uint32_t groups = 0;  ///< 0: auto (mnb::default_groups)
    mnb::grouping grouping = mnb::grouping::greedy;
    std::string spill_dir;  ///< where partitioned rows wait; default "<config>.<phase>.spill"
};

struct phase_config {
    phase_work work;  ///< name, query, parameter, batch_size, transaction, retry, source
    int workers = 4;
    std::int64_t chunk_rows = 0;          ///< generate: rows per chunk; 0 = 10 × batch_size
    std::int64_t chunk_bytes = 8 << 20;   ///< csv: target bytes per chunk
    int max_in_flight = 2;                ///< chunks sent to one worker and not yet done
    schedule_kind schedule = schedule_kind::free;
    mix_and_batch_config mix;             ///< schedule: mix_and_batch
    std::int64_t max_failed_batches = 0;  ///< more failed batches than this stop the run
    /// on_bad_row (in work) skip: more bad rows than this stop the phase (exit 1); -1: no limit.
    std::int64_t max_bad_rows = -1;
    std::string dead_letter;  ///< file for failed batches; default "<name>.dead-letter.csv|jsonl"
    bool retry_given = false;         ///< the phase had its own retry block
    std::vector<std::string> before;  ///< statements run once before the phase (auto-commit)
    std::vector<std::string> after;   ///< statements run once after it
    config_location location;         ///< the phase's entry in the file
};

struct verify_check {
    std::string query;  ///< must return one row with one integer
    std::int64_t expect = 0;
    config_location location;
};

enum class progress_mode : std::uint8_t { auto_, on, off };

struct run_config {
    std::string file;                ///< the config file as given (for messages)
    std::filesystem::path base_dir;  ///< its folder: relative input paths start here
    connection_spec connection;
    std::optional<embedded_config> embedded;
    std::vector<std::string> before;  ///< run once before the first phase (auto-commit)
    std::vector<std::string> after;   ///< run once after the last phase
    std::vector<phase_config> phases;
    std::vector<verify_check> verify;
    std::optional<std::string> report;      ///< JSON report path
    std::optional<std::string> report_html; ///< HTML report path
    std::optional<std::string> journal;     ///< the run journal's path (for --resume)
    progress_mode progress = progress_mode::auto_;
    /// Seeds the workers' retry jitter (worker i draws from seed and i), so a run's waits can be
    /// drawn again; unset: each worker seeds itself from the system. `boltload sweep` sets it.
    std::optional<std::uint64_t> seed;
    /// Things that are allowed but probably not meant, each "FILE:LINE:COLUMN: path: message".
    std::vector<std::string> warnings;
};

/// Every problem found, one "FILE:LINE:COLUMN: key.path: message" each; what() joins them with
/// newlines. The CLI exits 2 on it.
class config_error : public std::runtime_error {
public:
    explicit config_error(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

/// A value put at a key path by something other than the file itself, such as a sweep cell.
/// Messages about it start with `origin` (where it was written) instead of the config file's
/// position.
struct placed_value {
    std::string key_path;  ///< as --set takes it: "phases.rels.retry.jitter", "phases[1].workers"
    std::string yaml;      ///< the value, read as YAML ("0.2", "full_jitter", "{kind: none}")
    std::string origin;    ///< "sweep.yaml:7:15"; empty: "--set KEY=VALUE"
};

struct load_options {
    /// `key.path=value` assignments applied to the YAML tree before validation, in order:
    /// "phases.0.workers=4", "connection.uri=bolt://db:7687", "phases.1.retry.jitter=0.2".
    /// The value is read as YAML, so "[1, 2]" is a list and "'007'" a string. A list item is
    /// named by its index or, for phases, by its name ("phases.relationships.workers=4").
    /// Setting a retry `kind` drops the file's settings of that retry block that the new kind
    /// does not read (with a warning), so the kind can be changed alone.
    std::vector<std::string> overrides;
    /// Applied after `overrides`, in order, with the same paths.
    std::vector<placed_value> values;
    /// Looks up environment variables (password_env, credentials_env); empty: std::getenv.
    std::function<std::optional<std::string>(const std::string&)> getenv;
    /// When set, csv paths must exist (boltload check/import); off for pure validation tests.
    bool check_files = true;
};

/// Reads and validates the file. Throws config_error with every problem found.
run_config load_config(const std::filesystem::path& file, const load_options& options = {});

/// The same from text already read; `file` is used for messages and relative paths only.
run_config parse_config(std::string_view yaml, const std::filesystem::path& file,
                        const load_options& options = {});

/// The sections of the config file that `values` change, with the values applied: for a path
/// inside a phase, the phase's key it is under (with the phase's name, so the block says which
/// phase); otherwise the top-level key. YAML ready to paste over the same keys of the file.
/// Throws config_error when the text is not YAML or a path does not fit it.
std::string changed_sections_yaml(std::string_view yaml, const std::filesystem::path& file,
                                  const std::vector<placed_value>& values);

/// The config reader's message for a key not in `known`: "unknown key 'wrkers' (did you mean
/// 'workers'?)", or the known keys when none is close.
std::string unknown_key_message(std::string_view key, const std::vector<std::string_view>& known);

/// The client's retry policy for a phase (the worker calls the same to_retry_policy()).
bolt::retry_policy retry_policy_of(const phase_config& phase);

std::string_view to_string(embedded_storage_mode m);
std::string_view to_string(embedded_edge_rule r);
std::string_view to_string(progress_mode m);

/// Every key path the loader knows, with `[]` for list items ("phases[].retry.jitter"): for
/// docs and the check that the README documents them all.
const std::vector<std::string>& known_key_paths();

}  // namespace boltload
