// Fuzzes the YAML config reader: any bytes must load or fail with config_error, never crash or
// throw anything else. Leading lines "#set key.path=value" become --set overrides, so the
// override walker is fuzzed with the file it edits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "boltload/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    boltload::load_options options;
    options.check_files = false;
    options.getenv = [](const std::string& name) -> std::optional<std::string> {
        if (name == "SET") return std::string("value");
        return std::nullopt;
    };
    constexpr std::string_view set_prefix = "#set ";
    while (text.starts_with(set_prefix)) {
        const std::size_t end = text.find('\n');
        options.overrides.emplace_back(text.substr(
            set_prefix.size(),
            end == std::string_view::npos ? std::string_view::npos : end - set_prefix.size()));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    try {
        const boltload::run_config cfg = boltload::parse_config(text, "fuzz/config.yaml", options);
        // A config that loads must give every phase a usable retry policy and parameter name.
        for (const auto& phase : cfg.phases) {
            if (!boltload::retry_policy_of(phase).validate().empty()) std::abort();
            if (phase.work.parameter != "batch" && phase.work.parameter != "rows") std::abort();
            if (phase.work.batch_size < 1 || phase.workers < 1 || phase.chunk_rows < 1)
                std::abort();
        }
    } catch (const boltload::config_error& e) {
        if (e.problems().empty()) std::abort();
    }
    return 0;
}
