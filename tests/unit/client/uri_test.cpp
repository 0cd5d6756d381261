// URI parsing: every scheme, hosts and ports, routing context, and the messages users see for
// bad URIs (which must never repeat a password).
#include "bolt/uri.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace bolt {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct scheme_case {
    const char* text;
    const char* scheme;
    bool routing, tls, trust_all;
};

class scheme_test : public ::testing::TestWithParam<scheme_case> {};

TEST_P(scheme_test, SetsRoutingAndSecurity) {
    const auto& c = GetParam();
    std::string error;
    auto u = parse_uri(c.text, error);
    ASSERT_TRUE(u) << error;
    EXPECT_EQ(u->scheme, c.scheme);
    EXPECT_EQ(u->host, "db.example.com");
    EXPECT_EQ(u->port, 7687);
    EXPECT_EQ(u->routing, c.routing);
    EXPECT_EQ(u->tls, c.tls);
    EXPECT_EQ(u->trust_all, c.trust_all);
    const auto t = u->tls_settings();
    EXPECT_EQ(t.enabled, c.tls);
    EXPECT_EQ(t.trust_all, c.trust_all);
    EXPECT_EQ(t.server_name, "db.example.com");
}

INSTANTIATE_TEST_SUITE_P(
    all_schemes, scheme_test,
    ::testing::Values(scheme_case{"bolt://db.example.com", "bolt", false, false, false},
                      scheme_case{"bolt+s://db.example.com", "bolt+s", false, true, false},
                      scheme_case{"bolt+ssc://db.example.com", "bolt+ssc", false, true, true},
                      scheme_case{"neo4j://db.example.com", "neo4j", true, false, false},
                      scheme_case{"neo4j+s://db.example.com", "neo4j+s", true, true, false},
                      scheme_case{"neo4j+ssc://db.example.com", "neo4j+ssc", true, true, true},
                      scheme_case{"BOLT://DB.Example.COM", "bolt", false, false, false}));

struct host_case {
    const char* text;
    const char* host;
    std::uint16_t port;
    const char* canonical;
};

class host_test : public ::testing::TestWithParam<host_case> {};

TEST_P(host_test, ParsesHostAndPort) {
    const auto& c = GetParam();
    std::string error;
    auto u = parse_uri(c.text, error);
    ASSERT_TRUE(u) << error;
    EXPECT_EQ(u->host, c.host);
    EXPECT_EQ(u->port, c.port);
    EXPECT_EQ(u->to_string(), c.canonical);
    EXPECT_EQ(u->server(), (address{c.host, c.port}));
}

INSTANTIATE_TEST_SUITE_P(
    hosts, host_test,
    ::testing::Values(
        host_case{"bolt://localhost", "localhost", 7687, "bolt://localhost:7687"},
        host_case{"bolt://localhost:7688", "localhost", 7688, "bolt://localhost:7688"},
        host_case{"bolt://127.0.0.1:1", "127.0.0.1", 1, "bolt://127.0.0.1:1"},
        host_case{"bolt://[::1]", "::1", 7687, "bolt://[::1]:7687"},
        host_case{"bolt://[::1]:9000", "::1", 9000, "bolt://[::1]:9000"},
        host_case{"bolt://[FE80::1%25eth0]:7687", "fe80::1%eth0", 7687,
                  "bolt://[fe80::1%eth0]:7687"},
        host_case{"bolt://my_host-1.local:65535/", "my_host-1.local", 65535,
                  "bolt://my_host-1.local:65535"},
        host_case{"  bolt://localhost  ", "localhost", 7687, "bolt://localhost:7687"}));

TEST(uri, RoutingContextComesFromTheQuery) {
    auto u = parse_uri("neo4j://cluster:7687?region=eu%2Dwest&policy=fast+lane&&zone=a");
    EXPECT_EQ(u.routing_context,
              (std::map<std::string, std::string>{
                  {"region", "eu-west"}, {"policy", "fast lane"}, {"zone", "a"}}));
    EXPECT_EQ(u.to_string(), "neo4j://cluster:7687?policy=fast%20lane&region=eu-west&zone=a");
    EXPECT_TRUE(parse_uri("neo4j://cluster?").routing_context.empty());
}

struct bad_case {
    const char* text;
    const char* message_part;
};

class bad_uri_test : public ::testing::TestWithParam<bad_case> {};

TEST_P(bad_uri_test, IsRejectedWithAClearMessage) {
    const auto& c = GetParam();
    std::string error;
    EXPECT_FALSE(parse_uri(c.text, error));
    EXPECT_THAT(error, HasSubstr(c.message_part));
    EXPECT_THROW(parse_uri(c.text), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(
    bad_uris, bad_uri_test,
    ::testing::Values(
        bad_case{"http://x",
                 "unsupported scheme 'http' in 'http://x'; expected bolt, bolt+s, bolt+ssc, "
                 "neo4j, neo4j+s or neo4j+ssc"},
        bad_case{"bolt+routing://x", "unsupported scheme 'bolt+routing'"},
        bad_case{"localhost:7687", "'localhost:7687' is not a URI; expected scheme://host[:port]"},
        bad_case{"", "empty URI"}, bad_case{"bolt://", "missing host in 'bolt://'"},
        bad_case{"bolt://:7687", "missing host"}, bad_case{"bolt://host:", "missing port number"},
        bad_case{"bolt://host:abc", "invalid port 'abc': expected a number from 1 to 65535"},
        bad_case{"bolt://host:0", "invalid port '0'"},
        bad_case{"bolt://host:65536", "invalid port '65536'"},
        bad_case{"bolt://host:123456", "invalid port"},
        bad_case{"bolt://::1:7687", "an IPv6 address must be written in brackets"},
        bad_case{"bolt://[::1", "missing ']'"},
        bad_case{"bolt://[nonsense]:7687", "invalid IPv6 address '[nonsense]'"},
        bad_case{"bolt://[::1]x", "unexpected text after the IPv6 address"},
        bad_case{"bolt://ho st", "invalid host name 'ho st'"},
        bad_case{"bolt://host/neo4j", "unexpected path '/neo4j'"},
        bad_case{"bolt://host#frag", "unexpected fragment"},
        bad_case{"bolt://host?region=eu",
                 "a query string (routing context) is only allowed with the neo4j schemes"},
        bad_case{"bolt+s://host:7687?x=1", "uses 'bolt+s'"},
        bad_case{"neo4j://host?region", "routing context parameter 'region' has no value"},
        bad_case{"neo4j://host?region=", "routing context parameter 'region' has no value"},
        bad_case{"neo4j://host?=x", "routing context parameter without a name"},
        bad_case{"neo4j://host?a=1&a=2", "duplicate routing context parameter 'a'"},
        bad_case{"neo4j://host?address=h:1", "routing context key 'address' is reserved"},
        bad_case{"neo4j://host?a=%zz", "invalid percent-encoding"},
        bad_case{"neo4j://host?a=%4", "invalid percent-encoding"}));

TEST(uri, CredentialsAreRejectedWithoutEchoingThem) {
    for (const char* text :
         {"bolt://alice:s3cret@db:7687", "neo4j+s://alice:s3cret@db", "bolt://s3cret@db",
          "bolt://alice:s3/cret@db", "http://alice:s3cret@db", "alice:s3cret@db",
          "bolt://alice:s3cret@", "alice:s3cret@db://x"}) {
        std::string error;
        EXPECT_FALSE(parse_uri(text, error)) << text;
        EXPECT_THAT(error, Not(HasSubstr("s3"))) << text;
        EXPECT_THAT(error, Not(HasSubstr("alice"))) << text;
        EXPECT_FALSE(error.empty());
    }
    std::string error;
    parse_uri("bolt://alice:s3cret@db:7687", error);
    EXPECT_THAT(error, HasSubstr("'bolt://***@db:7687' contains a user name or password"));
    EXPECT_THAT(error, HasSubstr("auth token"));
}

TEST(uri, AQuestionMarkInAPasswordDoesNotLeakIt) {
    // The '?' makes "ss@db" look like a query, and "alice:pa" like host and port.
    std::string error;
    EXPECT_FALSE(parse_uri("neo4j://alice:pa?ss@db", error));
    EXPECT_THAT(error, Not(HasSubstr("pa")));
    EXPECT_THAT(error, Not(HasSubstr("alice")));
    EXPECT_FALSE(parse_uri("neo4j://alice:1234?ss@db", error));
    EXPECT_THAT(error, Not(HasSubstr("ss")));
    EXPECT_THAT(error, Not(HasSubstr("alice")));
}

TEST(address, ParsesWhatRoutingTablesContain) {
    EXPECT_EQ(address::parse("db1.cluster:7688"), (address{"db1.cluster", 7688}));
    EXPECT_EQ(address::parse("10.0.0.5"), (address{"10.0.0.5", 7687}));
    EXPECT_EQ(address::parse("10.0.0.5", nullptr, 9999), (address{"10.0.0.5", 9999}));
    EXPECT_EQ(address::parse("[2001:db8::1]:7687"), (address{"2001:db8::1", 7687}));
    EXPECT_EQ(address::parse("DB1:1"), (address{"db1", 1}));
    std::string error;
    EXPECT_FALSE(address::parse("db1:notaport", &error));
    EXPECT_THAT(error, HasSubstr("invalid port 'notaport'"));
    EXPECT_FALSE(address::parse("", &error));
    EXPECT_FALSE(address::parse("2001:db8::1", &error));
    EXPECT_THAT(error, HasSubstr("brackets"));
}

TEST(address, PrintsIpv6InBrackets) {
    EXPECT_EQ((address{"localhost", 7687}).to_string(), "localhost:7687");
    EXPECT_EQ((address{"::1", 7687}).to_string(), "[::1]:7687");
    EXPECT_EQ(std::hash<address>{}(address{"a", 1}), std::hash<address>{}(address{"a", 1}));
}

}  // namespace
}  // namespace bolt
