// The gateway's own maintenance: claim partitions ahead of the calendar, so a gateway that runs
// for months never writes into the default partition.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

TEST(maintenance, gateway_creates_missing_claim_partitions_at_start) {
  RXGATE_REQUIRE_DB();
  const std::string dsn = create_database("rxgate_server_maintenance");
  const std::string month =
      query_value(dsn, "SELECT to_char(date_trunc('month', current_date) + interval '2 months', 'YYYY_MM')");
  const std::string exists = "SELECT to_regclass('claims_" + month + "') IS NOT NULL";
  query_value(dsn, "DROP TABLE claims_" + month);
  ASSERT_EQ(query_value(dsn, exists), "f");

  config_text c;
  c.dsn = dsn;
  const auto path = write_config(make_temp_dir("maintenance"), c);
  running_gateway gateway(server::load_config(path));
  // The check runs on the gateway's maintenance thread right after start.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (query_value(dsn, exists) != "t" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(query_value(dsn, exists), "t");
}

}  // namespace
}  // namespace rxgate::test
