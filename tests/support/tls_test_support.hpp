// Test helpers for anything that talks TCP or TLS: an in-process certificate authority (OpenSSL 3
// C API) writing PEM files into a temporary directory, a small TCP/TLS server on 127.0.0.1:0 that
// echoes, stays silent or hangs up, and a listener whose backlog is full so connects stall.
// Header-only; every helper throws std::runtime_error when the machine cannot do what it needs.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace bolt::test {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class temp_dir {
public:
    temp_dir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "boltload-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// A certificate and its private key, as PEM files.
struct pem_files {
    std::filesystem::path cert;
    std::filesystem::path key;
};

/// Who a server certificate is for: its CN and subjectAltName entries.
struct cert_subject {
    std::string common_name = "localhost";
    std::vector<std::string> dns_names = {"localhost"};
    std::vector<std::string> ip_addresses = {"127.0.0.1"};
};

namespace detail {

struct pkey_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_free {
    void operator()(X509* p) const { X509_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;

inline void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

inline pkey_ptr make_key() {
    pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    check(key != nullptr, "EC key generation");
    return key;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& text) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, text.c_str());
    check(ext != nullptr, "certificate extension");
    const int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(ok == 1, "adding an extension");
}

// A certificate for `key`, signed by `issuer_key` (self-signed when issuer is null).
inline x509_ptr make_cert(EVP_PKEY* key, const std::string& common_name, bool is_ca,
                          const cert_subject* subject, X509* issuer, EVP_PKEY* issuer_key) {
    static std::atomic<std::int64_t> serial{1};
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "set version");
    check(ASN1_INTEGER_set_int64(X509_get_serialNumber(cert.get()), serial++) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7 * 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key) == 1, "set public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1,
          "subject CN");
    X509* signer = issuer ? issuer : cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1, "issuer name");
    add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    if (is_ca) {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
        add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
        std::string san;
        for (const auto& dns : subject->dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
        for (const auto& ip : subject->ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
        if (!san.empty()) add_extension(cert.get(), signer, NID_subject_alt_name, san);
    }
    check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "signing");
    return cert;
}

inline void write_pem(const std::filesystem::path& path, X509* cert) {
    FILE* f = std::fopen(path.c_str(), "w");
    check(f != nullptr, "opening a PEM file");
    const int ok = PEM_write_X509(f, cert);
    std::fclose(f);
    check(ok == 1, "writing a certificate");
}

inline void write_pem(const std::filesystem::path& path, EVP_PKEY* key) {
    FILE* f = std::fopen(path.c_str(), "w");
    check(f != nullptr, "opening a PEM file");
    const int ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    check(ok == 1, "writing a private key");
}

}  // namespace detail

/// A throwaway certificate authority. ca() is the file to trust (tls_options::ca_file); issue()
/// makes server certificates it signs; self_signed() makes ones nobody vouches for.
class test_pki {
public:
    test_pki() : ca_key_(detail::make_key()) {
        ca_cert_ =
            detail::make_cert(ca_key_.get(), "boltload test CA", true, nullptr, nullptr, nullptr);
        ca_.cert = dir_.path() / "ca.pem";
        ca_.key = dir_.path() / "ca-key.pem";
        detail::write_pem(ca_.cert, ca_cert_.get());
        detail::write_pem(ca_.key, ca_key_.get());
    }

    const std::filesystem::path& dir() const { return dir_.path(); }
    const pem_files& ca() const { return ca_; }

    /// A server certificate signed by the CA, written as <stem>.pem and <stem>-key.pem.
    pem_files issue(const std::string& stem, const cert_subject& subject = {}) {
        auto key = detail::make_key();
        auto cert = detail::make_cert(key.get(), subject.common_name, false, &subject,
                                      ca_cert_.get(), ca_key_.get());
        return write(stem, cert.get(), key.get());
    }

    /// A self-signed server certificate (not signed by the CA).
    pem_files self_signed(const std::string& stem, const cert_subject& subject = {}) {
        auto key = detail::make_key();
        auto cert =
            detail::make_cert(key.get(), subject.common_name, false, &subject, nullptr, nullptr);
        return write(stem, cert.get(), key.get());
    }

private:
    pem_files write(const std::string& stem, X509* cert, EVP_PKEY* key) {
        pem_files out{dir_.path() / (stem + ".pem"), dir_.path() / (stem + "-key.pem")};
        detail::write_pem(out.cert, cert);
        detail::write_pem(out.key, key);
        return out;
    }

    temp_dir dir_;
    detail::pkey_ptr ca_key_;
    detail::x509_ptr ca_cert_;
    pem_files ca_;
};

/// What test_server does with each connection (after the TLS handshake, for TLS).
enum class server_behavior {
    echo,     // writes back whatever it reads
    silent,   // reads and discards, never writes, keeps the connection open
    hang_up,  // closes the connection at once
    idle,     // neither reads nor writes, keeps the connection open (the client's writes block)
    http,     // answers what it reads with an HTTP 400 response and closes, as web servers do
};

/// A TCP or TLS server on 127.0.0.1:0 running in its own thread; stopped by the destructor.
class test_server {
public:
    explicit test_server(server_behavior behavior, const pem_files* tls = nullptr)
        : behavior_(behavior), acceptor_(io_) {
        namespace asio = boost::asio;
        if (tls) {
            tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
            tls_->use_certificate_chain_file(tls->cert.string());
            tls_->use_private_key_file(tls->key.string(), asio::ssl::context::pem);
        }
        const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }

    ~test_server() {
        io_.stop();
        thread_.join();
    }

    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    std::uint16_t port() const { return port_; }
    /// Connections accepted so far.
    std::size_t accepted() const { return accepted_.load(); }
    /// The SNI host name the last TLS client sent ("" when it sent none).
    std::string last_server_name() const {
        std::lock_guard lock(mutex_);
        return last_server_name_;
    }

private:
    using socket = boost::asio::ip::tcp::socket;
    using tls_stream = boost::asio::ssl::stream<socket>;

    // One connection; handlers keep it (and the TLS context) alive through shared_from_this.
    template <class Stream>
    struct session : std::enable_shared_from_this<session<Stream>> {
        session(std::unique_ptr<Stream> s, server_behavior b,
                std::shared_ptr<boost::asio::ssl::context> ctx)
            : tls(std::move(ctx)), stream(std::move(s)), behavior(b) {}

        // Returns true when the session must be kept alive by its owner (no I/O pending).
        bool start() {
            if (behavior == server_behavior::idle) return true;
            if (behavior == server_behavior::hang_up) {
                boost::system::error_code ignored;
                lowest().shutdown(socket::shutdown_both, ignored);
                lowest().close(ignored);
                return false;
            }
            read();
            return false;
        }
        void read() {
            auto self = this->shared_from_this();
            stream->async_read_some(boost::asio::buffer(buffer),
                                    [self](boost::system::error_code ec, std::size_t n) {
                                        if (ec) return;
                                        if (self->behavior == server_behavior::http) {
                                            self->answer_http();
                                        } else if (self->behavior == server_behavior::echo) {
                                            self->write(n);
                                        } else {
                                            self->read();
                                        }
                                    });
        }
        void answer_http() {
            static constexpr std::string_view reply =
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            auto self = this->shared_from_this();
            boost::asio::async_write(*stream, boost::asio::buffer(reply.data(), reply.size()),
                                     [self](boost::system::error_code, std::size_t) {
                                         boost::system::error_code ignored;
                                         self->lowest().shutdown(socket::shutdown_both, ignored);
                                     });
        }
        void write(std::size_t n) {
            auto self = this->shared_from_this();
            boost::asio::async_write(*stream, boost::asio::buffer(buffer.data(), n),
                                     [self](boost::system::error_code ec, std::size_t) {
                                         if (!ec) self->read();
                                     });
        }
        socket& lowest() {
            if constexpr (std::is_same_v<Stream, socket>) {
                return *stream;
            } else {
                return stream->next_layer();
            }
        }

        std::shared_ptr<boost::asio::ssl::context> tls;  // outlives the stream
        std::unique_ptr<Stream> stream;
        server_behavior behavior;
        std::array<std::uint8_t, 16384> buffer{};
    };

    void record_sni(SSL* ssl) {
        const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        std::lock_guard lock(mutex_);
        last_server_name_ = name ? name : "";
    }

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, socket s) {
            if (ec) return;
            ++accepted_;
            // Without it Nagle and delayed ACKs stall echoes of partial buffers by 40 ms.
            s.set_option(boost::asio::ip::tcp::no_delay(true), ec);
            if (!tls_) {
                auto sess = std::make_shared<session<socket>>(
                    std::make_unique<socket>(std::move(s)), behavior_, nullptr);
                if (sess->start()) idle_.push_back(sess);
            } else {
                auto sess = std::make_shared<session<tls_stream>>(
                    std::make_unique<tls_stream>(std::move(s), *tls_), behavior_, tls_);
                sess->stream->async_handshake(boost::asio::ssl::stream_base::server,
                                              [this, sess](boost::system::error_code hs) {
                                                  if (hs) return;
                                                  record_sni(sess->stream->native_handle());
                                                  if (sess->start()) idle_.push_back(sess);
                                              });
            }
            accept();
        });
    }

    server_behavior behavior_;
    boost::asio::io_context io_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> accepted_{0};
    std::vector<std::shared_ptr<void>> idle_;  // touched by the server thread only
    mutable std::mutex mutex_;
    std::string last_server_name_;
    std::thread thread_;
};

/// A listener on 127.0.0.1:0 that never accepts, with its backlog filled, so that a new connect
/// hangs (Linux drops SYNs for a full accept queue). stalls() says whether that worked here.
class stalled_listener {
public:
    stalled_listener() : acceptor_(io_) {
        namespace asio = boost::asio;
        const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.bind(endpoint);
        acceptor_.listen(0);
        port_ = acceptor_.local_endpoint().port();
        // Fill the queue until a connect does not complete within 200 ms; bounded attempts.
        for (int i = 0; i < 16 && !stalls_; ++i) {
            auto s = std::make_unique<asio::ip::tcp::socket>(io_);
            bool done = false;
            boost::system::error_code result;
            s->async_connect(asio::ip::tcp::endpoint(endpoint.address(), port_),
                             [&](boost::system::error_code ec) {
                                 done = true;
                                 result = ec;
                             });
            io_.restart();
            io_.run_for(std::chrono::milliseconds(200));
            if (!done) {
                // Only a full queue counts, not a scheduling hiccup before the first filler.
                stalls_ = !fillers_.empty();
                s->close();
                io_.restart();
                io_.run();
            } else if (!result) {
                fillers_.push_back(std::move(s));
            }
        }
    }

    std::uint16_t port() const { return port_; }
    bool stalls() const { return stalls_; }

private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> fillers_;
    std::uint16_t port_ = 0;
    bool stalls_ = false;
};

/// A port on 127.0.0.1 where nothing listens (bound and released, so connects are refused).
inline std::uint16_t unused_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

}  // namespace bolt::test
