// The expected-outcome model without a server: claims drawn from a generated plan are built into
// D.0, decided by the rules exactly as the gateway decides them (rules::dry_run, no database) and
// their answers read back the way the load generator reads them; each must match the expectation
// its kind carries. Follow-ups get the history their earlier paid claim would have left.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench/load/claim.h"
#include "bench/load/outcome.h"
#include "bench/load/scenario.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "rules/dry_run.h"
#include "rules/plan.h"
#include "plan_tools/plan_generate.h"
#include "rules/plan_model.h"

namespace rxgate::load {
namespace {

namespace fs = std::filesystem;

const codec::date dos = *codec::parse_date("20260601");

class expected_outcomes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("rxgate_load_outcome_" + std::to_string(::getpid())));
    rules::generate_options g;
    g.products = 3000;
    g.members = 20000;
    g.pharmacies = 200;
    g.id = "smoke";
    rules::generate_plan(*dir_ / "smoke", g);
    plans_ = new std::shared_ptr<const rules::plan_set>(rules::load_plans(*dir_ / "smoke"));
    scenario_ = new scenario(build_scenario(*(*plans_)->plans().front(), dos));
  }
  static void TearDownTestSuite() {
    delete scenario_;
    delete plans_;
    std::error_code ignored;
    fs::remove_all(*dir_, ignored);
    delete dir_;
  }

  static claim_mix only(claim_kind k) {
    claim_mix m{};
    m[static_cast<std::size_t>(k)] = 1;
    return m;
  }

  // The body of `c` decided by the rules with `history`, read back as the load generator reads answers.
  struct answer {
    std::array<char, 8192> body{};
    std::unique_ptr<rules::dry_run_result> result;
    codec::message message;
    codec::response response;
    std::array<char, 4096> scratch{};
  };
  static std::unique_ptr<answer> decide(const claim_spec& c, std::string_view history = {}) {
    auto a = std::make_unique<answer>();
    const auto n = build_body(*scenario_, c, a->body);
    EXPECT_GT(n, 0u);
    const rules::history_file file("history", history, plans_->get());
    a->result = rules::dry_run({a->body.data(), n}, **plans_, file, dos);
    EXPECT_FALSE(codec::decode(a->result->response_bytes, a->message));
    codec::read_response(a->message, a->response, a->scratch);
    return a;
  }

  static std::string ndc_of(const claim_spec& c, std::size_t i = 0) {
    return std::string(scenario_->plan->products[c.product[i]].ndc);
  }

  static fs::path* dir_;
  static std::shared_ptr<const rules::plan_set>* plans_;
  static scenario* scenario_;
};

fs::path* expected_outcomes::dir_ = nullptr;
std::shared_ptr<const rules::plan_set>* expected_outcomes::plans_ = nullptr;
scenario* expected_outcomes::scenario_ = nullptr;

TEST_F(expected_outcomes, the_generated_plan_has_data_for_every_kind) {
  for (std::size_t k = 0; k < kind_count; ++k)
    EXPECT_TRUE(scenario_->supports(static_cast<claim_kind>(k))) << to_string(static_cast<claim_kind>(k));
  std::vector<claim_kind> dropped;
  EXPECT_EQ(supported_mix(*scenario_, default_mix(), dropped), default_mix());
  EXPECT_TRUE(dropped.empty());
}

TEST_F(expected_outcomes, a_plan_without_data_drops_its_kinds_from_the_mix) {
  scenario empty;
  std::vector<claim_kind> dropped;
  const auto mix = supported_mix(empty, default_mix(), dropped);
  EXPECT_EQ(mix, claim_mix{});
  EXPECT_EQ(dropped.size(), kind_count);
}

TEST_F(expected_outcomes, new_claims_of_every_kind_get_the_answer_their_kind_predicts) {
  for (std::size_t k = 0; k < kind_count; ++k) {
    const auto kind = static_cast<claim_kind>(k);
    if (is_follow_up(kind)) continue;
    claim_source source(*scenario_, only(kind), 4242, 0, 1);
    for (int i = 0; i < 40; ++i) {
      claim_spec c;
      expectation e;
      ASSERT_TRUE(source.next(c, e));
      ASSERT_EQ(c.kind, kind);
      const auto a = decide(c);
      EXPECT_TRUE(answer_matches(e, a->response)) << describe_mismatch(kind, e, a->response);
    }
  }
}

// F6 beside D.0 (issue 16): the same kinds sent in F6 get the same answers, in F6.
TEST_F(expected_outcomes, f6_claims_of_every_kind_are_answered_in_f6_as_predicted) {
  for (std::size_t k = 0; k < kind_count; ++k) {
    const auto kind = static_cast<claim_kind>(k);
    if (is_follow_up(kind)) continue;
    SCOPED_TRACE(std::string(to_string(kind)));
    claim_source source(*scenario_, only(kind), 4243, 0, 1, 100);
    for (int i = 0; i < 10; ++i) {
      claim_spec c;
      expectation e;
      ASSERT_TRUE(source.next(c, e));
      // F6 carries one transaction: a four-transaction claim stays D.0.
      EXPECT_EQ(c.f6, c.count == 1);
      EXPECT_EQ(e.f6, c.f6);
      const auto a = decide(c);
      EXPECT_EQ(a->response.version, c.f6 ? "F6" : "D0");
      EXPECT_TRUE(answer_matches(e, a->response)) << describe_mismatch(kind, e, a->response);
    }
  }
}

TEST_F(expected_outcomes, the_f6_share_is_a_percentage_of_new_single_transaction_claims) {
  for (unsigned percent : {0u, 1u, 50u, 99u, 100u}) {
    SCOPED_TRACE(percent);
    claim_source source(*scenario_, only(claim_kind::paid), 4244, 0, 1, percent);
    int f6 = 0;
    constexpr int n = 2000;
    for (int i = 0; i < n; ++i) {
      claim_spec c;
      expectation e;
      ASSERT_TRUE(source.next(c, e));
      f6 += c.f6;
    }
    if (percent == 0) EXPECT_EQ(f6, 0);
    else if (percent == 100) EXPECT_EQ(f6, n);
    else EXPECT_NEAR(f6, n * static_cast<int>(percent) / 100, n / 20 + 10);
  }
}

TEST_F(expected_outcomes, an_answer_in_the_other_version_is_a_mismatch) {
  claim_source source(*scenario_, only(claim_kind::paid), 4245, 0, 1, 100);
  claim_spec c;
  expectation e;
  ASSERT_TRUE(source.next(c, e));
  ASSERT_TRUE(c.f6);
  const auto f6 = decide(c);
  ASSERT_TRUE(answer_matches(e, f6->response)) << describe_mismatch(c.kind, e, f6->response);
  c.f6 = false;  // the same claim sent in D.0 is answered in D.0: not what an F6 sender expects
  const auto d0 = decide(c);
  EXPECT_EQ(d0->response.version, "D0");
  EXPECT_FALSE(answer_matches(e, d0->response));
  EXPECT_NE(describe_mismatch(c.kind, e, d0->response).find("expected F6"), std::string::npos);
}

TEST_F(expected_outcomes, follow_ups_with_nothing_to_follow_up_on_are_paid_claims) {
  claim_source source(*scenario_, only(claim_kind::reversal), 1, 0, 1);
  claim_spec c;
  expectation e;
  ASSERT_TRUE(source.next(c, e));
  EXPECT_EQ(c.kind, claim_kind::paid);
  EXPECT_EQ(e.status, 'P');
  EXPECT_TRUE(c.with_override);
}

// A source of `kind` only: its first claim is paid (nothing to follow up on yet); handed back as
// answered P, the next claim follows it up.
struct follow_up {
  claim_spec original, c;
  std::string authorization = "0000000000000000001";
  expectation e;
  std::size_t waiting_before = 0, waiting_after = 0;
};
follow_up follow_up_of_paid(const scenario& sc, claim_kind kind, unsigned run_id, unsigned f6_percent = 0) {
  claim_mix mix{};
  mix[static_cast<std::size_t>(kind)] = 1;
  claim_source source(sc, mix, run_id, 0, 1, f6_percent);
  follow_up f;
  EXPECT_TRUE(source.next(f.original, f.e));
  EXPECT_EQ(f.original.kind, claim_kind::paid);
  source.paid(f.original, f.authorization);
  f.waiting_before = source.waiting();
  EXPECT_TRUE(source.next(f.c, f.e));
  EXPECT_EQ(f.c.kind, kind);
  f.waiting_after = source.waiting();
  return f;
}

TEST_F(expected_outcomes, a_retransmit_is_the_same_claim_and_expects_the_original_authorization) {
  const auto f = follow_up_of_paid(*scenario_, claim_kind::retransmit, 7);
  EXPECT_EQ(f.waiting_before, 1u);
  EXPECT_EQ(f.waiting_after, 0u);  // each paid claim is followed up once
  EXPECT_EQ(f.c.rx, f.original.rx);
  EXPECT_EQ(f.e.status, 'D');
  EXPECT_EQ(f.e.authorization_view(), f.authorization);
  std::array<char, 8192> a{}, b{};
  const auto n = build_body(*scenario_, f.original, a);
  ASSERT_EQ(build_body(*scenario_, f.c, b), n);
  EXPECT_EQ(std::string_view(a.data(), n), std::string_view(b.data(), n));  // the same bytes
}

TEST_F(expected_outcomes, a_refill_too_soon_probe_rejects_79_after_the_paid_fill) {
  const auto f = follow_up_of_paid(*scenario_, claim_kind::refill_too_soon, 8);
  EXPECT_NE(f.c.rx[0], f.original.rx[0]);
  EXPECT_FALSE(f.c.with_override);
  const auto a = decide(f.c, "fill,1,20260601," + ndc_of(f.c) + ",30,30\n");
  EXPECT_TRUE(answer_matches(f.e, a->response)) << describe_mismatch(f.c.kind, f.e, a->response);
  // Without the earlier fill it would pay: the expectation rests on the history.
  EXPECT_FALSE(answer_matches(f.e, decide(f.c)->response));
}

TEST_F(expected_outcomes, an_f6_refill_too_soon_carries_the_next_available_fill_date) {
  const auto f = follow_up_of_paid(*scenario_, claim_kind::refill_too_soon, 10, 100);
  ASSERT_TRUE(f.original.f6);
  EXPECT_TRUE(f.c.f6);  // a follow-up keeps the version of the claim it follows
  const auto a = decide(f.c, "fill,1,20260601," + ndc_of(f.c) + ",30,30\n");
  EXPECT_TRUE(answer_matches(f.e, a->response)) << describe_mismatch(f.c.kind, f.e, a->response);
  ASSERT_TRUE(a->response.transactions[0].next_available_fill_date);
  EXPECT_GT(*a->response.transactions[0].next_available_fill_date, dos);
  // The same answer without its BT is what the generator reports as a mismatch.
  auto without = a->response;
  without.transactions[0].next_available_fill_date.reset();
  EXPECT_FALSE(answer_matches(f.e, without));
}

TEST_F(expected_outcomes, a_reversal_and_a_rebill_of_a_paid_claim_are_accepted_and_paid) {
  for (auto kind : {claim_kind::reversal, claim_kind::rebill}) {
    const auto f = follow_up_of_paid(*scenario_, kind, 9);
    EXPECT_EQ(f.c.transaction[1], kind == claim_kind::reversal ? '2' : '3');
    // The key holds the paid B1, which a reversal names by its key and a rebill replaces: the
    // rebill's own fields make a different request (a rebill is never its B1's retransmit).
    const auto a = decide(f.c, "key,1,paid," + f.authorization + (kind == claim_kind::reversal ? ",same\n" : ",different\n"));
    EXPECT_TRUE(answer_matches(f.e, a->response)) << describe_mismatch(kind, f.e, a->response);
  }
}

TEST_F(expected_outcomes, rx_numbers_carry_the_run_id_and_threads_never_share_one) {
  claim_source first(*scenario_, only(claim_kind::multi), 12345, 0, 2);
  claim_source second(*scenario_, only(claim_kind::multi), 12345, 1, 2);
  std::vector<std::uint64_t> seen;
  for (auto* source : {&first, &second})
    for (int i = 0; i < 10; ++i) {
      claim_spec c;
      expectation e;
      ASSERT_TRUE(source->next(c, e));
      for (std::size_t t = 0; t < c.count; ++t) {
        EXPECT_EQ(c.rx[t] / 10'000'000, 12345u);
        seen.push_back(c.rx[t]);
      }
    }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.size(), 80u);
}

// The check itself, on hand-made answers.
codec::response answered(char status, std::initializer_list<std::string_view> codes = {},
                         std::string_view authorization = {}) {
  codec::response r;
  r.transaction_count = 1;
  r.transactions[0].status = status;
  r.transactions[0].authorization_number = authorization;
  for (auto code : codes) r.transactions[0].rejects.push(code);
  return r;
}

TEST(answer_check, a_reject_matches_when_one_expected_code_is_among_its_codes) {
  const auto e = expect_reject("69", "68");
  EXPECT_TRUE(answer_matches(e, answered('R', {"68"})));
  EXPECT_TRUE(answer_matches(e, answered('R', {"M1", "69"})));  // others may accompany it
  EXPECT_FALSE(answer_matches(e, answered('R', {"70"})));
  EXPECT_FALSE(answer_matches(e, answered('P', {}, "1")));
}

TEST(answer_check, paid_needs_an_authorization_and_the_transaction_count) {
  expectation paid;
  EXPECT_TRUE(answer_matches(paid, answered('P', {}, "0000000000000000001")));
  EXPECT_FALSE(answer_matches(paid, answered('P')));
  auto two = answered('P', {}, "1");
  two.transaction_count = 2;
  two.transactions[1] = two.transactions[0];
  EXPECT_FALSE(answer_matches(paid, two));
}

TEST(answer_check, a_duplicate_must_carry_the_original_authorization) {
  const auto e = expect_duplicate_of("0000000000000000042");
  EXPECT_TRUE(answer_matches(e, answered('D', {}, "0000000000000000042")));
  EXPECT_FALSE(answer_matches(e, answered('D', {}, "0000000000000000043")));
  EXPECT_FALSE(answer_matches(e, answered('P', {}, "0000000000000000042")));
}

TEST(answer_check, a_mismatch_is_described_by_kind_status_and_codes_only) {
  EXPECT_EQ(describe_mismatch(claim_kind::terminated, expect_reject("69", "68"), answered('R', {"81", "M1"})),
            "terminated: expected D0 1x R 69|68, got D0 header A 1x R 81,M1");
  EXPECT_EQ(describe_mismatch(claim_kind::retransmit, expect_duplicate_of("1"), answered('D', {}, "2")),
            "retransmit: expected D0 1x D (original authorization), got D0 header A 1x D (other authorization)");
}

}  // namespace
}  // namespace rxgate::load
