// The storage engine as the executor sees it: snapshot isolation, rollback, Memgraph's
// write-conflict rule, storage modes, indexes, unique constraints, users, GC and a stress run.
#include "server/storage.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

namespace {

using namespace server::storage;
using bolt::value;

class storage_test : public ::testing::Test {
protected:
    explicit storage_test(config cfg = {}) : db(cfg) {}
    storage db;
    label_id person = db.name_to_id("Person");
    label_id city = db.name_to_id("City");
    property_id name = db.name_to_id("name");
    property_id age = db.name_to_id("age");
    edge_type_id knows = db.name_to_id("KNOWS");

    vertex_handle committed_person(std::string n, std::int64_t a = 30) {
        auto tx = db.begin();
        std::pair<property_id, value> props[] = {{name, value(n)}, {age, value(a)}};
        auto v = tx->create_vertex({&person, 1}, props);
        EXPECT_TRUE(v);
        EXPECT_FALSE(tx->commit());
        return *v;
    }
};

TEST_F(storage_test, own_writes_visible_and_others_see_them_only_after_commit) {
    auto writer = db.begin();
    auto before = db.begin();
    auto v = writer->create_vertex({&person, 1}, std::vector<std::pair<property_id, value>>{{name, "Ann"}});
    ASSERT_TRUE(v);
    EXPECT_TRUE(writer->exists(*v));
    EXPECT_EQ(writer->property(*v, name), value("Ann"));
    EXPECT_FALSE(before->exists(*v));
    EXPECT_TRUE(before->vertices_with_label(person).empty());
    ASSERT_FALSE(writer->commit());

    EXPECT_FALSE(before->exists(*v)) << "a snapshot does not see later commits";
    EXPECT_FALSE(before->find_vertex(v->id()));
    auto after = db.begin();
    EXPECT_TRUE(after->exists(*v));
    EXPECT_EQ(after->property(*v, name), value("Ann"));
    EXPECT_EQ(after->labels(*v), std::vector<label_id>{person});
    EXPECT_EQ(after->vertices_with_label(person).size(), 1u);
}

TEST_F(storage_test, snapshot_keeps_old_property_values) {
    auto v = committed_person("Ann", 30);
    auto reader = db.begin();
    {
        auto w = db.begin();
        ASSERT_FALSE(w->set_property(v, age, value(31)));
        ASSERT_FALSE(w->set_property(v, name, value()));  // removes
        ASSERT_TRUE(w->add_label(v, city).value());
        EXPECT_EQ(w->property(v, age), value(31));
        ASSERT_FALSE(w->commit());
    }
    EXPECT_EQ(reader->property(v, age), value(30));
    EXPECT_EQ(reader->property(v, name), value("Ann"));
    EXPECT_EQ(reader->labels(v), std::vector<label_id>{person});
    auto props = reader->properties(v);
    ASSERT_EQ(props.size(), 2u);
    auto now = db.begin();
    EXPECT_EQ(now->property(v, age), value(31));
    EXPECT_TRUE(now->property(v, name).is_null());
    EXPECT_EQ(now->properties(v).size(), 1u);
    EXPECT_TRUE(now->has_label(v, city));
}

TEST_F(storage_test, rollback_restores_everything_exactly) {
    auto a = committed_person("A", 1);
    auto b = committed_person("B", 2);
    vertex_handle c;
    edge_handle ab;
    {
        auto tx = db.begin();
        auto e = tx->create_edge(a, b, knows, std::vector<std::pair<property_id, value>>{{age, 5}});
        ASSERT_TRUE(e);
        ab = *e;
        auto cv = tx->create_vertex();
        ASSERT_TRUE(cv);
        c = *cv;
        ASSERT_FALSE(tx->commit());
    }
    const auto before = [&] {
        auto r = db.begin();
        return std::make_tuple(r->to_node(a), r->to_node(b), r->to_node(c), r->to_relationship(ab),
                               r->out_edges(a).size(), r->in_edges(b).size());
    }();
    const auto count_before = db.info().vertex_count;
    {
        auto tx = db.begin();
        ASSERT_FALSE(tx->set_property(a, name, value("changed")));
        ASSERT_FALSE(tx->set_property(a, age, value()));
        ASSERT_TRUE(tx->add_label(a, city).value());
        ASSERT_TRUE(tx->remove_label(b, person).value());
        ASSERT_FALSE(tx->set_property(ab, age, value(6)));
        ASSERT_FALSE(tx->detach_delete_vertex(b));
        ASSERT_FALSE(tx->delete_vertex(c));
        auto n = tx->create_vertex({&person, 1}, {});
        ASSERT_TRUE(n);
        ASSERT_TRUE(tx->create_edge(a, *n, knows));
        EXPECT_FALSE(tx->exists(b));
        EXPECT_FALSE(tx->exists(ab));
        EXPECT_EQ(tx->out_edges(a).size(), 1u);
        tx->abort();
        EXPECT_FALSE(tx->is_open());
    }
    auto r = db.begin();
    EXPECT_EQ(std::make_tuple(r->to_node(a), r->to_node(b), r->to_node(c), r->to_relationship(ab),
                              r->out_edges(a).size(), r->in_edges(b).size()),
              before);
    EXPECT_EQ(r->out_edges(a).front(), ab);
    EXPECT_EQ(db.info().vertex_count, count_before);
    EXPECT_EQ(db.info().edge_count, 1u);
    EXPECT_EQ(r->vertices_with_label(person).size(), 2u);
}

TEST_F(storage_test, edges_have_snapshots_and_conflicts_too) {
    auto a = committed_person("A");
    auto b = committed_person("B");
    edge_handle e;
    {
        auto tx = db.begin();
        e = *tx->create_edge(a, b, knows, std::vector<std::pair<property_id, value>>{{age, 1}});
        ASSERT_FALSE(tx->commit());
    }
    auto reader = db.begin();
    auto t1 = db.begin();
    auto t2 = db.begin();
    ASSERT_FALSE(t1->set_property(e, age, value(2)));
    EXPECT_EQ(t2->set_property(e, age, value(3)), errc::serialization_error);
    EXPECT_EQ(t1->property(e, age), value(2));
    ASSERT_FALSE(t1->commit());
    EXPECT_EQ(reader->property(e, age), value(1));
    auto now = db.begin();
    auto found = now->find_edge(e.id());
    ASSERT_TRUE(found);
    EXPECT_EQ(found->from(), a);
    EXPECT_EQ(found->to(), b);
    EXPECT_EQ(db.id_to_name(found->type()), "KNOWS");
    auto rel = now->to_relationship(e);
    EXPECT_EQ(rel.type, "KNOWS");
    EXPECT_EQ(rel.start_node_id, static_cast<std::int64_t>(a.id()));
    EXPECT_EQ(rel.properties, (bolt::map{{"age", 2}}));
    ASSERT_FALSE(now->delete_edge(e));
    EXPECT_FALSE(now->find_edge(e.id()));
    EXPECT_TRUE(reader->find_edge(e.id())) << "still there in the old snapshot";
    EXPECT_EQ(reader->out_edges(a), std::vector<edge_handle>{e});
}

TEST_F(storage_test, second_writer_fails_at_once_first_updater_wins) {
    auto v = committed_person("Ann");
    auto t1 = db.begin();
    auto t2 = db.begin();
    ASSERT_FALSE(t1->set_property(v, age, value(1)));
    auto ec = t2->set_property(v, age, value(2));
    EXPECT_EQ(ec, errc::serialization_error);
    EXPECT_EQ(ec.message(), std::string(conflict_message));
    EXPECT_TRUE(t2->failed());
    // The failed transaction refuses everything but abort, as Memgraph aborts it.
    EXPECT_EQ(t2->create_vertex().error(), errc::transaction_aborted);
    EXPECT_EQ(t2->commit(), errc::transaction_aborted);
    EXPECT_FALSE(t2->is_open());
    ASSERT_FALSE(t1->commit());
    EXPECT_EQ(db.begin()->property(v, age), value(1));
}

TEST_F(storage_test, conflict_also_when_first_committed_after_second_started) {
    auto v = committed_person("Ann");
    auto t2 = db.begin();
    {
        auto t1 = db.begin();
        ASSERT_TRUE(t1->add_label(v, city).value());
        ASSERT_FALSE(t1->commit());
    }
    EXPECT_EQ(t2->remove_label(v, person).error(), errc::serialization_error);
    auto t3 = db.begin();  // started after the commit: fine
    EXPECT_FALSE(t3->set_property(v, age, value(3)));
    EXPECT_FALSE(t3->commit());
}

TEST_F(storage_test, every_kind_of_write_checks_the_object) {
    auto v = committed_person("Ann");
    auto w = committed_person("Bob");
    auto t1 = db.begin();
    ASSERT_FALSE(t1->set_property(v, age, value(1)));
    {
        auto t = db.begin();
        EXPECT_EQ(t->add_label(v, city).error(), errc::serialization_error);
    }
    {
        auto t = db.begin();
        EXPECT_EQ(t->delete_vertex(v), errc::serialization_error);
    }
    {
        auto t = db.begin();
        EXPECT_EQ(t->detach_delete_vertex(v), errc::serialization_error);
    }
    {
        auto t = db.begin();
        EXPECT_EQ(t->create_edge(w, v, knows).error(), errc::serialization_error);
    }
    {
        auto t = db.begin();  // a different vertex is free
        EXPECT_FALSE(t->set_property(w, age, value(9)));
        EXPECT_TRUE(t->create_vertex());  // creating vertices never conflicts
        EXPECT_FALSE(t->commit());
    }
}

TEST_F(storage_test, reads_never_conflict) {
    auto v = committed_person("Ann", 30);
    auto tmp = committed_person("Tmp", 50);
    auto writer = db.begin();
    ASSERT_FALSE(writer->set_property(v, age, value(31)));
    ASSERT_FALSE(writer->delete_vertex(tmp));
    auto reader = db.begin();
    EXPECT_EQ(reader->property(v, age), value(30));
    EXPECT_EQ(reader->vertices_with_label(person).size(), 2u);
    EXPECT_EQ(reader->vertices_with_property(person, age, value(30)).size(), 1u);
    EXPECT_FALSE(reader->failed());
    EXPECT_FALSE(reader->commit());
    EXPECT_FALSE(writer->commit());
}

TEST_F(storage_test, edge_creation_on_shared_endpoint_conflicts_by_default) {
    auto hub = committed_person("Hub");
    auto x = committed_person("X");
    auto y = committed_person("Y");
    auto t1 = db.begin();
    auto t2 = db.begin();
    ASSERT_TRUE(t1->create_edge(x, hub, knows));
    EXPECT_EQ(t2->create_edge(y, hub, knows).error(), errc::serialization_error);
    EXPECT_FALSE(t1->commit());
}

class non_sequential_test : public storage_test {
protected:
    non_sequential_test() : storage_test(config{.edge_rule = edge_creation_rule::non_sequential}) {}
};

TEST_F(non_sequential_test, concurrent_edge_creations_on_one_vertex_do_not_conflict) {
    auto hub = committed_person("Hub");
    auto x = committed_person("X");
    auto y = committed_person("Y");
    auto t1 = db.begin();
    auto t2 = db.begin();
    auto e1 = t1->create_edge(x, hub, knows);
    auto e2 = t2->create_edge(y, hub, knows);
    ASSERT_TRUE(e1);
    ASSERT_TRUE(e2);
    EXPECT_EQ(t1->in_edges(hub), std::vector<edge_handle>{*e1}) << "no dirty read of t2's edge";
    EXPECT_EQ(t2->in_edges(hub), std::vector<edge_handle>{*e2});
    auto t3 = db.begin();
    EXPECT_EQ(t3->set_property(hub, age, value(1)), errc::serialization_error)
        << "a property write still conflicts with uncommitted edge creations";
    ASSERT_FALSE(t2->commit());
    EXPECT_EQ(db.begin()->in_edges(hub), std::vector<edge_handle>{*e2}) << "t1 is not committed yet";
    ASSERT_FALSE(t1->commit());
    EXPECT_EQ(db.begin()->in_edges(hub).size(), 2u);
}

TEST_F(non_sequential_test, abort_under_an_interleaved_chain_removes_only_its_edge) {
    auto hub = committed_person("Hub");
    auto x = committed_person("X");
    auto t1 = db.begin();
    auto t2 = db.begin();
    auto e1 = t1->create_edge(x, hub, knows);
    auto e2 = t2->create_edge(hub, x, knows);
    ASSERT_TRUE(e1 && e2);
    t1->abort();
    ASSERT_FALSE(t2->commit());
    auto r = db.begin();
    EXPECT_TRUE(r->in_edges(hub).empty());
    EXPECT_EQ(r->out_edges(hub), std::vector<edge_handle>{*e2});
    EXPECT_FALSE(r->exists(*e1));
    db.collect_garbage();
    EXPECT_EQ(db.info().pending_deltas, 0u);
    auto w = db.begin();
    EXPECT_FALSE(w->set_property(hub, age, value(2))) << "chain is clean again";
    EXPECT_FALSE(w->commit());
}

TEST_F(non_sequential_test, edge_creation_still_conflicts_with_a_property_change) {
    auto hub = committed_person("Hub");
    auto x = committed_person("X");
    auto t1 = db.begin();
    auto t2 = db.begin();
    ASSERT_FALSE(t1->set_property(hub, age, value(5)));
    EXPECT_EQ(t2->create_edge(x, hub, knows).error(), errc::serialization_error);
}

class analytical_test : public storage_test {
protected:
    analytical_test() : storage_test(config{.mode = storage_mode::in_memory_analytical}) {}
};

TEST_F(analytical_test, no_conflicts_dirty_reads_no_rollback) {
    auto hub = committed_person("Hub");
    auto x = committed_person("X");
    auto t1 = db.begin();
    auto t2 = db.begin();
    EXPECT_EQ(t1->mode(), storage_mode::in_memory_analytical);
    ASSERT_TRUE(t1->create_edge(x, hub, knows));
    ASSERT_TRUE(t2->create_edge(hub, x, knows));
    ASSERT_FALSE(t1->set_property(hub, age, value(1)));
    ASSERT_FALSE(t2->set_property(hub, age, value(2)));
    EXPECT_EQ(t1->property(hub, age), value(2)) << "writes are visible at once";
    t1->abort();
    ASSERT_FALSE(t2->commit());
    auto r = db.begin();
    EXPECT_EQ(r->in_edges(hub).size(), 1u) << "abort does not roll back";
    EXPECT_EQ(r->out_edges(hub).size(), 1u);
    EXPECT_EQ(db.info().pending_deltas, 0u);
}

TEST_F(storage_test, storage_mode_switch_needs_no_active_transaction) {
    EXPECT_EQ(db.mode(), storage_mode::in_memory_transactional);
    auto tx = db.begin();
    EXPECT_EQ(db.set_mode(storage_mode::in_memory_analytical), errc::busy);
    tx->abort();
    EXPECT_FALSE(db.set_mode(storage_mode::in_memory_analytical));
    EXPECT_EQ(db.begin()->mode(), storage_mode::in_memory_analytical);
    EXPECT_EQ(db.info().mode, storage_mode::in_memory_analytical);
    EXPECT_EQ(to_string(db.info().mode), "IN_MEMORY_ANALYTICAL");
    EXPECT_EQ(parse_storage_mode("in_memory_transactional"), storage_mode::in_memory_transactional);
    EXPECT_FALSE(parse_storage_mode("ON_DISK"));
}

TEST_F(storage_test, deleting_a_vertex_with_edges_needs_detach) {
    auto a = committed_person("A");
    auto b = committed_person("B");
    auto tx = db.begin();
    ASSERT_TRUE(tx->create_edge(a, b, knows));
    ASSERT_TRUE(tx->create_edge(a, a, knows));
    EXPECT_EQ(tx->delete_vertex(a), errc::vertex_has_edges);
    EXPECT_FALSE(tx->failed());
    EXPECT_FALSE(tx->detach_delete_vertex(a));
    EXPECT_FALSE(tx->exists(a));
    EXPECT_TRUE(tx->in_edges(b).empty());
    auto c = tx->take_counters();
    EXPECT_EQ(c.relationships_created, 2);
    EXPECT_EQ(c.relationships_deleted, 2);
    EXPECT_EQ(c.nodes_deleted, 1);
    EXPECT_EQ(tx->set_property(a, age, value(1)), errc::deleted_object);
    EXPECT_FALSE(tx->commit());
    EXPECT_EQ(db.info().vertex_count, 1u);
    EXPECT_EQ(db.info().edge_count, 0u);
}

TEST_F(storage_test, counters_match_what_memgraph_reports) {
    auto tx = db.begin();
    std::pair<property_id, value> props[] = {{name, "x"}, {age, 3}, {age, 4}};
    label_id labels[] = {person, city, person};
    auto v = tx->create_vertex(labels, props);
    ASSERT_TRUE(v);
    auto c = tx->take_counters();
    EXPECT_EQ(c.nodes_created, 1);
    EXPECT_EQ(c.labels_added, 2);
    EXPECT_EQ(c.properties_set, 2);
    EXPECT_EQ(tx->property(*v, age), value(4)) << "the last duplicate key wins";
    EXPECT_FALSE(tx->add_label(*v, person).value()) << "already there";
    EXPECT_EQ(tx->take_counters(), counters{});
    auto nz = counters{.nodes_created = 1, .properties_set = 2}.nonzero();
    ASSERT_EQ(nz.size(), 2u);
    EXPECT_EQ(nz[0].first, "nodes-created");
    EXPECT_EQ(nz[1].first, "properties-set");
}

TEST_F(storage_test, every_value_type_round_trips) {
    std::vector<value> samples = {
        true, std::int64_t{-5}, 2.5, "short", std::string(100, 'x'), bolt::bytes{1, 2, 3},
        bolt::list{1, "a", bolt::list{}}, bolt::map{{"k", 1}}, bolt::date{19000}, bolt::local_time{5},
        bolt::time{7, 3600}, bolt::date_time{1, 2, 3}, bolt::date_time_zone_id{1, 2, "Europe/Paris"},
        bolt::local_date_time{4, 5}, bolt::duration{1, 2, 3, 4}, bolt::point2d{7203, 1, 2},
        bolt::point3d{9157, 1, 2, 3}, std::string(""), std::string(14, 'y'), std::string(15, 'z')};
    auto tx = db.begin();
    auto v = *tx->create_vertex();
    for (std::size_t i = 0; i < samples.size(); ++i)
        ASSERT_FALSE(tx->set_property(v, db.name_to_id("p" + std::to_string(i)), samples[i]));
    ASSERT_FALSE(tx->commit());
    auto r = db.begin();
    for (std::size_t i = 0; i < samples.size(); ++i)
        EXPECT_EQ(r->property(v, db.name_to_id("p" + std::to_string(i))), samples[i]) << i;
    auto n = r->to_node(v);
    EXPECT_EQ(n.properties.size(), samples.size());
    EXPECT_EQ(n.element_id, std::to_string(v.id()));
}

TEST_F(storage_test, index_lookups_are_right_under_uncommitted_changes) {
    auto ann = committed_person("Ann", 30);
    auto bob = committed_person("Bob", 40);
    ASSERT_FALSE(db.create_label_property_index(person, age));
    ASSERT_FALSE(db.create_label_index(person));
    EXPECT_EQ(db.create_label_index(person), errc::index_exists);
    EXPECT_TRUE(db.has_label_property_index(person, age));
    EXPECT_EQ(db.indexes().size(), 2u);

    auto writer = db.begin();
    ASSERT_FALSE(writer->set_property(ann, age, value(41)));
    ASSERT_TRUE(writer->remove_label(bob, person).value());
    auto carl = writer->create_vertex({&person, 1}, std::vector<std::pair<property_id, value>>{{age, 30}});
    ASSERT_TRUE(carl);

    auto reader = db.begin();
    EXPECT_EQ(reader->vertices_with_property(person, age, value(30)), std::vector<vertex_handle>{ann});
    EXPECT_EQ(reader->vertices_with_property(person, age, value(30.0)), std::vector<vertex_handle>{ann})
        << "1 = 1.0 as in Cypher";
    EXPECT_TRUE(reader->vertices_with_property(person, age, value(41)).empty());
    EXPECT_EQ(reader->vertices_with_label(person).size(), 2u);

    EXPECT_EQ(writer->vertices_with_property(person, age, value(30)), std::vector<vertex_handle>{*carl});
    EXPECT_EQ(writer->vertices_with_property(person, age, value(41)), std::vector<vertex_handle>{ann});
    EXPECT_TRUE(writer->vertices_with_property(person, age, value(40)).empty());
    EXPECT_EQ(writer->vertices_with_label(person).size(), 2u);  // ann, carl

    auto range = reader->vertices_with_property_range(person, age, bound{value(30), true}, bound{value(40), false});
    EXPECT_EQ(range, std::vector<vertex_handle>{ann});
    ASSERT_FALSE(writer->commit());
    reader->abort();

    db.collect_garbage();  // sweeps stale entries; lookups stay right
    auto after = db.begin();
    EXPECT_EQ(after->vertices_with_property(person, age, value(41)), std::vector<vertex_handle>{ann});
    EXPECT_TRUE(after->vertices_with_property(person, age, value(40)).empty());
    EXPECT_EQ(after->vertices_with_property(person, age, value(30)), std::vector<vertex_handle>{*carl});
    EXPECT_EQ(after->vertices_with_label(person).size(), 2u);
    after->abort();
    EXPECT_FALSE(db.drop_label_property_index(person, age));
    EXPECT_EQ(db.drop_label_property_index(person, age), errc::index_missing);
}

TEST_F(storage_test, index_stays_right_through_mass_updates_and_sweeps) {
    constexpr int n = 3000;
    ASSERT_FALSE(db.create_label_property_index(person, age));
    std::vector<vertex_handle> vs;
    {
        auto tx = db.begin();
        for (int i = 0; i < n; ++i) {
            std::pair<property_id, value> p[] = {{age, i}};
            vs.push_back(*tx->create_vertex({&person, 1}, p));
        }
        ASSERT_FALSE(tx->commit());
    }
    for (int round = 1; round <= 3; ++round) {
        auto tx = db.begin();
        for (int i = 0; i < n; ++i) {
            if (i % 7 == 0) ASSERT_FALSE(tx->set_property(vs[i], age, value()));
            else ASSERT_FALSE(tx->set_property(vs[i], age, value(i + round * n)));
        }
        ASSERT_FALSE(tx->commit());
        db.collect_garbage();
        auto r = db.begin();
        for (int i = 0; i < n; i += 13) {
            auto hit = r->vertices_with_property(person, age, value(i + round * n));
            EXPECT_EQ(hit, i % 7 ? std::vector<vertex_handle>{vs[i]} : std::vector<vertex_handle>{}) << i;
            EXPECT_TRUE(r->vertices_with_property(person, age, value(i + (round - 1) * n)).empty()) << i;
        }
    }
    EXPECT_LE(db.indexes().front().entries, std::size_t(n)) << "stale entries were swept";
    auto r = db.begin();
    auto range = r->vertices_with_property_range(person, age, bound{value(3 * n), true}, bound{value(3 * n + 20), true});
    EXPECT_EQ(range.size(), 18u);  // 21 values minus 0, 7, 14
    // The same answers without an index (scan path).
    auto unindexed = r->vertices_with_property_range(city, age, bound{value(0), true}, std::nullopt);
    EXPECT_TRUE(unindexed.empty());
    r->abort();
    ASSERT_FALSE(db.drop_label_property_index(person, age));
    auto s = db.begin();
    EXPECT_EQ(s->vertices_with_property_range(person, age, bound{value(3 * n), true}, bound{value(3 * n + 20), true}),
              range);
    EXPECT_EQ(s->vertices_with_property(person, age, value(3 * n + 1)), std::vector<vertex_handle>{vs[1]});
}

TEST_F(storage_test, schema_changes_wait_for_active_transactions) {
    auto tx = db.begin();
    EXPECT_EQ(db.create_label_index(person), errc::busy);
    EXPECT_EQ(db.create_unique_constraint(person, name), errc::busy);
    EXPECT_FALSE(schema_change_allowed(true));
    EXPECT_TRUE(schema_change_allowed(false));
    std::thread finisher([&] { tx->abort(); });
    EXPECT_FALSE(db.create_label_index(person, std::chrono::seconds(30)));
    finisher.join();
}

TEST_F(storage_test, unique_constraint_is_checked_at_commit) {
    ASSERT_FALSE(db.create_unique_constraint(person, name));
    EXPECT_EQ(db.unique_constraints().size(), 1u);
    committed_person("Ann");
    std::pair<property_id, value> ann[] = {{name, "Ann"}};
    {
        auto tx = db.begin();
        ASSERT_TRUE(tx->create_vertex({&person, 1}, ann)) << "not checked before commit";
        EXPECT_EQ(tx->commit(), errc::unique_constraint_violation);
        EXPECT_NE(tx->error_message().find(":Person(name)"), std::string::npos) << tx->error_message();
        EXPECT_NE(tx->error_message().find("Ann"), std::string::npos);
    }
    EXPECT_EQ(db.begin()->vertices_with_property(person, name, "Ann").size(), 1u) << "rolled back";
    {
        // Two concurrent transactions: the first to commit wins.
        std::pair<property_id, value> zed[] = {{name, "Zed"}};
        auto t1 = db.begin();
        auto t2 = db.begin();
        ASSERT_TRUE(t1->create_vertex({&person, 1}, zed));
        ASSERT_TRUE(t2->create_vertex({&person, 1}, zed));
        EXPECT_FALSE(t1->commit());
        EXPECT_EQ(t2->commit(), errc::unique_constraint_violation);
    }
    {
        // Setting the label later also counts; a vertex without the label does not.
        auto tx = db.begin();
        auto v = tx->create_vertex({}, ann);
        ASSERT_TRUE(v);
        ASSERT_FALSE(tx->commit());
        auto t2 = db.begin();
        ASSERT_TRUE(t2->add_label(*v, person).value());
        EXPECT_EQ(t2->commit(), errc::unique_constraint_violation);
    }
    {
        auto tx = db.begin();  // renaming frees the value
        auto v = tx->vertices_with_property(person, name, "Ann");
        ASSERT_EQ(v.size(), 1u);
        ASSERT_FALSE(tx->set_property(v[0], name, "Anna"));
        ASSERT_TRUE(tx->create_vertex({&person, 1}, ann));
        EXPECT_FALSE(tx->commit());
    }
    std::string msg;
    auto dup = db.begin();
    ASSERT_TRUE(dup->create_vertex({&city, 1}, ann));
    ASSERT_TRUE(dup->create_vertex({&city, 1}, ann));
    ASSERT_FALSE(dup->commit());
    EXPECT_EQ(db.create_unique_constraint(city, name, {}, &msg), errc::constraint_violated_by_data);
    EXPECT_NE(msg.find("Ann"), std::string::npos);
    EXPECT_FALSE(db.drop_unique_constraint(person, name));
    EXPECT_TRUE(db.unique_constraints().empty());
}

TEST(user_store_test, create_verify_drop_list) {
    storage db;
    auto& users = db.users();
    EXPECT_FALSE(users.auth_required());
    EXPECT_TRUE(users.authenticate("anyone", "anything")) << "no users: access control is off";
    EXPECT_EQ(users.create("alice", "s3cret"), user_store::outcome::ok);
    EXPECT_EQ(users.create("alice", "other"), user_store::outcome::exists);
    EXPECT_EQ(users.create_if_missing("alice", "other"), user_store::outcome::ok);
    EXPECT_TRUE(users.auth_required());
    EXPECT_TRUE(users.authenticate("alice", "s3cret"));
    EXPECT_FALSE(users.authenticate("alice", "other"));
    EXPECT_FALSE(users.authenticate("bob", "s3cret"));
    EXPECT_EQ(users.create("bob", std::nullopt), user_store::outcome::ok);
    EXPECT_EQ(users.list(), (std::vector<std::string>{"alice", "bob"}));
    EXPECT_EQ(users.drop("alice"), user_store::outcome::ok);
    EXPECT_EQ(users.drop("alice"), user_store::outcome::missing);
    EXPECT_FALSE(users.authenticate("alice", "s3cret"));
    EXPECT_EQ(users.drop("bob"), user_store::outcome::ok);
    EXPECT_FALSE(users.auth_required());
}

TEST_F(storage_test, garbage_collection_frees_deltas_no_one_needs) {
    auto v = committed_person("Ann", 0);
    db.collect_garbage();
    EXPECT_EQ(db.info().pending_deltas, 0u);
    auto old_reader = db.begin();
    for (int i = 1; i <= 10; ++i) {
        auto tx = db.begin();
        ASSERT_FALSE(tx->set_property(v, age, value(i)));
        ASSERT_FALSE(tx->commit());
    }
    db.collect_garbage();
    EXPECT_EQ(db.info().pending_deltas, 10u) << "the old reader still needs them";
    EXPECT_EQ(old_reader->property(v, age), value(0));
    old_reader->abort();
    db.collect_garbage();
    EXPECT_EQ(db.info().pending_deltas, 0u);
    EXPECT_EQ(db.begin()->property(v, age), value(10));
}

TEST_F(storage_test, garbage_collection_keeps_memory_bounded_during_an_import) {
    std::pair<property_id, value> props[] = {{name, "x"}, {age, 1}};
    std::uint64_t peak = 0;
    for (int batch = 0; batch < 200; ++batch) {
        auto tx = db.begin();
        for (int i = 0; i < 50; ++i) ASSERT_TRUE(tx->create_vertex({&person, 1}, props));
        ASSERT_FALSE(tx->commit());
        peak = std::max(peak, db.info().pending_deltas);
    }
    EXPECT_LE(peak, 50u * 40) << "GC runs every few commits on its own";
    EXPECT_EQ(db.info().vertex_count, 10000u);
    auto i = db.info();
    EXPECT_GT(i.memory_tracked, 10000u * 80);
}

TEST_F(storage_test, cursor_does_not_see_vertices_created_after_it) {
    committed_person("A");
    committed_person("B");
    auto tx = db.begin();
    auto cur = tx->vertices();
    int seen = 0;
    while (auto v = cur.next()) {
        ++seen;
        ASSERT_TRUE(tx->create_vertex());
    }
    EXPECT_EQ(seen, 2);
}

TEST(storage_stress, concurrent_transactions_keep_invariants) {
    storage db(config{.gc_every_commits = 8});
    const auto counter_label = db.name_to_id("Counter");
    const auto item = db.name_to_id("Item");
    const auto value_p = db.name_to_id("value");
    const auto rel = db.name_to_id("HAS");
    vertex_handle counter;
    {
        auto tx = db.begin();
        std::pair<property_id, value> p[] = {{value_p, 0}};
        counter = *tx->create_vertex({&counter_label, 1}, p);
        ASSERT_FALSE(tx->commit());
    }
    constexpr int threads = 4;
    constexpr int txns = 2000;
    std::atomic<int> conflicts{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = 0; i < txns; ++i) {
                for (int attempt = 0;; ++attempt) {
                    ASSERT_LT(attempt, 100000);
                    auto tx = db.begin();
                    auto v = tx->create_vertex({&item, 1}, {});
                    if (!v) continue;
                    // An edge to the shared counter: conflicts under the default rule.
                    auto e = tx->create_edge(counter, *v, rel);
                    std::int64_t cur = tx->property(counter, value_p).as<std::int64_t>();
                    std::error_code ec = e ? tx->set_property(counter, value_p, value(cur + 1)) : e.error();
                    if (!ec) ec = tx->commit();
                    if (!ec) break;
                    ASSERT_EQ(ec, errc::serialization_error) << ec.message();
                    tx->abort();
                    ++conflicts;
                    if (attempt % 8 == 7) std::this_thread::yield();
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    db.collect_garbage();
    auto r = db.begin();
    EXPECT_EQ(r->property(counter, value_p), value(std::int64_t{threads * txns})) << "no lost update";
    EXPECT_EQ(r->out_edges(counter).size(), std::size_t{threads * txns});
    EXPECT_EQ(r->vertices_with_label(item).size(), std::size_t{threads * txns}) << "aborted ones gone";
    auto info = db.info();
    EXPECT_EQ(info.vertex_count, std::uint64_t{threads * txns + 1});
    EXPECT_EQ(info.edge_count, std::uint64_t{threads * txns});
    r->abort();
    db.collect_garbage();
    EXPECT_EQ(db.info().pending_deltas, 0u);
    EXPECT_EQ(db.active_transactions(), 0u);
    std::printf("conflicts retried: %d\n", conflicts.load());
}

TEST(storage_stress, concurrent_bulk_creation_under_non_sequential_rule) {
    storage db(config{.edge_rule = edge_creation_rule::non_sequential, .gc_every_commits = 4});
    const auto n = db.name_to_id("N");
    const auto id = db.name_to_id("id");
    const auto r = db.name_to_id("R");
    ASSERT_FALSE(db.create_label_property_index(n, id));
    vertex_handle hub;
    {
        auto tx = db.begin();
        std::pair<property_id, value> p[] = {{id, -1}};
        hub = *tx->create_vertex({&n, 1}, p);
        ASSERT_FALSE(tx->commit());
    }
    constexpr int threads = 4, txns = 300, per = 10;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < txns; ++i) {
                auto tx = db.begin();
                for (int k = 0; k < per; ++k) {
                    std::pair<property_id, value> p[] = {{id, (t * txns + i) * per + k}};
                    auto v = tx->create_vertex({&n, 1}, p);
                    ASSERT_TRUE(v);
                    ASSERT_TRUE(tx->create_edge(hub, *v, r)) << "edge creations on the hub never conflict";
                }
                if (i % 3 == 0) tx->abort(); else ASSERT_FALSE(tx->commit());
            }
        });
    for (auto& th : pool) th.join();
    auto tx = db.begin();
    std::size_t expected = 0;
    for (int i = 0; i < txns; ++i) expected += (i % 3 == 0) ? 0 : per;
    expected *= threads;
    EXPECT_EQ(tx->out_edges(hub).size(), expected);
    EXPECT_EQ(tx->vertices_with_label(n).size(), expected + 1);
    EXPECT_EQ(tx->vertices_with_property(n, id, value(per + 3)).size(), 1u);  // t0, i1 committed
    EXPECT_TRUE(tx->vertices_with_property(n, id, value(3)).empty());         // t0, i0 aborted
}

}  // namespace
