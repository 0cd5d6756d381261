// SVG charts as text: axes, ticks and marks for the HTML report.
#include "boltload/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace boltload::svg {

// ---- text --------------------------------------------------------------------------------------

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

/// RFC 3629's table: the second byte's range depends on the first, which rules out overlong
/// forms, surrogates and anything above U+10FFFF.
struct utf8_lead {
    unsigned char first, last;
    std::size_t length;
    unsigned char lo, hi;
};
constexpr utf8_lead utf8_leads[] = {{0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF},
                                    {0xE1, 0xEC, 3, 0x80, 0xBF}, {0xED, 0xED, 3, 0x80, 0x9F},
                                    {0xEE, 0xEF, 3, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x90, 0xBF},
                                    {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F}};

/// Length of the valid UTF-8 sequence starting at s[i] (a byte ≥ 0x80), or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    for (const auto& lead : utf8_leads) {
        if (byte(i) < lead.first || byte(i) > lead.last) continue;
        if (i + lead.length > s.size() || byte(i + 1) < lead.lo || byte(i + 1) > lead.hi) return 0;
        for (std::size_t k = 2; k < lead.length; ++k)
            if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
        return lead.length;
    }
    return 0;
}

/// The entity for a character HTML gives a meaning to, or nothing.
std::string_view entity(char c) {
    switch (c) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&#39;";
        default:
            return {};
    }
}

/// Trailing zeros (and a trailing point) removed: "2.50" → "2.5", "3.00" → "3".
std::string trimmed(double v, int decimals) {
    std::string s = fmt::format("{:.{}f}", v, decimals);
    if (s.find('.') != std::string::npos) {
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') s.pop_back();
    }
    return s == "-0" ? "0" : s;
}

std::string coord(double v) {
    return trimmed(v, 1);
}

}  // namespace

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            const std::size_t n = utf8_length(text, i);
            out += n ? text.substr(i, n) : replacement;
            i += std::max<std::size_t>(n, 1);
            continue;
        }
        const bool control = (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F;
        if (const auto e = entity(c); !e.empty())
            out += e;
        else if (control)  // not allowed in HTML text (NUL, escape sequences)
            out += replacement;
        else
            out += c;
        ++i;
    }
    return out;
}

std::string short_number(double v) {
    if (!std::isfinite(v)) return "-";
    const double a = std::abs(v);
    constexpr std::pair<double, const char*> scales[] = {
        {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& [scale, suffix] : scales)
        if (a >= scale) return trimmed(v / scale, a / scale >= 100 ? 0 : 2) + suffix;
    if (a >= 1 || a == 0) return trimmed(v, a >= 100 ? 0 : 2);
    return fmt::format("{:.3g}", v);
}

// ---- axes --------------------------------------------------------------------------------------

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
    lo = std::clamp(lo, -1e300, 1e300);  // so that hi − lo and every step stay finite
    hi = std::clamp(hi, -1e300, 1e300);
    if (hi < lo) std::swap(lo, hi);
    if (hi == lo) hi = lo + (lo == 0 ? 1 : std::abs(lo));
    const double raw = (hi - lo) / std::max(1, target);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
    const double first = std::floor(lo / step + 1e-9);
    const double last = std::ceil(hi / step - 1e-9);
    std::vector<double> ticks;
    for (double i = first; i <= last && ticks.size() < 100; ++i) ticks.push_back(i * step);
    return ticks;
}

axis axis::linear(double lo, double hi, std::string title, int target_ticks) {
    axis a;
    const auto values = nice_ticks(lo, hi, target_ticks);
    for (double v : values) a.ticks_.push_back({v, short_number(v)});
    a.lo_ = values.front();
    a.hi_ = values.back();
    a.title_ = std::move(title);
    return a;
}

axis axis::custom(double lo, double hi, std::vector<tick> ticks, std::string title) {
    axis a;
    a.lo_ = lo;
    a.hi_ = hi > lo ? hi : lo + 1;
    a.ticks_ = std::move(ticks);
    a.title_ = std::move(title);
    return a;
}

axis axis::bands(const std::vector<std::string>& names, std::string title, bool first_on_top) {
    constexpr std::size_t max_labels = 24;
    axis a;
    a.lo_ = 0;
    a.hi_ = static_cast<double>(std::max<std::size_t>(1, names.size()));
    const std::size_t every = (names.size() + max_labels - 1) / max_labels;
    for (std::size_t i = 0; i < names.size(); i += std::max<std::size_t>(1, every))
        a.ticks_.push_back({static_cast<double>(i) + 0.5, names[i]});
    a.title_ = std::move(title);
    a.flipped_ = first_on_top;
    return a;
}

double axis::fraction(double v) const {
    const double f = std::isfinite(v) ? std::clamp((v - lo_) / (hi_ - lo_), 0.0, 1.0) : 0.0;
    return flipped_ ? 1 - f : f;
}

// ---- chart -------------------------------------------------------------------------------------

namespace {

constexpr double left = 62, right = 14, top = 26, bottom = 40;

std::string tip_of(std::string_view tip) {
    return tip.empty() ? std::string() : "<title>" + escape(tip) + "</title>";
}

}  // namespace

chart::chart(std::string title, axis x, axis y, int height)
    : title_(std::move(title)),
      x_(std::move(x)),
      y_(std::move(y)),
      height_(std::max(120, height)) {}

double chart::px(double x) const {
    return left + x_.fraction(x) * (width - left - right);
}
double chart::py(double y) const {
    return top + (1 - y_.fraction(y)) * (height_ - top - bottom);
}

void chart::line(const std::vector<std::pair<double, double>>& points, std::string_view cls) {
    std::vector<std::vector<std::pair<double, double>>> pieces(1);
    for (const auto& [x, y] : points) {
        if (std::isfinite(x) && std::isfinite(y)) {
            pieces.back().emplace_back(x, y);
        } else if (!pieces.back().empty()) {
            pieces.emplace_back();
        }
    }
    for (const auto& piece : pieces) {
        if (piece.size() == 1) {  // a polyline of one point draws nothing: show it as a dot
            dot(piece[0].first, piece[0].second, cls);
        } else if (piece.size() > 1) {
            std::string pts;
            for (const auto& [x, y] : piece) pts += coord(px(x)) + "," + coord(py(y)) + " ";
            pts.pop_back();
            body_ += fmt::format("<polyline class=\"mark line {}\" points=\"{}\"/>\n", cls, pts);
            ++marks_;
        }
    }
}

void chart::steps(const std::vector<double>& values, double x0, double width_x,
                  std::string_view cls, bool filled) {
    if (values.empty()) return;
    const auto value = [&](std::size_t i) { return std::isfinite(values[i]) ? values[i] : 0.0; };
    const double base = py(std::max(0.0, y_.lo()));
    std::string d = "M" + coord(px(x0)) + "," + coord(filled ? base : py(value(0)));
    for (std::size_t i = 0; i < values.size(); ++i) {
        d += "V" + coord(py(value(i)));
        d += "H" + coord(px(x0 + static_cast<double>(i + 1) * width_x));
    }
    if (filled) d += "V" + coord(base) + "Z";
    body_ +=
        fmt::format("<path class=\"mark {} {}\" d=\"{}\"/>\n", filled ? "area" : "line", cls, d);
    ++marks_;
}

void chart::box(double x0, double x1, double y0, double y1, std::string_view cls,
                std::string_view tip, double min_px) {
    const double a = px(x0), b = px(x1), c = py(y0), d = py(y1);
    body_ += fmt::format(
        "<rect class=\"mark {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\">{}</rect>\n", cls,
        coord(std::min(a, b)), coord(std::min(c, d)), coord(std::max(min_px, std::abs(b - a))),
        coord(std::max(min_px, std::abs(d - c))), tip_of(tip));
    ++marks_;
}

void chart::dot(double x, double y, std::string_view cls, std::string_view tip, double radius) {
    body_ += fmt::format("<circle class=\"mark {}\" cx=\"{}\" cy=\"{}\" r=\"{}\">{}</circle>\n",
                         cls, coord(px(x)), coord(py(y)), coord(radius), tip_of(tip));
    ++marks_;
}

void chart::whisker(double x, double y0, double y1, std::string_view cls) {
    body_ +=
        fmt::format("<line class=\"mark whisker {}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
                    cls, coord(px(x)), coord(py(y0)), coord(px(x)), coord(py(y1)));
    ++marks_;
}

void chart::note(double x, double y, std::string_view text) {
    body_ += fmt::format("<text class=\"note\" x=\"{}\" y=\"{}\">{}</text>\n", coord(px(x) + 7),
                         coord(py(y) - 7), escape(text));
}

void chart::legend(const std::vector<std::pair<std::string, std::string>>& entries) {
    double x = left;
    for (const auto& [cls, text] : entries) {
        legend_ += fmt::format(
            "<rect class=\"key {}\" x=\"{}\" y=\"8\" width=\"12\" height=\"10\"/>"
            "<text class=\"legend\" x=\"{}\" y=\"17\">{}</text>\n",
            cls, coord(x), coord(x + 16), escape(text));
        x += 28 + 6.5 * static_cast<double>(text.size());
    }
}

std::string chart::str() const {
    const double x_end = width - right, y_end = height_ - bottom;
    std::string grid, labels;
    for (const auto& t : y_.ticks()) {
        const double y = py(t.value);
        grid += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", coord(left),
                            coord(y), coord(x_end), coord(y));
        labels +=
            fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                        coord(left - 5), coord(y + 3.5), escape(t.label));
    }
    for (const auto& t : x_.ticks()) {
        const double x = px(t.value);
        grid += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", coord(x),
                            coord(y_end), coord(x), coord(y_end + 4));
        labels +=
            fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                        coord(x), coord(y_end + 16), escape(t.label));
    }
    labels +=
        fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    coord((left + x_end) / 2), height_ - 6, escape(x_.title()));
    labels += fmt::format(
        "<text class=\"axis-title\" transform=\"translate(13,{}) rotate(-90)\" "
        "text-anchor=\"middle\">{}</text>",
        coord((top + y_end) / 2), escape(y_.title()));
    const std::string frame = fmt::format("<path class=\"frame\" d=\"M{},{}V{}H{}\"/>", coord(left),
                                          coord(top), coord(y_end), coord(x_end));
    return fmt::format(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\">"
        "<title>{title}</title>\n<g class=\"grid\">{grid}</g>\n{frame}\n<g "
        "class=\"labels\">{labels}</g>\n"
        "<g class=\"keys\">{legend}</g>\n<g class=\"marks\">\n{body}</g></svg>",
        fmt::arg("w", width), fmt::arg("h", height_), fmt::arg("title", escape(title_)),
        fmt::arg("grid", grid), fmt::arg("frame", frame), fmt::arg("labels", labels),
        fmt::arg("legend", legend_), fmt::arg("body", body_));
}

}  // namespace boltload::svg
