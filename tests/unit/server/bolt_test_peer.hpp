// A scripted Bolt client for the server's sans-I/O connection_state: encodes requests with the
// client's own request_writer, feeds the bytes, steps the connection and decodes what it sent.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bolt/chunking.hpp"
#include "bolt/handshake.hpp"
#include "bolt/messages.hpp"
#include "server/bolt/connection_state.hpp"

namespace bolt_test {

using namespace std::chrono_literals;

/// What one exchange produced.
struct reply {
    std::vector<bolt::response> responses;
    bool closed = false;
    std::vector<std::chrono::milliseconds> pauses;
    bolt::buffer raw;  // every byte the server wrote
};

inline bool is_success(const bolt::response& r) { return std::holds_alternative<bolt::success_message>(r); }
inline bool is_failure(const bolt::response& r) { return std::holds_alternative<bolt::failure_message>(r); }
inline bool is_ignored(const bolt::response& r) { return std::holds_alternative<bolt::ignored_message>(r); }
inline bool is_record(const bolt::response& r) { return std::holds_alternative<bolt::record_message>(r); }
inline const bolt::map& meta(const bolt::response& r) {
    if (const auto* s = std::get_if<bolt::success_message>(&r)) return s->metadata;
    return std::get<bolt::failure_message>(r).metadata;
}
inline std::string code(const bolt::response& r) {
    const auto& m = std::get<bolt::failure_message>(r).metadata;
    const bolt::value* c = m.find("code");
    return c ? c->as<std::string>() : std::string();
}

/// Steps `c` over whatever it was fed until it needs input or closes; collects output.
inline reply drain(server::bolt::connection_state& c, bolt::protocol_features f) {
    reply out;
    for (int guard = 0; guard < 100000; ++guard) {
        auto a = c.step();
        if (a.pause.count() > 0) out.pauses.push_back(a.pause);
        if (a.close) {
            out.closed = true;
            break;
        }
        if (a.need_input) break;
    }
    out.raw = c.output();
    c.clear_output();
    return out;
    (void)f;
}

/// Decodes chunked server output (after the 4-byte handshake reply when `skip` says so).
inline std::vector<bolt::response> decode_all(const bolt::buffer& raw, bolt::protocol_features f) {
    std::vector<bolt::response> out;
    bolt::message_reader reader;
    auto space = reader.prepare(raw.size() + 1);
    std::copy(raw.begin(), raw.end(), space.begin());
    reader.commit(raw.size());
    std::error_code ec;
    while (auto m = reader.next(ec)) {
        bolt::response r;
        std::string detail;
        auto err = bolt::decode_response(*m, f.dialect, {}, r, &detail);
        EXPECT_FALSE(err) << detail;
        if (err) break;
        out.push_back(std::move(r));
    }
    EXPECT_FALSE(ec);
    EXPECT_EQ(reader.buffered(), 0u) << "a partial message was left";
    return out;
}

class peer {
public:
    explicit peer(server::bolt::connection_settings settings = {},
                  std::shared_ptr<server::query::database> db = nullptr)
        : settings_(std::make_unique<server::bolt::connection_settings>(std::move(settings))),
          db_(db ? std::move(db) : std::make_shared<server::query::database>()),
          conn_(std::make_unique<server::bolt::connection_state>(*db_, *settings_, 1)) {}

    server::bolt::connection_state& conn() { return *conn_; }
    server::query::database& db() { return *db_; }
    const std::shared_ptr<server::query::database>& db_ptr() { return db_; }
    bolt::protocol_features features() const { return features_; }

    /// Sends the handshake; returns the 4 reply bytes (empty when the server closed silently).
    bolt::buffer handshake(std::span<const bolt::version_range> proposal = bolt::default_proposal) {
        return handshake_raw(bolt::make_handshake_request(proposal));
    }
    bolt::buffer handshake_raw(std::span<const std::uint8_t> bytes) {
        conn_->feed(bytes);
        auto r = drain(*conn_, features_);
        closed_ = r.closed;
        if (r.raw.size() >= 4 && !r.closed) {
            features_ = bolt::features_for({r.raw[3], r.raw[2]});
        }
        return r.raw;
    }

    /// Writes requests with `build`, feeds them, returns the decoded responses.
    reply send(const std::function<void(bolt::request_writer&)>& build) {
        bolt::buffer bytes;
        bolt::request_writer w(bytes, features_);
        build(w);
        EXPECT_FALSE(w.error()) << w.error().message();
        return send_raw(bytes);
    }
    reply send_raw(std::span<const std::uint8_t> bytes) {
        conn_->feed(bytes);
        auto r = drain(*conn_, features_);
        r.responses = decode_all(r.raw, features_);
        closed_ = closed_ || r.closed;
        // Adopt the "utc" patch the way the client does.
        for (const auto& resp : r.responses)
            if (const auto* s = std::get_if<bolt::success_message>(&resp))
                if (s->metadata.contains("patch_bolt")) features_ = bolt::features_for(features_.version, true);
        return r;
    }

    /// Handshake + HELLO (+ LOGON on 5.1+) with the given auth map; expects success.
    void open(bolt::protocol_version v = {5, 2}, const bolt::map& auth = {{"scheme", "none"}}) {
        const bolt::version_range range[] = {{v, 0}};
        auto hs = handshake(range);
        ASSERT_EQ(hs.size(), 4u);
        ASSERT_EQ(hs[2], v.minor);
        ASSERT_EQ(hs[3], v.major);
        auto r = send([&](bolt::request_writer& w) {
            bolt::map hello{{"user_agent", "test/1.0"}};
            if (!features_.logon_message)
                for (const auto& [k, val] : auth) hello.set(k, val);
            w.hello(hello);
            if (features_.logon_message) w.logon(auth);
        });
        ASSERT_FALSE(r.closed);
        for (const auto& resp : r.responses) ASSERT_TRUE(is_success(resp));
        ASSERT_EQ(conn_->phase(), server::bolt::connection_phase::ready);
    }

    bool closed() const { return closed_; }

private:
    std::unique_ptr<server::bolt::connection_settings> settings_;
    std::shared_ptr<server::query::database> db_;
    std::unique_ptr<server::bolt::connection_state> conn_;
    bolt::protocol_features features_ = bolt::features_for({5, 2});
    bool closed_ = false;
};

}  // namespace bolt_test
