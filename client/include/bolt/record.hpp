// One row of a result: values by position or by key. Keys are shared by all rows of a result.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bolt/value.hpp"

namespace bolt {

class record {
public:
    record() = default;
    record(std::shared_ptr<const std::vector<std::string>> keys, list values)
        : keys_(std::move(keys)), values_(std::move(values)) {}

    /// Throws value_error naming the key and the keys that exist when the key is absent.
    const value& operator[](std::string_view key) const;
    const value& operator[](std::size_t index) const;
    /// nullptr when absent.
    const value* get(std::string_view key) const;

    const std::vector<std::string>& keys() const;
    const list& values() const { return values_; }
    std::size_t size() const { return values_.size(); }
    /// Key → value as a map (like Python's record.data()).
    map data() const;

    friend bool operator==(const record& a, const record& b) {
        return a.keys() == b.keys() && a.values_ == b.values_;
    }

private:
    std::shared_ptr<const std::vector<std::string>> keys_;
    list values_;
};

std::string to_string(const record& r);

}  // namespace bolt
