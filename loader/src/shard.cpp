// Which shard this process is, what it owns, and the digests that tell shards of one import
// from others.
#include "boltload/shard.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "boltload/config.hpp"

namespace boltload {
namespace {

std::optional<std::uint32_t> parse_u32(std::string_view s) {
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<std::int64_t> parse_i64(std::string_view s) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

/// A Slurm array task: index = SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, count =
/// SLURM_ARRAY_TASK_COUNT. Steps (--array=0-15:4) and lists would leave holes: refused.
std::variant<shard_spec, std::string> from_slurm(const std::string& id_text, const env_lookup& env) {
    const auto min_text = env("SLURM_ARRAY_TASK_MIN"), count_text = env("SLURM_ARRAY_TASK_COUNT");
    const auto id = parse_i64(id_text);
    const auto min = min_text ? parse_i64(*min_text) : std::optional<std::int64_t>(0);
    const auto count = count_text ? parse_i64(*count_text) : std::nullopt;
    if (!id || !min || !count || *count < 1)
        return fmt::format("SLURM_ARRAY_TASK_ID={} needs SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (got {} and {})",
                           id_text, min_text.value_or("nothing"), count_text.value_or("nothing"));
    const std::int64_t index = *id - *min;
    if (index < 0 || index >= *count)
        return fmt::format("SLURM_ARRAY_TASK_ID={} − SLURM_ARRAY_TASK_MIN={} is not below SLURM_ARRAY_TASK_COUNT={}: "
                           "submit the array as --array=0-{} (no steps or lists), or give --shard I/N",
                           *id, *min, *count, *count - 1);
    return shard_spec{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(*count),
                      fmt::format("SLURM_ARRAY_TASK_ID={} − SLURM_ARRAY_TASK_MIN={} of SLURM_ARRAY_TASK_COUNT={}", *id,
                                  *min, *count)};
}

}  // namespace

bool run_scope::runs(std::string_view which) const {
    if (only.empty()) return !phase && !shard.sharded();  // shards and single phases leave them to their own step
    return std::find(only.begin(), only.end(), which) != only.end();
}

nlohmann::json run_scope::to_json(const run_config& config) const {
    nlohmann::json phases = nlohmann::json::array();
    for (const auto& p : config.phases)
        if (runs_phase(p.work.name)) phases.push_back(p.work.name);
    return {{"phases", phases}, {"only", only}};
}

std::string run_scope::journal_tag() const {
    std::string tag;
    if (phase) tag += "." + *phase;
    if (!only.empty()) {
        tag += ".only";
        for (const auto& o : only) tag += "-" + o;
    }
    if (shard.sharded()) tag += fmt::format(".shard-{}-of-{}", shard.index, shard.count);
    return tag;
}

std::variant<run_scope, std::string> make_scope(const run_config& config, shard_spec shard,
                                                const std::optional<std::string>& phase,
                                                const std::vector<std::string>& only) {
    run_scope s;
    s.shard = std::move(shard);
    s.phase = phase;
    for (const char* known : {"before", "after", "verify"}) {
        for (const auto& o : only)
            if (o == known && std::find(s.only.begin(), s.only.end(), o) == s.only.end()) s.only.push_back(o);
    }
    for (const auto& o : only)
        if (o != "before" && o != "after" && o != "verify")
            return fmt::format("--only {}: expected before, after or verify (comma-separated or repeated)", o);
    if (phase && !only.empty()) return std::string("give --phase NAME or --only ..., not both");
    if (phase) {
        std::string names;
        bool found = false;
        for (const auto& p : config.phases) {
            names += (names.empty() ? "" : ", ") + p.work.name;
            found = found || p.work.name == *phase;
        }
        if (!found) return fmt::format("--phase {}: the config has no such phase (it has: {})", *phase, names);
    }
    if (!s.shard.sharded()) return s;
    if (!only.empty())
        return fmt::format("--only runs its statements once: not as shard {} (run it as one process after or before "
                           "the shards)",
                           s.shard.to_string());
    if (!phase && config.phases.size() > 1)
        return fmt::format("shard {}: the config has {} phases; a sharded run needs --phase NAME, one job array per "
                           "phase, because the barrier between phases (every node shard done before any relationship "
                           "shard starts) is the engine's: Slurm's --dependency=afterok, a second Kubernetes Job",
                           s.shard.to_string(), config.phases.size());
    for (const auto& p : config.phases) {
        if (!s.runs_phase(p.work.name)) continue;
        if (p.schedule == schedule_kind::mix_and_batch)
            return fmt::format("phase {}: schedule: mix_and_batch cannot run as shards yet (its counting and partition "
                               "passes need every chunk before the first round, and sharding a round's cells, --round "
                               "K, is not implemented): run this phase as one process (no --shard), or with schedule: "
                               "free",
                               p.work.name);
        if (!p.before.empty() || !p.after.empty())
            return fmt::format("phase {}: its own before/after statements would run once per shard, without a barrier: "
                               "move them to the top-level before/after and run those with --only before / --only after",
                               p.work.name);
    }
    return s;
}

std::string shard_spec::to_string() const { return fmt::format("{}/{}", index, count); }

std::optional<std::string> process_env(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
}

std::variant<shard_spec, std::string> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    const auto index = slash == std::string_view::npos ? std::nullopt : parse_u32(text.substr(0, slash));
    const auto count = slash == std::string_view::npos ? std::nullopt : parse_u32(text.substr(slash + 1));
    if (!index || !count) return fmt::format("--shard {}: expected I/N, the shard's index and the count (0/4 .. 3/4)", text);
    if (*count == 0) return fmt::format("--shard {}: the count must be at least 1", text);
    if (*index >= *count)
        return fmt::format("--shard {}: the index must be below the count (0..{}): shards are numbered from 0", text,
                           *count - 1);
    return shard_spec{*index, *count, fmt::format("--shard {}", text)};
}

std::variant<shard_spec, std::string> resolve_shard(const std::optional<std::string>& flag,
                                                    std::optional<std::uint32_t> shards, const env_lookup& env) {
    if (flag) {
        if (shards) return std::string("give --shard I/N or --shards N (with JOB_COMPLETION_INDEX), not both");
        return parse_shard(*flag);
    }
    if (shards && *shards == 0) return std::string("--shards 0: the count must be at least 1");
    if (auto id = env("SLURM_ARRAY_TASK_ID")) return from_slurm(*id, env);
    if (auto index_text = env("JOB_COMPLETION_INDEX")) {
        const auto index = parse_u32(*index_text);
        if (!shards)
            return fmt::format("JOB_COMPLETION_INDEX={} is set (a Kubernetes Indexed Job) but --shards N is not: give the "
                               "Job's completions as --shards N",
                               *index_text);
        if (!index || *index >= *shards)
            return fmt::format("JOB_COMPLETION_INDEX={} is not an index below --shards {}", *index_text, *shards);
        return shard_spec{*index, *shards, fmt::format("JOB_COMPLETION_INDEX={} of --shards {}", *index, *shards)};
    }
    if (shards && *shards > 1)
        return fmt::format("--shards {} needs JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); elsewhere give --shard I/{}",
                           *shards, *shards);
    return shard_spec{};
}

std::string resolve_run_id(const std::optional<std::string>& flag, const env_lookup& env,
                           const std::string& config_digest, const std::string& input_digest) {
    if (flag && !flag->empty()) return *flag;
    for (const char* name : {"SLURM_ARRAY_JOB_ID", "JOB_NAME"})
        if (auto v = env(name); v && !v->empty()) return *v;
    return "run-" + sha256_hex(config_digest + input_digest).substr(0, 16);
}

std::string sha256_hex(std::string_view text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
    std::string hex;
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

std::string config_digest(const run_config& config, const nlohmann::json& fingerprint) {
    nlohmann::json j = fingerprint;
    if (j.contains("phases"))
        for (auto& p : j["phases"]) {
            p.erase("input");
            p.erase("inputs");
        }
    j.erase("shard");
    nlohmann::json verify = nlohmann::json::array();
    for (const auto& v : config.verify) verify.push_back({v.query, v.expect});
    j["before"] = config.before;
    j["after"] = config.after;
    j["verify"] = verify;
    nlohmann::json phase_statements = nlohmann::json::array();
    for (const auto& p : config.phases) phase_statements.push_back({p.before, p.after});
    j["phase_statements"] = phase_statements;
    return sha256_hex(j.dump());
}

std::string input_digest(const nlohmann::json& fingerprint) {
    nlohmann::json files = nlohmann::json::array();
    if (fingerprint.contains("phases"))
        for (const auto& p : fingerprint["phases"]) {
            nlohmann::json list = p.contains("inputs") ? p["inputs"] : nlohmann::json::array();
            if (p.contains("input")) list.push_back(p["input"]);
            for (auto f : list) {
                f.erase("mtime_ns");
                files.push_back(f);
            }
        }
    return sha256_hex(files.dump());
}

}  // namespace boltload
