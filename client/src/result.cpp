// Streamed results: PULL in fetch_size batches, buffering, summaries.
#include "bolt/result.hpp"

#include <fmt/format.h>

#include "bolt/errors.hpp"
#include "driver_core.hpp"

namespace bolt {

namespace detail {

namespace {
template <class... F> struct overloaded : F... { using F::operator()...; };
template <class... F> overloaded(F...) -> overloaded<F...>;

bool has_more_flag(const map& metadata) {
    if (const value* v = metadata.find("has_more"))
        if (const auto* b = v->get_if<bool>()) return *b;
    return false;
}
}  // namespace

void merge_into(map& target, const map& source) {
    for (const auto& [k, v] : source) target.set(k, v);
}

bool result_stream::fetch_batch(bool discard) {
    if (finished) return false;
    if (!pull_in_flight) {
        if (discard) conn->send_discard(-1, -1);
        else conn->send_pull(fetch_size, -1);
        pull_in_flight = true;
    }
    session_state* owner = session;
    try {
        while (pull_in_flight) {
            auto& e = conn->receive();
            std::visit(overloaded{
                           [&](record_message& r) {
                               if (!discard) buffered.emplace_back(keys, std::move(r.fields));
                           },
                           [&](success_message& s) {
                               pull_in_flight = false;
                               has_more = has_more_flag(s.metadata);
                               if (!has_more) {
                                   merge_into(metadata, s.metadata);
                                   finished = true;
                               }
                           },
                           [&](failure_message& f) {
                               pull_in_flight = false;
                               finished = true;
                               failure = f.metadata;
                               try {
                                   raise_failure(f.metadata);
                               } catch (...) {
                                   error = std::current_exception();
                               }
                           },
                           [&](ignored_message&) {
                               pull_in_flight = false;
                               finished = true;
                               error = std::make_exception_ptr(client_error(
                                   "Neo.ClientError.Request.Ignored",
                                   "the server ignored the request after an earlier failure"));
                           },
                       },
                       e.body);
        }
    } catch (...) {
        // The connection broke mid-stream: the stream ends with that error.
        pull_in_flight = false;
        finished = true;
        error = std::current_exception();
    }
    if (finished) {
        if (!error) finish_summary();
        if (owner) owner->on_stream_finished(this, static_cast<bool>(error));
    }
    return !finished;
}

void result_stream::buffer_all() {
    while (!finished) fetch_batch();
}

void result_stream::discard_rest() {
    // DISCARD rather than PULL records nobody will read (an endless stream would never end).
    while (!finished) fetch_batch(/*discard=*/!pull_in_flight);
    buffered.clear();
}

void result_stream::check_readable() const {
    switch (scope) {
        case stream_scope::open: return;
        case stream_scope::consumed:
            throw usage_error("the result has been consumed; read the records before calling consume()");
        case stream_scope::transaction_ended:
            throw usage_error("the result is out of scope: its transaction has ended; read the records "
                              "before commit, rollback or close");
        case stream_scope::session_closed:
            throw usage_error("the result's session was closed before the result was read to its end");
    }
}

void result_stream::rethrow() const {
    if (error) std::rethrow_exception(error);
}

result_summary& result_stream::finish_summary() {
    if (!summary) {
        summary = parse_summary(metadata, summary_context{query, parameters,
                                                          conn ? conn->server() : server_info{}});
    }
    return *summary;
}

}  // namespace detail

namespace {
const std::vector<std::string>& no_keys() {
    static const std::vector<std::string> none;
    return none;
}
}  // namespace

const std::vector<std::string>& result::keys() const {
    return stream_ && stream_->keys ? *stream_->keys : no_keys();
}

std::optional<record> result::next() {
    if (!stream_) return std::nullopt;
    stream_->check_readable();
    while (stream_->buffered.empty() && !stream_->finished) stream_->fetch_batch();
    if (!stream_->buffered.empty()) {
        record r = std::move(stream_->buffered.front());
        stream_->buffered.pop_front();
        return r;
    }
    stream_->rethrow();
    return std::nullopt;
}

const record* result::peek() {
    if (!stream_) return nullptr;
    stream_->check_readable();
    while (stream_->buffered.empty() && !stream_->finished) stream_->fetch_batch();
    if (!stream_->buffered.empty()) return &stream_->buffered.front();
    stream_->rethrow();
    return nullptr;
}

record result::single() {
    auto first = next();
    if (!first) throw usage_error("expected exactly one record, the result has none");
    if (peek()) {
        consume();
        throw usage_error("expected exactly one record, the result has more than one");
    }
    return std::move(*first);
}

std::vector<record> result::list() {
    std::vector<record> out;
    while (auto r = next()) out.push_back(std::move(*r));
    return out;
}

result_summary result::consume() {
    if (!stream_) throw usage_error("consume() on an empty result");
    stream_->buffered.clear();
    stream_->discard_rest();
    if (stream_->scope == detail::stream_scope::open) stream_->scope = detail::stream_scope::consumed;
    stream_->rethrow();
    return stream_->finish_summary();
}

eager_result result::to_eager() {
    eager_result out;
    out.records = list();
    out.keys = keys();
    out.summary = consume();
    return out;
}

bool result::has_more() {
    return stream_ && stream_->scope == detail::stream_scope::open &&
           (!stream_->buffered.empty() || !stream_->finished);
}

}  // namespace bolt
