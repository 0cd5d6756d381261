// The testkit backend (tests/testkit-backend): its request/response framing, the mapping between
// testkit's Cypher value encoding and bolt::value, the response payloads, and whole request
// sequences (including a retried managed transaction) against an in-process Bolt peer.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <string>

#include "bolt/errors.hpp"
#include "fake_bolt_peer.hpp"
#include "testkit_backend.hpp"
#include "testkit_framing.hpp"
#include "testkit_responses.hpp"
#include "testkit_values.hpp"

namespace {

using json = nlohmann::json;
using testkit::conversion_error;
using testkit::from_testkit;
using testkit::to_testkit;

// ---- framing -----------------------------------------------------------------------------------

TEST(TestkitFraming, RequestSplitIntoSingleBytesIsReassembled) {
    const std::string wire = "#request begin\n{\"name\": \"GetFeatures\", \"data\": {}}\n#request end\n";
    testkit::request_framer framer;
    std::string body;
    for (char c : wire) {
        EXPECT_FALSE(framer.next(body));
        framer.feed(std::string_view(&c, 1));
    }
    ASSERT_TRUE(framer.next(body));
    EXPECT_EQ(json::parse(body)["name"], "GetFeatures");
    EXPECT_FALSE(framer.next(body));
}

TEST(TestkitFraming, SeveralRequestsInOneReadComeOutInOrder) {
    // CRLF line ends, a JSON body spread over lines, and log noise outside the blocks.
    const std::string wire =
        "some log line\r\n#request begin\r\n{\"name\": \"A\",\r\n \"data\": {}}\r\n#request end\r\n"
        "#request begin\n{\"name\": \"B\", \"data\": {\"x\": 1}}\n#request end\n#request begin\n{\"na";
    testkit::request_framer framer;
    framer.feed(wire);
    std::string body;
    ASSERT_TRUE(framer.next(body));
    EXPECT_EQ(json::parse(body)["name"], "A");
    ASSERT_TRUE(framer.next(body));
    EXPECT_EQ(json::parse(body)["data"]["x"], 1);
    EXPECT_FALSE(framer.next(body));
    EXPECT_TRUE(framer.in_request());
    framer.feed("me\": \"C\"}\n#request end\n");
    ASSERT_TRUE(framer.next(body));
    EXPECT_EQ(json::parse(body)["name"], "C");
}

TEST(TestkitFraming, ResponseIsOneJsonLineBetweenMarkers) {
    EXPECT_EQ(testkit::frame_response("Driver", json{{"id", 1}}),
              "#response begin\n{\"data\":{\"id\":1},\"name\":\"Driver\"}\n#response end\n");
    EXPECT_EQ(testkit::frame_response("RunTest"), "#response begin\n{\"data\":{},\"name\":\"RunTest\"}\n#response end\n");
}

TEST(TestkitFraming, InvalidUtf8IsReplacedInsteadOfKillingTheResponse) {
    std::string framed;
    ASSERT_NO_THROW(framed = testkit::frame_response("BackendError", json{{"msg", std::string("bad \xff byte")}}));
    EXPECT_NE(framed.find("bad \xEF\xBF\xBD byte"), std::string::npos);
}

// ---- Cypher values -----------------------------------------------------------------------------

json cypher(const char* name, json value) { return json{{"name", name}, {"data", {{"value", std::move(value)}}}}; }
json named(const char* name, json data) { return json{{"name", name}, {"data", std::move(data)}}; }

struct value_case {
    const char* label;
    json testkit;
    bolt::value bolt;
};

// 2022-06-07 is day 19150; 2022-06-07T09:52:05Z is 1654595525.
std::vector<value_case> value_cases() {
    bolt::date_time_zone_id stockholm;
    stockholm.seconds = 1654595525;
    stockholm.tz_id = "Europe/Stockholm";
    return {
        {"null", named("CypherNull", json::object()), bolt::null},
        {"true", cypher("CypherBool", true), true},
        {"int max", cypher("CypherInt", std::numeric_limits<std::int64_t>::max()),
         std::numeric_limits<std::int64_t>::max()},
        {"int min", cypher("CypherInt", std::numeric_limits<std::int64_t>::min()),
         std::numeric_limits<std::int64_t>::min()},
        {"float", cypher("CypherFloat", 1.5), 1.5},
        {"+inf", cypher("CypherFloat", "+Infinity"), std::numeric_limits<double>::infinity()},
        {"-inf", cypher("CypherFloat", "-Infinity"), -std::numeric_limits<double>::infinity()},
        {"string", cypher("CypherString", "gr\xC3\xBC\xC3\x9F \xF0\x9F\x9A\x80"), "gr\xC3\xBC\xC3\x9F \xF0\x9F\x9A\x80"},
        {"bytes", cypher("CypherBytes", "00 ff 7f"), bolt::bytes{0x00, 0xFF, 0x7F}},
        {"empty bytes", cypher("CypherBytes", ""), bolt::bytes{}},
        {"list", cypher("CypherList", json::array({cypher("CypherInt", 1), cypher("CypherString", "a")})),
         bolt::list{1, "a"}},
        {"nested map", cypher("CypherMap", {{"k", cypher("CypherMap", {{"n", named("CypherNull", json::object())}})}}),
         bolt::map{{"k", bolt::map{{"n", bolt::null}}}}},
        {"date", named("CypherDate", {{"year", 2022}, {"month", 6}, {"day", 7}}), bolt::date{19150}},
        {"date before epoch", named("CypherDate", {{"year", 1969}, {"month", 12}, {"day", 31}}), bolt::date{-1}},
        {"date year 1", named("CypherDate", {{"year", 1}, {"month", 1}, {"day", 1}}), bolt::date{-719162}},
        {"time with offset",
         named("CypherTime", {{"hour", 11}, {"minute", 52}, {"second", 5}, {"nanosecond", 123}, {"utc_offset_s", 7200}}),
         bolt::time{((11 * 60 + 52) * 60 + 5) * 1'000'000'000LL + 123, 7200}},
        {"local time", named("CypherTime", {{"hour", 0}, {"minute", 0}, {"second", 1}, {"nanosecond", 0}}),
         bolt::local_time{1'000'000'000}},
        {"datetime with offset",
         named("CypherDateTime", {{"year", 2022}, {"month", 6}, {"day", 7}, {"hour", 11}, {"minute", 52},
                                  {"second", 5}, {"nanosecond", 0}, {"utc_offset_s", 7200}}),
         bolt::date_time{1654595525, 0, 7200}},
        {"local datetime",
         named("CypherDateTime", {{"year", 2022}, {"month", 6}, {"day", 7}, {"hour", 9}, {"minute", 52},
                                  {"second", 5}, {"nanosecond", 7}}),
         bolt::local_date_time{1654595525, 7}},
        {"zoned datetime",
         named("CypherDateTime", {{"year", 2022}, {"month", 6}, {"day", 7}, {"hour", 11}, {"minute", 52},
                                  {"second", 5}, {"nanosecond", 0}, {"utc_offset_s", 7200},
                                  {"timezone_id", "Europe/Stockholm"}}),
         stockholm},
        {"duration", named("CypherDuration", {{"months", 14}, {"days", -3}, {"seconds", 61}, {"nanoseconds", 5}}),
         bolt::duration{14, -3, 61, 5}},
        {"cartesian point", named("CypherPoint", {{"system", "cartesian"}, {"x", 1.0}, {"y", -2.5}, {"z", nullptr}}),
         bolt::point2d{7203, 1.0, -2.5}},
        {"wgs84 3d point", named("CypherPoint", {{"system", "wgs84"}, {"x", 12.5}, {"y", 56.25}, {"z", 100.0}}),
         bolt::point3d{4979, 12.5, 56.25, 100.0}},
    };
}

TEST(TestkitValues, EveryCypherTypeConvertsBothWays) {
    for (const auto& c : value_cases()) {
        SCOPED_TRACE(c.label);
        EXPECT_EQ(from_testkit(c.testkit), c.bolt);
        EXPECT_EQ(to_testkit(c.bolt), c.testkit);
    }
}

TEST(TestkitValues, FloatsStayFloatsAndNanIsSpelledOut) {
    // Python compares CypherFloat(1.0) with what it decodes: an int 1 would not be equal.
    EXPECT_TRUE(to_testkit(1.0)["data"]["value"].is_number_float());
    EXPECT_EQ(to_testkit(std::nan(""))["data"]["value"], "NaN");
    EXPECT_TRUE(std::isnan(from_testkit(cypher("CypherFloat", "NaN")).as<double>()));
    // testkit may send a whole float as an int; it is still a float.
    EXPECT_EQ(from_testkit(cypher("CypherFloat", 3)).type(), bolt::value_type::floating);
}

TEST(TestkitValues, CypherNullWithExplicitNullValueIsAccepted) {
    // What Python's CypherNull serialises to: {"value": null}.
    EXPECT_TRUE(from_testkit(cypher("CypherNull", nullptr)).is_null());
}

TEST(TestkitValues, DurationNanosecondsAreNormalisedLikeTestkit) {
    // CypherDuration divmods seconds/nanoseconds, so -1 ns is -1 s + 999999999 ns.
    const json in = named("CypherDuration", {{"months", 0}, {"days", 0}, {"seconds", 1}, {"nanoseconds", -1}});
    EXPECT_EQ(from_testkit(in), (bolt::duration{0, 0, 0, 999'999'999}));
    const json out = to_testkit(bolt::duration{0, 0, 2, -1});
    EXPECT_EQ(out["data"]["seconds"], 1);
    EXPECT_EQ(out["data"]["nanoseconds"], 999'999'999);
}

TEST(TestkitValues, ZonedDateTimeInLegacyLayoutKeepsWallClockSeconds) {
    const json in = named("CypherDateTime", {{"year", 2022}, {"month", 6}, {"day", 7}, {"hour", 11},
                                             {"minute", 52}, {"second", 5}, {"nanosecond", 0},
                                             {"utc_offset_s", 7200}, {"timezone_id", "Europe/Stockholm"}});
    const bolt::value v = from_testkit(in, testkit::zoned_layout::legacy);
    const auto& z = v.as<bolt::date_time_zone_id>();
    EXPECT_TRUE(z.legacy_local_seconds);
    EXPECT_EQ(z.seconds, 1654595525 + 7200);
    // Received in the legacy layout, the offset comes from the tz database for that wall clock.
    EXPECT_EQ(to_testkit(v), in);
}

TEST(TestkitValues, ZoneOffsetFollowsDaylightSavingTime) {
    bolt::date_time_zone_id winter;
    winter.seconds = 1641552725;  // 2022-01-07T10:52:05Z
    winter.tz_id = "Europe/Stockholm";
    const json out = to_testkit(winter);
    EXPECT_EQ(out["data"]["utc_offset_s"], 3600);
    EXPECT_EQ(out["data"]["hour"], 11);
    EXPECT_EQ(testkit::zone_offset_at_utc("+05:30", 0), 19800);
    EXPECT_EQ(testkit::zone_offset_at_local("Europe/Stockholm", 1654595525 + 7200), 7200);
}

TEST(TestkitValues, UnknownZoneIsAConversionErrorNamingTheZone) {
    bolt::date_time_zone_id neo4j_land;
    neo4j_land.tz_id = "Europe/Neo4j";
    try {
        to_testkit(neo4j_land);
        FAIL() << "no error";
    } catch (const conversion_error& e) {
        EXPECT_NE(std::string(e.what()).find("Europe/Neo4j"), std::string::npos);
    }
    EXPECT_FALSE(testkit::zone_offset_at_utc("../../etc/passwd", 0).has_value());
}

TEST(TestkitValues, MalformedValuesAreRejected) {
    EXPECT_THROW(from_testkit(cypher("CypherBanana", 1)), conversion_error);
    EXPECT_THROW(from_testkit(json{{"value", 1}}), conversion_error);
    EXPECT_THROW(from_testkit(named("CypherDate", {{"year", 2021}, {"month", 2}, {"day", 29}})), conversion_error);
    EXPECT_THROW(from_testkit(cypher("CypherBytes", "f")), conversion_error);
    EXPECT_THROW(from_testkit(cypher("CypherBytes", "zz")), conversion_error);
    EXPECT_THROW(from_testkit(cypher("CypherInt", "1")), conversion_error);
    EXPECT_THROW(from_testkit(named("CypherPoint", {{"system", "mars"}, {"x", 1.0}, {"y", 1.0}})), conversion_error);
    EXPECT_THROW(from_testkit(named("CypherDateTime", {{"year", 2022}, {"month", 6}, {"day", 7}, {"hour", 1},
                                                       {"minute", 0}, {"second", 0}, {"nanosecond", 0},
                                                       {"timezone_id", "UTC"}})),
                 conversion_error);
    EXPECT_THROW(to_testkit(bolt::point2d{1234, 0, 0}), conversion_error);
}

TEST(TestkitValues, ParametersMapFromNullIsEmpty) {
    EXPECT_TRUE(testkit::from_testkit_map(nullptr).empty());
    const bolt::map m = testkit::from_testkit_map(json{{"a", cypher("CypherInt", 1)}});
    EXPECT_EQ(m.at("a"), bolt::value(1));
}

bolt::node make_node(std::int64_t id, const char* label) {
    bolt::node n;
    n.id = id;
    n.labels = {label};
    n.properties = bolt::map{{"name", label}};
    n.element_id = "4:db:" + std::to_string(id);
    return n;
}

TEST(TestkitValues, GraphValuesUseTestkitFieldNames) {
    const json node = to_testkit(make_node(1, "A"));
    EXPECT_EQ(node["name"], "Node");
    EXPECT_EQ(node["data"]["id"], cypher("CypherInt", 1));
    EXPECT_EQ(node["data"]["labels"], cypher("CypherList", json::array({cypher("CypherString", "A")})));
    EXPECT_EQ(node["data"]["props"], cypher("CypherMap", {{"name", cypher("CypherString", "A")}}));
    EXPECT_EQ(node["data"]["elementId"], cypher("CypherString", "4:db:1"));

    bolt::relationship r;
    r.id = 7;
    r.start_node_id = 1;
    r.end_node_id = 2;
    r.type = "KNOWS";
    r.element_id = "5:db:7";
    r.start_node_element_id = "4:db:1";
    r.end_node_element_id = "4:db:2";
    const json rel = to_testkit(r);
    EXPECT_EQ(rel["name"], "Relationship");
    EXPECT_EQ(rel["data"]["startNodeId"], cypher("CypherInt", 1));
    EXPECT_EQ(rel["data"]["endNodeElementId"], cypher("CypherString", "4:db:2"));
    EXPECT_EQ(rel["data"]["type"], cypher("CypherString", "KNOWS"));
}

TEST(TestkitValues, PathWalksIndicesAndResolvesRelationshipDirection) {
    // (A)<-[:R]-(B)-[:S]->(A): the first hop goes against R's direction.
    bolt::path p;
    p.nodes = {make_node(1, "A"), make_node(2, "B")};
    bolt::unbound_relationship r{10, "R", {}, "5:db:10"};
    bolt::unbound_relationship s{11, "S", {}, "5:db:11"};
    p.relationships = {r, s};
    p.indices = {-1, 1, 2, 0};
    const json out = to_testkit(p);
    ASSERT_EQ(out["name"], "Path");
    const json& nodes = out["data"]["nodes"]["data"]["value"];
    const json& rels = out["data"]["relationships"]["data"]["value"];
    ASSERT_EQ(nodes.size(), 3u);
    EXPECT_EQ(nodes[0]["data"]["id"], cypher("CypherInt", 1));
    EXPECT_EQ(nodes[1]["data"]["id"], cypher("CypherInt", 2));
    EXPECT_EQ(nodes[2]["data"]["id"], cypher("CypherInt", 1));
    ASSERT_EQ(rels.size(), 2u);
    EXPECT_EQ(rels[0]["data"]["startNodeId"], cypher("CypherInt", 2));
    EXPECT_EQ(rels[0]["data"]["endNodeId"], cypher("CypherInt", 1));
    EXPECT_EQ(rels[1]["data"]["startNodeId"], cypher("CypherInt", 2));
    EXPECT_EQ(rels[1]["data"]["endNodeElementId"], cypher("CypherString", "4:db:1"));

    p.indices = {3, 1};
    EXPECT_THROW(to_testkit(p), conversion_error);
}

// ---- response payloads -------------------------------------------------------------------------

TEST(TestkitResponses, SummaryTellsAbsentNotificationsFromEmptyOnes) {
    bolt::result_summary s;
    s.query = "RETURN 1 AS n";
    s.parameters = bolt::map{{"foo", 123}};
    s.query_type = bolt::query_type::read_write;
    s.server = {"127.0.0.1:9000", "Neo4j/4.4.0", "4.4", "bolt-1"};
    s.database = "apple";
    s.result_available_after = 2001;
    json out = testkit::summary_data(s);
    EXPECT_TRUE(out["notifications"].is_null());
    EXPECT_EQ(out["queryType"], "rw");
    EXPECT_EQ(out["database"], "apple");
    EXPECT_EQ(out["resultAvailableAfter"], 2001);
    EXPECT_TRUE(out["resultConsumedAfter"].is_null());
    EXPECT_EQ(out["query"]["text"], "RETURN 1 AS n");
    EXPECT_EQ(out["query"]["parameters"]["foo"], cypher("CypherInt", 123));
    EXPECT_EQ(out["serverInfo"], (json{{"address", "127.0.0.1:9000"}, {"agent", "Neo4j/4.4.0"}, {"protocolVersion", "4.4"}}));
    EXPECT_EQ(out["counters"]["nodesCreated"], 0);
    EXPECT_EQ(out["counters"]["containsUpdates"], false);

    s.metadata.set("notifications", bolt::list{});
    EXPECT_EQ(testkit::summary_data(s)["notifications"], json::array());

    bolt::notification n;
    n.severity = "WARNING";
    n.code = "Neo.ClientNotification.Statement.CartesianProductWarning";
    n.title = "t";
    n.description = "d";
    n.position = bolt::notification_position{8, 1, 9};
    s.notifications = {n};
    EXPECT_EQ(testkit::summary_data(s)["notifications"],
              json::array({{{"severity", "WARNING"}, {"code", n.code}, {"title", "t"}, {"description", "d"},
                            {"position", {{"offset", 8}, {"line", 1}, {"column", 9}}}}}));
}

TEST(TestkitResponses, ServerErrorsCarryCodeServerMessageAndRetryability) {
    const bolt::transient_error e("Neo.TransientError.Transaction.DeadlockDetected", "deadlock");
    const json out = testkit::driver_error_data(e, 42);
    EXPECT_EQ(out["id"], 42);
    EXPECT_EQ(out["errorType"], "bolt::transient_error");
    EXPECT_EQ(out["code"], "Neo.TransientError.Transaction.DeadlockDetected");
    EXPECT_EQ(out["msg"], "deadlock");
    EXPECT_EQ(out["retryable"], true);

    const bolt::usage_error u("result already consumed");
    const json usage = testkit::driver_error_data(u, 43);
    EXPECT_EQ(usage["errorType"], "bolt::usage_error");
    EXPECT_FALSE(usage.contains("code"));
    EXPECT_EQ(usage["retryable"], false);
}

// ---- the backend against an in-process Bolt peer -------------------------------------------------

/// Plays testkit: each step builds the next request from the backend's last response.
class scripted_testkit : public testkit::channel {
public:
    using step = std::function<json(const json& last_response)>;

    void then(step s) { steps_.push_back(std::move(s)); }
    void then(const char* name, json data = json::object()) {
        steps_.push_back([r = json{{"name", name}, {"data", std::move(data)}}](const json&) { return r; });
    }

    bool read_request(std::string& body) override {
        if (steps_.empty()) return false;
        step s = std::move(steps_.front());
        steps_.pop_front();
        body = s(responses.empty() ? json() : responses.back()).dump();
        return true;
    }
    void write(std::string_view framed) override {
        constexpr std::string_view begin = "#response begin\n";
        constexpr std::string_view end = "\n#response end\n";
        ASSERT_TRUE(framed.starts_with(begin) && framed.ends_with(end)) << framed;
        responses.push_back(json::parse(framed.substr(begin.size(), framed.size() - begin.size() - end.size())));
    }

    std::vector<json> responses;

private:
    std::deque<step> steps_;
};

struct backend_fixture {
    std::shared_ptr<bolt::testing::peer_log> log = std::make_shared<bolt::testing::peer_log>();
    bolt::testing::scripted_server server;
    scripted_testkit tk;
    bolt::protocol_version version{5, 2};  // what the peer agrees to in the handshake

    // Runs every scripted request through a backend whose drivers talk to the in-process peer.
    std::vector<json>& run() {
        testkit::backend b(tk, [this](bolt::driver_config& config) {
            config.transport_factory = [this](const bolt::address&, std::unique_ptr<bolt::transport>& out) {
                out = std::make_unique<bolt::testing::fake_bolt_peer>(
                    version,
                    [this](const bolt::request& r, bolt::response_writer& w) { server(r, w); }, log);
                return std::error_code{};
            };
            // Fast retries: the test asserts what is retried, not how long it waits.
            config.retry = bolt::retry_policy::defaults(bolt::retry_kind::memgraph);
            config.retry.initial_wait_time = 0.0001;
            config.retry.jitter = 0;
        });
        while (b.process_request()) {
        }
        return tk.responses;
    }
};

const json basic_auth = {{"name", "AuthorizationToken"},
                         {"data", {{"scheme", "basic"}, {"principal", "neo4j"}, {"credentials", "pass"}}}};

TEST(TestkitBackend, AnswersFeaturesAndSkipsIntegrationTests) {
    backend_fixture f;
    f.tk.then("GetFeatures");
    f.tk.then("StartTest", {{"testName", "neo4j.datatypes.TestDataTypes.test_should_echo_back"}});
    f.tk.then("StartTest", {{"testName", "stub.basic_query.test_basic_query.TestBasicQuery.test_5x0_populates_node_element_id_with_string"}});
    f.tk.then("NoSuchRequest");
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0]["name"], "FeatureList");
    const auto& features = r[0]["data"]["features"];
    EXPECT_NE(std::find(features.begin(), features.end(), "Feature:API:Driver.ExecuteQuery"), features.end());
    EXPECT_EQ(r[1]["name"], "SkipTest");
    EXPECT_EQ(r[2]["name"], "RunTest");
    EXPECT_EQ(r[3]["name"], "BackendError");
}

TEST(TestkitBackend, MalformedRequestIsABackendErrorAndTheBackendCarriesOn) {
    backend_fixture f;
    f.tk.then([](const json&) { return json("not an object"); });
    f.tk.then("NewSession", {{"driverId", 99}, {"accessMode", "w"}});
    f.tk.then("GetFeatures");
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0]["name"], "BackendError");
    EXPECT_EQ(r[1]["name"], "BackendError");
    EXPECT_EQ(r[2]["name"], "FeatureList");
}

TEST(TestkitBackend, SessionRunStreamsRecordsThenSummary) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}, {"userAgent", "tk/1"}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "r"}, {"fetchSize", 1000}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "RETURN $x AS n"}, {"params", {{"x", cypher("CypherInt", 1)}}}});
    f.tk.then("ResultNext", {{"resultId", 3}});
    f.tk.then("ResultNext", {{"resultId", 3}});
    f.tk.then("ResultConsume", {{"resultId", 3}});
    f.tk.then("SessionClose", {{"sessionId", 2}});
    f.tk.then("DriverClose", {{"driverId", 1}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 8u);
    EXPECT_EQ(r[0], (json{{"name", "Driver"}, {"data", {{"id", 1}}}}));
    EXPECT_EQ(r[1], (json{{"name", "Session"}, {"data", {{"id", 2}}}}));
    EXPECT_EQ(r[2], (json{{"name", "Result"}, {"data", {{"id", 3}, {"keys", {"n"}}}}}));
    EXPECT_EQ(r[3], (json{{"name", "Record"}, {"data", {{"values", {cypher("CypherInt", 1)}}}}}));
    EXPECT_EQ(r[4]["name"], "NullRecord");
    EXPECT_EQ(r[5]["name"], "Summary");
    EXPECT_EQ(r[5]["data"]["query"]["text"], "RETURN $x AS n");
    EXPECT_EQ(r[5]["data"]["queryType"], "r");
    EXPECT_EQ(r[6]["name"], "Session");
    EXPECT_EQ(r[7]["name"], "Driver");
    const auto& hello = std::get<bolt::hello_request>(f.log->requests.at(0));
    EXPECT_EQ(hello.extra.at("user_agent"), bolt::value("tk/1"));
}

TEST(TestkitBackend, ServerFailureBecomesDriverErrorWithCode) {
    backend_fixture f;
    f.server.on_run = [](const bolt::run_request&, bolt::response_writer& w) {
        w.failure(bolt::map{{"code", "Neo.ClientError.Statement.SyntaxError"}, {"message", "bad syntax"}});
    };
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "w"}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "RETURN"}, {"params", nullptr}});
    f.tk.then([](const json& last) {
        // If RUN reported the error lazily, the first ResultNext must.
        if (last["name"] == "Result") return json{{"name", "ResultNext"}, {"data", {{"resultId", last["data"]["id"]}}}};
        return json{{"name", "GetFeatures"}, {"data", json::object()}};
    });
    const auto& r = f.run();
    const auto err = std::find_if(r.begin(), r.end(), [](const json& j) { return j["name"] == "DriverError"; });
    ASSERT_NE(err, r.end());
    EXPECT_EQ((*err)["data"]["code"], "Neo.ClientError.Statement.SyntaxError");
    EXPECT_EQ((*err)["data"]["msg"], "bad syntax");
    EXPECT_EQ((*err)["data"]["retryable"], false);
    EXPECT_TRUE((*err)["data"]["id"].is_number_integer());
}

const bolt::map conflict_failure{
    {"code", "Memgraph.TransientError.MemgraphError.MemgraphError"},
    {"message", "Cannot resolve conflicting transactions. Retry this transaction when the conflicting "
                "transaction is finished."}};

TEST(TestkitBackend, ManagedTransactionIsRetriedThroughTestkitRoundTrips) {
    backend_fixture f;
    int runs = 0;
    f.server.on_run = [&](const bolt::run_request&, bolt::response_writer& w) {
        if (++runs == 1) return w.failure(conflict_failure);
        w.success(bolt::map{{"fields", bolt::list{"n"}}});
    };
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "w"}});
    f.tk.then("SessionWriteTransaction", {{"sessionId", 2}, {"txMeta", {{"app", cypher("CypherString", "tk")}}}});
    // Attempt 1: the RUN fails with a conflict; testkit hands the error back.
    f.tk.then([](const json& last) {
        return json{{"name", "TransactionRun"},
                    {"data", {{"txId", last["data"]["id"]}, {"cypher", "CREATE ()"}, {"params", nullptr}}}};
    });
    f.tk.then([](const json& last) {
        const json id = last["name"] == "DriverError" ? last["data"]["id"] : json("");
        return json{{"name", "RetryableNegative"}, {"data", {{"sessionId", 2}, {"errorId", id}}}};
    });
    // Attempt 2: the backend sent a new RetryableTry; this time the RUN works.
    f.tk.then([](const json& last) {
        return json{{"name", "TransactionRun"},
                    {"data", {{"txId", last["data"]["id"]}, {"cypher", "CREATE ()"}, {"params", nullptr}}}};
    });
    f.tk.then([](const json& last) {
        return json{{"name", "ResultConsume"}, {"data", {{"resultId", last["data"]["id"]}}}};
    });
    f.tk.then("RetryablePositive", {{"sessionId", 2}});
    const auto& r = f.run();
    std::vector<std::string> names;
    for (const auto& j : r) names.push_back(j["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"Driver", "Session", "RetryableTry", "DriverError", "RetryableTry",
                                               "Result", "Summary", "RetryableDone"}));
    EXPECT_EQ(r[3]["data"]["retryable"], true);
    EXPECT_NE(r[2]["data"]["id"], r[4]["data"]["id"]);
    EXPECT_EQ(f.log->count(bolt::message_tag::commit), 1u);
    const auto& begin = std::get<bolt::begin_request>(f.log->requests.at(
        std::find(f.log->tags.begin(), f.log->tags.end(), bolt::message_tag::begin) - f.log->tags.begin()));
    EXPECT_EQ(begin.extra.at("tx_metadata"), (bolt::value(bolt::map{{"app", "tk"}})));
}

TEST(TestkitBackend, TestkitRefusingTheTransactionIsAFrontendErrorAndRollsBack) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "r"}});
    f.tk.then("SessionReadTransaction", {{"sessionId", 2}});
    f.tk.then("RetryableNegative", {{"sessionId", 2}, {"errorId", ""}});
    f.tk.then("GetFeatures");
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[2]["name"], "RetryableTry");
    EXPECT_EQ(r[3], (json{{"name", "FrontendError"}, {"data", {{"msg", "Client said no"}}}}));
    EXPECT_EQ(r[4]["name"], "FeatureList");
    EXPECT_EQ(f.log->count(bolt::message_tag::commit), 0u);
}

TEST(TestkitBackend, CommitOnAManagedTransactionIsADriverError) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "w"}});
    f.tk.then("SessionWriteTransaction", {{"sessionId", 2}});
    f.tk.then([](const json& last) { return json{{"name", "TransactionCommit"}, {"data", {{"txId", last["data"]["id"]}}}}; });
    f.tk.then("RetryablePositive", {{"sessionId", 2}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[3]["name"], "DriverError");
    EXPECT_EQ(r[4]["name"], "RetryableDone");
}

TEST(TestkitBackend, ExecuteQueryReturnsAnEagerResult) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("ExecuteQuery", {{"driverId", 1},
                               {"cypher", "RETURN 1 AS n"},
                               {"params", nullptr},
                               {"config", {{"routing", "r"}, {"txMeta", {{"k", cypher("CypherInt", 7)}}}, {"timeout", 1500}}}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 2u);
    ASSERT_EQ(r[1]["name"], "EagerResult") << r[1];
    EXPECT_EQ(r[1]["data"]["keys"], json({"n"}));
    EXPECT_EQ(r[1]["data"]["records"], json::array({{{"values", {cypher("CypherInt", 1)}}}}));
    EXPECT_EQ(r[1]["data"]["summary"]["query"]["text"], "RETURN 1 AS n");
    const auto begin = std::find(f.log->tags.begin(), f.log->tags.end(), bolt::message_tag::begin);
    ASSERT_NE(begin, f.log->tags.end());
    const auto& extra = std::get<bolt::begin_request>(f.log->requests.at(begin - f.log->tags.begin())).extra;
    EXPECT_EQ(extra.at("mode"), bolt::value("r"));
    EXPECT_EQ(extra.at("tx_timeout"), bolt::value(1500));
    EXPECT_EQ(extra.at("tx_metadata"), (bolt::value(bolt::map{{"k", 7}})));
}

const json stockholm_summer = named("CypherDateTime",
                                    {{"year", 2022}, {"month", 6}, {"day", 7}, {"hour", 11}, {"minute", 52},
                                     {"second", 5}, {"nanosecond", 0}, {"utc_offset_s", 7200},
                                     {"timezone_id", "Europe/Stockholm"}});

// The zoned DateTime a RUN carried, as the peer decoded it.
bolt::date_time_zone_id sent_zoned(const bolt::testing::peer_log& log) {
    for (const auto& r : log.requests)
        if (const auto* run = std::get_if<bolt::run_request>(&r)) return run->parameters.at("dt").as<bolt::date_time_zone_id>();
    ADD_FAILURE() << "no RUN was sent";
    return {};
}

TEST(TestkitBackend, ZonedDateTimeParameterUsesTheUtcLayoutOnBolt5) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "r"}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "RETURN $dt AS dt"}, {"params", {{"dt", stockholm_summer}}}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[2]["name"], "Result");
    const auto z = sent_zoned(*f.log);
    EXPECT_FALSE(z.legacy_local_seconds);
    EXPECT_EQ(z.seconds, 1654595525);  // 2022-06-07T09:52:05Z
    EXPECT_EQ(f.log->count(bolt::message_tag::run), 1u);
}

TEST(TestkitBackend, ZonedDateTimeParameterFallsBackToTheLegacyLayoutOnBolt44WithoutThePatch) {
    // The peer ignores patch_bolt, so Bolt 4.4 keeps local wall-clock seconds for zone ids. The
    // client refuses the UTC value before writing anything; the backend rebuilds it and the
    // server sees exactly one RUN.
    backend_fixture f;
    f.version = bolt::protocol_version{4, 4};
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "r"}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "RETURN $dt AS dt"}, {"params", {{"dt", stockholm_summer}}}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "w"}});
    f.tk.then("SessionBeginTransaction", {{"sessionId", 4}});
    f.tk.then("TransactionRun", {{"txId", 5}, {"cypher", "RETURN $dt AS dt"}, {"params", {{"dt", stockholm_summer}}}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 6u);
    EXPECT_EQ(r[2]["name"], "Result") << r[2];
    EXPECT_EQ(r[5]["name"], "Result") << r[5];
    const auto z = sent_zoned(*f.log);
    EXPECT_TRUE(z.legacy_local_seconds);
    EXPECT_EQ(z.seconds, 1654595525 + 7200);  // 11:52:05 on the wall clock
    EXPECT_EQ(f.log->count(bolt::message_tag::run), 2u);
}

TEST(TestkitBackend, SessionCloseDiscardsWhatWasNotRead) {
    // Official drivers end an open result on session close with DISCARD; pulling the rest
    // instead would never finish on an endless stream.
    backend_fixture f;
    f.server.on_pull = [](const bolt::pull_request&, bolt::response_writer& w) {
        w.record(bolt::list{1});
        w.success(bolt::map{{"has_more", true}});
    };
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "r"}, {"fetchSize", 1}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "UNWIND range(1, 1000000) AS n RETURN n"}});
    f.tk.then("ResultNext", {{"resultId", 3}});
    f.tk.then("SessionClose", {{"sessionId", 2}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 5u);
    EXPECT_EQ(r[3]["name"], "Record");
    EXPECT_EQ(r[4], (json{{"name", "Session"}, {"data", {{"id", 2}}}}));
    EXPECT_EQ(f.log->count(bolt::message_tag::discard), 1u);
    EXPECT_LE(f.log->count(bolt::message_tag::pull), 2u);
}

TEST(TestkitBackend, FetchSizeMinusOnePullsEverythingAtOnce) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "r"}, {"fetchSize", -1}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "RETURN 1 AS n"}});
    f.tk.then("ResultConsume", {{"resultId", 3}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[3]["name"], "Summary");
    for (const auto& req : f.log->requests) {
        if (const auto* pull = std::get_if<bolt::pull_request>(&req)) {
            EXPECT_EQ(pull->n, -1);
        }
    }
}

TEST(TestkitBackend, NegativeTransactionTimeoutIsADriverErrorBeforeAnythingIsSent) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "w"}});
    f.tk.then("SessionBeginTransaction", {{"sessionId", 2}, {"timeout", -1}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[2]["name"], "DriverError");
    EXPECT_EQ(f.log->count(bolt::message_tag::begin), 0u);
}

TEST(TestkitBackend, TheResolverAsksTestkitAndUsesItsAnswer) {
    backend_fixture f;
    f.version = {4, 4};
    f.server.on_route = [](const bolt::route_request&, bolt::response_writer& w) {
        bolt::list servers{bolt::map{{"addresses", bolt::list{"fake:7687"}}, {"role", "WRITE"}},
                           bolt::map{{"addresses", bolt::list{"fake:7687"}}, {"role", "READ"}},
                           bolt::map{{"addresses", bolt::list{"fake:7687"}}, {"role", "ROUTE"}}};
        w.success(bolt::map{{"rt", bolt::map{{"ttl", 300}, {"servers", servers}}}});
    };
    f.tk.then("NewDriver", {{"uri", "neo4j://cluster:7687"}, {"authorizationToken", basic_auth},
                            {"resolverRegistered", true}});
    f.tk.then("NewSession", {{"driverId", 1}, {"accessMode", "w"}, {"database", "neo4j"}});
    f.tk.then("SessionRun", {{"sessionId", 2}, {"cypher", "RETURN 1"}});
    // The backend's next id (3) names the resolution it asks testkit for.
    f.tk.then("ResolverResolutionCompleted", {{"requestId", 3}, {"addresses", {"fake:7687"}}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[2]["name"], "ResolverResolutionRequired");
    EXPECT_EQ(r[2]["data"]["address"], "cluster:7687");
    EXPECT_EQ(r[3]["name"], "Result");
    EXPECT_EQ(f.log->count(bolt::message_tag::route), 1u);
}

TEST(TestkitBackend, UnsupportedDriverOptionsAreBackendErrors) {
    backend_fixture f;
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth}, {"domainNameResolverRegistered", true}});
    f.tk.then("NewDriver", {{"uri", "bolt://fake:7687"}, {"authorizationToken", basic_auth},
                            {"notificationsMinSeverity", "WARNING"}});
    f.tk.then("NewDriver", {{"uri", "not a uri"}, {"authorizationToken", basic_auth}});
    const auto& r = f.run();
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0]["name"], "BackendError");
    EXPECT_EQ(r[1]["name"], "BackendError");
    EXPECT_EQ(r[2]["name"], "DriverError");
}

}  // namespace
