// The YAML run configuration: every key read into the structs, the defaults, every error with its
// exact FILE:LINE:COLUMN, --set overrides, the retry mapping onto the client's policies, and the
// example configs in configs/ all validating.
#include "boltload/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace boltload;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::filesystem::path repo_root = BOLTLOAD_SOURCE_DIR;

load_options no_files(std::vector<std::string> overrides = {},
                      std::map<std::string, std::string> env = {}) {
    load_options o;
    o.check_files = false;
    o.overrides = std::move(overrides);
    o.getenv = [env](const std::string& name) -> std::optional<std::string> {
        if (auto it = env.find(name); it != env.end()) return it->second;
        return std::nullopt;
    };
    return o;
}

run_config parse(const std::string& yaml, const load_options& o = no_files()) {
    return parse_config(yaml, "cfg/x.yaml", o);
}

/// The problems a config has; empty when it loads.
std::vector<std::string> problems(const std::string& yaml, const load_options& o = no_files()) {
    try {
        parse(yaml, o);
    } catch (const config_error& e) {
        return e.problems();
    }
    return {};
}

const std::string minimal_phase = R"(phases:
  - source:
      generate:
        count: 10
    query: 'UNWIND $batch AS row CREATE (:N {id: row.id})'
)";

// ---- the example configs -----------------------------------------------------------------------

TEST(config_files, every_config_in_configs_validates) {
    int seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(repo_root / "configs")) {
        if (entry.path().extension() != ".yaml") continue;
        ++seen;
        SCOPED_TRACE(entry.path().string());
        load_options o;
        o.getenv = [](const std::string&) { return std::nullopt; };
        run_config cfg;
        EXPECT_NO_THROW(cfg = load_config(entry.path(), o)) << entry.path();
        EXPECT_FALSE(cfg.phases.empty());
        EXPECT_TRUE(cfg.warnings.empty()) << cfg.warnings.front();
    }
    EXPECT_GE(seen, 3);
}

TEST(config_files, guide_nodes_is_the_guides_node_import) {
    const run_config cfg = load_config(repo_root / "configs/guide-nodes.yaml");
    ASSERT_EQ(cfg.phases.size(), 1u);
    const phase_config& p = cfg.phases[0];
    EXPECT_EQ(p.workers, 10);
    EXPECT_EQ(p.work.batch_size, 1000);
    EXPECT_EQ(p.chunk_rows, 1000);
    EXPECT_EQ(p.work.parameter, "batch");
    EXPECT_THAT(p.work.query, HasSubstr("UNWIND nodes AS node"));
    EXPECT_THAT(p.work.query, HasSubstr("CREATE (n:Node {id: node.id})"));
    const auto& g = std::get<generate_spec>(p.work.source);
    EXPECT_EQ(g.kind, generate_spec::entity::nodes);
    EXPECT_EQ(g.count * g.repeat, 10000);
    EXPECT_EQ(g.count, 1000);
    ASSERT_EQ(cfg.verify.size(), 1u);
    EXPECT_EQ(cfg.verify[0].expect, 10000);
}

TEST(config_files, guide_relationships_has_the_guides_retry_and_phases) {
    const run_config cfg = load_config(repo_root / "configs/guide-relationships.yaml");
    EXPECT_THAT(cfg.before, ElementsAre("CREATE INDEX ON :Node(id)"));
    ASSERT_EQ(cfg.phases.size(), 2u);
    EXPECT_EQ(cfg.phases[0].work.name, "nodes");
    const auto& nodes = std::get<generate_spec>(cfg.phases[0].work.source);
    EXPECT_EQ(nodes.id_min, 0);
    EXPECT_EQ(nodes.count, 1001);  // ids 0..1000
    const phase_config& rel = cfg.phases[1];
    EXPECT_EQ(rel.work.name, "relationships");
    EXPECT_EQ(rel.workers, 10);
    EXPECT_EQ(rel.chunk_rows, 1000);
    EXPECT_EQ(rel.work.transaction, transaction_mode::explicit_);
    EXPECT_THAT(rel.work.query, HasSubstr("MATCH (a:Node {id: node.a}), (b:Node {id: node.b})"));
    EXPECT_THAT(rel.work.query, HasSubstr("CREATE (a)-[:RELATIONSHIP]->(b)"));
    const auto& g = std::get<generate_spec>(rel.work.source);
    EXPECT_EQ(g.kind, generate_spec::entity::relationships);
    EXPECT_EQ(g.keys.kind, distribution_kind::sequential);
    EXPECT_EQ(g.count, 1000);
    EXPECT_EQ(g.repeat, 10);
    const bolt::retry_policy policy = retry_policy_of(rel);
    EXPECT_EQ(policy.kind, bolt::retry_kind::memgraph);
    EXPECT_EQ(policy.max_retries, 100);
    EXPECT_DOUBLE_EQ(policy.initial_wait_time, 0.2);
    EXPECT_DOUBLE_EQ(policy.backoff_factor, 1.1);
    EXPECT_DOUBLE_EQ(policy.jitter, 0.1);
    ASSERT_EQ(cfg.verify.size(), 2u);
    EXPECT_EQ(cfg.verify[1].expect, 10000);
    EXPECT_THAT(cfg.verify[1].query, HasSubstr("RELATIONSHIP"));
}

TEST(config_files, users_csv_resolves_its_data_file_and_types) {
    const run_config cfg = load_config(repo_root / "configs/users-csv.yaml");
    ASSERT_EQ(cfg.phases.size(), 1u);
    const auto& csv = std::get<csv_spec>(cfg.phases[0].work.source);
    EXPECT_TRUE(std::filesystem::exists(csv.path)) << csv.path;
    EXPECT_EQ(std::filesystem::path(csv.path).filename(), "users.csv");
    ASSERT_EQ(csv.columns.size(), 10u);
    EXPECT_EQ(csv.columns[0].type, column_type::integer);
    EXPECT_EQ(csv.columns[6].type, column_type::list);
    EXPECT_EQ(csv.columns[6].list_separator, ';');
    EXPECT_EQ(csv.columns[7].type, column_type::date);
    EXPECT_EQ(csv.columns[8].type, column_type::datetime);
    EXPECT_EQ(cfg.phases[0].dead_letter, "users.dead-letter.csv");
}

// ---- every key ---------------------------------------------------------------------------------

TEST(config_keys, every_key_is_read) {
    const std::string yaml = R"(connection:
  uri: bolt+s://db.example.com:7688
  user: alice
  password_env: DB_PASSWORD
  database: graph
  tls:
    ca_file: certs/ca.pem
  connect_timeout: 2.5
  read_timeout: 10
  transaction_timeout: 60
  fetch_size: 500
  user_agent: my-loader/1.0
embedded:
  storage_mode: IN_MEMORY_ANALYTICAL
  edge_rule: non_sequential
  threads: 3
  faults:
    transient_error_probability: 0.05
    latency_ms: 3
    drop_after_messages: 100
    drop_probability: 0.001
    stall_after_messages: 50
    stall_ms: 250
    seed: 99
before: STORAGE MODE IN_MEMORY_ANALYTICAL
after:
  - STORAGE MODE IN_MEMORY_TRANSACTIONAL
  - FREE MEMORY
phases:
  - name: people
    source:
      csv:
        path: data/people.tsv
        delimiter: tab
        quote: "'"
        header: false
        columns:
          - id
          - {name: age, type: integer, null_on_empty: false}
          - {name: tags, type: list, element: float, separator: "|"}
          - {type: skip}
    query: 'UNWIND $rows AS r CREATE (:P {id: r.id})'
    batch_size: 250
    workers: 6
    chunk_bytes: 4MiB
    max_in_flight: 3
    transaction: managed
    retry:
      kind: decorrelated
      max_retries: 7
      base: 0.05
      max_wait: 2
    max_failed_batches: 5
    dead_letter: out/people.bad.csv
    idempotent: true
    before: [CREATE INDEX ON :P(id)]
    after: MATCH (n) RETURN count(n)
  - name: links
    source:
      generate:
        entity: relationships
        count: 100
        repeat: 3
        id_min: 10
        id_max: 60
        distribution: zipf(1.5)
        properties:
          - {name: w, type: float, min: 1, max: 5}
          - {name: label, type: string}
        seed: 1234
    query: 'UNWIND $batch AS r MATCH (a {id: r.a}), (b {id: r.b}) CREATE (a)-[:L]->(b)'
    chunk_rows: 40
verify:
  - query: MATCH (n:P) RETURN count(n)
    expect: 42
report: out/report.json
report_html: out/report.html
journal: out/ckpt.json
progress: off
)";
    const run_config cfg = parse(yaml, no_files({}, {{"DB_PASSWORD", "s3cret"}}));
    EXPECT_EQ(cfg.file, "cfg/x.yaml");
    const connection_spec& c = cfg.connection;
    EXPECT_EQ(c.uri, "bolt+s://db.example.com:7688");
    EXPECT_EQ(c.auth.scheme, "basic");
    EXPECT_EQ(c.auth.principal, "alice");
    EXPECT_EQ(c.auth.credentials, "s3cret");
    EXPECT_EQ(c.database, "graph");
    EXPECT_EQ(c.ca_file, (std::filesystem::path("cfg") / "certs/ca.pem").string());
    EXPECT_EQ(c.connect_timeout, std::chrono::milliseconds(2500));
    EXPECT_EQ(c.read_timeout, std::chrono::milliseconds(10000));
    EXPECT_EQ(c.transaction_timeout, std::chrono::milliseconds(60000));
    EXPECT_EQ(c.fetch_size, 500);
    EXPECT_EQ(c.user_agent, "my-loader/1.0");

    ASSERT_TRUE(cfg.embedded);
    EXPECT_EQ(cfg.embedded->storage_mode, embedded_storage_mode::in_memory_analytical);
    EXPECT_EQ(cfg.embedded->edge_rule, embedded_edge_rule::non_sequential);
    EXPECT_EQ(cfg.embedded->threads, 3);
    const embedded_faults& f = cfg.embedded->faults;
    EXPECT_DOUBLE_EQ(f.transient_error_probability, 0.05);
    EXPECT_EQ(f.latency_ms, 3);
    EXPECT_EQ(f.drop_after_messages, 100);
    EXPECT_DOUBLE_EQ(f.drop_probability, 0.001);
    EXPECT_EQ(f.stall_after_messages, 50);
    EXPECT_EQ(f.stall_ms, 250);
    EXPECT_EQ(f.seed, 99u);

    EXPECT_THAT(cfg.before, ElementsAre("STORAGE MODE IN_MEMORY_ANALYTICAL"));
    EXPECT_THAT(cfg.after, ElementsAre("STORAGE MODE IN_MEMORY_TRANSACTIONAL", "FREE MEMORY"));

    ASSERT_EQ(cfg.phases.size(), 2u);
    const phase_config& p = cfg.phases[0];
    EXPECT_EQ(p.work.name, "people");
    EXPECT_EQ(p.location.to_string(), "cfg/x.yaml:30:5");
    const auto& csv = std::get<csv_spec>(p.work.source);
    EXPECT_EQ(csv.path, (std::filesystem::path("cfg") / "data/people.tsv").string());
    EXPECT_EQ(csv.delimiter, '\t');
    EXPECT_EQ(csv.quote, '\'');
    EXPECT_FALSE(csv.header);
    ASSERT_EQ(csv.columns.size(), 4u);
    EXPECT_EQ(csv.columns[0].name, "id");
    EXPECT_EQ(csv.columns[0].type, column_type::string_);
    EXPECT_EQ(csv.columns[1].type, column_type::integer);
    EXPECT_FALSE(csv.columns[1].null_on_empty);
    EXPECT_EQ(csv.columns[2].type, column_type::list);
    EXPECT_EQ(csv.columns[2].element_type, column_type::float_);
    EXPECT_EQ(csv.columns[2].list_separator, '|');
    EXPECT_EQ(csv.columns[3].type, column_type::skip);
    EXPECT_EQ(p.work.parameter, "rows");
    EXPECT_EQ(p.work.batch_size, 250);
    EXPECT_EQ(p.workers, 6);
    EXPECT_EQ(p.chunk_bytes, 4 << 20);
    EXPECT_EQ(p.max_in_flight, 3);
    EXPECT_EQ(p.work.transaction, transaction_mode::managed);
    EXPECT_TRUE(p.retry_given);
    EXPECT_EQ(p.work.retry.kind, bolt::retry_kind::decorrelated);
    const bolt::retry_policy rp = retry_policy_of(p);
    EXPECT_EQ(rp.max_retries, 7);
    EXPECT_DOUBLE_EQ(rp.base, 0.05);
    EXPECT_EQ(rp.max_wait, 2.0);
    EXPECT_EQ(p.max_failed_batches, 5);
    EXPECT_EQ(p.dead_letter, "out/people.bad.csv");
    EXPECT_TRUE(p.work.idempotent);
    EXPECT_THAT(p.before, ElementsAre("CREATE INDEX ON :P(id)"));
    EXPECT_THAT(p.after, ElementsAre("MATCH (n) RETURN count(n)"));

    const phase_config& q = cfg.phases[1];
    const auto& g = std::get<generate_spec>(q.work.source);
    EXPECT_EQ(g.kind, generate_spec::entity::relationships);
    EXPECT_EQ(g.count, 100);
    EXPECT_EQ(g.repeat, 3);
    EXPECT_EQ(g.id_min, 10);
    EXPECT_EQ(g.id_max, 60);
    EXPECT_EQ(g.keys.kind, distribution_kind::zipf);
    EXPECT_DOUBLE_EQ(g.keys.zipf_s, 1.5);
    ASSERT_EQ(g.properties.size(), 2u);
    EXPECT_EQ(g.properties[0].type, generated_type::float_);
    EXPECT_EQ(g.properties[0].min, 1);
    EXPECT_EQ(g.properties[0].max, 5);
    EXPECT_EQ(g.properties[1].type, generated_type::string_);
    EXPECT_EQ(g.seed, 1234u);
    EXPECT_EQ(q.chunk_rows, 40);
    EXPECT_EQ(q.dead_letter, "links.dead-letter.jsonl");

    ASSERT_EQ(cfg.verify.size(), 1u);
    EXPECT_EQ(cfg.verify[0].expect, 42);
    EXPECT_EQ(cfg.verify[0].location.to_string(), "cfg/x.yaml:74:5");
    EXPECT_EQ(cfg.report, "out/report.json");
    EXPECT_EQ(cfg.report_html, "out/report.html");
    EXPECT_EQ(cfg.journal, "out/ckpt.json");
    EXPECT_EQ(cfg.progress, progress_mode::off);
    EXPECT_TRUE(cfg.warnings.empty());
}

TEST(config_keys, defaults_are_the_documented_ones) {
    const run_config cfg = parse(minimal_phase);
    EXPECT_EQ(cfg.connection.uri, "bolt://127.0.0.1:7687");
    EXPECT_EQ(cfg.connection.auth.scheme, "none");
    EXPECT_EQ(cfg.connection.database, "");
    EXPECT_FALSE(cfg.connection.ca_file);
    EXPECT_EQ(cfg.connection.connect_timeout, std::chrono::seconds(30));
    EXPECT_EQ(cfg.connection.read_timeout, std::chrono::milliseconds(0));
    EXPECT_FALSE(cfg.connection.transaction_timeout);
    EXPECT_EQ(cfg.connection.fetch_size, 1000);
    EXPECT_FALSE(cfg.embedded);
    EXPECT_TRUE(cfg.before.empty());
    EXPECT_TRUE(cfg.verify.empty());
    EXPECT_FALSE(cfg.report);
    EXPECT_FALSE(cfg.report_html);
    EXPECT_FALSE(cfg.journal);
    EXPECT_EQ(cfg.progress, progress_mode::auto_);
    ASSERT_EQ(cfg.phases.size(), 1u);
    const phase_config& p = cfg.phases[0];
    EXPECT_EQ(p.work.name, "phase1");
    EXPECT_EQ(p.work.batch_size, 1000);
    EXPECT_EQ(p.workers, 4);
    EXPECT_EQ(p.chunk_rows, 10000);  // 10 × batch_size
    EXPECT_EQ(p.chunk_bytes, 8 << 20);
    EXPECT_EQ(p.max_in_flight, 2);
    EXPECT_EQ(p.max_failed_batches, 0);
    EXPECT_EQ(p.work.transaction, transaction_mode::explicit_);
    EXPECT_FALSE(p.retry_given);
    EXPECT_FALSE(p.work.idempotent);
    EXPECT_EQ(p.dead_letter, "phase1.dead-letter.jsonl");
    const bolt::retry_policy rp = retry_policy_of(p);
    EXPECT_EQ(rp.kind, bolt::retry_kind::memgraph);  // the guide's recipe
    EXPECT_EQ(rp.max_retries, 100);
    EXPECT_DOUBLE_EQ(rp.initial_wait_time, 0.2);
    const auto& g = std::get<generate_spec>(p.work.source);
    EXPECT_EQ(g.kind, generate_spec::entity::nodes);
    EXPECT_EQ(g.repeat, 1);
    EXPECT_EQ(g.id_min, 0);
    EXPECT_FALSE(g.id_max);
    EXPECT_EQ(g.keys.kind, distribution_kind::sequential);
    EXPECT_EQ(g.seed, 1u);
}

TEST(config_keys, csv_defaults) {
    const run_config cfg = parse(R"(phases:
  - source: {csv: {path: a.csv}}
    query: UNWIND $batch AS r CREATE (:N)
)");
    const auto& csv = std::get<csv_spec>(cfg.phases[0].work.source);
    EXPECT_EQ(csv.delimiter, ',');
    EXPECT_EQ(csv.quote, '"');
    EXPECT_TRUE(csv.header);
    EXPECT_TRUE(csv.columns.empty());
    EXPECT_EQ(csv.path, (std::filesystem::path("cfg") / "a.csv").string());
}

TEST(config_keys, empty_quote_turns_quoting_off_and_header_names_unnamed_columns) {
    const run_config cfg = parse(R"(phases:
  - source: {csv: {path: a.csv, quote: "", columns: [{type: int}, b]}}
    query: UNWIND $batch AS r CREATE (:N)
)");
    const auto& csv = std::get<csv_spec>(cfg.phases[0].work.source);
    EXPECT_EQ(csv.quote, '\0');
    ASSERT_EQ(csv.columns.size(), 2u);
    EXPECT_EQ(csv.columns[0].name, "");  // the header's name is used
    EXPECT_EQ(csv.columns[0].type, column_type::integer);
    EXPECT_THAT(problems(R"(phases:
  - source: {csv: {path: a.csv, header: false, columns: [{type: int}]}}
    query: UNWIND $batch AS r CREATE (:N)
)"),
                ElementsAre("cfg/x.yaml:2:58: phases[0].source.csv.columns[0]: without a header, "
                            "a column needs a name (only a skip column may have none)"));
}

TEST(config_keys, auth_schemes_and_credentials_from_the_environment) {
    run_config cfg = parse(R"(connection:
  auth: {scheme: oidc-okta, credentials_env: SSO, principal: p, realm: r}
)" + minimal_phase,
                           no_files({}, {{"SSO", "access_token=a;id_token=b"}}));
    EXPECT_EQ(cfg.connection.auth.scheme, "oidc-okta");
    EXPECT_EQ(cfg.connection.auth.credentials, "access_token=a;id_token=b");
    EXPECT_EQ(to_auth_token(cfg.connection.auth).scheme(), "oidc-okta");
    EXPECT_EQ(to_auth_token(cfg.connection.auth).principal(), "p");

    cfg = parse("connection:\n  auth: {scheme: bearer, credentials: tok}\n" + minimal_phase);
    EXPECT_EQ(to_auth_token(cfg.connection.auth).scheme(), "bearer");
    EXPECT_EQ(to_auth_token(cfg.connection.auth).credentials(), "tok");

    cfg = parse("connection:\n  user: bob\n  password: pw\n" + minimal_phase);
    const bolt::auth_token t = to_auth_token(cfg.connection.auth);
    EXPECT_EQ(t.scheme(), "basic");
    EXPECT_EQ(t.principal(), "bob");
    EXPECT_EQ(t.credentials(), "pw");
}

TEST(config_keys, driver_config_carries_the_connection_settings) {
    const run_config cfg = parse(R"(connection:
  uri: bolt+s://h
  tls: {ca_file: /etc/ca.pem}
  connect_timeout: 1.5
  read_timeout: 4
  fetch_size: -1
)" + minimal_phase);
    const bolt::driver_config d = to_driver_config(cfg.connection);
    EXPECT_EQ(d.connection_timeout, std::chrono::milliseconds(1500));
    EXPECT_EQ(d.socket_read_timeout, std::chrono::milliseconds(4000));
    EXPECT_EQ(d.trusted_ca_file, "/etc/ca.pem");
    EXPECT_EQ(d.fetch_size, -1);
}

TEST(config_keys, distributions) {
    auto dist = [](const std::string& text) {
        const run_config cfg = parse(R"(phases:
  - source:
      generate: {entity: relationships, count: 5, distribution: ")" +
                                     text + R"("}
    query: UNWIND $batch AS r CREATE (:N)
)");
        return std::get<generate_spec>(cfg.phases[0].work.source).keys;
    };
    EXPECT_EQ(dist("uniform").kind, distribution_kind::uniform);
    EXPECT_EQ(dist("sequential").kind, distribution_kind::sequential);
    EXPECT_EQ(dist("zipf").kind, distribution_kind::zipf);
    EXPECT_DOUBLE_EQ(dist("zipf").zipf_s, 1.0);
    EXPECT_DOUBLE_EQ(dist("Zipf( 0.8 )").zipf_s, 0.8);
    const key_distribution h = dist("hotspot(5, 0.75)");
    EXPECT_EQ(h.kind, distribution_kind::hotspot);
    EXPECT_EQ(h.hotspot_keys, 5);
    EXPECT_DOUBLE_EQ(h.hotspot_probability, 0.75);
    EXPECT_EQ(dist("hotspot").hotspot_keys, 10);
}

// ---- errors with positions ---------------------------------------------------------------------

TEST(config_errors, wrong_type_names_file_line_column_path_and_value) {
    const auto p = problems(R"(phases:
  - source: {generate: {count: 10}}
    query: UNWIND $batch AS r CREATE (:N)
    batch_size: abc
)");
    EXPECT_THAT(p, ElementsAre("cfg/x.yaml:4:17: phases[0].batch_size: expected a positive "
                               "integer, got 'abc'"));
}

TEST(config_errors, unknown_key_suggests_the_nearest) {
    const auto p = problems(R"(phases:
  - source: {generate: {count: 10}}
    query: UNWIND $batch AS r CREATE (:N)
    batchsize: 100
    retry:
      max_retry: 3
conection:
  uri: bolt://x
)");
    EXPECT_THAT(
        p, ElementsAre("cfg/x.yaml:7:1: conection: unknown key 'conection' (did you mean "
                       "'connection'?)",
                       "cfg/x.yaml:4:5: phases[0].batchsize: unknown key 'batchsize' (did you "
                       "mean 'batch_size'?)",
                       "cfg/x.yaml:6:7: phases[0].retry.max_retry: unknown key 'max_retry' (did "
                       "you mean 'max_retries'?)"));
}

TEST(config_errors, unknown_key_far_from_any_lists_the_known_ones_or_a_hint) {
    auto p = problems("embedded:\n  zzzzzz: 1\n" + minimal_phase);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0],
              "cfg/x.yaml:2:3: embedded.zzzzzz: unknown key 'zzzzzz' (known here: storage_mode, "
              "edge_rule, threads, faults)");
    p = problems(minimal_phase + "    chunk_size: 10\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_THAT(p[0], HasSubstr("cfg/x.yaml:6:5: phases[0].chunk_size: unknown key 'chunk_size' "
                                "(use chunk_rows"));
}

TEST(config_errors, missing_required_parts) {
    EXPECT_THAT(problems("connection: {uri: bolt://x}\n"),
                ElementsAre("cfg/x.yaml:1:1: phases: missing: a config needs at least one phase"));
    EXPECT_THAT(problems("phases:\n  - name: a\n"),
                ElementsAre("cfg/x.yaml:2:5: phases[0]: needs a source (csv: or generate:)",
                            "cfg/x.yaml:2:5: phases[0]: needs a query (using $batch or $rows)"));
    EXPECT_THAT(problems("phases:\n  - source: {generate: {entity: nodes}}\n    query: "
                         "UNWIND $batch AS r CREATE (:N)\n"),
                ElementsAre("cfg/x.yaml:2:24: phases[0].source.generate: needs a count (rows to "
                            "generate)"));
    EXPECT_THAT(problems("phases:\n  - source: {csv: {header: false}}\n    query: "
                         "UNWIND $batch AS r CREATE (:N)\n"),
                ElementsAre("cfg/x.yaml:2:19: phases[0].source.csv: needs a path (relative to "
                            "the config file's folder)",
                            "cfg/x.yaml:2:19: phases[0].source.csv: without a header, columns "
                            "must name every field"));
    EXPECT_THAT(problems(""), ElementsAre("cfg/x.yaml: the file is empty: it needs at least "
                                          "phases:"));
}

TEST(config_errors, an_empty_phase_list_and_a_file_that_is_not_a_mapping_say_what_is_wrong) {
    EXPECT_THAT(problems("phases: []\n"),
                ElementsAre("cfg/x.yaml:1:9: phases: the list is empty: a config needs at least one phase"));
    EXPECT_THAT(problems("phases: {a: 1}\n"),
                ElementsAre("cfg/x.yaml:1:9: phases: expected a list of phases, got a mapping"));
    // No empty key path ("FILE:1:1: : ...") for the whole file.
    EXPECT_THAT(problems("just a string\n"),
                ElementsAre("cfg/x.yaml:1:1: expected a mapping of settings (connection:, phases:, ...), got "
                            "'just a string'"));
    EXPECT_THAT(problems("- a\n- b\n"),
                ElementsAre("cfg/x.yaml:1:1: expected a mapping of settings (connection:, phases:, ...), got a list"));
}

TEST(config_errors, query_must_use_batch_or_rows) {
    auto p = problems(R"(phases:
  - source: {generate: {count: 10}}
    query: UNWIND $batches AS r CREATE (:N)
)");
    EXPECT_THAT(p, ElementsAre("cfg/x.yaml:3:12: phases[0].query: must take the batch's rows as "
                               "$batch or $rows (e.g. UNWIND $batch AS row CREATE ...)"));
    p = problems(R"(phases:
  - source: {generate: {count: 10}}
    query: UNWIND $batch AS r UNWIND $rows AS s CREATE (:N)
)");
    EXPECT_THAT(p, ElementsAre("cfg/x.yaml:3:12: phases[0].query: uses both $batch and $rows: "
                               "the rows are passed as one of them"));
}

TEST(config_errors, yaml_syntax_error_has_its_position) {
    const auto p = problems("phases:\n  - name: [unclosed\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_THAT(p[0], ::testing::StartsWith("cfg/x.yaml:3:1: "));
}

TEST(config_errors, an_unquoted_cypher_map_gets_a_hint) {
    const auto p = problems("phases:\n  - query: UNWIND $batch AS r CREATE (:N {id: r.id})\n");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_THAT(p[0], ::testing::StartsWith("cfg/x.yaml:2:45: illegal map value"));
    EXPECT_THAT(p[0], HasSubstr("query: |"));
}

TEST(config_errors, duplicate_keys_and_phase_names) {
    EXPECT_THAT(problems(minimal_phase + "    batch_size: 1\n    batch_size: 2\n"),
                ElementsAre("cfg/x.yaml:7:5: phases[0].batch_size: duplicate key (first at "
                            "line 6)"));
    EXPECT_THAT(problems(R"(phases:
  - name: a
    source: {generate: {count: 10}}
    query: UNWIND $batch AS r CREATE (:N)
  - name: a
    source: {generate: {count: 10}}
    query: UNWIND $batch AS r CREATE (:N)
)"),
                ElementsAre("cfg/x.yaml:5:11: phases[1].name: another phase is already named "
                            "'a'"));
}

TEST(config_errors, every_problem_is_reported_at_once) {
    const auto p = problems(R"(connection:
  uri: http://x
  fetch_size: 0
phases:
  - source: {generate: {count: -1, entity: edges}}
    query: UNWIND $batch AS r CREATE (:N)
    workers: 0
    transaction: sometimes
progress: maybe
)");
    EXPECT_THAT(
        p,
        ElementsAre(
            ::testing::StartsWith("cfg/x.yaml:2:8: connection.uri: "),
            "cfg/x.yaml:3:15: connection.fetch_size: expected a positive integer (or -1: "
            "everything "
            "at once), got '0'",
            "cfg/x.yaml:5:44: phases[0].source.generate.entity: expected nodes or relationships, "
            "got "
            "'edges'",
            "cfg/x.yaml:5:32: phases[0].source.generate.count: expected a positive integer, got "
            "'-1'",
            "cfg/x.yaml:7:14: phases[0].workers: expected a positive integer (at most 4096), got "
            "'0'",
            "cfg/x.yaml:8:18: phases[0].transaction: expected explicit, managed or implicit, got "
            "'sometimes'",
            "cfg/x.yaml:9:11: progress: expected true, false or auto, got 'maybe'"));
}

TEST(config_errors, connection_rules) {
    EXPECT_THAT(
        problems("connection:\n  user: a\n  password: x\n  password_env: P\n" + minimal_phase,
                 no_files({}, {{"P", "y"}})),
        ElementsAre("cfg/x.yaml:4:17: connection.password_env: give either password or "
                    "password_env, not both"));
    EXPECT_THAT(problems("connection:\n  user: a\n  password_env: NOPE\n" + minimal_phase),
                ElementsAre("cfg/x.yaml:3:17: connection.password_env: environment variable "
                            "'NOPE' is not set"));
    EXPECT_THAT(problems("connection:\n  password: x\n" + minimal_phase),
                ElementsAre("cfg/x.yaml:2:3: connection: a password needs a user (or use auth: "
                            "for other schemes)"));
    EXPECT_THAT(problems("connection:\n  user: a\n  auth: {scheme: bearer, credentials: t}\n" +
                         minimal_phase),
                ElementsAre("cfg/x.yaml:3:9: connection.auth: give either user/password or "
                            "auth, not both"));
    EXPECT_THAT(problems("connection:\n  auth: {credentials: t}\n" + minimal_phase),
                ElementsAre("cfg/x.yaml:2:9: connection.auth: needs a scheme: none, basic, "
                            "bearer, or a custom one (e.g. oidc-okta)"));
    EXPECT_THAT(problems("connection:\n  tls:\n    ca_file: ca.pem\n" + minimal_phase),
                ElementsAre("cfg/x.yaml:3:14: connection.tls.ca_file: needs a TLS URI (bolt+s:// "
                            "or neo4j+s://): the URI's scheme turns TLS on"));
    EXPECT_THAT(problems("connection:\n  connect_timeout: 0\n" + minimal_phase),
                ElementsAre("cfg/x.yaml:2:20: connection.connect_timeout: expected a positive "
                            "number of seconds, got '0'"));
}

TEST(config_errors, missing_files_are_reported_when_checked) {
    load_options o;
    o.getenv = [](const std::string&) { return std::nullopt; };
    const auto p = problems(R"(phases:
  - source: {csv: {path: no/such.csv}}
    query: UNWIND $batch AS r CREATE (:N)
)",
                            o);
    EXPECT_THAT(p, ElementsAre("cfg/x.yaml:2:26: phases[0].source.csv.path: file not found: " +
                               (std::filesystem::path("cfg") / "no/such.csv").string()));
}

TEST(config_errors, a_directory_as_the_csv_path_says_so) {
    load_options o;
    o.getenv = [](const std::string&) { return std::nullopt; };
    const boltload::testing::temp_dir dir("boltload-config");
    const auto p = problems("phases:\n  - source: {csv: {path: '" + dir.path.string() +
                                "'}}\n    query: UNWIND $batch AS r CREATE (:N)\n",
                            o);
    ASSERT_EQ(p.size(), 1u);
    EXPECT_THAT(p[0], HasSubstr("phases[0].source.csv.path: " + dir.path.string() + " is a directory, not a CSV file"));
}

TEST(config_errors, columns) {
    const auto p = problems(R"(phases:
  - source:
      csv:
        path: a.csv
        delimiter: ";;"
        columns:
          - {name: a, type: integr}
          - {name: b, type: string, element: int}
          - {name: a}
          - {type: int}
          - {name: l, type: list, element: list, separator: ","}
    query: UNWIND $batch AS r CREATE (:N)
)");
    EXPECT_THAT(
        p,
        ElementsAre(
            "cfg/x.yaml:5:20: phases[0].source.csv.delimiter: expected one character, got ';;'",
            "cfg/x.yaml:7:29: phases[0].source.csv.columns[0].type: expected int, float, string, "
            "bool, list, date, datetime or skip, got 'integr'",
            "cfg/x.yaml:8:46: phases[0].source.csv.columns[1].element: only a list column has "
            "elements",
            "cfg/x.yaml:9:13: phases[0].source.csv.columns[2]: duplicate column name 'a'",

            "cfg/x.yaml:11:44: phases[0].source.csv.columns[4].element: expected int, float, "
            "string, "
            "bool, date or datetime, got 'list'",
            "cfg/x.yaml:11:13: phases[0].source.csv.columns[4]: the list separator must differ "
            "from "
            "the delimiter"));
}

TEST(config_errors, generator_settings) {
    const auto p = problems(R"(phases:
  - source:
      generate:
        entity: relationships
        count: 10
        id_min: 5
        id_max: 4
        distribution: zipf(0)
        properties:
          - {name: b}
          - {name: x, type: text, min: 3, max: 1}
    query: UNWIND $batch AS r CREATE (:N)
)");
    EXPECT_THAT(
        p,
        ElementsAre(
            "cfg/x.yaml:7:17: phases[0].source.generate.id_max: must be >= id_min (5)",
            "cfg/x.yaml:8:23: phases[0].source.generate.distribution: expected sequential, "
            "uniform, "
            "zipf(s) or hotspot(k, p), got 'zipf(0)': zipf's exponent s must be a positive number",
            "cfg/x.yaml:10:13: phases[0].source.generate.properties[0]: 'b' is the generator's own "
            "key",
            "cfg/x.yaml:11:29: phases[0].source.generate.properties[1].type: expected int, float, "
            "string or bool, got 'text'",
            "cfg/x.yaml:11:13: phases[0].source.generate.properties[1]: max (1) must be >= min "
            "(3)"));
    EXPECT_THAT(problems(R"y(phases:
  - source: {generate: {entity: relationships, count: 3, distribution: "hotspot(0, 2)"}}
    query: UNWIND $batch AS r CREATE (:N)
)y"),
                ElementsAre(HasSubstr("hotspot's k (the number of hot keys) must be a positive "
                                      "integer")));
}

TEST(config_errors, embedded_block) {
    const auto p = problems(R"(embedded:
  storage_mode: on_disk
  edge_rule: parallel
  faults:
    transient_error_probability: 1.5
    stall_ms: -3
)" + minimal_phase);
    EXPECT_THAT(
        p,
        ElementsAre(
            "cfg/x.yaml:2:17: embedded.storage_mode: expected in_memory_transactional or "
            "in_memory_analytical, got 'on_disk'",
            "cfg/x.yaml:3:14: embedded.edge_rule: expected sequential or non_sequential, got "
            "'parallel'",
            "cfg/x.yaml:5:34: embedded.faults.transient_error_probability: expected a probability "
            "between 0 and 1, got '1.5'",
            "cfg/x.yaml:6:15: embedded.faults.stall_ms: expected a non-negative integer, got "
            "'-3'"));
}

TEST(config_errors, verify_entries) {
    EXPECT_THAT(problems(minimal_phase + "verify:\n  - query: RETURN 1\n  - expect: x\n"),
                ElementsAre("cfg/x.yaml:7:5: verify[0]: needs expect (the count the query must "
                            "return)",
                            "cfg/x.yaml:8:5: verify[1]: needs a query",
                            "cfg/x.yaml:8:13: verify[1].expect: expected a non-negative integer, "
                            "got 'x'"));
}

// ---- retry blocks ------------------------------------------------------------------------------

run_config with_retry(const std::string& block, const std::string& extra = "") {
    return parse(minimal_phase + extra + "    retry:\n" + block);
}

std::vector<std::string> retry_problems(const std::string& block) {
    return problems(minimal_phase + "    retry:\n" + block);
}

TEST(config_retry, memgraph_guide_names_map_to_the_memgraph_policy) {
    const run_config cfg = with_retry(
        "      max_retries: 5\n      initial_wait_time: 0.01\n      backoff_factor: 2\n"
        "      jitter: 0.5\n      max_wait: 1\n");
    const bolt::retry_policy p = retry_policy_of(cfg.phases[0]);
    EXPECT_EQ(p.kind, bolt::retry_kind::memgraph);
    EXPECT_EQ(p.max_retries, 5);
    EXPECT_DOUBLE_EQ(p.initial_wait_time, 0.01);
    EXPECT_DOUBLE_EQ(p.backoff_factor, 2.0);
    EXPECT_DOUBLE_EQ(p.jitter, 0.5);
    EXPECT_EQ(p.max_wait, 1.0);
    EXPECT_TRUE(p.validate().empty());
}

TEST(config_retry, neo4j_driver_names_choose_the_neo4j_policy) {
    const run_config cfg = with_retry(
        "      max_transaction_retry_time: 180\n      initial_retry_delay: 0.2\n"
        "      retry_delay_multiplier: 1.1\n      retry_delay_jitter_factor: 0.1\n");
    const bolt::retry_policy p = retry_policy_of(cfg.phases[0]);
    EXPECT_EQ(p.kind, bolt::retry_kind::neo4j);
    EXPECT_DOUBLE_EQ(p.max_transaction_retry_time, 180.0);
    EXPECT_DOUBLE_EQ(p.initial_retry_delay, 0.2);
    EXPECT_DOUBLE_EQ(p.retry_delay_multiplier, 1.1);
    EXPECT_DOUBLE_EQ(p.retry_delay_jitter_factor, 0.1);
}

TEST(config_retry, every_kind_by_name_with_its_defaults) {
    for (const char* k :
         {"none", "memgraph", "neo4j", "full_jitter", "equal_jitter", "decorrelated"}) {
        SCOPED_TRACE(k);
        const run_config a = with_retry(std::string("      kind: ") + k + "\n");
        const run_config b = parse(minimal_phase + "    retry: " + k + "\n");
        const auto kind = *bolt::parse_retry_kind(k);
        EXPECT_EQ(retry_policy_of(a.phases[0]).kind, kind);
        EXPECT_EQ(retry_policy_of(b.phases[0]).kind, kind);
        const bolt::retry_policy d = bolt::retry_policy::defaults(kind);
        EXPECT_EQ(bolt::to_string(retry_policy_of(a.phases[0])), bolt::to_string(d));
    }
    const bolt::retry_policy f = retry_policy_of(
        with_retry("      kind: full_jitter\n      base: 0.5\n      max_wait: 4\n").phases[0]);
    EXPECT_DOUBLE_EQ(f.base, 0.5);
    EXPECT_EQ(f.max_wait, 4.0);
}

TEST(config_retry, settings_of_another_kind_and_bad_values_are_errors) {
    EXPECT_THAT(retry_problems("      kind: memgraph\n      initial_retry_delay: 1\n"),
                ElementsAre("cfg/x.yaml:8:7: phases[0].retry.initial_retry_delay: not a setting "
                            "of the memgraph policy (it reads: max_retries, initial_wait_time, "
                            "backoff_factor, jitter, max_wait)"));
    EXPECT_THAT(retry_problems("      kind: none\n      max_retries: 1\n"),
                ElementsAre("cfg/x.yaml:8:7: phases[0].retry.max_retries: not a setting of the "
                            "none policy (it reads: nothing)"));
    EXPECT_THAT(retry_problems("      jitter: 0.1\n      initial_retry_delay: 1\n"),
                ElementsAre(HasSubstr("cfg/x.yaml:7:7: phases[0].retry: mixes the Memgraph "
                                      "guide's settings")));
    EXPECT_THAT(retry_problems("      kind: exponential\n"),
                ElementsAre("cfg/x.yaml:7:13: phases[0].retry.kind: expected none, memgraph, "
                            "neo4j, full_jitter, equal_jitter or decorrelated, got "
                            "'exponential'"));
    EXPECT_THAT(retry_problems("      backoff_factor: 0.5\n"),
                ElementsAre("cfg/x.yaml:7:23: phases[0].retry.backoff_factor: backoff_factor "
                            "must be >= 1 (got 0.5)"));
    EXPECT_THAT(retry_problems("      max_retries: 2.5\n"),
                ElementsAre("cfg/x.yaml:7:20: phases[0].retry.max_retries: max_retries must be a "
                            "whole number (got 2.5)"));
    EXPECT_THAT(retry_problems("      jitter: lots\n"),
                ElementsAre("cfg/x.yaml:7:15: phases[0].retry.jitter: expected a number, got "
                            "'lots'"));
    EXPECT_THAT(retry_problems("      jitter_factor: 0.1\n"),
                ElementsAre(HasSubstr("unknown key 'jitter_factor' (the Memgraph guide calls it "
                                      "'jitter'")));
    EXPECT_THAT(retry_problems("      base: 1\n"),
                ElementsAre("cfg/x.yaml:7:7: phases[0].retry: 'base' needs kind: full_jitter, "
                            "equal_jitter or decorrelated"));
}

TEST(config_retry, implicit_transactions_are_not_retried_and_say_so) {
    const run_config cfg = with_retry("      max_retries: 3\n", "    transaction: implicit\n");
    EXPECT_EQ(cfg.phases[0].work.transaction, transaction_mode::implicit);
    EXPECT_EQ(retry_policy_of(cfg.phases[0]).kind, bolt::retry_kind::none);
    EXPECT_THAT(cfg.warnings,
                ElementsAre("cfg/x.yaml:8:7: phases[0].retry: ignored: implicit (auto-commit) "
                            "transactions are never retried; use explicit or managed to retry "
                            "conflicts"));
    // No retry block: nothing to warn about.
    EXPECT_TRUE(parse(minimal_phase + "    transaction: implicit\n").warnings.empty());
}

TEST(config_retry, to_retry_policy_reports_unknown_settings) {
    std::vector<std::string> problems;
    const bolt::retry_policy p = to_retry_policy(
        retry_spec{bolt::retry_kind::memgraph, {{"bogus", 1}, {"jitter", 0.3}}}, &problems);
    EXPECT_DOUBLE_EQ(p.jitter, 0.3);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_THAT(problems[0], HasSubstr("unknown retry setting 'bogus'"));
}

// ---- warnings ----------------------------------------------------------------------------------

TEST(config_keys, bad_row_keys) {
    const run_config cfg = parse(R"(phases:
  - source: {csv: {path: a.csv, max_row_bytes: 1MiB}}
    query: UNWIND $batch AS r CREATE (:N)
    on_bad_row: Skip
    max_bad_rows: 100
)");
    const phase_config& p = cfg.phases[0];
    EXPECT_EQ(p.work.on_bad_row, bad_row_policy::skip);
    EXPECT_EQ(p.max_bad_rows, 100);
    EXPECT_EQ(std::get<csv_spec>(p.work.source).max_row_bytes, 1u << 20);
    const run_config plain = parse(minimal_phase);
    EXPECT_EQ(plain.phases[0].work.on_bad_row, bad_row_policy::stop);  // today's behaviour
    EXPECT_EQ(plain.phases[0].max_bad_rows, -1);                        // no limit
    EXPECT_THAT(problems(R"(phases:
  - source: {csv: {path: a.csv, max_row_bytes: huge}}
    query: UNWIND $batch AS r CREATE (:N)
    on_bad_row: ignore
    max_bad_rows: -1
)"),
                ElementsAre("cfg/x.yaml:2:48: phases[0].source.csv.max_row_bytes: expected a positive size in bytes (or "
                            "with KiB, MiB, GiB), got 'huge'",
                            "cfg/x.yaml:4:17: phases[0].on_bad_row: expected stop or skip, got 'ignore'",
                            "cfg/x.yaml:5:19: phases[0].max_bad_rows: expected a non-negative integer, got '-1'"));
    const run_config warned = parse(R"(phases:
  - source: {csv: {path: a.csv}}
    query: UNWIND $batch AS r CREATE (:N)
    max_bad_rows: 3
)");
    EXPECT_THAT(warned.warnings, ElementsAre(HasSubstr("phases[0].max_bad_rows: ignored")));
}

TEST(config_warnings, settings_that_do_nothing) {
    const run_config cfg = parse(R"(connection:
  uri: bolt+ssc://h
  tls: {ca_file: ca.pem}
phases:
  - source: {generate: {count: 3, distribution: uniform}}
    query: UNWIND $batch AS r CREATE (:N)
    chunk_bytes: 1MiB
)");
    EXPECT_THAT(cfg.warnings,
                ElementsAre("cfg/x.yaml:3:18: connection.tls.ca_file: ignored: a +ssc URI "
                            "accepts any certificate",
                            "cfg/x.yaml:5:49: phases[0].source.generate.distribution: ignored for "
                            "nodes: node ids are always id_min, id_min+1, ...",
                            "cfg/x.yaml:7:18: phases[0].chunk_bytes: ignored: the source is not "
                            "CSV"));
}

// ---- --set -------------------------------------------------------------------------------------

TEST(config_overrides, set_replaces_and_adds_values_before_validation) {
    const run_config cfg =
        parse(minimal_phase,
              no_files({"phases.0.workers=7", "connection.uri=bolt://db:7690",
                        "phases[0].retry.jitter=0.3", "report=r.json",
                        "phases.0.source.generate.distribution=zipf(2)",
                        "before=[CREATE INDEX ON :N(id), FREE MEMORY]", "phases.0.name='007'"}));
    EXPECT_EQ(cfg.phases[0].workers, 7);
    EXPECT_EQ(cfg.connection.uri, "bolt://db:7690");
    EXPECT_DOUBLE_EQ(retry_policy_of(cfg.phases[0]).jitter, 0.3);
    EXPECT_EQ(cfg.report, "r.json");
    EXPECT_THAT(cfg.before, ElementsAre("CREATE INDEX ON :N(id)", "FREE MEMORY"));
    EXPECT_EQ(cfg.phases[0].work.name, "007");
    EXPECT_FALSE(std::get<generate_spec>(cfg.phases[0].work.source).keys.kind ==
                 distribution_kind::uniform);
}

TEST(config_overrides, later_overrides_win) {
    const run_config cfg =
        parse(minimal_phase, no_files({"phases.0.batch_size=5", "phases.0.batch_size=6"}));
    EXPECT_EQ(cfg.phases[0].work.batch_size, 6);
}

TEST(config_overrides, a_bad_value_names_the_set_option) {
    EXPECT_THAT(problems(minimal_phase, no_files({"phases.0.workers=many"})),
                ElementsAre("--set phases.0.workers=many: phases[0].workers: expected a positive "
                            "integer (at most 4096), got 'many'"));
    EXPECT_THAT(problems(minimal_phase, no_files({"phases.0.wrkers=2"})),
                ElementsAre("--set phases.0.wrkers=2: phases[0].wrkers: unknown key 'wrkers' "
                            "(did you mean 'workers'?)"));
}

TEST(config_overrides, malformed_assignments) {
    EXPECT_THAT(problems(minimal_phase, no_files({"phases.0.workers"})),
                ElementsAre("--set phases.0.workers: expected key.path=value"));
    EXPECT_THAT(problems(minimal_phase, no_files({"phases.3.workers=1"})),
                ElementsAre("--set phases.3.workers=1: 'phases' is a list of 1; '3' is not an "
                            "index in it"));
    EXPECT_THAT(problems(minimal_phase, no_files({"phases.0.query.x=1"})),
                ElementsAre("--set phases.0.query.x=1: 'phases[0].query' is a single value, it "
                            "has no 'x'"));
    EXPECT_THAT(problems(minimal_phase, no_files({"a..b=1"})),
                ElementsAre("--set a..b=1: the key path has an empty part"));
}

TEST(config_overrides, set_can_build_a_config_from_nothing_but_a_phase) {
    const run_config cfg = parse(minimal_phase, no_files({"embedded.faults.latency_ms=5"}));
    ASSERT_TRUE(cfg.embedded);
    EXPECT_EQ(cfg.embedded->faults.latency_ms, 5);
}

TEST(config_paths, known_key_paths_cover_every_section) {
    const auto& k = known_key_paths();
    for (const char* p :
         {"connection.password_env", "embedded.faults.stall_ms",
          "phases[].retry.retry_delay_jitter_factor", "phases[].source.csv.columns[].separator",
          "phases[].source.generate.distribution", "verify[].expect", "progress"}) {
        EXPECT_NE(std::find(k.begin(), k.end(), p), k.end()) << p;
    }
}

TEST(config_paths, readme_documents_every_key) {
    std::ifstream in(repo_root / "README.md");  // its "Configuration reference"
    ASSERT_TRUE(in);
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::string& path : known_key_paths()) {
        const std::string leaf =
            path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
        EXPECT_NE(doc.find("| `" + leaf + "` |"), std::string::npos)
            << path << " has no row in README.md (Configuration reference)";
    }
}

}  // namespace
