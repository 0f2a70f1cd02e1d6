// Golden responses: demo-plan claims as D.0 bytes through decode, validate, adjudicate and the
// response builder (rules/dry_run.h). Each response is compared byte for byte with
// tests/rules/golden/<name>.txt (separators shown as <FS> <GS> <RS>, a line break before each
// segment). Set RXGATE_UPDATE_GOLDEN=1 to rewrite the files, then review the diff.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "codec/writer.h"
#include "rules/dry_run.h"
#include "tests/rules/support.h"

namespace rxgate::rules::test {
namespace {

using namespace codec;
using namespace codec::literals;

struct request {
  std::string_view transaction = "B1";
  std::string_view provider = "1111111112";
  date dos = ymd(dos_ymd);
  std::string_view cardholder = "DEMO1001", person = "001", group = "DEMO01", dob = "19700315", gender = "1",
                   relationship = "1";
  std::string_view rx = "000000100001", product = "90001000102", quantity = "30000", days = "30";
  std::function<void(writer&)> claim_extra, segments_extra;
  std::string_view compound = "1";
  std::string_view product_qualifier = "03";
};

std::string build(const request& q) {
  std::array<char, 4096> buf{};
  writer w{buf};
  request_header_values h;
  h.bin = "610999";
  h.pcn = "RXGDEMO";
  h.transaction_code = q.transaction;
  h.provider_id = q.provider;
  h.date_of_service = q.dos;
  h.software_id = "RXGTEST";
  write_request_header(w, h);
  w.segment(segment_id::insurance).field("C2"_fid, q.cardholder).field("C1"_fid, q.group)
      .field("C3"_fid, q.person).field("C6"_fid, q.relationship);
  if (q.transaction != "B2")
    w.segment(segment_id::patient).field("C4"_fid, q.dob).field("C5"_fid, q.gender);
  if (q.transaction == "E1") return std::string(w.view());
  w.group();
  w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, q.rx).field("E1"_fid, q.product_qualifier)
      .field("D7"_fid, q.product).field("D3"_fid, "0");
  if (q.transaction != "B2") {
    w.field("E7"_fid, q.quantity).field("D5"_fid, q.days).field("D6"_fid, q.compound).field("D8"_fid, "0")
        .field("DE"_fid, "20261020").field("DF"_fid, "3").field("DJ"_fid, "1");
    if (q.claim_extra) q.claim_extra(w);
    w.segment(segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1999999991");
    if (q.segments_extra) q.segments_extra(w);
    w.segment(segment_id::pricing).money("D9"_fid, 50000).money("DC"_fid, 200).money("DQ"_fid, 60000)
        .money("DU"_fid, 60200).field("DN"_fid, "01");
  }
  return std::string(w.view());
}

std::string visible(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\x1E') out += "\n<RS>";
    else if (c == '\x1D') out += "\n<GS>";
    else if (c == '\x1C') out += "<FS>";
    else out += c;
  }
  return out + "\n";
}

struct golden_case {
  const char* name;
  std::function<void(request&)> setup;
  std::string history;
  char status;
  const char* first_reject;
};

const golden_case cases[] = {
    {"paid_generic", [](request&) {}, "", 'P', ""},
    {"paid_brand_coinsurance", [](request& q) { q.product = "90001000104"; }, "", 'P', ""},
    {"refill_too_soon", [](request&) {}, "fill,7,20261012,90001000102,30,30,6666666662\n", 'R', "79"},
    {"refill_too_soon_vacation_override", [](request& q) {
       q.claim_extra = [](writer& w) { w.field("NX"_fid, "1").field("DK"_fid, "3"); };
     }, "fill,7,20261012,90001000102,30,30\n", 'P', ""},
    {"prior_authorization_required", [](request& q) {
       q.product = "90001000801"; q.quantity = "2000"; q.days = "28"; q.provider = "2222222220";
     }, "", 'R', "75"},
    {"prior_authorization_number", [](request& q) {
       q.product = "90001000801"; q.quantity = "2000"; q.days = "28"; q.provider = "2222222220";
       q.claim_extra = [](writer& w) { w.field("EU"_fid, "1").field("EV"_fid, "12345678901"); };
     }, "pa,12345678901,90001000801,20260101,20261231\n", 'P', ""},
    {"not_on_formulary", [](request& q) { q.product = "90001000603"; }, "", 'R', "MR"},
    {"excluded", [](request& q) { q.product = "90001000902"; }, "", 'R', "70"},
    {"step_therapy", [](request& q) { q.product = "90001000705"; }, "", 'R', "608"},
    {"dur_interaction", [](request& q) { q.product = "90001000301"; },
     "fill,8,20261020,90001000305,60,30,6666666662,1888888881\n", 'R', "88"},
    {"dur_interaction_overridden", [](request& q) {
       q.product = "90001000301";
       q.segments_extra = [](writer& w) {
         w.segment(segment_id::dur_pps).field("7E"_fid, "1").field("E4"_fid, "DD").field("E5"_fid, "M0")
             .field("E6"_fid, "1G").field("8E"_fid, "11");
       };
     }, "fill,8,20261020,90001000305,60,30\n", 'P', ""},
    {"quantity_limit", [](request& q) {
       q.cardholder = "DEMO1012"; q.dob = "19880808"; q.product = "90001000401"; q.quantity = "150000";
     }, "", 'R', "76"},
    {"other_coverage", [](request& q) { q.cardholder = "DEMO1008"; q.dob = "19681010"; q.gender = "2"; }, "", 'R', "41"},
    {"out_of_network", [](request& q) { q.provider = "4444444446"; }, "", 'R', "40"},
    {"member_terminated", [](request& q) { q.cardholder = "DEMO1005"; q.dob = "19800101"; }, "", 'R', "69"},
    {"compound", [](request& q) {
       q.cardholder = "DEMO1015"; q.dob = "19790919"; q.gender = "2"; q.provider = "5555555554";
       q.product_qualifier = "00"; q.product = "0"; q.compound = "2"; q.quantity = "100000";
       q.segments_extra = [](writer& w) {
         w.segment(segment_id::compound).field("EF"_fid, "11").field("EG"_fid, "2").field("EC"_fid, "3");
         for (auto [ndc, qty] : {std::pair{"90001001301", "30000"}, {"90001001302", "10000"}, {"90001001305", "60000"}})
           w.field("RE"_fid, "03").field("TE"_fid, ndc).field("ED"_fid, qty).money("EE"_fid, 10000).field("UE"_fid, "01");
       };
     }, "", 'P', ""},
    {"eligibility", [](request& q) { q.transaction = "E1"; q.cardholder = "DEMO1008"; q.dob = "19681010"; q.gender = "2"; },
     "", 'A', ""},
    {"reversal", [](request& q) { q.transaction = "B2"; }, "key,41,paid,RXG0000000041,different\n", 'A', ""},
    {"reversal_not_found", [](request& q) { q.transaction = "B2"; }, "", 'R', "87"},
    {"duplicate_of_paid", [](request&) {}, "key,41,paid,RXG0000000041,same,0.00,4.75,3.00,1.75\n", 'D', ""},
    // The store replays 522-FM and the patient-pay parts of the original on a duplicate.
    {"duplicate_of_paid_with_basis_and_copay", [](request&) {},
     "key,41,paid,RXG0000000041,same,0.00,4.75,3.00,1.75,07,4.75,,,\n", 'D', ""},
};

class golden : public ::testing::TestWithParam<golden_case> {};

TEST_P(golden, response_matches) {
  const auto& gc = GetParam();
  request q;
  gc.setup(q);
  const std::string bytes = build(q);
  const history_file history("history.csv", gc.history, &demo_plans());
  auto result = dry_run(bytes, demo_plans(), history, ymd(today_ymd));
  ASSERT_FALSE(result->decode_error) << "the test request must decode";
  ASSERT_FALSE(result->validation.any_rejects()) << codes(result->decisions[0]);
  const auto& d = result->decisions[0];
  EXPECT_EQ(d.status, gc.status) << codes(d);
  if (*gc.first_reject) {
    ASSERT_GE(d.rejects.count, 1);
    EXPECT_EQ(d.rejects.items[0].code_view(), gc.first_reject);
  }
  ASSERT_FALSE(result->response_bytes.empty());

  // The response must decode as a response, with the decision's status.
  message back;
  ASSERT_FALSE(decode(result->response_bytes, back));
  EXPECT_EQ(back.kind, message_kind::response);

  const auto path = std::filesystem::path(RXGATE_SOURCE_DIR) / "tests/rules/golden" / (std::string(gc.name) + ".txt");
  const std::string got = visible(result->response_bytes);
  if (std::getenv("RXGATE_UPDATE_GOLDEN")) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << got;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "no golden file " << path << " (run with RXGATE_UPDATE_GOLDEN=1)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str());
}

INSTANTIATE_TEST_SUITE_P(demo, golden, ::testing::ValuesIn(cases),
                         [](const ::testing::TestParamInfo<golden_case>& p) { return std::string(p.param.name); });

TEST(history_file, reports_bad_lines) {
  try {
    history_file h("h.csv", "fill,1,20261301,90001000102,30,30\nbogus,1\n");
    FAIL() << "expected plan_error";
  } catch (const plan_error& e) {
    ASSERT_EQ(e.problems().size(), 2u);
    EXPECT_EQ(e.problems()[0], "h.csv:1:8: expected a date CCYYMMDD, found \"20261301\"");
    EXPECT_EQ(e.problems()[1], "h.csv:2:1: kind must be fill, pa, key or accumulators, found \"bogus\"");
  }
}

}  // namespace
}  // namespace rxgate::rules::test
