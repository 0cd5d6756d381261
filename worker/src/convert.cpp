// Typed conversion of CSV fields into Bolt values, written into rows that are reused batch after
// batch so that steady-state conversion allocates nothing beyond long strings.
#include <charconv>
#include <string>
#include <system_error>
#include <unordered_set>

#include "bolt/utf8.hpp"
#include "boltload/csv.hpp"

namespace boltload {

namespace {

enum class parsed : std::uint8_t { ok, invalid, out_of_range };

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// One optional '+' (from_chars takes only '-'), surrounding blanks, and the whole text must be
// the number. T is std::int64_t or double.
template <class T>
parsed parse_number_checked(std::string_view text, T& out) {
    text = trim(text);
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && (text.front() == '-' || text.front() == '+')) return parsed::invalid;
    }
    if (text.empty()) return parsed::invalid;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (end != text.data() + text.size()) return parsed::invalid;
    if (ec == std::errc::result_out_of_range) return parsed::out_of_range;
    return ec == std::errc{} ? parsed::ok : parsed::invalid;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != b[i]) return false;
    }
    return true;
}

// Howard Hinnant's days_from_civil: proleptic Gregorian date → days since 1970-01-01.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Reads exactly n digits.
bool digits(std::string_view& s, std::size_t n, int& out) {
    if (s.size() < n) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    s.remove_prefix(n);
    return true;
}

bool take(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

// YYYY-MM-DD, with an optional sign and more year digits for years outside 0000..9999.
bool parse_date_part(std::string_view& s, std::int64_t& days) {
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    std::size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n < 4 || n > 9) return false;
    int year = 0;
    if (!digits(s, n, year)) return false;
    int month = 0;
    int day = 0;
    if (!take(s, '-') || !digits(s, 2, month) || !take(s, '-') || !digits(s, 2, day)) return false;
    const std::int64_t y = negative ? -std::int64_t{year} : year;
    static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return false;
    if (day > month_days[month - 1] + (month == 2 && is_leap(y) ? 1 : 0)) return false;
    days = days_from_civil(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return true;
}

// HH:MM[:SS[.fraction]] → seconds and nanoseconds of the day.
bool parse_time_part(std::string_view& s, std::int64_t& seconds, std::int64_t& nanos) {
    int h = 0;
    int m = 0;
    int sec = 0;
    if (!digits(s, 2, h) || !take(s, ':') || !digits(s, 2, m)) return false;
    nanos = 0;
    if (take(s, ':')) {
        if (!digits(s, 2, sec)) return false;
        if (!s.empty() && (s.front() == '.' || s.front() == ',')) {
            s.remove_prefix(1);
            std::size_t n = 0;
            std::int64_t frac = 0;
            while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
                if (n < 9) frac = frac * 10 + (s[n] - '0');
                ++n;
            }
            if (n == 0) return false;
            for (std::size_t i = n; i < 9; ++i) frac *= 10;
            nanos = frac;  // digits past nanoseconds are dropped
            s.remove_prefix(n);
        }
    }
    if (h > 23 || m > 59 || sec > 59) return false;
    seconds = h * 3600 + m * 60 + sec;
    return true;
}

std::string show(std::string_view text) {
    constexpr std::size_t max_shown = 60;
    std::string out = "\"";
    const std::size_t n = std::min(text.size(), max_shown);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
    if (text.size() > max_shown) out += "...";
    return out;
}

std::string_view expectation(column_type t) {
    switch (t) {
        case column_type::integer: return "expected an integer";
        case column_type::float_: return "expected a float";
        case column_type::boolean: return "expected a boolean (true/false, 1/0, yes/no)";
        case column_type::date: return "expected a date (YYYY-MM-DD)";
        case column_type::datetime: return "expected an ISO-8601 datetime (YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM])";
        default: return "expected a value";
    }
}

// Keys are short; an inline loop beats a memcmp call on the per-row layout check.
bool same_key(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

void set_string(bolt::value& v, std::string_view text) {
    if (auto* s = v.get_if<std::string>()) s->assign(text.data(), text.size());
    else v.variant().emplace<std::string>(text);
}

// Why a string value is not UTF-8 (Bolt strings must be; strict drivers and servers refuse
// others); out of line, off the hot path.
[[gnu::noinline, gnu::cold]] std::string utf8_problem(std::string_view text, std::size_t at) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto c = static_cast<unsigned char>(text[at]);
    return "invalid UTF-8 at byte " + std::to_string(at + 1) + " of the field (0x" + hex[c >> 4] + hex[c & 15] +
           "): expected UTF-8 text";
}

// A scalar field into v. Returns an empty string on success, else what went wrong.
std::string convert_scalar(column_type type, bool null_on_empty, std::string_view text, bolt::value& v) {
    if (text.empty()) {
        if (null_on_empty) {
            v.variant().emplace<bolt::null_t>();
            return {};
        }
        if (type == column_type::string_) {
            set_string(v, text);
            return {};
        }
    }
    switch (type) {
        case column_type::string_:
        case column_type::skip:
        case column_type::list: {  // lists of lists are not a thing in the config; read as text
            if (const std::size_t at = bolt::utf8_invalid_at(text); at != text.size()) [[unlikely]]
                return utf8_problem(text, at);
            set_string(v, text);
            return {};
        }
        case column_type::integer: {
            std::int64_t i = 0;
            const parsed r = parse_number_checked(text, i);
            if (r == parsed::ok) {
                v.variant().emplace<std::int64_t>(i);
                return {};
            }
            if (r == parsed::out_of_range) return "integer out of range: " + show(text);
            break;
        }
        case column_type::float_: {
            double d = 0;
            const parsed r = parse_number_checked(text, d);
            if (r == parsed::ok) {
                v.variant().emplace<double>(d);
                return {};
            }
            if (r == parsed::out_of_range) return "float out of range: " + show(text);
            break;
        }
        case column_type::boolean: {
            bool b = false;
            if (parse_bool(text, b)) {
                v.variant().emplace<bool>(b);
                return {};
            }
            break;
        }
        case column_type::date: {
            bolt::date d;
            if (parse_date(text, d)) {
                v.variant().emplace<bolt::date>(d);
                return {};
            }
            break;
        }
        case column_type::datetime:
            if (parse_datetime(text, v)) return {};
            break;
    }
    return std::string(expectation(type)) + ", got " + show(text);
}

}  // namespace

bool parse_int(std::string_view text, std::int64_t& out) { return parse_number_checked(text, out) == parsed::ok; }

bool parse_float(std::string_view text, double& out) { return parse_number_checked(text, out) == parsed::ok; }

bool parse_bool(std::string_view text, bool& out) {
    text = trim(text);
    if (iequals(text, "true") || text == "1" || iequals(text, "yes")) {
        out = true;
        return true;
    }
    if (iequals(text, "false") || text == "0" || iequals(text, "no")) {
        out = false;
        return true;
    }
    return false;
}

bool parse_date(std::string_view text, bolt::date& out) {
    text = trim(text);
    std::int64_t days = 0;
    if (!parse_date_part(text, days) || !text.empty()) return false;
    out.days = days;
    return true;
}

bool parse_datetime(std::string_view text, bolt::value& out) {
    text = trim(text);
    std::int64_t days = 0;
    if (!parse_date_part(text, days)) return false;
    std::int64_t secs = 0;
    std::int64_t nanos = 0;
    if (!text.empty()) {
        if (text.front() != 'T' && text.front() != 't' && text.front() != ' ') return false;
        text.remove_prefix(1);
        if (!parse_time_part(text, secs, nanos)) return false;
    }
    const std::int64_t local = days * 86400 + secs;
    if (text.empty()) {
        out.variant().emplace<bolt::local_date_time>(bolt::local_date_time{local, nanos});
        return true;
    }
    std::int64_t offset = 0;
    if (text == "Z" || text == "z") {
        offset = 0;
    } else {
        const char sign = text.front();
        if (sign != '+' && sign != '-') return false;
        text.remove_prefix(1);
        int oh = 0;
        int om = 0;
        if (!digits(text, 2, oh)) return false;
        if (!text.empty()) {
            take(text, ':');
            if (!digits(text, 2, om) || !text.empty()) return false;
        }
        if (oh > 18 || om > 59 || oh * 60 + om > 18 * 60) return false;
        offset = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
    }
    out.variant().emplace<bolt::date_time>(bolt::date_time{local - offset, nanos, offset});
    return true;
}

// ---- rows ------------------------------------------------------------------------------------

/// A list column's text, split at its separator, each element by the element type; the problem
/// with the first element that does not convert, or "".
static std::string convert_list(const column_spec& col, std::string_view text, bolt::value& v) {
    auto* items = v.get_if<bolt::list>();
    if (!items) items = &v.variant().emplace<bolt::list>();
    std::size_t n = 0;
    std::string problem;
    if (!text.empty()) {
        std::string_view rest = text;
        for (;;) {
            const std::size_t cut = rest.find(col.list_separator);
            const std::string_view element = rest.substr(0, cut);
            if (n == items->size()) items->emplace_back();
            problem = convert_scalar(col.element_type, col.null_on_empty, element, (*items)[n]);
            ++n;
            if (!problem.empty()) return "element " + std::to_string(n) + ": " + problem;
            if (cut == std::string_view::npos) break;
            rest.remove_prefix(cut + 1);
        }
    }
    items->resize(n);
    return problem;
}

row_converter::row_converter(const csv_spec& spec, std::span<const std::string> header) {
    if (spec.columns.empty()) {
        if (header.empty())
            throw std::invalid_argument(spec.path + ": a CSV source without a header needs `columns`");
        for (const std::string& name : header) columns_.push_back(column_spec{.name = name});
    } else {
        columns_ = spec.columns;
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            if (!columns_[i].name.empty() || columns_[i].type == column_type::skip) continue;
            if (i >= header.size())
                throw std::invalid_argument(spec.path + ": column " + std::to_string(i + 1) +
                                            " has no name (no header field names it)");
            columns_[i].name = header[i];
        }
    }
    std::unordered_set<std::string_view> seen;
    for (const column_spec& c : columns_) {
        if (c.type == column_type::skip) continue;
        ++kept_;
        if (c.name.empty())
            throw std::invalid_argument(spec.path + ": a column has an empty name");
        if (!seen.insert(c.name).second)
            throw std::invalid_argument(spec.path + ": duplicate column name '" + c.name + "'");
    }
}

std::size_t field_count_error_at(std::size_t found, std::size_t expected) {
    return found < expected ? found + 1 : expected + 1;
}

std::string field_count_message(std::size_t found, std::size_t expected, std::string_view missing_name) {
    std::string out = "expected " + std::to_string(expected) + " fields, found " + std::to_string(found) + ": ";
    const std::size_t at = field_count_error_at(found, expected);
    if (found < expected) {
        out += "the record ends before field " + std::to_string(at);
        if (!missing_name.empty()) out += " ('" + std::string(missing_name) + "')";
    } else {
        out += "field " + std::to_string(at) + (found == expected + 1 ? " is one too many" : " and those after it are too many");
    }
    return out;
}

void row_converter::check_field_count(const csv_record& record) const {
    const std::size_t found = record.fields.size();
    if (found == columns_.size()) return;
    const std::size_t at = field_count_error_at(found, columns_.size());
    const std::string_view name = found < columns_.size() ? std::string_view(columns_[at - 1].name) : std::string_view();
    throw csv_error(std::string(record.file), record.line, at, field_count_message(found, columns_.size(), name));
}

std::optional<std::size_t> row_converter::column_of(std::string_view name) const {
    for (std::size_t i = 0; i < columns_.size(); ++i)
        if (columns_[i].type != column_type::skip && columns_[i].name == name) return i;
    return std::nullopt;
}

void row_converter::convert_field(const csv_record& record, std::size_t column, bolt::value& out) const {
    check_field_count(record);
    convert_column(record, column, out);
}

void row_converter::convert(const csv_record& record, bolt::value& slot) const {
    check_field_count(record);
    auto* row = slot.get_if<bolt::map>();
    if (!row || row->size() != kept_) {
        slot = bolt::map{};
        row = slot.get_if<bolt::map>();
        row->reserve(kept_);
        for (const column_spec& c : columns_)
            if (c.type != column_type::skip) row->emplace_back(c.name);
    }
    auto entry = row->begin();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        const column_spec& col = columns_[i];
        if (col.type == column_type::skip) continue;
        if (!same_key(entry->first, col.name)) entry->first = col.name;
        convert_column(record, i, entry->second);
        ++entry;
    }
}

void row_converter::convert_column(const csv_record& record, std::size_t i, bolt::value& v) const {
    const column_spec& col = columns_[i];
    const std::string_view text = record.fields[i];
    std::string problem;
    if (col.type != column_type::list) {
        problem = convert_scalar(col.type, col.null_on_empty, text, v);
    } else if (text.empty() && col.null_on_empty) {
        v.variant().emplace<bolt::null_t>();
    } else {
        problem = convert_list(col, text, v);
    }
    if (!problem.empty())
        throw csv_error(std::string(record.file), record.line, i + 1,
                        "column '" + col.name + "' (" + std::to_string(i + 1) + "): " + problem);
}

void row_converter::convert_into(const csv_record& record, bolt::list& rows, std::size_t index) const {
    if (index == rows.size()) rows.emplace_back();
    convert(record, rows.at(index));
}

}  // namespace boltload
