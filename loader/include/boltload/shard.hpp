// Shards: one import split over N processes (Slurm job array tasks, Kubernetes Indexed Job pods,
// or processes started by hand) that share nothing but the input. Every shard computes the same
// chunking, runs the chunks whose stable id ≡ index (mod count), and writes its own journal and
// report; `boltload report merge` joins the reports. Pure policy: which shard this process is
// (flag or environment), which chunks it owns, and what names and digests it uses.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace boltload {

struct run_config;

struct shard_spec {
    std::uint32_t index = 0;
    std::uint32_t count = 1;
    /// Where it came from, for the log: "--shard 1/4", "SLURM_ARRAY_TASK_ID=5 − SLURM_ARRAY_TASK_MIN=4 of
    /// SLURM_ARRAY_TASK_COUNT=4", "JOB_COMPLETION_INDEX=1 of --shards 4", or "" (not sharded).
    std::string source;
    bool sharded() const { return count > 1; }
    bool owns(std::uint64_t chunk_id) const { return chunk_id % count == index; }
    /// "1/4".
    std::string to_string() const;
};

/// What one process of a scaled-out import runs: `--phase NAME` (that phase only), `--only
/// before|after|verify` (only those statements), or everything; and which of its chunks.
struct run_scope {
    shard_spec shard;
    std::optional<std::string> phase;
    std::vector<std::string> only;  ///< in before, after, verify order
    bool runs_phase(const std::string& name) const { return only.empty() && (!phase || *phase == name); }
    /// `which`: "before", "after" or "verify" (the run's own statements and checks).
    bool runs(std::string_view which) const;
    /// The report's `scope`: {"phases": [names] or "all", "only": [...]}.
    nlohmann::json to_json(const run_config& config) const;
    /// Inserted before ".journal.jsonl" in the default journal name, so shards and steps sharing
    /// a folder keep their own journals: "", ".nodes.shard-1-of-4", ".only-after-verify".
    std::string journal_tag() const;
};

/// Checks the combination against the config; the error says why not (the caller exits 2):
/// an unknown phase or --only value; --phase with --only; --only as a shard; several phases
/// sharded without --phase (the barrier between phases is the engine's); a sharded phase with
/// `schedule: mix_and_batch` (its rounds need every chunk's partition: not shardable yet) or
/// with its own before/after statements (they would run once per shard, without a barrier).
std::variant<run_scope, std::string> make_scope(const run_config& config, shard_spec shard,
                                                const std::optional<std::string>& phase,
                                                const std::vector<std::string>& only);

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;
/// std::getenv as an env_lookup.
std::optional<std::string> process_env(const std::string& name);

/// "I/N" with 0 ≤ I < N: the shard, or why not ("--shard 4/4: the index must be below the count
/// (0..3)").
std::variant<shard_spec, std::string> parse_shard(std::string_view text);

/// This process's shard: `--shard` if given; else a Slurm array task (SLURM_ARRAY_TASK_ID −
/// SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT); else a Kubernetes Indexed Job's pod
/// (JOB_COMPLETION_INDEX, with `--shards N`, the Job's completions); else shard 0/1. The error
/// string says what does not fit (the caller exits 2).
std::variant<shard_spec, std::string> resolve_shard(const std::optional<std::string>& flag,
                                                    std::optional<std::uint32_t> shards, const env_lookup& env);

/// The run id every shard of one import shares: `--run-id`, else SLURM_ARRAY_JOB_ID, else
/// JOB_NAME (a Kubernetes Job's name, as the manifests in deploy/k8s pass it), else derived from
/// the config and input digests ("run-" and 16 hex digits), so shards started by hand agree.
std::string resolve_run_id(const std::optional<std::string>& flag, const env_lookup& env,
                           const std::string& config_digest, const std::string& input_digest);

/// SHA-256 (hex) of what decides the chunks and what runs: the journal's fingerprint of the
/// config (each phase's source settings, query, parameter, batch_size, chunk_bytes or chunk_rows
/// and schedule) without its input files, and the before/after/verify statements. Not the
/// connection, workers or output paths: shards may differ in those.
std::string config_digest(const run_config& config, const nlohmann::json& fingerprint);
/// SHA-256 (hex) of every CSV input file in order, from the fingerprint: its path, size and the
/// SHA-256 of its first and last MiB (not its modification time: copies on other nodes agree).
/// Generated input adds nothing (its settings are in the config digest).
std::string input_digest(const nlohmann::json& fingerprint);

/// SHA-256 (hex) of a text.
std::string sha256_hex(std::string_view text);

}  // namespace boltload
