// Request cutting and response framing for the testkit backend protocol.
#include "testkit_framing.hpp"

namespace testkit {

namespace {
constexpr std::string_view request_begin = "#request begin";
constexpr std::string_view request_end = "#request end";

std::string_view trim(std::string_view s) {
    constexpr std::string_view space = " \t\r\n";
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(space);
    return s.substr(first, last - first + 1);
}
}  // namespace

void request_framer::feed(std::string_view bytes) {
    pending_.append(bytes);
    std::size_t start = 0;
    for (;;) {
        const auto nl = pending_.find('\n', start);
        if (nl == std::string::npos) break;
        on_line(std::string_view(pending_).substr(start, nl - start));
        start = nl + 1;
    }
    pending_.erase(0, start);
}

void request_framer::on_line(std::string_view raw) {
    const std::string_view line = trim(raw);
    if (line == request_begin) {
        // A begin inside a request restarts it: the earlier one can never be completed.
        in_request_ = true;
        current_.clear();
    } else if (line == request_end) {
        if (in_request_) ready_.push_back(std::move(current_));
        current_.clear();
        in_request_ = false;
    } else if (in_request_) {
        current_.append(raw);  // JSON strings never hold raw newlines, so joining is lossless
    }
}

bool request_framer::next(std::string& body) {
    if (ready_.empty()) return false;
    body = std::move(ready_.front());
    ready_.pop_front();
    return true;
}

json make_object(std::string_view name, json data) {
    json o = json::object();
    o["name"] = std::string(name);
    o["data"] = data.is_null() ? json::object() : std::move(data);
    return o;
}

std::string frame(const json& response) {
    std::string out = "#response begin\n";
    out += response.dump(-1, ' ', false, json::error_handler_t::replace);
    out += "\n#response end\n";
    return out;
}

std::string frame_response(std::string_view name, json data) {
    return frame(make_object(name, std::move(data)));
}

}  // namespace testkit
