// The guide's quickstart: create a user, read it back, print the counters and the query.
#include <bolt/driver.hpp>

#include <iostream>

int main(int argc, char** argv) try {
    const std::string uri = argc > 1 ? argv[1] : "bolt://localhost:7687";
    bolt::driver client(uri, bolt::auth_token::basic("", ""));
    client.verify_connectivity();

    auto [records, summary, keys] = client.execute_query(
        "CREATE (u:User {name: $name, password: $password}) RETURN u.name AS name;",
        {{"name", "John"}, {"password", "pass"}}, {.database = "memgraph"});
    for (const auto& record : records) std::cout << record["name"].as<std::string>() << "\n";
    std::cout << to_string(summary.counters) << "\n";

    auto found = client.execute_query("MATCH (u:User {name: $name}) RETURN u.name AS name",
                                      {{"name", "John"}}, {.database = "memgraph"});
    for (const auto& record : found.records) std::cout << record["name"].as<std::string>() << "\n";
    std::cout << found.summary.query << "\n";
} catch (const std::exception& e) {  // bolt::error and its subclasses say what failed
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
