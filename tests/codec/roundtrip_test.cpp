// parse(build(x)) == x for every builder: responses of each kind through build_response ->
// decode -> read_response, and requests through the writer -> decode -> validate.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "codec/writer.h"

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

namespace {

response header(std::string_view code = "B1") {
  response r;
  r.transaction_code = code;
  r.provider_id_qualifier = "01";
  r.provider_id = "1234567893";
  r.date_of_service = "20261120";
  r.transaction_count = 1;
  return r;
}

// A B1 answer of one transaction with `status`, `authorization` (503-F3) and the Rx number
// (qualifier 1), nothing else yet.
response answered(char status, std::string_view authorization, std::string_view rx_number) {
  auto r = header();
  auto& t = r.transactions[0];
  t.status = status;
  t.authorization_number = authorization;
  t.rx_qualifier = "1";
  t.rx_number = rx_number;
  return r;
}

// What the exact-bytes tests start from, and its bytes up to the first field of its pricing
// segment (AM23).
response paid_answer() { return answered('P', "A1", "6000001"); }
const std::string paid_answer_before_pricing =
    "D0B11A011234567893     20261120"
    "\x1D\x1E\x1C" "AM21\x1C" "ANP\x1C" "F3A1"
    "\x1E\x1C" "AM22\x1C" "EM1\x1C" "D26000001"
    "\x1E\x1C" "AM23\x1C";

// build -> decode -> read back, and compare with the original.
void expect_round_trip(const response& original) {
  std::array<char, 8192> wire{};
  const auto size = build_response(original, wire);
  ASSERT_TRUE(size.has_value());
  auto m = std::make_unique<message>();
  const auto err = decode({wire.data(), *size}, *m);
  ASSERT_FALSE(err) << to_string(err.code) << " at " << err.offset;
  ASSERT_EQ(m->kind, message_kind::response);
  response back;
  std::array<char, 1024> scratch{};
  ASSERT_TRUE(read_response(*m, back, scratch));
  EXPECT_TRUE(back == original);
  // Field by field for a readable failure message.
  EXPECT_EQ(back.transaction_count, original.transaction_count);
  for (std::size_t i = 0; i < original.transaction_count; ++i) {
    const auto& a = back.transactions[i];
    const auto& b = original.transactions[i];
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.authorization_number, b.authorization_number);
    EXPECT_TRUE(a.rejects == b.rejects);
    EXPECT_EQ(a.text_count, b.text_count);
    for (std::size_t k = 0; k < b.text_count; ++k) EXPECT_EQ(a.texts[k], b.texts[k]);
    EXPECT_TRUE(a.price == b.price);
    EXPECT_EQ(a.dur_count, b.dur_count);
    EXPECT_EQ(a.preferred_count, b.preferred_count);
    EXPECT_TRUE(a.prior_authorization == b.prior_authorization);
  }
}

pricing paid_pricing() {
  pricing p;
  p.ingredient_cost_paid = 6543;
  p.dispensing_fee_paid = 500;
  p.other_amounts[0] = other_amount{"01", 1500};
  p.other_amount_count = 1;
  p.patient_pay = 1000;
  p.total_paid = 6543 + 500 + 1500 - 1000;
  p.basis_of_reimbursement = "3";
  p.copay = 1000;
  return p;
}

}  // namespace

TEST(ResponseRoundTrip, Paid) {
  auto r = answered('P', "RX26112000000042", "000000418232");
  auto& t = r.transactions[0];
  t.price = paid_pricing();
  t.help_desk_qualifier = "03";
  t.help_desk_phone = "8005550100";
  t.add_approved_message("001");
  expect_round_trip(r);
}

TEST(ResponseRoundTrip, DuplicateOfPaidKeepsOriginalPricing) {
  auto r = answered('D', "RX26112000000042", "418232");
  auto& t = r.transactions[0];
  t.price = paid_pricing();
  expect_round_trip(r);
}

TEST(ResponseRoundTrip, RejectedWithOccurrencesLinesPreferredAndDur) {
  auto r = header();
  r.message = "CLAIM REJECTED: SEE TRANSACTION MESSAGES";
  auto& t = r.transactions[0];
  t.status = 'R';
  t.rejects.push("88");
  t.rejects.push("EE", 0, 3);
  t.rejects.push("76");
  t.rejects.push("79");
  t.rejects.push("MR");
  ASSERT_TRUE(t.add_text("REFILL TOO SOON"));
  // 90 characters: three FQ lines joined by UG '+', read back as one text.
  ASSERT_TRUE(t.add_text(
      "NEXT FILL ALLOWED 2026-12-01 OR SEND SCC 3 (VACATION) OR 4 (LOST RX) IF THE PLAN ACCEPTS IT"));
  ASSERT_TRUE(t.add_text("CALL 8005550100"));
  t.rx_qualifier = "1";
  t.rx_number = "418232";
  t.preferred[0] = preferred_product{"03", "00093005801", "ATORVASTATIN 20MG TAB", 250, 125};
  t.preferred[1] = preferred_product{"03", "00378395277", "ROSUVASTATIN 10MG TAB", std::nullopt, std::nullopt};
  t.preferred_count = 2;
  t.dur[0] = dur_alert{"ER", "", "1", date{2026, 11, 2}, 30000, "4", "0", "FILLED 2026-11-02 QTY 30", ""};
  t.dur[1] = dur_alert{"DD", "1", "", std::nullopt, std::nullopt, "4", "", "WARFARIN", "MAJOR INTERACTION"};
  t.dur_count = 2;
  expect_round_trip(r);
}

TEST(ResponseRoundTrip, ReversalApproved) {
  auto r = header("B2");
  auto& t = r.transactions[0];
  t.status = 'A';
  t.authorization_number = "RX26112000000043";
  t.rx_qualifier = "1";
  t.rx_number = "7159262";
  expect_round_trip(r);
}

// AM26 (P1-P4): every field written, read back, in the standard's order after AM21/AM22.
TEST(ResponseRoundTrip, PriorAuthorizationAnswerCarriesAm26) {
  auto r = header("P3");
  auto& t = r.transactions[0];
  t.status = 'A';
  t.rx_qualifier = "1";
  t.rx_number = "418232";
  prior_authorization_response pa;
  pa.processed = date{2026, 12, 3};
  pa.effective = date{2026, 12, 1};
  pa.expiration = date{2027, 5, 31};
  pa.quantity = 90000;
  pa.number = "20000000017";
  t.prior_authorization = pa;
  expect_round_trip(r);
  std::array<char, 512> wire{};
  const auto n = build_response(r, wire);
  ASSERT_TRUE(n);
  const std::string bytes(wire.data(), *n);
  EXPECT_NE(bytes.find("\x1E\x1C" "AM26\x1C" "PR20261203\x1C" "PS20261201\x1C" "PT20270531\x1C" "RA90000\x1C"
                       "PY20000000017"),
            std::string::npos);
  // A deferred answer (F) carries only what is known: the number and the processed date.
  t.status = 'F';
  t.prior_authorization = prior_authorization_response{date{2026, 12, 3}, {}, {}, {}, "20000000018"};
  expect_round_trip(r);
  // F6 writes the same segment in its one transaction.
  r.version = "F6";
  expect_round_trip(r);
}

TEST(ResponseRoundTrip, EligibilityWithPatientAndOtherPayer) {
  auto r = header("E1");
  r.message = "ELIGIBLE: DEMO PLAN";
  r.group_id = "DEMO01";
  r.cardholder_id = "DEMO0001";
  r.patient_first_name = "ALEX";
  r.patient_last_name = "SAMPLE";
  r.patient_date_of_birth = date{1980, 2, 29};
  auto& t = r.transactions[0];
  t.status = 'A';
  t.other_payers[0] = response_other_payer{"01", "03", "610097", "9999", "0212345911", "PDPIND", "001",
                                           "8778896510", "1", date{2021, 10, 1}, date{2026, 12, 31}};
  t.other_payer_count = 1;
  expect_round_trip(r);
}

TEST(ResponseRoundTrip, FourTransactionsAndTransmissionReject) {
  auto r = header();
  r.header_status = 'R';
  r.transaction_count = 4;
  for (int i = 0; i < 4; ++i) {
    auto& t = r.transactions[static_cast<std::size_t>(i)];
    t.status = 'R';
    t.rejects.push("1U");
  }
  expect_round_trip(r);
}

TEST(ResponseBuilder, ExactBytesOfAPaidResponse) {
  auto r = paid_answer();
  auto& t = r.transactions[0];
  pricing p;
  p.ingredient_cost_paid = 754;
  p.dispensing_fee_paid = 0;
  p.total_paid = 754 - 100;
  p.patient_pay = 100;
  p.basis_of_reimbursement = "1";
  t.price = p;
  std::array<char, 512> wire{};
  const auto n = build_response(r, wire);
  ASSERT_TRUE(n);
  const std::string expected = paid_answer_before_pricing +
      "F510{\x1C" "F675D\x1C" "F7{\x1C" "F965D\x1C" "FM1";
  EXPECT_EQ(std::string(wire.data(), *n), expected);
}

// A brand penalty (DAW 2): 134-UK is part of 505-F5 with the copay and goes after 572-4U.
TEST(ResponseBuilder, BrandPenaltyIn134UK) {
  auto r = paid_answer();
  auto& t = r.transactions[0];
  pricing p;
  p.ingredient_cost_paid = 7308;
  p.dispensing_fee_paid = 175;
  p.copay = 500;
  p.product_selection_brand = 6888;
  p.patient_pay = 7388;
  p.total_paid = 7308 + 175 - 7388;
  p.basis_of_reimbursement = "3";
  t.price = p;
  std::array<char, 512> wire{};
  const auto n = build_response(r, wire);
  ASSERT_TRUE(n);
  const std::string bytes(wire.data(), *n);
  EXPECT_NE(bytes.find("\x1C" "F9" "9E\x1C" "FM3\x1C" "FI50{\x1C" "UK688H"), std::string::npos) << bytes;
  expect_round_trip(r);
  p.coinsurance = 2245;
  p.copay.reset();
  t.price = p;
  const auto m = build_response(r, wire);
  ASSERT_TRUE(m);
  EXPECT_NE(std::string(wire.data(), *m).find("4U224E\x1C" "UK688H"), std::string::npos);
  expect_round_trip(r);
}

// Accumulator, COB and product-selection amounts go in the order of the standard's pricing
// segment, and read back to the same values.
TEST(ResponseBuilder, AccumulatorAndCobAmountsInTheStandardOrder) {
  auto r = paid_answer();
  auto& t = r.transactions[0];
  pricing p;
  p.ingredient_cost_paid = 10000;
  p.patient_pay = 7000;
  p.other_payer_recognized = 1000;
  p.total_paid = 2000;
  p.basis_of_reimbursement = "1";
  p.accumulated_deductible = 5000;
  p.remaining_deductible = 0;
  p.remaining_benefit = 123400;
  p.deductible_applied = 5000;
  p.copay = 1000;
  p.over_benefit_maximum = 500;
  p.coinsurance = 300;
  p.product_selection_brand = 200;
  t.price = p;
  std::array<char, 512> wire{};
  const auto n = build_response(r, wire);
  ASSERT_TRUE(n);
  const std::string expected = paid_answer_before_pricing +
      "F5700{\x1C" "F61000{\x1C" "F7{\x1C" "J5100{\x1C" "F9200{\x1C" "FM1"
      "\x1C" "FC500{\x1C" "FD{\x1C" "FE12340{\x1C" "FH500{\x1C" "FI100{\x1C" "FK50{\x1C" "4U30{\x1C" "UK20{";
  EXPECT_EQ(std::string(wire.data(), *n), expected);
  expect_round_trip(r);
}

TEST(ResponseBuilder, TooSmallBufferFailsWithoutOverrun) {
  auto r = header();
  r.transactions[0].status = 'R';
  r.transactions[0].rejects.push("92");
  std::array<char, 40> small{};
  EXPECT_FALSE(build_response(r, std::span<char>(small.data(), 35)));
  std::array<char, 256> enough{};
  EXPECT_TRUE(build_response(r, enough));
}

TEST(RequestRoundTrip, WriterClaimDecodesToTheSameValues) {
  std::array<char, 2048> buf{};
  writer w{buf};
  request_header_values h;
  h.bin = "610999";
  h.pcn = "RXGDEMO";
  h.provider_id = "1000000001";
  h.date_of_service = date{2026, 11, 20};
  write_request_header(w, h);
  w.segment(segment_id::insurance).field("C2"_fid, "DEMO0001").field("C1"_fid, "DEMO01").field("C3"_fid, "001").number("C6"_fid, 1);
  w.segment(segment_id::patient).date_field("C4"_fid, date{1980, 2, 29}).number("C5"_fid, 2);
  w.group();
  w.segment(segment_id::claim)
      .field("EM"_fid, "1").field("D2"_fid, "000000418232").field("E1"_fid, "03")
      .field("D7"_fid, "00093005801").number("E7"_fid, 30000, 10).number("D3"_fid, 2)
      .number("D5"_fid, 30).number("D6"_fid, 1).field("D8"_fid, "0")
      .number("NX"_fid, 2).number("DK"_fid, 3).number("DK"_fid, 4);
  w.segment(segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1999999984");
  w.segment(segment_id::pricing).money("D9"_fid, 1455).money("DC"_fid, 150).money("DQ"_fid, 2000)
      .money("DU"_fid, 1605).field("DN"_fid, "01");
  w.segment(segment_id::dur_pps).number("7E"_fid, 1).field("E4"_fid, "DD").field("E5"_fid, "M0").field("E6"_fid, "1G");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w.view().substr(0, 56), "610999D0B1RXGDEMO   1011000000001     20261120          ");

  auto m = std::make_unique<message>();
  ASSERT_FALSE(decode(w.view(), *m));
  auto v = std::make_unique<validation>();
  validate(*m, *v);
  ASSERT_EQ(v->claim_count, 1);
  const claim& c = v->claims[0];
  EXPECT_TRUE(c.rejects.empty());
  EXPECT_EQ(c.bin, "610999");
  EXPECT_EQ(c.pcn, "RXGDEMO");
  EXPECT_EQ(c.cardholder_id, "DEMO0001");
  EXPECT_EQ(c.person_code, "001");
  EXPECT_EQ(c.date_of_birth, (date{1980, 2, 29}));
  EXPECT_EQ(c.gender, 2);
  EXPECT_EQ(c.rx_number, "000000418232");
  EXPECT_EQ(c.product_id, "00093005801");
  EXPECT_EQ(c.quantity, 30000);
  EXPECT_EQ(c.fill_number, 2);
  EXPECT_EQ(c.days_supply, 30);
  ASSERT_EQ(c.scc_count, 2);
  EXPECT_EQ(c.scc[1], 4);
  EXPECT_EQ(c.ingredient_cost, 1455);
  EXPECT_EQ(c.gross_amount_due, 1605);
  ASSERT_EQ(c.dur_pps_count, 1);
  EXPECT_EQ(c.dur_pps[0].professional, "M0");
  EXPECT_EQ(c.date_of_service, (date{2026, 11, 20}));
}

TEST(Writer, StopsAtTheEndOfTheBuffer) {
  std::array<char, 10> buf{};
  writer w{buf};
  w.raw("12345").raw("67890");
  EXPECT_TRUE(w.ok());
  w.raw('x');
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.size(), 10u);
  w.field("D2"_fid, "123");
  EXPECT_EQ(w.size(), 10u);
}
