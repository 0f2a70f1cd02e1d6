// sql/connection.h: statements prepared on demand (a bounded set per connection, forgotten with the
// session) and a pool's for_each, against a real PostgreSQL.
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <set>
#include <string>

#include "sql/connection.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

using store::pg::connection;

// The statements the server holds for this session, in name order, comma separated.
std::string prepared_on_server(connection& c) {
  pqxx::nontransaction q(c.get());
  return q.exec("SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM pg_prepared_statements")[0][0]
      .c_str();
}

// Asks for statement `name` (SELECT <value>) and runs it; its answer.
int ask(connection& c, const std::string& name, int value, int& built) {
  int answer = -1;
  EXPECT_FALSE(c.run("ask", [&](connection& on) {
    on.prepare_on_demand(name, [&] {
      ++built;
      return "SELECT " + std::to_string(value) + " + $1::integer";
    });
    pqxx::nontransaction q(on.get());
    answer = q.exec_prepared(name, 0)[0][0].as<int>();
  }));
  return answer;
}

TEST(Connection, PreparesOnDemandOnceAndKeepsTheMostRecentlyAskedWithinItsBound) {
  RXGATE_REQUIRE_DB();
  store::pg::connection_settings s;
  s.dsn = fresh_database_dsn();
  s.max_on_demand_statements = 2;
  connection c(s);
  int built = 0;
  EXPECT_EQ(ask(c, "a", 1, built), 1);
  EXPECT_EQ(ask(c, "b", 2, built), 2);
  EXPECT_EQ(ask(c, "a", 1, built), 1);  // known: not built again
  EXPECT_EQ(built, 2);
  EXPECT_EQ(prepared_on_server(c), "a,b");
  // At the bound, a third evicts the least recently asked for (b: a was asked after it).
  EXPECT_EQ(ask(c, "c", 3, built), 3);
  EXPECT_EQ(built, 3);
  EXPECT_EQ(prepared_on_server(c), "a,c");
  EXPECT_EQ(ask(c, "b", 2, built), 2);  // built again, evicting a
  EXPECT_EQ(built, 4);
  EXPECT_EQ(prepared_on_server(c), "b,c");
  // A new session knows none of them: asked again, each is prepared again.
  c.close();
  EXPECT_EQ(ask(c, "c", 3, built), 3);
  EXPECT_EQ(built, 5);
  EXPECT_EQ(prepared_on_server(c), "c");
}

TEST(Connection, PoolForEachRunsOnEveryConnection) {
  RXGATE_REQUIRE_DB();
  store::pg::connection_settings s;
  s.dsn = fresh_database_dsn();
  store::pg::connection_pool pool(s, 3, std::chrono::milliseconds(2000), "test");
  std::set<int> backends;
  int runs = 0;
  EXPECT_FALSE(pool.for_each("each", [&](pqxx::connection& c) {
    ++runs;
    backends.insert(c.backendpid());
  }));
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(backends.size(), 3u);
  // The first error ends it.
  runs = 0;
  const auto e = pool.for_each("each", [&](pqxx::connection& c) -> store::error {
    ++runs;
    pqxx::nontransaction q(c);
    q.exec("SELECT 1/0");
    return {};
  });
  EXPECT_TRUE(e);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace rxgate::test
