// boltload-worker: one Bolt session that runs the chunks the coordinator sends on stdin and
// reports every batch on stdout (worker/PROTOCOL.md). Logs go to stderr. Started by `boltload`,
// not by users.
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <deque>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "boltload/version.hpp"
#include "boltload/worker_session.hpp"

namespace {

using namespace boltload;

/// The coordinator (or whoever writes to stdin) broke the protocol: fatal of kind `protocol`.
class protocol_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The coordinator's lines are small (the largest, `configure`, holds the query); a longer one is
/// not a message, and is refused before it fills the memory.
constexpr std::size_t max_stdin_line = std::size_t{64} << 20;

/// Reads coordinator messages from fd 0; `poll_message` never blocks, so a shutdown can be
/// noticed between batches.
class stdin_messages {
public:
    /// The next message, waiting for it; nullopt at end of input.
    std::optional<coordinator_message> wait() { return next(-1); }
    /// A message if one has arrived, without waiting.
    std::optional<coordinator_message> poll_message() { return next(0); }
    bool closed() const { return closed_; }

private:
    std::optional<coordinator_message> next(int timeout_ms) {
        for (;;) {
            if (auto line = lines_.next()) {
                std::string error;
                auto m = decode_coordinator_message(*line, error);
                if (!m) throw protocol_failure("unreadable message on stdin: " + error);
                return m;
            }
            if (lines_.failed())
                throw protocol_failure(fmt::format("a line on stdin is longer than {} bytes: not a message", max_stdin_line));
            if (closed_ && lines_.pending() > 0)
                throw protocol_failure(fmt::format("stdin ended inside a message ({} bytes without a newline)",
                                                   lines_.pending()));
            if (closed_) return std::nullopt;
            pollfd p{0, POLLIN, 0};
            const int ready = ::poll(&p, 1, timeout_ms);
            if (ready == 0) return std::nullopt;
            if (ready < 0) continue;  // EINTR
            char buf[65536];
            const ssize_t n = ::read(0, buf, sizeof buf);
            if (n <= 0) {
                closed_ = true;
                continue;
            }
            lines_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        }
    }

    line_splitter lines_{max_stdin_line};
    bool closed_ = false;
};

void send(const worker_message& m) {
    const std::string line = encode(m);
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
        // The coordinator is gone; nothing left to report to.
        std::_Exit(1);
    }
}

/// What arrives on stdin while a chunk runs: a shutdown, the end of the input (the coordinator is
/// gone); anything else waits for the main loop.
class chunk_listener {
public:
    chunk_listener(stdin_messages& in, std::deque<coordinator_message>& pending) : in_(in), pending_(pending) {}

    /// Stop after the current batch: a shutdown came, or the coordinator vanished (then nobody
    /// would read our reports, and nobody could allow the next batch).
    bool should_stop() {
        while (auto m = in_.poll_message()) take(std::move(*m));
        return stop_ || in_.closed();
    }

    bool stopped() const { return stop_; }

private:
    void take(coordinator_message m) {
        if (std::holds_alternative<shutdown>(m))
            stop_ = true;
        else
            pending_.push_back(std::move(m));
    }

    stdin_messages& in_;
    std::deque<coordinator_message>& pending_;
    bool stop_ = false;
};

int run() {
    send(hello{protocol_version, "boltload-worker 0.1"});
    stdin_messages in;
    std::deque<coordinator_message> pending;  // read while a chunk ran
    const auto next_message = [&]() -> std::optional<coordinator_message> {
        if (pending.empty()) return in.wait();
        coordinator_message m = std::move(pending.front());
        pending.pop_front();
        return m;
    };
    std::unique_ptr<worker_session> session;
    for (;;) {
        std::optional<coordinator_message> m = next_message();
        if (!m) return 0;  // the coordinator closed our stdin: nothing more to do
        if (const auto* h = std::get_if<hello>(&*m)) {
            if (auto problem = check_hello(*h)) {
                send(fatal{fatal_kind::protocol, *problem, std::nullopt});
                return 1;
            }
        } else if (const auto* c = std::get_if<configure>(&*m)) {
            session.reset();
            auto opened = worker_session::open(*c);
            if (const auto* f = std::get_if<fatal>(&opened)) {
                send(*f);
                return 1;
            }
            session = std::move(std::get<std::unique_ptr<worker_session>>(opened));
            send(session->ready_message());
        } else if (const auto* ch = std::get_if<chunk>(&*m)) {
            if (!session) {
                send(fatal{fatal_kind::protocol, "chunk before configure", ch->chunk_id});
                return 1;
            }
            chunk_listener listener(in, pending);
            const chunk_control control{[&] { return listener.should_stop(); }};
            if (auto f = session->run_chunk(*ch, send, control)) {
                send(*f);
                return 1;
            }
            if (listener.stopped() || in.closed()) return 0;
        } else if (std::holds_alternative<shutdown>(*m)) {
            return 0;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    // The one argument there is, for people and packaging; the coordinator passes none.
    if (argc == 2 && std::string_view(argv[1]) == "--version") {
        std::printf("boltload-worker %s\n", boltload::version_string);
        return 0;
    }
    // Ctrl-C, and the SIGTERM of `timeout`, systemd or Kubernetes, reach the whole process group:
    // the coordinator decides when workers stop (after their current batch), so they ignore both.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run();
    } catch (const protocol_failure& e) {
        send(fatal{fatal_kind::protocol, e.what(), std::nullopt});
        return 2;
    } catch (const std::exception& e) {
        send(fatal{fatal_kind::internal, e.what(), std::nullopt});
        return 1;
    }
}
