// Connecting: no auth, username and password, TLS, and Memgraph SSO (OIDC).
#include <bolt/driver.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) try {
    const std::string uri = argc > 1 ? argv[1] : "bolt://localhost:7687";

    // Without authentication (Memgraph's default).
    bolt::driver open_client(uri, bolt::auth_token::none());

    // With a user created by: CREATE USER memgraphUser IDENTIFIED BY 'memgraphPassword';
    const char* user = std::getenv("MG_USER");
    const char* password = std::getenv("MG_PASSWORD");
    if (user && password) {
        bolt::driver client(uri, bolt::auth_token::basic(user, password));
        client.verify_connectivity();
    }

    // TLS: bolt+s:// verifies the certificate (system CAs, or trusted_ca_file);
    // bolt+ssc:// encrypts but accepts a self-signed certificate (Memgraph Cloud, tests).
    //   bolt::driver tls_client("bolt+ssc://host:7687", bolt::auth_token::basic(user, pw));
    //   bolt::driver_config config; config.trusted_ca_file = "ca.pem";
    //   bolt::driver verified("bolt+s://host:7687", bolt::auth_token::basic(user, pw), config);

    // Single sign-on: the scheme names Memgraph's auth module, credentials carry the tokens.
    if (const char* token = std::getenv("MG_ACCESS_TOKEN")) {
        auto sso = bolt::auth_token::custom(std::nullopt, std::string("access_token=") + token + ";id_token=" +
                                                    std::getenv("MG_ID_TOKEN"),
                                            "", "oidc-custom");
        bolt::driver sso_client(uri, sso);
        sso_client.verify_connectivity();
    }

    auto [records, summary, keys] =
        open_client.execute_query("MATCH (n) RETURN count(n) AS num_of_nodes;");
    for (const auto& record : records)
        std::cout << "nodes: " << record["num_of_nodes"].as<std::int64_t>() << "\n";
    std::cout << "server: " << open_client.get_server_info().agent << "\n";
} catch (const std::exception& e) {  // bolt::error and its subclasses say what failed
    std::cerr << "error: " << e.what() << "\n";
    return 1;
}
