// claims.detail without a database: what write_claim_detail() stores, read_claim_detail() gives
// back, field by field; rows of older binaries (missing keys) and damaged values read as empty.
#include <gtest/gtest.h>

#include <string>

#include "codec/view.h"
#include "sql/claim_detail.h"

namespace rxgate::store {
namespace {

using codec::literals::operator""_fid;

codec::date day(int y, int m, int d) {
  return {static_cast<std::int16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

// A decision that sets every part of the detail.
struct full_case {
  codec::claim claim;
  rules::decision decision;

  full_case() {
    claim.product_qualifier = "03";
    claim.product_id = "00093505601";
    claim.quantity = 30000;
    claim.days_supply = 30;
    auto& d = decision;
    d.product_name = "TESTPRODUCT \"10MG\" TAB";
    d.therapeutic_class = "STATIN";
    d.tier = 2;
    d.rejects.push("79");
    d.rejects.push("75", "D7"_fid, 2);
    d.rejects.dropped = 1;
    d.dur[0] = {"ER", "1", "2", day(2026, 10, 20), 30000, "4", "1234567890", "OVERUSE \\ back", "line\nbreak"};
    d.dur[1].reason = "DD";
    d.dur_count = 2;
    d.refill_too_soon = rules::refill_too_soon_detail{day(2026, 10, 20), 30000, 30, true, day(2026, 11, 12)};
    d.limit = rules::limit_detail{90000, 30, 34, 60000};
    d.accumulator_year = day(2026, 7, 1);
    d.accumulated = {-12345, -15000, 0};
    d.pa = {true, "1", rules::pa_state::on_file_expired, "PA123", day(2026, 9, 30), true, false};
    d.preferred[0] = {"03", "00093505698", "GENERIC ALT", 150, 25};
    d.preferred[1].product_id = "00093505699";
    d.preferred_count = 2;
    d.approved_messages[0] = "Generic available";
    d.approved_message_count = 1;
    d.add_text("Paid; see plan.");
    d.add_text("Call the help desk");
    d.help_desk_phone = "8005550100";
    d.replaces_claim_id = 4242;
  }
};

claim_detail round_trip(const codec::claim& c, const rules::decision& d) {
  std::string json;
  write_claim_detail(json, c, d);
  claim_detail out;
  EXPECT_TRUE(read_claim_detail(json, out)) << json;
  return out;
}

TEST(ClaimDetail, EveryFieldSurvivesTheRoundTrip) {
  const full_case f;
  const claim_detail x = round_trip(f.claim, f.decision);

  ASSERT_EQ(x.rejects.size(), 2u);
  EXPECT_EQ(x.rejects[0].code, "79");
  EXPECT_EQ(x.rejects[0].field, "");
  EXPECT_EQ(x.rejects[0].occurrence, 0);
  EXPECT_EQ(x.rejects[1].code, "75");
  EXPECT_EQ(x.rejects[1].field, "D7");
  EXPECT_EQ(x.rejects[1].occurrence, 2);
  EXPECT_EQ(x.rejects_dropped, 1);

  ASSERT_EQ(x.dur.size(), 2u);
  const auto& a = x.dur[0];
  EXPECT_EQ(a.reason, "ER");
  EXPECT_EQ(a.significance, "1");
  EXPECT_EQ(a.other_pharmacy, "2");
  EXPECT_EQ(a.previous_fill, "2026-10-20");
  EXPECT_EQ(a.previous_quantity, 30000);
  EXPECT_EQ(a.database, "4");
  EXPECT_EQ(a.other_prescriber, "1234567890");
  EXPECT_EQ(a.free_text, "OVERUSE \\ back");
  EXPECT_EQ(a.additional_text, "line\nbreak");
  EXPECT_EQ(x.dur[1].reason, "DD");
  EXPECT_EQ(x.dur[1].database, "4");  // codec's default
  EXPECT_EQ(x.dur[1].previous_fill, "");
  EXPECT_FALSE(x.dur[1].previous_quantity);

  ASSERT_TRUE(x.refill_too_soon);
  EXPECT_EQ(x.refill_too_soon->last_fill, "2026-10-20");
  EXPECT_EQ(x.refill_too_soon->last_quantity, 30000);
  EXPECT_EQ(x.refill_too_soon->last_days_supply, 30);
  EXPECT_TRUE(x.refill_too_soon->same_pharmacy);
  EXPECT_EQ(x.refill_too_soon->next_allowed, "2026-11-12");

  ASSERT_TRUE(x.limit);
  EXPECT_EQ(x.limit->max_quantity, 90000);
  EXPECT_EQ(x.limit->per_days, 30);
  EXPECT_EQ(x.limit->max_days_supply, 34);
  EXPECT_EQ(x.limit->allowed_quantity, 60000);

  ASSERT_TRUE(x.accumulators);
  EXPECT_EQ(x.accumulators->year_start, "2026-07-01");
  EXPECT_EQ(x.accumulators->deductible, -12345);
  EXPECT_EQ(x.accumulators->out_of_pocket, -15000);
  EXPECT_EQ(x.accumulators->benefit, 0);

  ASSERT_TRUE(x.pa);
  EXPECT_TRUE(x.pa->required);
  EXPECT_EQ(x.pa->type, "1");
  EXPECT_EQ(x.pa->state, "on_file_expired");
  EXPECT_EQ(x.pa->number, "PA123");
  EXPECT_EQ(x.pa->expired_on, "2026-09-30");
  EXPECT_TRUE(x.pa->step_therapy_required);
  EXPECT_FALSE(x.pa->step_therapy_satisfied);

  ASSERT_EQ(x.preferred.size(), 2u);
  EXPECT_EQ(x.preferred[0].qualifier, "03");
  EXPECT_EQ(x.preferred[0].product_id, "00093505698");
  EXPECT_EQ(x.preferred[0].description, "GENERIC ALT");
  EXPECT_EQ(x.preferred[0].incentive, 150);
  EXPECT_EQ(x.preferred[0].cost_share_incentive, 25);
  EXPECT_EQ(x.preferred[1].product_id, "00093505699");
  EXPECT_EQ(x.preferred[1].description, "");
  EXPECT_FALSE(x.preferred[1].incentive);

  EXPECT_EQ(x.approved_messages, std::vector<std::string>{"Generic available"});
  EXPECT_EQ(x.texts, (std::vector<std::string>{"Paid; see plan.", "Call the help desk"}));
  EXPECT_EQ(x.help_desk_phone, "8005550100");
  EXPECT_EQ(x.replaces_claim_id, 4242);
}

// The stored text for the full case, key for key (the status API and SQL reports read these
// keys). The product, its name, class and tier, the quantity and the days supply are the claims
// row's own columns and are not repeated here (issue 14).
TEST(ClaimDetail, StoredShapeForEveryKey) {
  const full_case f;
  std::string json;
  write_claim_detail(json, f.claim, f.decision);
  EXPECT_EQ(json,
            R"({"rejects":[{"code":"79"},{"code":"75","field":"D7","occurrence":2}],)"
            R"("dur":[{"reason":"ER","significance":"1","other_pharmacy":"2","previous_fill":"2026-10-20",)"
            R"("previous_quantity":30000,"database":"4","other_prescriber":"1234567890","free_text":"OVERUSE \\ back",)"
            R"("additional_text":"line\nbreak"},{"reason":"DD","database":"4"}],)"
            R"("refill_too_soon":{"last_fill":"2026-10-20","last_quantity":30000,"last_days_supply":30,"same_pharmacy":true,"next_allowed":"2026-11-12"},)"
            R"("limit":{"max_quantity":90000,"per_days":30,"max_days_supply":34,"allowed_quantity":60000},)"
            R"("accumulators":{"year_start":"2026-07-01","deductible":-12345,"out_of_pocket":-15000,"benefit":0},)"
            R"("pa":{"required":true,"type":"1","state":"on_file_expired","number":"PA123","expired_on":"2026-09-30",)"
            R"("step_therapy_required":true,"step_therapy_satisfied":false},)"
            R"("preferred":[{"qualifier":"03","product_id":"00093505698","description":"GENERIC ALT","incentive":150,"cost_share_incentive":25},)"
            R"({"qualifier":"03","product_id":"00093505699"}],"approved_messages":["Generic available"],)"
            R"("texts":["Paid; see plan.","Call the help desk"],"help_desk_phone":"8005550100","replaces_claim_id":4242,"rejects_dropped":1})");
}

TEST(ClaimDetail, AnEmptyDecisionWritesAnEmptyObjectAndReadsEmpty) {
  const codec::claim c;
  const rules::decision d;
  std::string json = "kept ";
  write_claim_detail(json, c, d);
  EXPECT_EQ(json, "kept {}");  // appends
  const claim_detail x = round_trip(c, d);
  EXPECT_TRUE(x.rejects.empty());
  EXPECT_FALSE(x.refill_too_soon);
  EXPECT_FALSE(x.limit);
  EXPECT_FALSE(x.accumulators);
  EXPECT_FALSE(x.pa);
  EXPECT_TRUE(x.texts.empty());
  EXPECT_FALSE(x.replaces_claim_id);
}

TEST(ClaimDetail, BytesOutsideAsciiBecomeQuestionMarksAndControlsAreEscaped) {
  codec::claim c;
  rules::decision d;
  d.help_desk_phone = "80\x01" "5\xC3\xA9";
  std::string json;
  write_claim_detail(json, c, d);
  EXPECT_EQ(json, R"({"help_desk_phone":"80\u00015??"})");
  claim_detail x;
  ASSERT_TRUE(read_claim_detail(json, x));
  EXPECT_EQ(x.help_desk_phone, std::string("80\x01" "5??", 6));
}

// A claim with a product, quantity and days supply and nothing else to say stores an empty
// detail: the claims row has those in its columns.
TEST(ClaimDetail, WhatTheRowsColumnsHoldIsNotRepeated) {
  const full_case f;
  std::string json;
  write_claim_detail(json, f.claim, rules::decision{});
  EXPECT_EQ(json, "{}");
  rules::decision d;
  d.product_name = f.decision.product_name;
  d.therapeutic_class = f.decision.therapeutic_class;
  d.tier = f.decision.tier;
  json.clear();
  write_claim_detail(json, f.claim, d);
  EXPECT_EQ(json, "{}");
}

TEST(ClaimDetail, OldRowsAndDamagedValuesReadAsEmpty) {
  claim_detail x;
  // An older row: a few keys only, some of the wrong type, unknown keys ignored (also the
  // product, quantity and days supply that rows written before issue 14 repeat from their columns).
  ASSERT_TRUE(read_claim_detail(
      R"({"product":{"id":"1","tier":"2"},"quantity":30000,"days_supply":30,"pa":{"state":"on_file"},"limit":7,)"
      R"("dur":[{"reason":"ER"},3],"texts":["a",1,"b"],"future_key":{"x":1}})",
      x));
  ASSERT_TRUE(x.pa);
  EXPECT_FALSE(x.pa->required);
  EXPECT_EQ(x.pa->state, "on_file");
  EXPECT_EQ(x.pa->type, "");
  EXPECT_FALSE(x.limit);
  ASSERT_EQ(x.dur.size(), 1u);
  EXPECT_EQ(x.dur[0].database, "");
  EXPECT_EQ(x.texts, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(x.help_desk_phone, "");

  EXPECT_FALSE(read_claim_detail("", x));
  EXPECT_FALSE(read_claim_detail("[1,2]", x));
  EXPECT_FALSE(read_claim_detail("{\"pa\":", x));
  EXPECT_FALSE(x.pa);
}

// The refill-too-soon threshold in force and a per-day quantity limit (issue 12): stored only
// when set, so rows of claims they did not concern keep their shape; old rows read 0 and empty.
TEST(ClaimDetail, ThresholdInForceAndPerDayLimit) {
  full_case f;
  auto& r = *f.decision.refill_too_soon;
  r.threshold_pct = 90;
  r.threshold_from = rules::threshold_source::dea_schedule;
  r.dea_schedule = 2;
  f.decision.limit->max_quantity_per_day = 2000;
  std::string json;
  write_claim_detail(json, f.claim, f.decision);
  EXPECT_NE(json.find(R"("next_allowed":"2026-11-12","threshold_pct":90,"threshold_source":"dea_schedule","dea_schedule":2})"),
            std::string::npos) << json;
  EXPECT_NE(json.find(R"("allowed_quantity":60000,"max_quantity_per_day":2000})"), std::string::npos) << json;
  const auto x = round_trip(f.claim, f.decision);
  ASSERT_TRUE(x.refill_too_soon);
  EXPECT_EQ(x.refill_too_soon->threshold_pct, 90);
  EXPECT_EQ(x.refill_too_soon->threshold_source, "dea_schedule");
  EXPECT_EQ(x.refill_too_soon->dea_schedule, 2);
  ASSERT_TRUE(x.limit);
  EXPECT_EQ(x.limit->max_quantity_per_day, 2000);

  claim_detail old;
  ASSERT_TRUE(read_claim_detail(R"({"refill_too_soon":{"next_allowed":"2026-11-12"},"limit":{"max_quantity":1}})", old));
  ASSERT_TRUE(old.refill_too_soon);
  EXPECT_EQ(old.refill_too_soon->threshold_pct, 0);
  EXPECT_EQ(old.refill_too_soon->threshold_source, "");
  EXPECT_EQ(old.limit->max_quantity_per_day, 0);
}

}  // namespace
}  // namespace rxgate::store
