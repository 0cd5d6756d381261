// The Asio side of the embedded Bolt server: accept, TLS handshake, and a read/step/write loop
// per connection around connection_state, on coroutines. All protocol logic lives in
// connection_state; this file only moves bytes, waits and closes.
#include "server/bolt/server.hpp"

#include <atomic>
#include <chrono>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <variant>
#include <vector>

#include "server/bolt/connection_state.hpp"

namespace server::bolt {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t flush_threshold = 256 * 1024;
/// Connections past max_connections told so at once; more are closed without a word.
constexpr std::size_t max_refusing = 64;
using clock = std::chrono::steady_clock;

}  // namespace

struct server::impl {
    explicit impl(server_options o)
        : options(std::move(o)), db(query::database_options{.storage = options.storage}) {}

    server_options options;
    connection_settings settings;  // options.connection with the bound address filled in
    query::database db;
    std::optional<asio::ssl::context> tls;
    std::unique_ptr<asio::io_context> io;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::string bound_host;
    std::uint16_t bound_port = 0;
    bool started = false;
    std::mutex stop_mutex;

    std::atomic<std::size_t> open{0};
    std::atomic<std::size_t> refusing{0};  // connections past the limit being told so
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> faults{0};

    asio::awaitable<void> accept_loop();
    template <class Stream>
    asio::awaitable<void> serve(Stream& stream, std::uint64_t ordinal, bool full, clock::time_point accepted_at);
    asio::awaitable<void> serve_plain(tcp::socket socket, std::uint64_t ordinal, bool full);
    asio::awaitable<void> serve_tls(tcp::socket socket, std::uint64_t ordinal, bool full);
    /// Closes one slot: the open connections', or the refusals'.
    void release(bool full) {
        if (full) --refusing;
        else --open;
    }
    void log(const std::string& line) const {
        if (settings.log) settings.log(line);
    }
};

asio::awaitable<void> server::impl::accept_loop() {
    asio::steady_timer backoff(co_await asio::this_coro::executor);
    for (;;) {
        // Each connection gets its own strand: its coroutine never runs on two threads at once.
        auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(*io), use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
            // Out of file descriptors and the like: wait instead of spinning.
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(use_tuple);
            continue;
        }
        const std::uint64_t ordinal = ++accepted;
        // Past the limit a client still gets a Bolt answer (a FAILURE saying the server is full),
        // unless too many are being told so at once.
        const bool full = open.load() >= settings.limits.max_connections;
        if (full && refusing.load() >= max_refusing) {
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        if (full) {
            ++refusing;
        } else {
            ++open;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // replies are small; no Nagle delays
        auto executor = socket.get_executor();
        if (tls) {
            asio::co_spawn(executor, serve_tls(std::move(socket), ordinal, full), asio::detached);
        } else {
            asio::co_spawn(executor, serve_plain(std::move(socket), ordinal, full), asio::detached);
        }
    }
}

asio::awaitable<void> server::impl::serve_plain(tcp::socket socket, std::uint64_t ordinal, bool full) {
    try {
        co_await serve(socket, ordinal, full, clock::now());
    } catch (const std::exception&) {
        // A connection never takes the server down; the peer sees the socket close.
    }
    boost::system::error_code ignored;
    socket.close(ignored);
    release(full);
}

asio::awaitable<void> server::impl::serve_tls(tcp::socket socket, std::uint64_t ordinal, bool full) {
    const auto accepted_at = clock::now();
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    try {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        const auto& l = settings.limits;
        timer.expires_after(l.handshake_timeout.count() > 0 ? l.handshake_timeout
                            : l.idle_timeout.count() > 0    ? l.idle_timeout
                                                            : std::chrono::milliseconds(std::chrono::hours(24)));
        auto r = co_await (stream.async_handshake(asio::ssl::stream_base::server, use_tuple) ||
                           timer.async_wait(use_tuple));
        if (r.index() == 0 && !std::get<0>(std::get<0>(r))) {
            co_await serve(stream, ordinal, full, accepted_at);
        } else if (r.index() == 1) {
            log("connection bolt-" + std::to_string(ordinal) + " closed: no TLS handshake within the handshake timeout");
        }
    } catch (const std::exception&) {
    }
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
    release(full);
}

template <class Stream>
asio::awaitable<void> server::impl::serve(Stream& stream, std::uint64_t ordinal, bool full,
                                          clock::time_point accepted_at) {
    connection_state conn(db, settings, ordinal);
    if (full)
        conn.refuse(std::string(server_full_code),
                    "The server is full: it already serves its maximum of " +
                        std::to_string(settings.limits.max_connections) +
                        " connections (--max-connections). Close connections or use fewer (fewer workers), or "
                        "raise the limit.");
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto idle = settings.limits.idle_timeout;
    const auto handshake = settings.limits.handshake_timeout;
    const auto count_faults = [&] {
        const auto& s = conn.stats();
        return s.faults_transient + s.faults_dropped + s.faults_stalled + s.faults_delayed;
    };
    std::uint64_t faults_seen = 0;
    for (;;) {
        const connection_action a = conn.step();
        // Replies to pipelined requests go out together, but a long stream of them does not
        // pile up in memory before the first byte leaves.
        const bool flush = a.need_input || a.close || a.pause.count() > 0 ||
                           conn.output().size() >= flush_threshold;
        if (flush && !conn.output().empty()) {
            auto [ec, n] = co_await asio::async_write(stream, asio::buffer(conn.output()), use_tuple);
            (void)n;
            conn.clear_output();
            if (ec) break;
        }
        if (const auto f = count_faults(); f != faults_seen) {
            faults += f - faults_seen;
            faults_seen = f;
        }
        if (a.close) break;
        if (a.pause.count() > 0) {
            timer.expires_after(a.pause);
            co_await timer.async_wait(use_tuple);
            continue;
        }
        if (!a.need_input) continue;

        // Until it has authenticated a connection has the handshake timeout, counted from
        // accept; after that, the idle timeout per read.
        auto wait = idle;
        bool deadline_bound = false;  // the wait ends at the handshake deadline, not the idle limit
        if (handshake.count() > 0 && !conn.authenticated()) {
            const auto left = std::max(
                std::chrono::duration_cast<std::chrono::milliseconds>(accepted_at + handshake - clock::now()),
                std::chrono::milliseconds(1));
            deadline_bound = idle.count() == 0 || left <= idle;
            if (deadline_bound) wait = left;
        }
        auto space = conn.prepare();
        if (wait.count() > 0) {
            timer.expires_after(wait);
            auto r = co_await (stream.async_read_some(asio::buffer(space.data(), space.size()),
                                                      use_tuple) ||
                               timer.async_wait(use_tuple));
            if (r.index() == 1) {  // idle for too long, or not in by the handshake deadline
                if (deadline_bound)
                    log("connection " + conn.connection_id() + " closed: it did not get through the handshake and "
                        "authentication within " + std::to_string(handshake.count()) + " ms (the handshake timeout)");
                break;
            }
            auto [ec, n] = std::get<0>(r);
            conn.commit(n);
            if (ec) conn.end_of_input();
        } else {
            auto [ec, n] = co_await stream.async_read_some(
                asio::buffer(space.data(), space.size()), use_tuple);
            conn.commit(n);
            if (ec) conn.end_of_input();
        }
    }
    if (settings.log && !conn.last_violation().empty())
        settings.log("connection " + conn.connection_id() + " closed: " + conn.last_violation());
}

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

server::~server() { stop(); }

void server::start() {
    auto& s = *impl_;
    if (s.started) throw std::runtime_error("the Bolt server was started already");
    const auto hp = parse_host_port(s.options.listen);
    if (!hp)
        throw std::runtime_error("listen address '" + s.options.listen +
                                 "' is not host:port (e.g. 127.0.0.1:7687 or [::1]:7687)");
    if (s.options.tls_cert_file.empty() != s.options.tls_key_file.empty())
        throw std::runtime_error("TLS needs both a certificate file and a key file");

    if (!s.options.tls_cert_file.empty()) {
        s.tls.emplace(asio::ssl::context::tls_server);
        s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        s.tls->use_certificate_chain_file(s.options.tls_cert_file, ec);
        if (ec)
            throw std::runtime_error("cannot use TLS certificate '" + s.options.tls_cert_file +
                                     "': " + ec.message());
        s.tls->use_private_key_file(s.options.tls_key_file, asio::ssl::context::pem, ec);
        if (ec)
            throw std::runtime_error("cannot use TLS key '" + s.options.tls_key_file +
                                     "': " + ec.message());
    }

    s.io = std::make_unique<asio::io_context>();
    boost::system::error_code ec;
    tcp::resolver resolver(*s.io);
    auto endpoints = resolver.resolve(hp->host, std::to_string(hp->port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || endpoints.empty())
        throw std::runtime_error("cannot resolve listen host '" + hp->host +
                                 "': " + (ec ? ec.message() : "no address"));
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    s.acceptor = std::make_unique<tcp::acceptor>(*s.io);
    s.acceptor->open(endpoint.protocol(), ec);
    if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) s.acceptor->bind(endpoint, ec);
    if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        s.acceptor.reset();
        s.io.reset();
        throw std::runtime_error("cannot listen on " + s.options.listen + ": " + ec.message());
    }
    const auto local = s.acceptor->local_endpoint();
    s.bound_port = local.port();
    s.bound_host = local.address().to_string();
    s.settings = s.options.connection;
    s.settings.advertised_address =
        !s.options.advertised_address.empty() ? s.options.advertised_address : address();

    asio::co_spawn(*s.io, s.accept_loop(), asio::detached);
    unsigned n = s.options.threads ? s.options.threads : std::thread::hardware_concurrency();
    if (n == 0) n = 1;
    for (unsigned i = 0; i < n; ++i) s.threads.emplace_back([io = s.io.get()] { io->run(); });
    s.started = true;
}

void server::stop() {
    auto& s = *impl_;
    std::lock_guard lock(s.stop_mutex);
    if (!s.io) return;
    s.io->stop();
    for (auto& t : s.threads) t.join();
    s.threads.clear();
    // The acceptor first (it refers to the io_context), then the io_context: destroying it
    // destroys every suspended connection coroutine, which closes its socket and rolls back
    // its session.
    s.acceptor.reset();
    s.io.reset();
}

std::uint16_t server::port() const noexcept { return impl_->bound_port; }

std::string server::address() const {
    const auto& h = impl_->bound_host;
    const bool v6 = h.find(':') != std::string::npos;
    return (v6 ? "[" + h + "]" : h) + ":" + std::to_string(impl_->bound_port);
}

std::string server::uri() const { return (tls() ? "bolt+ssc://" : "bolt://") + address(); }

bool server::tls() const noexcept { return impl_->tls.has_value(); }

query::database& server::database() noexcept { return impl_->db; }

std::size_t server::open_connections() const noexcept { return impl_->open.load(); }

std::uint64_t server::accepted_connections() const noexcept { return impl_->accepted.load(); }

std::uint64_t server::injected_faults() const noexcept { return impl_->faults.load(); }

}  // namespace server::bolt
