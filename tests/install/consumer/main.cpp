// Runs RETURN 1 on the Bolt server at argv[1] with the installed bolt_client, and prints it.
#include <bolt/driver.hpp>
#include <cstdint>
#include <iostream>

int main(int argc, char** argv) try {
    if (argc != 2) return 2;
    bolt::driver driver(argv[1], bolt::auth_token::none());
    auto [records, summary, keys] = driver.execute_query("RETURN 1 AS one");
    std::cout << "one: " << records.at(0)["one"].as<std::int64_t>() << "\n";
} catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
