// Parameters, and reading Node, Relationship and Path values.
#include <bolt/driver.hpp>

#include <iostream>

int main(int argc, char** argv) try {
    bolt::driver client(argc > 1 ? argv[1] : "bolt://localhost:7687");

    // Parameters keep values out of the query text (no Cypher injection, one cached plan).
    client.execute_query("CREATE (n:Technology {id: $id, name: $name, description: $description})",
                         {{"id", 1}, {"name", "Memgraph"}, {"description", "Fastest graph database"}});

    for (const auto& record : client.execute_query("MATCH (n:Technology) RETURN n").records) {
        const auto& node = record["n"].as<bolt::node>();
        std::cout << node.element_id << " " << node.labels.at(0) << " "
                  << node.properties.at("name").as<std::string>() << "\n";
    }

    client.execute_query("CREATE (u:User {name: 'John'})-[r:LOVES {id: 99}]->(t:Technology {name: 'Memgraph'})");
    for (const auto& record : client.execute_query("MATCH (u:User)-[r:LOVES]->(t:Technology) RETURN r").records) {
        const auto& rel = record["r"].as<bolt::relationship>();
        std::cout << rel.type << " " << rel.properties.at("id").as<std::int64_t>() << "\n";
    }

    for (const auto& record : client.execute_query("MATCH p=(d:User)-[r:LOVES]->(t:Technology) RETURN p").records) {
        const auto& path = record["p"].as<bolt::path>();
        std::cout << path.nodes.size() << " nodes, " << path.relationships.size()
                  << " relationship: " << bolt::to_string(record["p"]) << "\n";
    }
} catch (const std::exception& e) {  // bolt::error and its subclasses say what failed
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
