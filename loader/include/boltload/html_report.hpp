// The HTML report: one self-contained page drawn from a JSON report (a run's, a merged one, a
// sweep's) — the run's facts and figures, each phase's charts as inline SVG, the Mix-and-Batch
// heatmap and the sweep's charts when the report has them. No script and nothing external: a
// Content-Security-Policy meta forbids both, so the file opens from disk and prints as it shows.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace boltload {

/// Why `report` cannot be rendered — not a JSON object, no `report_version`, a version this
/// build does not know — or nothing. Missing or odd keys inside a report are fine: what cannot
/// be read is left out of the page.
std::optional<std::string> report_problem(const nlohmann::json& report);

/// The page (UTF-8). Throws std::invalid_argument with report_problem()'s text when there is one.
std::string render_html_report(const nlohmann::json& report);

}  // namespace boltload
