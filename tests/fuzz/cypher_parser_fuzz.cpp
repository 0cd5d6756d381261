// libFuzzer entry for the Cypher front end: any bytes through parse, check, classify and the
// printer. It must never crash, leak or recurse without bound (the parser caps nesting).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <server/cypher/parser.hpp>
#include <server/cypher/printer.hpp>
#include <server/cypher/semantic.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = server::cypher::parse(text);
    if (result) {
        (void)server::cypher::check(*result);
        (void)server::cypher::classify(*result);
        (void)server::cypher::to_string(*result);
    } else if (result.error().line == 0 || result.error().column == 0) {
        __builtin_trap();  // positions are 1-based; a zero means a bug in error reporting
    }
    return 0;
}
