// Shared by the db tests: a fresh database per test executable, claims built by hand, and a
// stand-in for the rules' claim-key decisions (the real rules engine lives in rules/).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <deque>
#include <string>
#include <string_view>

#include "codec/claim.h"
#include "rules/decision.h"
#include "sql/store.h"

namespace rxgate::test {

// The server of RXGATE_TEST_DSN, database rxgate_test_<executable>, dropped and created once per
// process and migrated. Empty when RXGATE_TEST_DSN is not set.
const std::string& fresh_database_dsn();
// Same server, database `name` (for admin queries and extra databases).
std::string dsn_for_database(const std::string& name);
// Drops (if present) and creates database `name` on the test server; returns its DSN.
std::string create_database(const std::string& name);

#define RXGATE_REQUIRE_DB()                                                                   \
  do {                                                                                        \
    if (::rxgate::test::fresh_database_dsn().empty())                                         \
      GTEST_SKIP() << "RXGATE_TEST_DSN is not set; start PostgreSQL with deploy/pg.sh start " \
                      "and export RXGATE_TEST_DSN=$(deploy/pg.sh dsn)";                       \
  } while (0)

// Runs one SQL statement on `dsn` (test setup and checks only) and returns the first column of
// the first row as text ("" when no row, "NULL" for NULL).
std::string query_value(const std::string& dsn, const std::string& sql);
void exec_sql(const std::string& dsn, const std::string& sql);

// Claims whose string_views point into the factory's own storage.
class claim_factory {
 public:
  std::string_view keep(std::string s) { return strings_.emplace_back(std::move(s)); }
  // A B1/B2/B3 for member `cardholder` at pharmacy `provider` with Rx `rx`, fill 0, DOS `dos`.
  codec::claim make(std::string_view code, std::string_view rx, codec::date dos,
                    std::string_view cardholder = "M100", std::string_view provider = "1234567890",
                    std::string_view product = "00071015523", std::int64_t quantity = 30000,
                    int days_supply = 30);

 private:
  std::deque<std::string> strings_;
};

// Fingerprint used by the stand-in rules: the fields that differ between test claims.
std::uint64_t test_fingerprint(const codec::claim& c);

// The claim-key part of adjudication (DESIGN.md §3), as the rules engine decides it from
// history.same_key: B1 -> P, D (same fingerprint as the active paid claim) or 83; B2 -> A, S or
// 87; B3 -> P (rebill) or 87. Paid claims get pricing and an authorization number.
void decide(store::batch_entry& e);

// A store on `dsn` that reconnects after `reconnect_min` (short, so a test does not wait).
std::unique_ptr<store::claim_store> reconnecting_store(const std::string& dsn, std::chrono::milliseconds reconnect_min);

// An entry for claim `c` (source "test", placeholder request and response bytes).
store::batch_entry entry_for(const codec::claim& c);
// `count` B1 claims with Rx numbers first_rx, first_rx + 1, ... on `dos`; an entry for each claim.
std::vector<codec::claim> b1_claims(claim_factory& f, int count, int first_rx, codec::date dos);
std::vector<store::batch_entry> entries_for(const std::vector<codec::claim>& claims);

// One whole batch the way the server's batcher drives it (load, decide, insert, re-adjudicate
// conflicts, commit). Returns the first error. The entries' history and the decisions built from
// it view the batch's buffers: pass `keep` to hold the committed batch (and so those views) for
// as long as the caller reads them.
store::error run_batch(store::claim_store& s, std::span<store::batch_entry> entries,
                       std::unique_ptr<store::batch>* keep = nullptr);

inline codec::date day(int y, int m, int d) {
  return {static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

}  // namespace rxgate::test
