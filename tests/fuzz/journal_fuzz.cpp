// Fuzzes the run journal's reader: any bytes, split into lines, must decode or fail with an error
// sentence, and whatever decodes must replay (into the state --resume starts from) without a
// crash, a throw or an assertion; two decoded headers' fingerprints are compared too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "boltload/journal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace boltload::journal;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    state s;
    replayer rp({{"nodes", {7, false}}, {"rels", {3, true}}});
    std::optional<header> first;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        std::string error;
        auto r = decode(line, error);
        if (!r) {
            if (error.empty()) __builtin_trap();  // a failure always says why
            continue;
        }
        if (const auto* h = std::get_if<header>(&*r)) {
            if (first) fingerprint_changes(first->fingerprint, h->fingerprint);
            first = *h;
        }
        rp.apply(*r, s);
    }
    rp.finish(s);
    return 0;
}
