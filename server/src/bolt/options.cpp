// Defaults and small parsers for the embedded server's settings.
#include "server/bolt/options.hpp"

#include <charconv>

namespace server::bolt {

std::vector<::bolt::protocol_version> default_versions() {
    return {{5, 4}, {5, 3}, {5, 2}, {5, 1}, {5, 0}, {4, 4}, {4, 3}, {4, 2}, {4, 1}};
}

std::optional<host_port> parse_host_port(std::string_view text) {
    host_port out;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return std::nullopt;
        out.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        out.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
        if (out.host.find(':') != std::string::npos) return std::nullopt;  // bare IPv6: use [..]
    }
    if (out.host.empty() || port.empty()) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
    return out;
}

}  // namespace server::bolt
