// gzip (zlib) and zstd (libzstd) decoders behind one sequential interface. Both read the file in
// 256 KiB blocks and accept several concatenated members/frames, as gzip -d and zstd -d do;
// anything else after the data, or data that stop before their end mark, is an error.
#include "boltload/compressed_input.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "boltload/csv.hpp"

namespace boltload {
namespace {

constexpr std::size_t in_block = 256u << 10;
constexpr unsigned char gzip_magic[2] = {0x1f, 0x8b};
constexpr unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

/// The compressed bytes: a file read with pread, or memory.
class compressed_bytes {
public:
    compressed_bytes(const std::string& path, const std::string& name) : name_(name) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw csv_error(name, 0, 0, std::strerror(errno));
    }
    compressed_bytes(std::string_view memory, const std::string& name) : name_(name), memory_(memory) {}
    compressed_bytes(const compressed_bytes&) = delete;
    compressed_bytes& operator=(const compressed_bytes&) = delete;
    ~compressed_bytes() {
        if (fd_ >= 0) ::close(fd_);
    }

    /// The next block at the read position; empty at the end of the file.
    std::string_view next() {
        if (fd_ < 0) {
            const std::size_t n = std::min(in_block, memory_.size() - static_cast<std::size_t>(offset_));
            std::string_view out = memory_.substr(static_cast<std::size_t>(offset_), n);
            offset_ += n;
            return out;
        }
        buf_.resize(in_block);
        for (;;) {
            const ssize_t r = ::pread(fd_, buf_.data(), buf_.size(), static_cast<off_t>(offset_));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw csv_error(name_, 0, 0, std::strerror(errno));
            offset_ += static_cast<std::uint64_t>(r);
            return {buf_.data(), static_cast<std::size_t>(r)};
        }
    }
    void rewind() { offset_ = 0; }
    std::uint64_t offset() const { return offset_; }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    int fd_ = -1;
    std::string_view memory_;
    std::vector<char> buf_;
    std::uint64_t offset_ = 0;
};

class gzip_decompressor final : public decompressor {
public:
    explicit gzip_decompressor(std::unique_ptr<compressed_bytes> in) : in_(std::move(in)) {
        if (inflateInit2(&z_, 15 + 16) != Z_OK) throw csv_error(in_->name(), 0, 0, "cannot start the gzip decoder");
    }
    ~gzip_decompressor() override { inflateEnd(&z_); }

    std::size_t read(char* dst, std::size_t n) override {
        z_.next_out = reinterpret_cast<Bytef*>(dst);
        z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        while (z_.avail_out > 0 && !done_) {
            if (z_.avail_in == 0 && !refill()) {
                if (in_member_) fail("truncated: the gzip data end before the end of their stream");
                if (members_ == 0) fail("not a gzip file (it is empty)");
                done_ = true;
                break;
            }
            if (!in_member_) start_member();
            const int rc = inflate(&z_, Z_NO_FLUSH);
            if (rc == Z_STREAM_END) {
                in_member_ = false;  // another member may follow (cat a.gz b.gz)
                inflateReset(&z_);
            } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR) {
                fail(fmt::format("damaged gzip data: {}", z_.msg ? z_.msg : "inflate failed"));
            } else if (rc == Z_BUF_ERROR && z_.avail_in > 0) {
                fail("damaged gzip data: the decoder cannot go on");
            }
        }
        return n - z_.avail_out;
    }

    void rewind() override {
        in_->rewind();
        inflateReset(&z_);
        z_.avail_in = 0;
        in_member_ = false;
        done_ = false;
        members_ = 0;
    }

private:
    bool refill() {
        const std::string_view block = in_->next();
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
        z_.avail_in = static_cast<uInt>(block.size());
        return !block.empty();
    }
    /// A member must start with the gzip magic: trailing bytes of another kind are an error, not
    /// silently ignored data.
    void start_member() {
        if (z_.avail_in >= 1 && z_.next_in[0] != gzip_magic[0])
            fail(members_ == 0 ? "not a gzip file (it does not start with the gzip magic bytes)"
                               : "damaged gzip data: bytes after the end of the last gzip member");
        in_member_ = true;
        ++members_;
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw csv_error(in_->name(), 0, 0, fmt::format("{} (near compressed byte {})", what, in_->offset()));
    }

    std::unique_ptr<compressed_bytes> in_;
    z_stream z_{};
    bool in_member_ = false;
    bool done_ = false;
    int members_ = 0;
};

class zstd_decompressor final : public decompressor {
public:
    explicit zstd_decompressor(std::unique_ptr<compressed_bytes> in) : in_(std::move(in)), ctx_(ZSTD_createDCtx()) {
        if (!ctx_) throw csv_error(in_->name(), 0, 0, "cannot start the zstd decoder");
    }
    ~zstd_decompressor() override { ZSTD_freeDCtx(ctx_); }

    std::size_t read(char* dst, std::size_t n) override {
        ZSTD_outBuffer out{dst, n, 0};
        while (out.pos < out.size && !done_) {
            if (input_.pos == input_.size) {
                const std::string_view block = in_->next();
                if (block.empty()) {
                    if (frame_open_) fail("truncated: the zstd data end inside a frame");
                    if (!started_) fail("not a zstd file (it is empty)");
                    done_ = true;
                    break;
                }
                if (!started_ && (block.size() < 4 || std::memcmp(block.data(), zstd_magic, 4) != 0))
                    fail("not a zstd file (it does not start with the zstd magic bytes)");
                started_ = true;
                input_ = ZSTD_inBuffer{block.data(), block.size(), 0};
            }
            const std::size_t rc = ZSTD_decompressStream(ctx_, &out, &input_);
            if (ZSTD_isError(rc)) fail(fmt::format("damaged zstd data: {}", ZSTD_getErrorName(rc)));
            frame_open_ = rc != 0;
        }
        return out.pos;
    }

    void rewind() override {
        in_->rewind();
        ZSTD_DCtx_reset(ctx_, ZSTD_reset_session_only);
        input_ = ZSTD_inBuffer{nullptr, 0, 0};
        frame_open_ = false;
        started_ = false;
        done_ = false;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw csv_error(in_->name(), 0, 0, fmt::format("{} (near compressed byte {})", what, in_->offset()));
    }

    std::unique_ptr<compressed_bytes> in_;
    ZSTD_DCtx* ctx_;
    ZSTD_inBuffer input_{nullptr, 0, 0};
    bool frame_open_ = false;
    bool started_ = false;
    bool done_ = false;
};

std::unique_ptr<decompressor> make(std::unique_ptr<compressed_bytes> in, compression kind) {
    if (kind == compression::gzip) return std::make_unique<gzip_decompressor>(std::move(in));
    if (kind == compression::zstd) return std::make_unique<zstd_decompressor>(std::move(in));
    throw std::invalid_argument("open_decompressor: not a compressed kind");
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace

compression compression_of(std::string_view path) {
    if (ends_with(path, ".gz")) return compression::gzip;
    if (ends_with(path, ".zst")) return compression::zstd;
    return compression::none;
}

std::string_view to_string(compression c) {
    switch (c) {
        case compression::none: return "none";
        case compression::gzip: return "gzip";
        case compression::zstd: return "zstd";
    }
    return "?";
}

std::unique_ptr<decompressor> open_decompressor(const std::string& path, const std::string& name, compression kind) {
    return make(std::make_unique<compressed_bytes>(path, name), kind);
}

std::unique_ptr<decompressor> memory_decompressor(std::string_view bytes, const std::string& name, compression kind) {
    return make(std::make_unique<compressed_bytes>(bytes, name), kind);
}

}  // namespace boltload
