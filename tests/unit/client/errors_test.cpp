// FAILURE classification (as the Python driver decides), the exception types users catch, the
// GQL-era FAILURE layout, and that no error text ever shows a credential.
#include "bolt/errors.hpp"

#include <gtest/gtest.h>

#include <string>

#include "bolt/value.hpp"

namespace {

using bolt::error_class;

constexpr const char* mg_transient = "Memgraph.TransientError.MemgraphError.MemgraphError";
constexpr const char* mg_client = "Memgraph.ClientError.MemgraphError.MemgraphError";

// Memgraph's conflict messages across releases (reference §6.1).
constexpr const char* conflict_v31 =
    "Cannot resolve conflicting transactions. Retry this transaction when the conflicting "
    "transaction "
    "is finished. For more details, visit https://memgraph.com/docs";
constexpr const char* conflict_v212 =
    "Cannot resolve conflicting transactions. You can retry this transaction when the conflicting "
    "transaction is finished";
constexpr const char* commit_serialization = "Unable to commit due to serialization error.";

struct classify_case {
    const char* code;
    const char* message;
    error_class cls;
    bool retryable;
    bool conflict;
};

// One table for the classifier: every row is something a user would see as "retried or not".
const classify_case classify_cases[] = {
    // Memgraph conflicts, current and 2.12-3.0 wording: transient, retried, counted as conflicts.
    {mg_transient, conflict_v31, error_class::transient, true, true},
    {mg_transient, conflict_v212, error_class::transient, true, true},
    // Memgraph <= 2.11 sent the same conflict as ClientError: a conflict, but (as in Python) not
    // retried.
    {mg_client, conflict_v212, error_class::client, false, true},
    // Commit-time wording arrives as ClientError.
    {mg_client, commit_serialization, error_class::client, false, true},
    // Other Memgraph transient errors: retried, not conflicts.
    {mg_transient, "Transaction was asked to abort because of transaction timeout.",
     error_class::transient, true, false},
    {mg_transient, "Tried to retrieve an unknown database \"x\".", error_class::transient, true,
     false},
    // Memory limit: transient by code, never retried.
    {mg_transient,
     "Memory limit exceeded! Attempting to allocate a chunk of 256.00MiB which would put the "
     "current use "
     "to 1.20GiB, while the maximum allowed size for allocation is set to 1.00GiB.",
     error_class::transient, false, false},
    {mg_transient, "Query execution memory limit exceeded.", error_class::transient, false, false},
    // Plain query errors.
    {mg_client, "Invalid input 'CRATE'", error_class::client, false, false},
    {"Memgraph.DatabaseError.MemgraphError.MemgraphError", "boom", error_class::database, false,
     false},
    {"Memgraph.DatabaseError.Planner.InternalBug", "bug", error_class::database, false, false},
    {"Memgraph.ClientError.Statement.SessionLimitReached",
     "User reached the limit of concurent sessions", error_class::client, false, false},
    // Fewer or more than 4 parts: DatabaseError, whatever the words say.
    {"Memgraph.ExecutionException",
     "Something went wrong while executing the query! Check the server logs for more details.",
     error_class::database, false, false},
    {"66", "Route message is not supported in Memgraph!", error_class::database, false, false},
    {"Neo.TransientError.Transaction.DeadlockDetected.Extra", "x", error_class::database, false,
     false},
    {"", "", error_class::database, false, false},
    // Neo4j rewrites.
    {"Neo.TransientError.Transaction.Terminated", "terminated", error_class::client, false, false},
    {"Neo.TransientError.Transaction.LockClientStopped", "stopped", error_class::client, false,
     false},
    {"Neo.ClientError.Security.AuthorizationExpired", "expired", error_class::transient, true,
     false},
    // Neo4j transient errors, deadlock is the conflict.
    {"Neo.TransientError.Transaction.DeadlockDetected",
     "ForsetiClient[1] can't acquire ExclusiveLock", error_class::transient, true, true},
    {"Neo.TransientError.General.DatabaseUnavailable", "unavailable", error_class::transient, true,
     false},
    {"Neo.TransientError.Transaction.LockAcquisitionTimeout", "timeout", error_class::transient,
     true, false},
    // Auth: the codes Python maps to AuthError, and Memgraph's (a plain ClientError in Python).
    {"Neo.ClientError.Security.Unauthorized", "The client is unauthorized", error_class::auth,
     false, false},
    {"Neo.ClientError.Security.AuthorizationFailed", "no", error_class::auth, false, false},
    {"Neo.ClientError.Security.TokenExpired", "token", error_class::auth, false, false},
    {"Memgraph.ClientError.Security.Unauthenticated", "Authentication failure", error_class::auth,
     false, false},
    // Other security codes are ordinary client errors in Python too.
    {"Neo.ClientError.Security.Forbidden", "forbidden", error_class::client, false, false},
    {"Neo.ClientError.Security.CredentialsExpired", "expired", error_class::client, false, false},
    // An unknown classification word is not retryable.
    {"Neo.WeirdError.Foo.Bar", "?", error_class::database, false, false},
};

TEST(ErrorsClassify, EveryCodeAndMessageInTheTable) {
    for (const auto& c : classify_cases) {
        SCOPED_TRACE(std::string(c.code) + " / " + c.message);
        const bolt::failure_info info = bolt::classify_failure(c.code, c.message);
        EXPECT_EQ(info.cls, c.cls) << bolt::to_string(info.cls);
        EXPECT_EQ(info.retryable, c.retryable);
        EXPECT_EQ(info.conflict, c.conflict);
        EXPECT_EQ(bolt::classify(c.code, c.message), c.cls);
    }
}

TEST(ErrorsClassify, ThrownTypeAndAccessorsMatchTheClassifier) {
    for (const auto& c : classify_cases) {
        SCOPED_TRACE(std::string(c.code) + " / " + c.message);
        try {
            bolt::throw_server_error(c.code, c.message);
            FAIL() << "throw_server_error returned";
        } catch (const bolt::error& e) {
            EXPECT_EQ(e.classification(), c.cls);
            EXPECT_EQ(e.is_retryable(), c.retryable);
            EXPECT_EQ(e.is_conflict(), c.conflict);
            EXPECT_NE(dynamic_cast<const bolt::server_error*>(&e), nullptr);
            switch (c.cls) {
                case error_class::client:
                    EXPECT_NE(dynamic_cast<const bolt::client_error*>(&e), nullptr);
                    EXPECT_EQ(dynamic_cast<const bolt::auth_error*>(&e), nullptr);
                    break;
                case error_class::auth:
                    EXPECT_NE(dynamic_cast<const bolt::auth_error*>(&e), nullptr);
                    break;
                case error_class::transient:
                    EXPECT_NE(dynamic_cast<const bolt::transient_error*>(&e), nullptr);
                    break;
                case error_class::database:
                    EXPECT_NE(dynamic_cast<const bolt::database_error*>(&e), nullptr);
                    break;
                default:
                    ADD_FAILURE() << "server errors are client, auth, transient or database";
            }
        }
    }
}

TEST(ErrorsClassify, ConflictCarriesCodeMessageAndReadableWhat) {
    try {
        bolt::throw_server_error(mg_transient, conflict_v31);
    } catch (const bolt::transient_error& e) {
        EXPECT_EQ(e.code(), mg_transient);
        EXPECT_EQ(e.server_message(), conflict_v31);
        EXPECT_EQ(std::string(e.what()), std::string(mg_transient) + ": " + conflict_v31);
        return;
    }
    FAIL() << "expected transient_error";
}

TEST(ErrorsClassify, TerminatedReportsTheRewrittenCodeLikePython) {
    try {
        bolt::throw_server_error("Neo.TransientError.Transaction.Terminated", "terminated");
    } catch (const bolt::client_error& e) {
        EXPECT_EQ(e.code(), "Neo.ClientError.Transaction.Terminated");
        EXPECT_FALSE(e.is_retryable());
        return;
    }
    FAIL() << "expected client_error";
}

TEST(ErrorsClassify, AuthErrorIsAClientErrorToo) {
    // Code written against Python's hierarchy (AuthError < ClientError) keeps working.
    EXPECT_THROW(bolt::throw_server_error("Memgraph.ClientError.Security.Unauthenticated",
                                          "Authentication failure"),
                 bolt::client_error);
}

TEST(ErrorsClassify, EmptyCodeAndMessageGetPythonPlaceholders) {
    try {
        bolt::throw_server_error("", "");
    } catch (const bolt::database_error& e) {
        EXPECT_EQ(e.code(), "Neo.DatabaseError.General.UnknownError");
        EXPECT_EQ(e.server_message(), "An unknown error occurred");
        return;
    }
    FAIL() << "expected database_error";
}

TEST(ErrorsClientSide, RetryabilityOfDriverErrors) {
    const bolt::service_unavailable su("connection refused");
    const bolt::session_expired se("connection lost while streaming");
    const bolt::incomplete_commit ic("connection lost after COMMIT");
    const bolt::protocol_error pe("bad marker");
    const bolt::usage_error ue("result consumed");
    EXPECT_TRUE(su.is_retryable());
    EXPECT_TRUE(se.is_retryable());
    EXPECT_FALSE(ic.is_retryable());
    EXPECT_FALSE(pe.is_retryable());
    EXPECT_FALSE(ue.is_retryable());
    EXPECT_EQ(su.classification(), error_class::service_unavailable);
    EXPECT_EQ(se.classification(), error_class::session_expired);
    EXPECT_EQ(ic.classification(), error_class::incomplete_commit);
    EXPECT_EQ(pe.classification(), error_class::protocol);
    EXPECT_EQ(ue.classification(), error_class::usage);
    EXPECT_TRUE(su.code().empty());
    EXPECT_TRUE(su.server_message().empty());
    EXPECT_EQ(std::string(ue.what()), "result consumed");
    // An unknown-outcome commit must never be caught as "service unavailable, retry".
    EXPECT_EQ(dynamic_cast<const bolt::service_unavailable*>(static_cast<const bolt::error*>(&ic)),
              nullptr);
}

TEST(ErrorsClientSide, ToStringNamesEveryClass) {
    EXPECT_EQ(bolt::to_string(error_class::transient), "transient");
    EXPECT_EQ(bolt::to_string(error_class::incomplete_commit), "incomplete_commit");
    EXPECT_EQ(bolt::to_string(error_class::other), "other");
}

TEST(ErrorsFailureMetadata, ClassicLayout) {
    const bolt::map m{{"code", mg_transient}, {"message", conflict_v31}};
    const bolt::failure_details d = bolt::failure_from_metadata(m);
    EXPECT_EQ(d.code, mg_transient);
    EXPECT_EQ(d.message, conflict_v31);
    EXPECT_FALSE(d.gql_status.has_value());
}

TEST(ErrorsFailureMetadata, GqlLayout) {
    const bolt::map m{
        {"gql_status", "50N42"},
        {"message", "Deadlock detected"},
        {"description", "error: general processing exception - deadlock detected"},
        {"neo4j_code", "Neo.TransientError.Transaction.DeadlockDetected"},
        {"diagnostic_record", bolt::map{{"_classification", "TRANSIENT_ERROR"}}},
    };
    const bolt::failure_details d = bolt::failure_from_metadata(m);
    EXPECT_EQ(d.code, "Neo.TransientError.Transaction.DeadlockDetected");
    EXPECT_EQ(d.message, "Deadlock detected");
    EXPECT_EQ(d.gql_status, "50N42");
    EXPECT_TRUE(bolt::classify_failure(d.code, d.message).conflict);
}

TEST(ErrorsFailureMetadata, GqlWithoutMessageFallsBackToDescription) {
    const bolt::map m{{"neo4j_code", "Neo.ClientError.Statement.SyntaxError"},
                      {"description", "invalid syntax"}};
    const bolt::failure_details d = bolt::failure_from_metadata(m);
    EXPECT_EQ(d.code, "Neo.ClientError.Statement.SyntaxError");
    EXPECT_EQ(d.message, "invalid syntax");
}

TEST(ErrorsFailureMetadata, MissingOrWrongTypedFieldsGetPlaceholders) {
    const bolt::failure_details d = bolt::failure_from_metadata(bolt::map{{"code", 42}});
    EXPECT_EQ(d.code, "Neo.DatabaseError.General.UnknownError");
    EXPECT_EQ(d.message, "An unknown error occurred");
}

TEST(ErrorsFailureMetadata, ThrowFailureThrowsTheClassifiedType) {
    EXPECT_THROW(bolt::throw_failure(bolt::map{{"code", mg_transient}, {"message", conflict_v212}}),
                 bolt::transient_error);
    EXPECT_THROW(
        bolt::throw_failure(bolt::map{{"code", "Memgraph.ClientError.Security.Unauthenticated"},
                                      {"message", "Authentication failure"}}),
        bolt::auth_error);
}

// ---- credentials never show ------------------------------------------------------------------

struct redact_case {
    const char* input;
    const char* expected;
};

const redact_case redact_cases[] = {
    {"cannot connect to bolt://alice:s3cret@db.example:7687/x",
     "cannot connect to bolt://alice:***@db.example:7687/x"},
    {"bolt+s://bob:p@ss@host:7687", "bolt+s://bob:***@host:7687"},
    {"bolt://host:7687 refused", "bolt://host:7687 refused"},
    {"CREATE USER alice IDENTIFIED BY 's3cret';", "CREATE USER alice IDENTIFIED BY '***';"},
    {"create user bob identified   by \"hunter2\"", "create user bob identified   by \"***\""},
    {"SET PASSWORD FOR alice TO 'new1'", "SET PASSWORD FOR alice TO '***'"},
    {"SET PASSWORD FOR alice TO 'new1'; MATCH (n {name: 'x'}) RETURN n",
     "SET PASSWORD FOR alice TO '***'; MATCH (n {name: 'x'}) RETURN n"},
    {"CREATE (u:User {name: $name, password: $password})",
     "CREATE (u:User {name: $name, password: ***})"},
    {"SET PASSWORD TO 'new1'", "SET PASSWORD TO '***'"},
    {"ALTER CURRENT USER SET PASSWORD FROM 'old1' TO 'new2'",
     "ALTER CURRENT USER SET PASSWORD FROM '***' TO '***'"},
    {"{scheme: \"basic\", principal: \"alice\", credentials: \"s3cret\"}",
     "{scheme: \"basic\", principal: \"alice\", credentials: \"***\"}"},
    {"{\"scheme\":\"basic\",\"credentials\":\"s3cret\"}",
     "{\"scheme\":\"basic\",\"credentials\":\"***\"}"},
    {"credentials=access_token=abc.def;id_token=ghi", "credentials=***;id_token=***"},
    {"Authentication failure", "Authentication failure"},
    {"wrong password for user alice", "wrong password for user alice"},
    {"unterminated IDENTIFIED BY 'abc", "unterminated IDENTIFIED BY '***"},
    {"password", "password"},
};

TEST(ErrorsRedaction, Table) {
    for (const auto& c : redact_cases) {
        EXPECT_EQ(bolt::redact_credentials(c.input), c.expected) << c.input;
    }
}

TEST(ErrorsRedaction, ServerMessageEchoingAQueryHidesThePassword) {
    try {
        bolt::throw_server_error(mg_client,
                                 "Invalid input near CREATE USER alice IDENTIFIED BY 'topsecret'");
    } catch (const bolt::error& e) {
        EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
        EXPECT_EQ(e.server_message().find("topsecret"), std::string::npos);
        return;
    }
    FAIL();
}

TEST(ErrorsRedaction, DriverErrorWithUriHidesThePassword) {
    const bolt::service_unavailable e(
        "could not connect to bolt://loader:topsecret@127.0.0.1:7687");
    EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("loader"), std::string::npos);
}

// ---- routing effects and discovery ---------------------------------------------------------

TEST(ErrorsRouting, EffectOfEveryCodeInTheTable) {
    using bolt::routing_effect;
    const std::pair<std::string_view, routing_effect> table[] = {
        {"Neo.ClientError.Cluster.NotALeader", routing_effect::not_writer},
        {"Neo.ClientError.General.ForbiddenOnReadOnlyDatabase", routing_effect::not_writer},
        {"Neo.TransientError.General.DatabaseUnavailable", routing_effect::forget_server},
        {"Neo.TransientError.Transaction.DeadlockDetected", routing_effect::none},
        {"Memgraph.TransientError.MemgraphError.MemgraphError", routing_effect::none},
        {"Neo.ClientError.Cluster.NotALeaderX", routing_effect::none},
        {"", routing_effect::none},
    };
    for (const auto& [code, effect] : table) EXPECT_EQ(bolt::routing_effect_of(code), effect) << code;
}

TEST(ErrorsRouting, DiscoveryStopsOnlyOnErrorsOfTheRequestItself) {
    const std::pair<std::string_view, bool> table[] = {
        {"Neo.ClientError.Database.DatabaseNotFound", true},
        {"Neo.ClientError.Transaction.InvalidBookmark", true},
        {"Neo.ClientError.Transaction.InvalidBookmarkMixture", true},
        {"Neo.ClientError.Statement.TypeError", true},
        {"Neo.ClientError.Statement.ArgumentError", true},
        {"Neo.ClientError.Request.Invalid", true},
        {"Neo.ClientError.Security.Unauthorized", true},
        {"Neo.ClientError.Security.AuthorizationExpired", false},  // a fresh login fixes it
        {"Memgraph.ClientError.MemgraphError.MemgraphError", true},  // "not part of a cluster"
        {"Neo.TransientError.General.DatabaseUnavailable", false},
        {"Neo.ClientError.Cluster.NotALeader", false},
        {"Neo.DatabaseError.General.UnknownError", false},
        {"", false},
    };
    for (const auto& [code, fatal] : table) EXPECT_EQ(bolt::fatal_during_discovery(code), fatal) << code;
}

}  // namespace
