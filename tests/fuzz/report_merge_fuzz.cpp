// Fuzzes `boltload report merge`: up to four reports (the input split at NUL bytes, each parsed
// as JSON) must merge or be refused with a message naming one of them — never a crash — and a
// merged report must render as HTML.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "boltload/html_report.hpp"
#include "boltload/report_merge.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    std::vector<std::pair<std::string, nlohmann::json>> reports;
    std::size_t at = 0;
    while (at <= all.size() && reports.size() < 4) {
        const std::size_t end = std::min(all.find('\0', at), all.size());
        auto j = nlohmann::json::parse(all.substr(at, end - at), nullptr, false);
        if (j.is_discarded()) return 0;
        reports.emplace_back("r" + std::to_string(reports.size()) + ".json", std::move(j));
        at = end + 1;
    }
    const auto merged = boltload::merge_reports(reports);
    if (const auto* problem = std::get_if<std::string>(&merged)) {
        if (problem->find(".json") == std::string::npos && problem->find("shard ") == std::string::npos &&
            *problem != "no reports to merge")
            __builtin_trap();  // every refusal names a file or the missing shard
        return 0;
    }
    (void)boltload::render_html_report(std::get<nlohmann::json>(merged));
    return 0;
}
