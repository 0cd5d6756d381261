// Records: positional and keyed access to one result row.
#include "bolt/record.hpp"

#include <string>

namespace bolt {

namespace {
const std::vector<std::string>& empty_keys() {
    static const std::vector<std::string> none;
    return none;
}
}  // namespace

const std::vector<std::string>& record::keys() const { return keys_ ? *keys_ : empty_keys(); }

const value* record::get(std::string_view key) const {
    const auto& k = keys();
    for (std::size_t i = 0; i < k.size() && i < values_.size(); ++i)
        if (k[i] == key) return &values_[i];
    return nullptr;
}

const value& record::operator[](std::string_view key) const {
    if (const value* v = get(key)) return *v;
    std::string known;
    for (const auto& k : keys()) known += (known.empty() ? "" : ", ") + k;
    throw value_error("record has no key '" + std::string(key) + "' (keys: " + known + ")");
}

const value& record::operator[](std::size_t index) const {
    if (index >= values_.size())
        throw value_error("record index " + std::to_string(index) + " out of range (size " +
                          std::to_string(values_.size()) + ")");
    return values_[index];
}

map record::data() const {
    map m;
    const auto& k = keys();
    m.reserve(values_.size());
    for (std::size_t i = 0; i < k.size() && i < values_.size(); ++i) m.set(k[i], values_[i]);
    return m;
}

std::string to_string(const record& r) {
    std::string out = "<Record";
    const auto& k = r.keys();
    for (std::size_t i = 0; i < k.size() && i < r.size(); ++i) out += " " + k[i] + "=" + to_string(r[i]);
    return out + ">";
}

}  // namespace bolt
