// P1-P4 in the rules (issue 15): a request files a pending PA (F) with the number the store drew,
// answers 3T when an approved PA already covers the drug and 3R when the drug needs none; a
// retransmit answers the PA it filed; P2 cancels (A), a second P2 is S; P3 tells the state, with
// the expiry at, just under and just over the date asked about.
#include <gtest/gtest.h>

#include "codec/writer.h"
#include "rules/dry_run.h"
#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

using namespace codec::literals;

constexpr std::string_view semaglutide = "90001000704";  // PA required in the demo plan

codec::claim p_claim(std::string_view code) {
  auto c = base_claim();
  c.transaction_code = code;
  c.cardholder_id = "DEMO1002";
  c.date_of_birth = ymd(19581130);
  c.gender = 2;
  c.has_prior_authorization = true;
  if (code == "P1" || code == "P4") {
    c.product_id = semaglutide;
    c.quantity = 3000;
    c.days_supply = 28;
    c.pa_request_type = "1";
    c.pa_period_begin = ymd(dos_ymd);
    c.pa_period_end = ymd(20270430);
    c.pa_basis = "ME";
  } else {
    c.has_claim = false;
    c.rx_number = c.product_id = {};
    c.pa_number_assigned = "20000000017";
  }
  return c;
}

prior_authorization_on_file on_file(pa_review_state state, bool revoked = false) {
  prior_authorization_on_file pa;
  pa.id = 7;
  pa.number = "20000000017";
  pa.state = state;
  pa.revoked = revoked;
  pa.requested_on = ymd(20261020);
  if (state != pa_review_state::pending) pa.reviewed_on = ymd(20261021);
  pa.effective = ymd(20261021);
  pa.expires = ymd(dos_ymd);  // the date asked about is the last day
  pa.max_quantity = 3000;
  return pa;
}

std::string number_of(const decision& d) { return d.pa_answer ? std::string(d.pa_answer->number_view()) : ""; }

TEST(pa_transactions, request_files_a_pending_pa_with_the_drawn_number) {
  for (std::string_view code : {"P1", "P4"}) {
    SCOPED_TRACE(code);
    member_history h;
    h.reserved_pa_number = "20000000042";
    const auto d = decide(p_claim(code), h);
    EXPECT_EQ(d.status, 'F') << codes(d);
    ASSERT_TRUE(d.pa_answer);
    EXPECT_EQ(d.pa_answer->change, pa_change::request);
    EXPECT_EQ(number_of(d), "20000000042");
    EXPECT_EQ(d.pa_answer->processed, ymd(today_ymd));
    ASSERT_EQ(d.text_count, 1);
    EXPECT_NE(d.text(0).find("462-EV 20000000042"), std::string_view::npos) << d.text(0);
    // The AM26 of the answer carries the number and the processed date.
    codec::response_transaction t;
    to_response(d, p_claim(code), t);
    ASSERT_TRUE(t.prior_authorization);
    EXPECT_EQ(t.prior_authorization->number, "20000000042");
  }
}

TEST(pa_transactions, request_needs_an_eligible_member_a_number_and_a_drug_that_needs_a_pa) {
  member_history h;
  h.reserved_pa_number = "20000000042";
  auto c = p_claim("P1");
  c.cardholder_id = "DEMO9999";
  EXPECT_EQ(codes(decide(c, h)), "52");
  EXPECT_EQ(codes(decide(p_claim("P1"))), "99");  // the store drew no number
  c = p_claim("P1");
  c.product_id = "90001000102";  // atorvastatin: no PA needed
  EXPECT_EQ(codes(decide(c, h)), "3R");
}

TEST(pa_transactions, approved_pa_covering_the_date_of_service_answers_3T_naming_it) {
  member_history h;
  h.reserved_pa_number = "20000000042";
  prior_authorization a;
  a.number = "20000000017";
  a.product_id = semaglutide;
  a.effective = ymd(20261001);
  a.expires = ymd(dos_ymd);  // last day: still covers
  const prior_authorization list[] = {a};
  h.authorizations = list;
  auto d = decide(p_claim("P1"), h);
  EXPECT_EQ(codes(d), "3T");
  EXPECT_EQ(number_of(d), "20000000017");
  EXPECT_EQ(d.pa_answer->change, pa_change::none);
  // Expired the day before the date of service: a new request is filed.
  prior_authorization expired = a;
  expired.expires = ymd(20261031);
  const prior_authorization old[] = {expired};
  h.authorizations = old;
  d = decide(p_claim("P1"), h);
  EXPECT_EQ(d.status, 'F') << codes(d);
  EXPECT_EQ(number_of(d), "20000000042");
}

TEST(pa_transactions, retransmitted_request_answers_the_pa_it_filed) {
  member_history h;
  h.reserved_pa_number = "";  // the store draws none when the key has a PA
  h.named_authorization = on_file(pa_review_state::pending);
  const auto d = decide(p_claim("P1"), h);
  EXPECT_EQ(d.status, 'F');
  EXPECT_EQ(number_of(d), "20000000017");
  EXPECT_EQ(d.pa_answer->change, pa_change::none);  // nothing filed again
}

TEST(pa_transactions, cancel) {
  member_history h;
  EXPECT_EQ(codes(decide(p_claim("P2"), h)), "3N");  // unknown, or another member's
  for (auto state : {pa_review_state::pending, pa_review_state::approved}) {
    h.named_authorization = on_file(state);
    const auto d = decide(p_claim("P2"), h);
    EXPECT_EQ(d.status, 'A') << codes(d);
    EXPECT_EQ(d.pa_answer->change, pa_change::cancel);
    EXPECT_EQ(d.pa_answer->record_id, 7);
    EXPECT_EQ(d.authorization_length, 0);
  }
  h.named_authorization = on_file(pa_review_state::approved, true);
  auto d = decide(p_claim("P2"), h);
  EXPECT_EQ(d.status, 'S');
  EXPECT_EQ(d.pa_answer->change, pa_change::none);
  h.named_authorization = on_file(pa_review_state::denied);
  EXPECT_EQ(codes(decide(p_claim("P2"), h)), "3Y");
}

TEST(pa_transactions, inquiry_answers_the_state_on_the_date_of_service) {
  member_history h;
  EXPECT_EQ(codes(decide(p_claim("P3"), h)), "3N");
  h.named_authorization = on_file(pa_review_state::pending);
  auto d = decide(p_claim("P3"), h);
  EXPECT_EQ(d.status, 'F');
  EXPECT_EQ(d.pa_answer->processed, ymd(20261020));
  EXPECT_NE(d.text(0).find("3W"), std::string_view::npos);
  h.named_authorization = on_file(pa_review_state::denied);
  EXPECT_EQ(codes(decide(p_claim("P3"), h)), "3Y");
  h.named_authorization = on_file(pa_review_state::approved, true);
  d = decide(p_claim("P3"), h);
  EXPECT_EQ(codes(d), "75");
  EXPECT_NE(d.text(0).find("CANCELLED"), std::string_view::npos);
  // Approved, expiring on the date asked about: A with the validity and quantity.
  h.named_authorization = on_file(pa_review_state::approved);
  d = decide(p_claim("P3"), h);
  EXPECT_EQ(d.status, 'A') << codes(d);
  EXPECT_EQ(d.pa_answer->effective, ymd(20261021));
  EXPECT_EQ(d.pa_answer->expiration, ymd(dos_ymd));
  EXPECT_EQ(d.pa_answer->quantity, 3000);
  EXPECT_EQ(d.pa_answer->processed, ymd(20261021));
  // Expiring the day after: A; the day before: 75 (expired).
  h.named_authorization->expires = ymd(dos_ymd + 1);
  EXPECT_EQ(decide(p_claim("P3"), h).status, 'A');
  h.named_authorization->expires = ymd(20261031);
  h.named_authorization->effective = ymd(20261001);
  d = decide(p_claim("P3"), h);
  EXPECT_EQ(codes(d), "75");
  EXPECT_NE(d.text(0).find("EXPIRED"), std::string_view::npos);
}

TEST(pa_transactions, pending_or_denied_pa_is_never_history_for_a_b1) {
  // The store loads only approved, unrevoked PAs (sql store test pins it); a B1 citing a number
  // that is not among them is 75, whatever the number.
  auto c = p_claim("P1");
  c.transaction_code = "B1";
  c.has_prior_authorization = false;
  c.pa_type = "1";
  c.pa_number = "20000000017";
  const auto d = decide(c);
  EXPECT_TRUE(d.rejects.contains("75")) << codes(d);
}

TEST(pa_transactions, dry_run_answers_a_request_as_the_gateway_would_and_files_nothing) {
  std::array<char, 2048> buf{};
  codec::writer w{buf};
  codec::request_header_values hv;
  hv.bin = "610999";
  hv.pcn = "RXGDEMO";
  hv.transaction_code = "P4";
  hv.provider_id = "1111111112";
  hv.date_of_service = ymd(dos_ymd);
  codec::write_request_header(w, hv);
  w.segment(codec::segment_id::insurance).field("C2"_fid, "DEMO1002").field("C1"_fid, "DEMO01").field("C3"_fid, "001");
  w.group();
  w.segment(codec::segment_id::claim).field("EM"_fid, "1").field("D2"_fid, "418232").field("E1"_fid, "03")
      .field("D7"_fid, semaglutide).field("E7"_fid, "3000").field("D3"_fid, "0").field("D5"_fid, "28");
  w.segment(codec::segment_id::prior_authorization).field("PA"_fid, "1").field("PB"_fid, "20261101")
      .field("PC"_fid, "20261130").field("PD"_fid, "ME");
  ASSERT_TRUE(w.ok());
  const auto r = dry_run(w.view(), demo_plans(), history_file{}, ymd(today_ymd));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->decisions[0].status, 'F') << codes(r->decisions[0]);
  ASSERT_TRUE(r->response.transactions[0].prior_authorization);
  EXPECT_EQ(r->response.transactions[0].prior_authorization->number, "00000000001");
}

}  // namespace
}  // namespace rxgate::rules::test
