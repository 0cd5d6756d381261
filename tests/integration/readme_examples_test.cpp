// Every example of the README's C++ guide (client/examples, kept identical to the README by the
// readme_examples_match_sources test) runs against the embedded server and prints what the
// guide shows.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "server/bolt/server.hpp"

namespace {

const std::filesystem::path examples_dir = BOLTLOAD_EXAMPLES_DIR;

struct run_result {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

run_result run_example(const std::string& name, const std::string& uri) {
    const std::string command = (examples_dir / ("example_" + name)).string() + " " + uri + " 2>&1";
    run_result r;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
    const int status = ::pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

class ReadmeExamples : public ::testing::Test {
protected:
    void SetUp() override {
        server::bolt::server_options o;
        o.listen = "127.0.0.1:0";
        o.threads = 2;
        srv_ = std::make_unique<server::bolt::server>(o);
        srv_->start();
    }
    std::string uri() const { return srv_->uri(); }
    std::unique_ptr<server::bolt::server> srv_;
};

TEST_F(ReadmeExamples, Quickstart) {
    const auto r = run_example("quickstart", uri());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output,
              "John\n"
              "{'labels_added': 1, 'labels_removed': 0, 'nodes_created': 1, 'nodes_deleted': 0, "
              "'properties_set': 0, 'relationships_created': 0, 'relationships_deleted': 0}\n"
              "John\n"
              "MATCH (u:User {name: $name}) RETURN u.name AS name\n");
}

TEST_F(ReadmeExamples, Connect) {
    const auto r = run_example("connect", uri());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("nodes: 0\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("server: Neo4j/"), std::string::npos) << r.output;
}

TEST_F(ReadmeExamples, GraphValues) {
    const auto r = run_example("graph_values", uri());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(" Technology Memgraph\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("LOVES 99\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("2 nodes, 1 relationship: "), std::string::npos) << r.output;
}

TEST_F(ReadmeExamples, Transactions) {
    const auto r = run_example("transactions", uri());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "Created 2 nodes.\nJenna: 2010\nJohn: 990\n");
}

TEST_F(ReadmeExamples, AnUnreachableServerIsOneClearLine) {
    const auto r = run_example("quickstart", "bolt://127.0.0.1:1");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.output.rfind("error: ", 0), 0u) << r.output;
}

}  // namespace
