// Small SVG charts for the HTML report, written as text: linear axes with round tick values (also
// banded and custom-labelled ones), and marks — lines, steps, bars, boxes, dots — placed in data
// coordinates. Deterministic (the same data gives the same bytes), no script, every text escaped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boltload::svg {

/// Text safe inside HTML or SVG content and attribute values: & < > " ' escaped; bytes that are
/// not UTF-8 become U+FFFD, so a server's odd message cannot break the page.
std::string escape(std::string_view text);

/// A number short enough for a tick or a card: "0", "0.25", "12", "1.5k", "2M", "3G".
std::string short_number(double v);

/// Round ticks covering [lo, hi]: 1, 2 or 5 × 10^k apart, about `target` of them, the first ≤ lo
/// and the last ≥ hi, so an axis made from them ends on a tick. A flat range gets a unit around it.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

/// Maps data values onto [0, 1] of a plot's width or height.
class axis {
public:
    struct tick {
        double value;
        std::string label;
    };
    /// From the nice ticks around [lo, hi] (so 0..937 becomes 0..1000).
    static axis linear(double lo, double hi, std::string title, int target_ticks = 5);
    /// Exactly [lo, hi] with the caller's ticks (percentile axes, say).
    static axis custom(double lo, double hi, std::vector<tick> ticks, std::string title);
    /// One band per name over [0, n): band i spans [i, i + 1]; labels on at most 24 of them.
    /// `first_on_top`: for a vertical axis, band 0 at the top (timelines read downwards).
    static axis bands(const std::vector<std::string>& names, std::string title,
                      bool first_on_top = false);

    double fraction(double v) const;  ///< 0..1, clamped; reversed when first_on_top
    double lo() const { return lo_; }
    double hi() const { return hi_; }
    const std::vector<tick>& ticks() const { return ticks_; }
    const std::string& title() const { return title_; }
    bool flipped() const { return flipped_; }

private:
    double lo_ = 0, hi_ = 1;
    std::vector<tick> ticks_;
    std::string title_;
    bool flipped_ = false;
};

/// One chart: `<svg class="chart">` with grid, tick labels, axis titles and marks. Every data
/// mark has the class `mark` (the browser test counts them) plus the caller's classes.
class chart {
public:
    chart(std::string title, axis x, axis y, int height = 220);

    /// A polyline through the points; a non-finite y breaks it into pieces.
    void line(const std::vector<std::pair<double, double>>& points, std::string_view cls);
    /// One value per bucket of `width` starting at x0, drawn as a staircase; `filled`: shaded
    /// down to y = 0 (class `area` instead of `line`).
    void steps(const std::vector<double>& values, double x0, double width, std::string_view cls,
               bool filled = false);
    /// A rectangle between two x and two y values, at least `min_px` wide and high.
    void box(double x0, double x1, double y0, double y1, std::string_view cls,
             std::string_view tip = {}, double min_px = 0.75);
    void dot(double x, double y, std::string_view cls, std::string_view tip = {},
             double radius = 2.5);
    /// A vertical line from y0 to y1 at x (min–max ranges).
    void whisker(double x, double y0, double y1, std::string_view cls);
    /// A text label next to a data point (not a mark).
    void note(double x, double y, std::string_view text);
    /// Colour keys above the plot: (css classes, text).
    void legend(const std::vector<std::pair<std::string, std::string>>& entries);

    int marks() const { return marks_; }
    std::string str() const;

    static constexpr int width = 720;

private:
    double px(double x) const;
    double py(double y) const;
    std::string title_;
    axis x_, y_;
    int height_;
    int marks_ = 0;
    std::string body_;
    std::string legend_;
};

}  // namespace boltload::svg
