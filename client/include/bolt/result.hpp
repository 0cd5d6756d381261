// A streamed query result: records arrive in fetch_size batches as the caller reads them.
// Bolt servers like Memgraph allow one open stream per connection, so starting another query
// first buffers what is left of the open one; it stays readable until its transaction ends.
// Ending the transaction DISCARDs what was not read, as the official drivers do.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bolt/record.hpp"
#include "bolt/summary.hpp"

namespace bolt {

namespace detail {
struct result_stream;
}

/// What execute_query returns: every record, the summary, and the keys.
struct eager_result {
    std::vector<record> records;
    result_summary summary;
    std::vector<std::string> keys;
};

class result {
public:
    result() = default;
    explicit result(std::shared_ptr<detail::result_stream> stream) : stream_(std::move(stream)) {}

    const std::vector<std::string>& keys() const;
    /// The next record, or nullopt at the end. Throws the server's error if the query failed, and
    /// usage_error once consume() was called or the result's transaction ended (commit, rollback
    /// or close discard what was not read, as the official drivers do).
    std::optional<record> next();
    /// The next record without consuming it; throws like next().
    const record* peek();
    /// Exactly one record; throws usage_error when there are none or more than one
    /// (the rest is discarded either way, as the Python driver's single(strict=True)).
    record single();
    /// All remaining records.
    std::vector<record> list();
    /// Discards what is left and returns the summary; it can be called again.
    result_summary consume();
    /// Everything at once.
    eager_result to_eager();
    /// False once every record has been read (or the result was consumed).
    bool has_more();

    class iterator {
    public:
        using value_type = record;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(result* r) : r_(r) { ++*this; }
        const record& operator*() const { return *current_; }
        const record* operator->() const { return &*current_; }
        iterator& operator++() {
            current_ = r_->next();
            if (!current_) r_ = nullptr;
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const iterator& a, const iterator& b) { return a.r_ == b.r_; }

    private:
        result* r_ = nullptr;
        std::optional<record> current_;
    };
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

private:
    std::shared_ptr<detail::result_stream> stream_;
};

}  // namespace bolt
