// The testkit wire framing: requests arrive as JSON between "#request begin" / "#request end"
// lines, responses leave between "#response begin" / "#response end". Sans-I/O: bytes in, text out.
#pragma once

#include <deque>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace testkit {

using json = nlohmann::json;

/// Cuts a byte stream into request bodies. Bytes may arrive in any split; lines outside a request
/// (testkit sends none, but a human with netcat might) are ignored, as the Python backend does.
class request_framer {
public:
    /// Appends bytes read from the test client.
    void feed(std::string_view bytes);
    /// The next complete request body (the JSON text, lines joined), or false when none is ready.
    bool next(std::string& body);
    /// True while a "#request begin" has been seen without its "#request end".
    bool in_request() const { return in_request_; }

private:
    void on_line(std::string_view line);

    std::string pending_;  // bytes after the last newline
    std::string current_;  // body of the request being read
    bool in_request_ = false;
    std::deque<std::string> ready_;
};

/// `{"name": name, "data": data}` — the shape of every request, response and Cypher value.
json make_object(std::string_view name, json data = json::object());

/// The response block for one response object, newline-terminated. Invalid UTF-8 in strings is
/// replaced (U+FFFD) rather than thrown on: a test must see the response, not a dead backend.
std::string frame(const json& response);

/// The response block for `make_object(name, data)`.
std::string frame_response(std::string_view name, json data = json::object());

}  // namespace testkit
