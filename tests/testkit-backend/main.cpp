// boltload-testkit-backend: serves Neo4j's driver conformance suite (testkit) for the boltload
// client. Listens on 127.0.0.1 only (port from TESTKIT_BACKEND_PORT, default 9876) and serves
// one test client connection at a time.
//
// Each connection is served by a forked child, so that everything a test created dies with it
// and a client call that never returns (a stub server that keeps streaming, a read with no
// timeout) cannot wedge the backend for every later test: once testkit hangs up, the child gets
// a grace period to clean up and is killed after it.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "testkit_backend.hpp"
#include "testkit_framing.hpp"

namespace {

constexpr auto cleanup_grace = std::chrono::seconds(5);

class socket_channel : public testkit::channel {
public:
    explicit socket_channel(int fd) : fd_(fd) {}

    bool read_request(std::string& body) override {
        while (!framer_.next(body)) {
            const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;  // eof or reset: the test is over
            framer_.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
        }
        return true;
    }

    void write(std::string_view framed) override {
        while (!framed.empty()) {
            const ssize_t n = ::send(fd_, framed.data(), framed.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // the next read reports the broken connection
            framed.remove_prefix(static_cast<std::size_t>(n));
        }
    }

private:
    int fd_;
    testkit::request_framer framer_;
    std::array<char, 64 * 1024> buffer_{};
};

unsigned short port_from_env() {
    const char* text = std::getenv("TESTKIT_BACKEND_PORT");
    if (!text || !*text) return 9876;
    char* end = nullptr;
    const long port = std::strtol(text, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535) {
        std::cerr << "TESTKIT_BACKEND_PORT must be a port number, got \"" << text << "\"\n";
        std::exit(2);
    }
    return static_cast<unsigned short>(port);
}

[[noreturn]] void die(const char* what) {
    std::cerr << "boltload-testkit-backend: " << what << ": " << std::strerror(errno) << std::endl;
    std::exit(1);
}

int listen_on_loopback(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) die("bind");
    if (::listen(fd, 4) != 0) die("listen");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    std::cerr << "boltload testkit backend listening on 127.0.0.1:" << ntohs(addr.sin_port) << std::endl;
    return fd;
}

void serve(int fd) {
    socket_channel ch(fd);
    try {
        testkit::backend b(ch);
        while (b.process_request()) {
        }
    } catch (const std::exception& e) {
        std::cerr << "connection ended: " << e.what() << std::endl;
    }
}

// Waits for the child serving `fd`; kills it when testkit has hung up and the child is still
// busy after the grace period.
void supervise(pid_t child, int fd) {
    std::optional<std::chrono::steady_clock::time_point> hung_up_at;
    for (;;) {
        int status = 0;
        if (::waitpid(child, &status, WNOHANG) == child) return;
        if (!hung_up_at) {
            pollfd p{fd, POLLRDHUP, 0};
            if (::poll(&p, 1, 100) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
                hung_up_at = std::chrono::steady_clock::now();
            continue;
        }
        if (std::chrono::steady_clock::now() - *hung_up_at > cleanup_grace) {
            std::cerr << "testkit hung up; killing the backend child still busy with its test" << std::endl;
            ::kill(child, SIGKILL);
            ::waitpid(child, &status, 0);
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

int main() {
    const int listener = listen_on_loopback(port_from_env());
    for (;;) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept");
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const pid_t child = ::fork();
        if (child < 0) die("fork");
        if (child == 0) {
            ::close(listener);
            serve(fd);
            ::close(fd);
            std::_Exit(0);
        }
        supervise(child, fd);
        ::close(fd);
    }
}
