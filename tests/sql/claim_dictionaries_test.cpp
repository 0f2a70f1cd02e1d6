// zstd dictionaries against a real PostgreSQL (migration 0028, sql/claim_dictionaries.h): trained
// on the stored claims, used by a running writer from its next look, read back by the reader byte
// for byte, old rows untouched, and never changed or deleted.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "sql/access.h"
#include "sql/claim_bytes.h"
#include "sql/claim_dictionaries.h"
#include "sql/reader.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

// A D.0-shaped transmission for claim `rx` (what a writer stores as the request).
std::string transmission(int rx) {
  const std::string n = std::to_string(rx);
  return "610014D0B1PCNDEMO  1011" + std::string(10 - std::min<std::size_t>(10, n.size()), '0') + n +
         "     20261120          \x1e\x1c" "AM04\x1c" "C2M" + n + "\x1c" "CCJANE\x1c" "CDDOE\x1d\x1e\x1c" "AM07\x1c" "EM1"
         "\x1c" "D2" + n + "\x1c" "E103\x1c" "D700071015523\x1c" "E730000\x1c" "D30\x1c" "D530\x1e\x1c" "AM11\x1c" "D9" +
         std::to_string(1000 + rx % 900) + "{\x1c" "DC250{";
}
std::string response_for(int rx) {
  return "D0B11A011011" + std::to_string(1000000000 + rx) + "20261120\x1e\x1c" "AM20\x1c" "F4PAID\x1d\x1e\x1c" "AM21"
         "\x1c" "ANP\x1c" "F3" + std::to_string(rx) + "\x1e\x1c" "AM23\x1c" "F5" + std::to_string(500 + rx % 97) + "{";
}

class ClaimDictionaries : public ::testing::Test {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    dsn_ = fresh_database_dsn();
    exec_sql(dsn_, "DELETE FROM claims; DELETE FROM claim_rejects; DELETE FROM claim_dur_alerts; "
                   "DELETE FROM claim_links; DELETE FROM active_paid_keys");
    // Dictionaries are never deleted (that is under test); each test starts from none by
    // dropping the trigger's protection for its own cleanup only.
    exec_sql(dsn_, "ALTER TABLE claim_dictionaries DISABLE TRIGGER claim_dictionaries_are_kept; "
                   "DELETE FROM claim_dictionaries; "
                   "ALTER TABLE claim_dictionaries ENABLE TRIGGER claim_dictionaries_are_kept");
    store::store_options o;
    o.dsn = dsn_;
    o.dictionary_look_interval = std::chrono::milliseconds(0);
    writer_ = store::open_store(o);
    ASSERT_TRUE(writer_);
  }

  // Writes `count` paid claims from Rx `first_rx` on, in batches of 100, with D.0-shaped bytes.
  std::vector<std::int64_t> write(int count, int first_rx) {
    std::vector<std::int64_t> ids;
    for (int done = 0; done < count; done += 100) {
      const int n = std::min(100, count - done);
      auto& claims = batches_.emplace_back(b1_claims(f_, n, first_rx + done, day(2026, 11, 20)));
      auto entries = entries_for(claims);
      for (int i = 0; i < n; ++i) {
        entries[i].request_bytes = f_.keep(transmission(first_rx + done + i));
        entries[i].response_bytes = f_.keep(response_for(first_rx + done + i));
      }
      const auto e = run_batch(*writer_, entries);
      EXPECT_FALSE(e) << e.message;
      for (const auto& entry : entries) ids.push_back(entry.claim_id);
    }
    return ids;
  }

  std::string stored_head(std::int64_t id, const char* column) {
    return query_value(dsn_, std::string("SELECT encode(substring(") + column + " from 1 for 4), 'hex') FROM claims WHERE id = " +
                                 std::to_string(id));
  }

  // The dictionary id the stored request's frame names (-1: stored as it is).
  std::int64_t frame_dictionary(std::int64_t id) {
    const auto hex = query_value(dsn_, "SELECT encode(request, 'hex') FROM claims WHERE id = " + std::to_string(id));
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return store::unpacker::dictionary_of(bytes);
  }

  // The raw bytes as the status API reads them (an operator's token).
  store::claim_record read(store::claim_reader& reader, std::int64_t id) {
    if (operator_id_ == 0) {
      store::access_options ao;
      ao.dsn = dsn_;
      auto access = store::open_access_store(ao);
      digest_.fill(0x6b);
      exec_sql(dsn_, "DELETE FROM access_tokens WHERE name = 'dictionaries-test'");
      EXPECT_FALSE(access->create_token("dictionaries-test", store::access_role::operator_role, {}, digest_,
                                        store::default_token_lifetime, operator_id_));
    }
    store::token_claim_read in;
    in.token = digest_;
    in.claim_id = id;
    in.with_raw_bytes = true;
    in.remote = "test";
    store::token_claim_result r;
    const auto e = reader.claim_for_token(in, r);
    EXPECT_FALSE(e) << e.message;
    EXPECT_EQ(r.outcome, "ok");
    return r.claim;
  }

  std::string dsn_;
  std::unique_ptr<store::claim_store> writer_;
  claim_factory f_;
  std::deque<std::vector<codec::claim>> batches_;
  std::int64_t operator_id_ = 0;
  store::token_digest digest_{};
};

TEST_F(ClaimDictionaries, TrainingNeedsAThousandClaimsAndSaysHowManyThereAre) {
  store::claim_dictionary_training t;
  t.dsn = dsn_;
  std::vector<store::claim_dictionary_listing> made;
  auto e = store::train_claim_dictionaries(t, made);
  EXPECT_EQ(e.code, store::errc::invalid);
  EXPECT_NE(e.message.find("only 0 claims stored"), std::string::npos) << e.message;
  write(999, 100000);
  e = store::train_claim_dictionaries(t, made);
  EXPECT_NE(e.message.find("only 999 claims stored"), std::string::npos) << e.message;
  t.claims = 999;
  EXPECT_NE(store::train_claim_dictionaries(t, made).message.find("at least 1000"), std::string::npos);
  EXPECT_TRUE(made.empty());
  EXPECT_EQ(query_value(dsn_, "SELECT count(*) FROM claim_dictionaries"), "0");
  write(1, 101000);
  t.claims = 20000;
  ASSERT_FALSE(store::train_claim_dictionaries(t, made));
  ASSERT_EQ(made.size(), 2u);
}

TEST_F(ClaimDictionaries, NewClaimsArePackedWithTheNewestAndEveryClaimReadsBackAsSent) {
  const auto before = write(1200, 200000);
  EXPECT_EQ(stored_head(before[0], "request"), "36313030") << "no dictionary yet: the bytes as they are";

  store::claim_dictionary_training t;
  t.dsn = dsn_;
  std::vector<store::claim_dictionary_listing> made;
  ASSERT_FALSE(store::train_claim_dictionaries(t, made));
  ASSERT_EQ(made.size(), 2u);
  EXPECT_EQ(made[0].kind, "request");
  EXPECT_EQ(made[1].kind, "response");
  EXPECT_GE(made[0].id, 32768u);
  EXPECT_EQ(made[0].samples, 1080);  // nine in ten of 1,200
  EXPECT_GT(made[0].held_out_raw, 2 * made[0].held_out_packed);
  std::vector<store::claim_dictionary_listing> listed;
  ASSERT_FALSE(store::list_claim_dictionaries(dsn_, listed));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1].id, made[1].id);
  EXPECT_EQ(listed[1].held_out_packed, made[1].held_out_packed);
  EXPECT_EQ(listed[1].created_at, made[1].created_at);
  EXPECT_EQ(made[1].created_at.size(), 20u) << made[1].created_at;

  // The writer, open since before the training, uses them from its next batch.
  const auto after = write(100, 300000);
  EXPECT_EQ(stored_head(after[0], "request"), "28b52ffd");
  EXPECT_EQ(stored_head(after[0], "response"), "28b52ffd");
  EXPECT_EQ(stored_head(before[0], "request"), "36313030") << "old rows are left as they were";
  EXPECT_EQ(frame_dictionary(before[0]), -1);
  EXPECT_LT(std::stoll(query_value(dsn_, "SELECT octet_length(request) FROM claims WHERE id = " + std::to_string(after[0]))) * 2,
            static_cast<long long>(transmission(300000).size()));

  store::store_options o;
  o.dsn = dsn_;
  auto reader = store::open_reader(o);
  for (auto [id, rx] : {std::pair{after[0], 300000}, std::pair{after[99], 300099}, std::pair{before[0], 200000}}) {
    const auto c = read(*reader, id);
    EXPECT_EQ(c.request, transmission(rx));
    EXPECT_EQ(c.response, response_for(rx));
  }

  // A second training: the writer moves to it, and the reader, which knows only the first set,
  // loads the new one when a value names it; values of the first still read.
  std::vector<store::claim_dictionary_listing> second;
  ASSERT_FALSE(store::train_claim_dictionaries(t, second));
  ASSERT_EQ(second.size(), 2u);
  EXPECT_GT(second[0].id, made[1].id);
  const auto later = write(100, 400000);
  EXPECT_EQ(frame_dictionary(after[0]), made[0].id);
  EXPECT_EQ(frame_dictionary(later[0]), second[0].id);
  EXPECT_EQ(read(*reader, later[5]).request, transmission(400005));
  EXPECT_EQ(read(*reader, after[5]).request, transmission(300005));
}

// `rxgate claims raw`: the bytes as sent whether stored as they are or packed, each read audited
// with its outcome, an unknown id refused.
TEST_F(ClaimDictionaries, ARawReadGivesTheBytesAsSentAndIsAudited) {
  const auto raw_rows = write(1000, 600000);
  store::claim_dictionary_training t;
  t.dsn = dsn_;
  std::vector<store::claim_dictionary_listing> made;
  ASSERT_FALSE(store::train_claim_dictionaries(t, made));
  const auto packed_rows = write(100, 700000);
  ASSERT_EQ(stored_head(packed_rows[7], "request"), "28b52ffd");
  exec_sql(dsn_, "DELETE FROM claim_reads");

  store::raw_claim_read in;
  in.dsn = dsn_;
  in.who.actor = "cli:raw-test";
  std::string bytes;
  for (auto [id, rx] : {std::pair{raw_rows[3], 600003}, std::pair{packed_rows[7], 700007}}) {
    in.claim_id = id;
    in.response = false;
    ASSERT_FALSE(store::read_raw_claim_bytes(in, bytes));
    EXPECT_EQ(bytes, transmission(rx));
    in.response = true;
    ASSERT_FALSE(store::read_raw_claim_bytes(in, bytes));
    EXPECT_EQ(bytes, response_for(rx));
  }
  EXPECT_EQ(query_value(dsn_, "SELECT string_agg(action || ' ' || outcome || ' ' || (claim_id = " +
                                  std::to_string(packed_rows[7]) + ")::text, ',' ORDER BY id) FROM claim_reads "
                                  "WHERE actor = 'cli:raw-test'"),
            "raw_request ok false,raw_response ok false,raw_request ok true,raw_response ok true");

  in.claim_id = packed_rows.back() + 1000;
  bytes = "left over";
  const auto e = store::read_raw_claim_bytes(in, bytes);
  EXPECT_EQ(e.code, store::errc::not_found) << e.message;
  EXPECT_TRUE(bytes.empty());
  EXPECT_EQ(query_value(dsn_, "SELECT outcome FROM claim_reads WHERE actor = 'cli:raw-test' ORDER BY id DESC LIMIT 1"),
            "not_found");
  in.claim_id = 0;
  EXPECT_EQ(store::read_raw_claim_bytes(in, bytes).code, store::errc::invalid);
  in.claim_id = packed_rows[0];
  in.who.actor.clear();
  EXPECT_EQ(store::read_raw_claim_bytes(in, bytes).code, store::errc::invalid) << "no read without an actor";
  EXPECT_EQ(query_value(dsn_, "SELECT count(*) FROM claim_reads"), "5");
}

TEST_F(ClaimDictionaries, ADictionaryIsNeverChangedOrDeleted) {
  write(1000, 500000);
  store::claim_dictionary_training t;
  t.dsn = dsn_;
  std::vector<store::claim_dictionary_listing> made;
  ASSERT_FALSE(store::train_claim_dictionaries(t, made));
  EXPECT_THROW(exec_sql(dsn_, "DELETE FROM claim_dictionaries"), std::exception);
  EXPECT_THROW(exec_sql(dsn_, "UPDATE claim_dictionaries SET dictionary = '\\x00'"), std::exception);
  EXPECT_EQ(query_value(dsn_, "SELECT count(*) FROM claim_dictionaries"), "2");
}

}  // namespace
}  // namespace rxgate::test
