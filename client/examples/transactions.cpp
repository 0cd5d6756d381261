// Implicit (auto-commit), managed and explicit transactions — the guide's token transfer.
#include <bolt/driver.hpp>

#include <iostream>

namespace {

bool is_enough_token(bolt::transaction& tx, std::int64_t user_id, std::int64_t tokens) {
    auto record = tx.run("MATCH (u:User {id: $id}) RETURN u.account_balance - $num_of_tokens >= 0 AS is_enough",
                         {{"id", user_id}, {"num_of_tokens", tokens}})
                      .single();
    return record["is_enough"].as<bool>();
}

void transfer_tokens(bolt::driver& client, std::int64_t sender, std::int64_t receiver, std::int64_t tokens) {
    auto session = client.session({.database = "memgraph"});
    auto tx = session.begin_transaction();
    if (!is_enough_token(tx, sender, tokens)) {
        std::cout << "Not enough tokens in the account balance.\n";
        return;  // tx rolls back when it goes out of scope
    }
    tx.run("MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance - $num_of_tokens",
           {{"id", sender}, {"num_of_tokens", tokens}});
    tx.run("MATCH (u:User {id: $id}) SET u.account_balance = u.account_balance + $num_of_tokens",
           {{"id", receiver}, {"num_of_tokens", tokens}});
    tx.commit();  // both or none
}

}  // namespace

int main(int argc, char** argv) try {
    bolt::driver client(argc > 1 ? argv[1] : "bolt://localhost:7687");

    // Implicit: not retried; the way to run index creation, which Memgraph refuses inside
    // multi-command transactions.
    auto session = client.session({.database = "memgraph"});
    session.run("CREATE INDEX ON :User(id);").consume();

    // Managed: the whole function is retried on transient errors (write conflicts).
    auto summary = session.execute_write([](bolt::managed_transaction& tx) {
        return tx.run("CREATE (:User {id: $sender_id, name: $sender_name, account_balance: $sender_balance}) "
                      "CREATE (:User {id: $receiver_id, name: $receiver_name, account_balance: $receiver_balance})",
                      {{"sender_id", 1}, {"sender_name", "John"}, {"sender_balance", 1000},
                       {"receiver_id", 2}, {"receiver_name", "Jenna"}, {"receiver_balance", 2000}})
            .consume();
    });
    std::cout << "Created " << summary.counters.nodes_created << " nodes.\n";

    // Explicit: full control over commit and rollback.
    transfer_tokens(client, 1, 2, 10);

    auto balances = client.execute_query("MATCH (u:User) WHERE u.id IN [1, 2] RETURN u.name AS name, "
                                         "u.account_balance AS balance ORDER BY name");
    for (const auto& record : balances.records)
        std::cout << record["name"].as<std::string>() << ": " << record["balance"].as<std::int64_t>() << "\n";
} catch (const std::exception& e) {  // bolt::error and its subclasses say what failed
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
