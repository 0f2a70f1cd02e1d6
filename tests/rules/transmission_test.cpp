// One decision path for a transmission (issue 12, defect 3 and build 8): earlier transactions of
// a transmission are history for later ones, E1 answers carry AM25/AM29, payments and accepted
// reversals carry 503-F3 — in the dry run exactly as the gateway's batch worker does it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "codec/decode.h"
#include "codec/writer.h"
#include "rules/dry_run.h"
#include "rules/transmission.h"
#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

using namespace codec;
using namespace codec::literals;

struct rx {
  std::string_view rx_number, product, quantity = "30000", days = "30";
};

// A B1 for DEMO1001/001 at the demo retail pharmacy with one transaction per `rx`.
std::string b1(const std::vector<rx>& rxs) {
  std::array<char, 8192> buf{};
  writer w{buf};
  request_header_values h;
  h.bin = "610999";
  h.pcn = "RXGDEMO";
  h.transaction_code = "B1";
  h.count = static_cast<int>(rxs.size());
  h.provider_id = "1111111112";
  h.date_of_service = ymd(dos_ymd);
  h.software_id = "RXGTEST";
  write_request_header(w, h);
  w.segment(segment_id::insurance).field("C2"_fid, "DEMO1001").field("C1"_fid, "DEMO01")
      .field("C3"_fid, "001").field("C6"_fid, "1");
  w.segment(segment_id::patient).field("C4"_fid, "19700315").field("C5"_fid, "1");
  for (const auto& r : rxs) {
    w.group();
    w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, r.rx_number).field("E1"_fid, "03")
        .field("D7"_fid, r.product).field("D3"_fid, "0").field("E7"_fid, r.quantity).field("D5"_fid, r.days)
        .field("D6"_fid, "1").field("D8"_fid, "0").field("DE"_fid, "20261020").field("DF"_fid, "3")
        .field("DJ"_fid, "1");
    w.segment(segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1999999991");
    w.segment(segment_id::pricing).money("D9"_fid, 50000).money("DC"_fid, 200).money("DQ"_fid, 60000)
        .money("DU"_fid, 60200).field("DN"_fid, "01");
  }
  return std::string(w.view());
}

std::unique_ptr<dry_run_result> run(std::string bytes, std::string_view history_text = "") {
  // The result views the request bytes and the history: both live as long as the test program.
  static std::vector<std::unique_ptr<std::string>> requests;
  static std::vector<std::unique_ptr<history_file>> histories;
  requests.push_back(std::make_unique<std::string>(std::move(bytes)));
  histories.push_back(std::make_unique<history_file>("history.csv", history_text, &demo_plans()));
  auto r = dry_run(*requests.back(), demo_plans(), *histories.back(), ymd(today_ymd));
  EXPECT_FALSE(r->decode_error);
  EXPECT_EQ(r->validation.claim_count, r->response.transaction_count);
  return r;
}

TEST(transmission, interaction_with_an_earlier_transaction_rejects_88) {
  // Phenelzine (MAOI) in transaction 1, sertraline (SSRI) in 2: a major interaction, as serve
  // decides it; the dry run used to pay the second.
  auto r = run(b1({{"000000200001", "90001000305"}, {"000000200002", "90001000301"}}));
  EXPECT_EQ(r->decisions[0].status, 'P') << codes(r->decisions[0]);
  EXPECT_EQ(r->decisions[1].status, 'R');
  EXPECT_EQ(codes(r->decisions[1]), "88");
  ASSERT_GE(r->decisions[1].dur_count, 1);
  EXPECT_EQ(r->decisions[1].dur[0].reason, "DD");
  EXPECT_EQ(r->transmission.fills[1].size(), 1u);
  EXPECT_EQ(r->transmission.fills[1][0].product_id, "90001000305");
}

TEST(transmission, same_drug_twice_is_refill_too_soon) {
  // Atorvastatin 20 mg, then Lipitor 20 mg (the same drug key) in the same transmission.
  auto r = run(b1({{"000000200001", "90001000102"}, {"000000200002", "90001000104"}}));
  EXPECT_EQ(r->decisions[0].status, 'P');
  EXPECT_EQ(codes(r->decisions[1]), "79");
  // The answer carries the next date it may be filled (F6 BT Next Available Fill Date; D.0 has no field for it).
  ASSERT_TRUE(r->decisions[1].refill_too_soon);
  EXPECT_EQ(r->response.transactions[1].next_available_fill_date, r->decisions[1].refill_too_soon->next_allowed);
  EXPECT_FALSE(r->response.transactions[0].next_available_fill_date);
}

TEST(transmission, a_rejected_transaction_is_no_history) {
  // Transaction 1 rejects (60 days at retail), so it does not make transaction 2 too soon.
  auto r = run(b1({{"000000200001", "90001000102", "60000", "60"}, {"000000200002", "90001000102"}}));
  EXPECT_EQ(codes(r->decisions[0]), "7X");
  EXPECT_EQ(r->decisions[1].status, 'P') << codes(r->decisions[1]);
  EXPECT_TRUE(r->transmission.fills[1].empty());
}

TEST(transmission, earlier_transactions_come_before_stored_fills) {
  auto r = run(b1({{"000000200001", "90001000201"}, {"000000200002", "90001000701"}, {"000000200003", "90001001401"}}),
               "fill,7,20260901,90001001201,30,30\n");
  ASSERT_EQ(r->transmission.fills[2].size(), 3u);
  EXPECT_EQ(r->transmission.fills[2][0].product_id, "90001000701");  // newest first
  EXPECT_EQ(r->transmission.fills[2][1].product_id, "90001000201");
  EXPECT_EQ(r->transmission.fills[2][2].product_id, "90001001201");  // then the history file
}

TEST(transmission, authorization_numbers_on_payments_only) {
  auto r = run(b1({{"000000200001", "90001000102"}, {"000000200002", "90001000902"}, {"000000200003", "90001000201"}}));
  EXPECT_EQ(r->decisions[0].authorization(), "0000000000000000001");
  EXPECT_EQ(codes(r->decisions[1]), "70");
  EXPECT_EQ(r->decisions[1].authorization(), "");
  EXPECT_EQ(r->decisions[2].authorization(), "0000000000000000002");
  EXPECT_EQ(r->response.transactions[2].authorization_number, "0000000000000000002");
  message back;
  ASSERT_FALSE(decode(r->response_bytes, back));
  EXPECT_EQ(back.kind, message_kind::response);
}

// Every sample claim (config/samples) goes through the one path and answers a response that
// decodes, one transaction per transaction asked.
std::string_view payload(const std::string& bytes) {
  std::size_t at = 0;
  while (bytes.compare(at, 2, "# ") == 0) {
    const auto nl = bytes.find('\n', at);
    if (nl == std::string::npos) return {};
    at = nl + 1;
  }
  std::string_view p(bytes);
  p.remove_prefix(at);
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.remove_suffix(1);
  return p;
}

TEST(transmission, every_sample_claim_answers) {
  const auto dir = std::filesystem::path(RXGATE_SOURCE_DIR) / "config/samples";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".d0") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 10u);
  const history_file none;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();
    const auto body = payload(bytes);
    message m;
    const bool decodes = !decode(body, m);
    validation v;
    if (decodes) validate(m, v);
    const date today = decodes && v.claim_count ? v.claims[0].date_of_service : ymd(today_ymd);
    auto r = dry_run(body, demo_plans(), none, today);
    message back;
    ASSERT_FALSE(decode(r->response_bytes, back)) << f;
    EXPECT_EQ(back.kind, message_kind::response) << f;
    if (f.filename() == "14-b1-four-transactions.d0") {
      ASSERT_EQ(r->response.transaction_count, 4) << f;
      for (int i = 0; i < 4; ++i) EXPECT_EQ(r->decisions[i].status, 'P') << f << " " << i << " " << codes(r->decisions[i]);
    }
    if (f.filename() == "16-reject-g6-specialty-network.d0") {
      EXPECT_EQ(codes(r->decisions[0]), "G6");
    }
    if (f.filename() == "17-paid-network-pricing.d0") {
      // Network retail90-preferred: its MAC list 0.10 x 90 = 9.00, fee 1.00; 61-90 day tier 1 copay 7.50.
      ASSERT_EQ(r->decisions[0].status, 'P') << codes(r->decisions[0]);
      EXPECT_EQ(r->decisions[0].price->ingredient_cost_paid, 900);
      EXPECT_EQ(r->decisions[0].price->dispensing_fee_paid, 100);
      EXPECT_EQ(r->decisions[0].price->patient_pay, 750);
    }
    // The compound, transition, emergency and diagnosis samples (issue 12 items 5 and 6).
    const std::map<std::string, std::pair<std::string, std::string>> outcomes = {
        {"23-compound-scc8-approved-ingredients.d0", {"", ""}},
        {"24-reject-78-compound-cost-cap.d0", {"78", ""}},
        {"25-reject-75-compound-pa-threshold.d0", {"75", ""}},
        // DEMO1019's transition window ends 20270213; a sample made later is an MR.
        {"26-transition-fill.d0", today <= ymd(20270213) ? std::pair<std::string, std::string>{"", "006"}
                                                          : std::pair<std::string, std::string>{"MR", ""}},
        {"27-emergency-supply.d0", {"", "009"}},
        {"28-reject-39-diagnosis-required.d0", {"39", ""}},
        {"29-diagnosis-paid.d0", {"", ""}}};
    if (const auto o = outcomes.find(f.filename().string()); o != outcomes.end()) {
      const auto& d0 = r->decisions[0];
      EXPECT_EQ(codes(d0), o->second.first) << f;
      std::string messages;
      for (std::size_t k = 0; k < d0.approved_message_count; ++k) messages += d0.approved_messages[k];
      EXPECT_EQ(messages, o->second.second) << f;
    }
    if (f.filename() == "13-e1-eligibility.d0") {
      EXPECT_EQ(r->decisions[0].status, 'A') << codes(r->decisions[0]);
      EXPECT_FALSE(r->response.cardholder_id.empty()) << "AM25 on an accepted E1";
      // 524-FO carries the plan's configured wire ID, not its folder id cut to 8 characters.
      EXPECT_EQ(r->response.plan_id, "RXGDEMO2");
      EXPECT_EQ(r->decisions[0].plan_id, "demo");
    }
  }
}

// A history source sees each transaction with its index.
class recording_history final : public history_source {
 public:
  mutable std::vector<std::size_t> seen;
  member_history for_transaction(std::size_t index, const codec::claim&) const noexcept override {
    seen.push_back(index);
    return {};
  }
};
class fixed_numbers final : public authorization_source {
 public:
  std::uint8_t next(std::array<char, 20>& out) noexcept override {
    out.fill('\0');
    out[0] = 'X';
    return 1;
  }
};

TEST(transmission, history_source_is_asked_per_transaction) {
  const std::string bytes = b1({{"000000200001", "90001000102"}, {"000000200002", "90001000201"}});
  message m;
  ASSERT_FALSE(decode(bytes, m));
  validation v;
  validate(m, v);
  recording_history h;
  fixed_numbers n;
  auto out = std::make_unique<transmission_decision>();
  decide_transmission(m, v, demo_plans(), h, ymd(today_ymd), n, *out);
  EXPECT_EQ(h.seen, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(out->decisions[1].authorization(), "X");
  EXPECT_EQ(out->response.header_status, 'A');
}

}  // namespace
}  // namespace rxgate::rules::test
