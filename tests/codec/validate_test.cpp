// Payer validation: each problem maps to the NCPDP reject a payer would send, with the field and
// the occurrence (546-4F) at fault.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <string>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/writer.h"
#include "tests/codec/vector_util.h"

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

namespace {

struct claim_spec {
  std::string_view version = "D0", code = "B1";
  // 101-A1 as written: D.0 left-justifies it in 6 bytes; F6 ("F6" version) writes the 58-byte
  // header, 101-A1 in 8 bytes, and no group separator.
  std::string_view bin = "610999", provider_qualifier = "01", provider = "1000000001";
  int count = 1;
  std::string_view dos = "20261120";
  bool insurance = true, pricing = true, claim_segment = true;
  std::function<void(writer&)> claim_extra;       // more AM07 fields
  std::function<void(writer&)> group_extra;       // more segments in the group
  std::function<void(writer&)> transmission_extra;  // more transmission-level segments
  int groups = 1;
};

std::string build(const claim_spec& s) {
  std::array<char, 8192> buf{};
  writer w{buf};
  const bool f6 = s.version == "F6";
  if (f6)
    w.fixed(s.version, 2).fixed(s.code, 2).fixed(s.bin, 8).fixed("RXGDEMO", 10);
  else
    w.fixed(s.bin, 6).fixed(s.version, 2).fixed(s.code, 2).fixed("RXGDEMO", 10);
  w.raw(static_cast<char>('0' + s.count)).fixed(s.provider_qualifier, 2).fixed(s.provider, 15).fixed(s.dos, 8).fixed("", 10);
  if (s.insurance) w.segment(segment_id::insurance).field("C2"_fid, "DEMO0001").field("C1"_fid, "DEMO01");
  w.segment(segment_id::patient).field("C4"_fid, "19800229").field("C5"_fid, "2");
  if (s.transmission_extra) s.transmission_extra(w);
  for (int g = 0; g < s.groups; ++g) {
    if (s.code == "E1") break;
    if (!f6) w.group();
    if (s.claim_segment) {
      w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, "418232").field("E1"_fid, "03")
          .field("D7"_fid, "00093005801").field("E7"_fid, "30000").field("D3"_fid, "0").field("D5"_fid, "30");
      if (s.claim_extra) s.claim_extra(w);
    }
    if (s.pricing) w.segment(segment_id::pricing).field("D9"_fid, "145E").field("DU"_fid, "160E");
    if (s.group_extra) s.group_extra(w);
  }
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

struct result {
  std::string bytes;
  std::unique_ptr<message> msg = std::make_unique<message>();
  std::unique_ptr<validation> val = std::make_unique<validation>();
};

std::unique_ptr<result> run(const claim_spec& s) {
  auto r = std::make_unique<result>();
  r->bytes = build(s);
  const auto err = decode(r->bytes, *r->msg);
  EXPECT_FALSE(err) << to_string(err.code) << " at " << err.offset;
  validate(*r->msg, *r->val);
  return r;
}

std::string codes(const reject_list& l) {
  std::string out;
  for (const auto& r : l) {
    if (!out.empty()) out += ' ';
    out += r.code_view();
    if (r.occurrence) out += "#" + std::to_string(r.occurrence);
  }
  return out;
}

}  // namespace

TEST(Validate, CleanB1HasNoRejects) {
  auto r = run({});
  EXPECT_FALSE(r->val->any_rejects());
  EXPECT_EQ(r->val->claims[0].quantity, 30000);
}

TEST(Validate, TransmissionLevelRejects) {
  struct row {
    std::string_view name, version, code;
    int count, groups;
    std::string_view expected;
  };
  const row rows[] = {
      {"unknown version", "D1", "B1", 1, 1, "1R"},
      {"unsupported transaction code", "D0", "S1", 1, 1, "1S"},
      {"invalid transaction code", "D0", "ZZ", 1, 1, "03"},
      {"count above groups", "D0", "B1", 2, 1, "1U"},
      {"count below groups", "D0", "B1", 1, 2, "1U"},
      {"count out of range", "D0", "B1", 5, 1, "A9"},
      {"E1 count 2", "D0", "E1", 2, 0, "A9"},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.version = t.version;
    s.code = t.code;
    s.count = t.count;
    s.groups = t.groups;
    auto r = run(s);
    EXPECT_TRUE(r->val->transmission_rejected);
    EXPECT_EQ(codes(r->val->transmission_rejects), t.expected);
    ASSERT_GE(r->val->claim_count, 1);
    EXPECT_EQ(codes(r->val->claims[0].rejects), t.expected);
  }
}

TEST(Validate, MissingSegments) {
  {
    claim_spec s;
    s.insurance = false;
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "6J");
  }
  {
    claim_spec s;
    s.pricing = false;
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "6P");
  }
  {
    claim_spec s;
    s.claim_segment = false;
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "1Y");
  }
}

TEST(Validate, SegmentsNotUsedForTheTransactionCode) {
  {
    claim_spec s;  // Prior Authorization segment on a B1
    s.group_extra = [](writer& w) { w.segment(segment_id::prior_authorization).field("PA"_fid, "1"); };
    auto r = run(s);
    EXPECT_EQ(codes(r->val->claims[0].rejects), "212");
    EXPECT_FALSE(r->val->transmission_rejected);
  }
  {
    claim_spec s;  // Compound segment on a B2
    s.code = "B2";
    s.pricing = false;
    s.group_extra = [](writer& w) { w.segment(segment_id::compound).field("EC"_fid, "1"); };
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "211");
  }
  {
    claim_spec s;  // Pricing segment on an E1 (all E1 segments are at transmission level)
    s.code = "E1";
    s.groups = 0;
    s.transmission_extra = [](writer& w) { w.segment(segment_id::pricing).field("D9"_fid, "1{"); };
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "209");
  }
}

TEST(Validate, MandatoryAndInvalidFieldsCarryTheirField) {
  struct row {
    std::string_view name;
    std::function<void(writer&)> extra;
    std::string_view expected;
    field_id field;
  };
  // The claim segment already has E7 and D5; a second occurrence is ignored, so bad values are
  // tested by replacing the whole claim segment through group_extra instead.
  auto bad_claim = [](std::string_view id, std::string_view value) {
    return [id, value](writer& w) {
      w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, "418232").field("E1"_fid, "03");
      const std::pair<std::string_view, std::string_view> base[] = {
          {"D7", "00093005801"}, {"E7", "30000"}, {"D3", "0"}, {"D5", "30"}};
      for (const auto& [fid, v] : base) w.field(make_field_id(fid), fid == id ? value : v);
      if (id != "D7" && id != "E7" && id != "D3" && id != "D5") w.field(make_field_id(id), value);
    };
  };
  const row rows[] = {
      {"NDC too short", bad_claim("D7", "12345"), "21", "D7"_fid},
      {"quantity not numeric", bad_claim("E7", "3O000"), "E7", "E7"_fid},
      {"days supply zero", bad_claim("D5", "0"), "19", "D5"_fid},
      {"fill number over 99", bad_claim("D3", "100"), "17", "D3"_fid},
      {"DAW two characters", bad_claim("D8", "10"), "22", "D8"_fid},
      {"date written not a date", bad_claim("DE", "20260231"), "28", "DE"_fid},
      {"other coverage code 5 (deleted after C.4)", bad_claim("C8", "5"), "13", "C8"_fid},
      {"unit of measure", bad_claim("28", "LB"), "26", "28"_fid},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.claim_segment = false;
    s.pricing = false;
    s.group_extra = [&](writer& w) {
      t.extra(w);
      w.segment(segment_id::pricing).field("D9"_fid, "145E").field("DU"_fid, "160E");
    };
    auto r = run(s);
    const auto& rejects = r->val->claims[0].rejects;
    ASSERT_EQ(codes(rejects), t.expected);
    EXPECT_EQ(rejects.items[0].field, t.field);
    // The offset points at the value in the input.
    EXPECT_GT(rejects.items[0].offset, 56u);
    EXPECT_LT(rejects.items[0].offset, r->bytes.size());
  }
  {
    claim_spec s;  // no cardholder ID
    s.transmission_extra = nullptr;
    s.insurance = false;
    s.transmission_extra = [](writer& w) { w.segment(segment_id::insurance).field("C1"_fid, "DEMO01"); };
    auto r = run(s);
    EXPECT_EQ(codes(r->val->claims[0].rejects), "07");
    EXPECT_EQ(r->val->claims[0].rejects.items[0].field, "C2"_fid);
  }
  {
    claim_spec s;  // header date of service
    s.dos = "20261340";
    auto r = run(s);
    EXPECT_EQ(codes(r->val->claims[0].rejects), "15");
    EXPECT_EQ(r->val->claims[0].rejects.items[0].offset, 38u);
  }
}

TEST(Validate, RepeatingGroupCounts) {
  struct row {
    std::string_view name;
    std::function<void(writer&)> claim_extra, group_extra;
    std::string_view expected;
  };
  auto compound_claim = [](writer& w) {
    w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, "418232").field("E1"_fid, "00")
        .field("D7"_fid, "0").field("E7"_fid, "120000").field("D3"_fid, "0").field("D5"_fid, "30").field("D6"_fid, "2");
    w.segment(segment_id::pricing).field("D9"_fid, "145E").field("DU"_fid, "160E");
  };
  auto ingredient = [](writer& w, std::string_view ndc, bool with_qty = true) {
    w.field("RE"_fid, "03").field("TE"_fid, ndc);
    if (with_qty) w.field("ED"_fid, "12000");
    w.field("EE"_fid, "84{");
  };
  const row rows[] = {
      {"SCC count 2, one code", [](writer& w) { w.field("NX"_fid, "2").field("DK"_fid, "3"); }, nullptr, "SG"},
      // A count that is not a number, or codes without their count, is M/I of the count field
      // itself (354-NX -> NX), never 85 "claim not processed" (issue 15).
      {"SCC codes without 354-NX", [](writer& w) { w.field("DK"_fid, "3"); }, nullptr, "NX"},
      {"SCC count not a number", [](writer& w) { w.field("NX"_fid, "X").field("DK"_fid, "3"); }, nullptr, "NX"},
      {"procedure modifiers without 458-SE", [](writer& w) { w.field("ER"_fid, "25"); }, nullptr, "SE"},
      {"COB payer without 337-4C", nullptr,
       [](writer& w) { w.segment(segment_id::cob).field("5C"_fid, "01").field("6C"_fid, "03").field("7C"_fid, "610097"); },
       "4C"},
      {"SCC 0 in occurrence 2", [](writer& w) { w.field("NX"_fid, "2").field("DK"_fid, "3").field("DK"_fid, "0"); },
       nullptr, "34#2"},
      {"other amount count 1, two pairs", nullptr,
       [](writer& w) {
         w.segment(segment_id::cob).field("4C"_fid, "1").field("5C"_fid, "01").field("6C"_fid, "03").field("7C"_fid, "610097");
         w.segment(segment_id::coupon).field("KE"_fid, "01");
       },
       ""},
      {"COB count 2, one payer", nullptr,
       [](writer& w) { w.segment(segment_id::cob).field("4C"_fid, "2").field("5C"_fid, "01"); }, "P4"},
      {"DUR counter over 9", nullptr,
       [](writer& w) {
         w.segment(segment_id::dur_pps);
         for (int i = 1; i <= 10; ++i) w.number("7E"_fid, static_cast<std::uint64_t>(i % 10)).field("E4"_fid, "DD");
       },
       "9W"},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.claim_extra = t.claim_extra;
    s.group_extra = t.group_extra;
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), t.expected);
  }
  const row compound_rows[] = {
      {"ingredient count 3, two sent", nullptr,
       [&](writer& w) {
         w.segment(segment_id::compound).field("EC"_fid, "3");
         ingredient(w, "00603148049");
         ingredient(w, "60809031055");
       },
       "P3"},
      {"26 ingredients", nullptr,
       [&](writer& w) {
         w.segment(segment_id::compound).field("EC"_fid, "26");
         for (int i = 0; i < 26; ++i) ingredient(w, "00603148049");
       },
       "9K"},
      {"ingredient 2 without quantity", nullptr,
       [&](writer& w) {
         w.segment(segment_id::compound).field("EC"_fid, "2");
         ingredient(w, "00603148049");
         ingredient(w, "60809031055", false);
       },
       "ED#2"},
      {"compound code without the compound segment", nullptr, nullptr, "8B"},
  };
  for (const auto& t : compound_rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.claim_segment = false;
    s.pricing = false;
    s.group_extra = [&](writer& w) {
      compound_claim(w);
      if (t.group_extra) t.group_extra(w);
    };
    auto r = run(s);
    EXPECT_EQ(codes(r->val->claims[0].rejects), t.expected);
  }
}

TEST(Validate, MultiIngredientCompoundMustTravelAlone) {
  claim_spec s;
  s.count = 2;
  s.groups = 2;
  s.claim_extra = [](writer& w) { w.field("D6"_fid, "1"); };
  s.group_extra = [](writer& w) {
    w.segment(segment_id::compound).field("EC"_fid, "1").field("RE"_fid, "03").field("TE"_fid, "00603148049")
        .field("ED"_fid, "1000").field("EE"_fid, "1{");
  };
  auto r = run(s);
  ASSERT_EQ(r->val->claim_count, 2);
  EXPECT_TRUE(r->val->claims[0].rejects.contains("1W"));
  EXPECT_TRUE(r->val->claims[1].rejects.contains("1W"));
}

TEST(Validate, DecodeFailureBecomesATransmissionReject) {
  {
    auto m = std::make_unique<message>();
    const std::string garbage = "HELLO";
    const auto err = decode(garbage, *m);
    ASSERT_TRUE(err);
    auto v = std::make_unique<validation>();
    validate_decode_failure(*m, err, garbage, *v);
    EXPECT_TRUE(v->transmission_rejected);
    EXPECT_EQ(codes(v->claims[0].rejects), "01");
  }
  {
    claim_spec s;
    s.count = 2;
    s.groups = 2;
    std::string bytes = build(s);
    bytes.insert(bytes.size() - 5, "\x1E");  // an RS inside the last field breaks the framing
    auto m = std::make_unique<message>();
    const auto err = decode(bytes, *m);
    ASSERT_TRUE(err);
    auto v = std::make_unique<validation>();
    validate_decode_failure(*m, err, bytes, *v);
    ASSERT_EQ(v->claim_count, 2);
    // A framing error after a readable header: R8 Syntax Error (no longer 1U: the count is fine).
    EXPECT_EQ(codes(v->claims[1].rejects), "R8");
    EXPECT_EQ(v->claims[0].provider_id, "1000000001");  // header still echoed
  }
}

// AM05 with a primary that paid and a secondary that rejected: every repetition is kept, as
// views into the request, in wire order and per payer.
TEST(Validate, CobSegmentKeepsEveryRepetition) {
  claim_spec s;
  s.claim_extra = [](writer& w) { w.field("C8"_fid, "2"); };
  s.group_extra = [](writer& w) {
    w.segment(segment_id::cob).field("4C"_fid, "2");
    w.field("5C"_fid, "01").field("6C"_fid, "03").field("7C"_fid, "610111").field("E8"_fid, "20261119");
    w.field("HB"_fid, "2").field("HC"_fid, "07").field("DV"_fid, "4000{").field("HC"_fid, "01").field("DV"_fid, "25{");
    w.field("NR"_fid, "2").field("NP"_fid, "05").field("NQ"_fid, "1000{").field("NP"_fid, "06").field("NQ"_fid, "3975E");
    w.field("5C"_fid, "02").field("6C"_fid, "03").field("7C"_fid, "610222");
    w.field("5E"_fid, "2").field("6E"_fid, "70").field("6E"_fid, "MR");
  };
  auto r = run(s);
  const claim& c = r->val->claims[0];
  EXPECT_EQ(codes(c.rejects), "");
  EXPECT_TRUE(c.has_cob);
  ASSERT_EQ(c.other_payer_count, 2);
  const auto& primary = c.other_payers[0];
  EXPECT_EQ(primary.id, "610111");
  EXPECT_EQ(primary.paid_date, (date{2026, 11, 19}));
  EXPECT_EQ(primary.amount_paid, 40250);
  ASSERT_EQ(c.amounts_paid(primary).size(), 2u);
  EXPECT_EQ(c.amounts_paid(primary)[0], (other_payer_amount{"07", 40000}));
  EXPECT_EQ(c.amounts_paid(primary)[1], (other_payer_amount{"01", 250}));
  ASSERT_EQ(c.patient_responsibility(primary).size(), 2u);
  EXPECT_EQ(c.patient_responsibility(primary)[1], (other_payer_amount{"06", 39755}));
  EXPECT_TRUE(c.reject_codes(primary).empty());
  const auto& secondary = c.other_payers[1];
  EXPECT_TRUE(c.amounts_paid(secondary).empty());
  ASSERT_EQ(c.reject_codes(secondary).size(), 2u);
  EXPECT_EQ(c.reject_codes(secondary)[0], "70");
  EXPECT_EQ(c.reject_codes(secondary)[1], "MR");
  EXPECT_TRUE(c.patient_responsibility(secondary).empty());
}

// Each malformed piece of AM05 gets the code a payer sends, with the payer's occurrence.
TEST(Validate, CobSegmentRejects) {
  struct row {
    std::string_view name;
    std::function<void(writer&)> payer;  // fields after 4C1 5C01 6C03 7C610111
    std::string_view expected;
  };
  const row rows[] = {
      {"amount without qualifier", [](writer& w) { w.field("HB"_fid, "0").field("DV"_fid, "100{"); }, "HC#1"},
      {"qualifier without amount", [](writer& w) { w.field("HB"_fid, "1").field("HC"_fid, "07"); }, "DV#1"},
      {"qualifier of 3 characters", [](writer& w) { w.field("HB"_fid, "1").field("HC"_fid, "007").field("DV"_fid, "1{"); },
       "HC#1"},
      {"unreadable amount", [](writer& w) { w.field("HB"_fid, "1").field("HC"_fid, "07").field("DV"_fid, "X1"); }, "DV#1"},
      {"negative amount", [](writer& w) { w.field("HB"_fid, "1").field("HC"_fid, "07").field("DV"_fid, "100}"); }, "8V#1"},
      {"amount count 2, one pair",
       [](writer& w) { w.field("HB"_fid, "2").field("HC"_fid, "07").field("DV"_fid, "1{"); }, "SF#1"},
      {"amount count 10",
       [](writer& w) {
         w.field("HB"_fid, "10");
         for (int i = 0; i < 10; ++i) w.field("HC"_fid, "07").field("DV"_fid, "1{");
       },
       "7R#1"},
      {"reject count 1, none sent", [](writer& w) { w.field("5E"_fid, "1"); }, "R2#1"},
      {"blank reject code", [](writer& w) { w.field("5E"_fid, "1").field("6E"_fid, " "); }, "6E#1"},
      {"six reject codes",
       [](writer& w) {
         w.field("5E"_fid, "6");
         for (int i = 0; i < 6; ++i) w.field("6E"_fid, "70");
       },
       "YC#1"},
      {"five reject codes", [](writer& w) {
         w.field("5E"_fid, "5");
         for (int i = 0; i < 5; ++i) w.field("6E"_fid, "70");
       }, ""},
      {"responsibility without amount", [](writer& w) { w.field("NR"_fid, "1").field("NP"_fid, "06"); }, "NQ#1"},
      {"responsibility amount without qualifier", [](writer& w) { w.field("NR"_fid, "0").field("NQ"_fid, "1{"); }, "NP#1"},
      {"responsibility count 2, one pair",
       [](writer& w) { w.field("NR"_fid, "2").field("NP"_fid, "06").field("NQ"_fid, "1{"); }, "SH#1"},
      {"ten responsibilities",
       [](writer& w) {
         w.field("NR"_fid, "10");
         for (int i = 0; i < 10; ++i) w.field("NP"_fid, "06").field("NQ"_fid, "1{");
       },
       "YD#1"},
      {"nine responsibilities",
       [](writer& w) {
         w.field("NR"_fid, "9");
         for (int i = 0; i < 9; ++i) w.field("NP"_fid, "06").field("NQ"_fid, "1{");
       },
       ""},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.group_extra = [&](writer& w) {
      w.segment(segment_id::cob).field("4C"_fid, "1").field("5C"_fid, "01").field("6C"_fid, "03").field("7C"_fid, "610111");
      t.payer(w);
    };
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), t.expected);
  }
}

// F6 (issue 16): the same payer checks on F6's 58-byte header, each reject pointing at the byte
// where F6 puts its field; D.0's offsets stay where they were.
TEST(ValidateF6, CleanB1HasNoRejectsAndCarriesItsVersion) {
  claim_spec s;
  s.version = "F6";
  auto r = run(s);
  EXPECT_EQ(r->msg->version, wire_version::f6);
  EXPECT_FALSE(r->val->any_rejects()) << codes(r->val->claims[0].rejects);
  ASSERT_EQ(r->val->claim_count, 1);
  EXPECT_EQ(r->val->claims[0].version, "F6");
  EXPECT_EQ(r->val->claims[0].bin, "610999");  // the two blanks after a 6-digit BIN are not part of it
  EXPECT_EQ(r->val->claims[0].quantity, 30000);
}

TEST(ValidateF6, IinFieldTakesAnEightDigitIinOrASixDigitBinThenTwoBlanks) {
  struct row {
    std::string_view a1, bin;  // bin empty: rejected 01
  };
  const row rows[] = {
      {"61099900", "61099900"}, {"610999  ", "610999"}, {"6109990 ", ""}, {"61099   ", ""},
      {" 610999 ", ""},         {"61099 00", ""},       {"6109990A", ""}, {"610999 0", ""},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(std::string(t.a1));
    claim_spec s;
    s.version = "F6";
    s.bin = t.a1;
    auto r = run(s);
    if (t.bin.empty()) {
      EXPECT_EQ(codes(r->val->transmission_rejects), "01");
      EXPECT_EQ(r->val->transmission_rejects.items[0].offset, 4u);
    } else {
      EXPECT_FALSE(r->val->transmission_rejected) << codes(r->val->transmission_rejects);
      EXPECT_EQ(r->val->claims[0].bin, t.bin);
    }
  }
  // D.0's 101-A1 has room for 6 digits only.
  claim_spec d0;
  d0.bin = "61099";
  EXPECT_EQ(codes(run(d0)->val->transmission_rejects), "01");
}

TEST(ValidateF6, OneTransactionAndTheVersionInItsOwnHeaderShape) {
  struct row {
    std::string_view name, version, code;
    int count;
    std::string_view expected;
    std::uint32_t offset;
  };
  const row rows[] = {
      {"F6 count 2", "F6", "B1", 2, "A9", 22},
      {"F6 count 0", "F6", "B1", 0, "A9", 22},
      {"F6 E1 count 2", "F6", "E1", 2, "A9", 22},
      {"F6 invalid transaction code", "F6", "ZZ", 1, "03", 2},
      {"F6 in a D.0-shaped header", "D0", "B1", 1, "1R", 6},
      {"D.0 count 5", "D0", "B1", 5, "A9", 20},
      {"D.0 invalid transaction code", "D0", "ZZ", 1, "03", 8},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.version = t.version;
    s.code = t.code;
    s.count = t.count;
    auto bytes = build(s);
    if (t.name == "F6 in a D.0-shaped header") bytes.replace(6, 2, "F6");
    auto m = std::make_unique<message>();
    ASSERT_FALSE(decode(bytes, *m));
    auto v = std::make_unique<validation>();
    validate(*m, *v);
    ASSERT_TRUE(v->transmission_rejected);
    EXPECT_EQ(codes(v->transmission_rejects), t.expected);
    EXPECT_EQ(v->transmission_rejects.items[0].offset, t.offset);
    if (t.version == "F6") {
      EXPECT_EQ(v->claim_count, 1);  // one transaction whatever its count says
    }
  }
}

TEST(ValidateF6, HeaderFieldRejectsPointAtTheirBytesInEachVersion) {
  struct row {
    std::string_view name, version, qualifier, provider, dos, expected;
    std::uint32_t offset;
  };
  const row rows[] = {
      {"F6 date of service", "F6", "01", "1000000001", "20261399", "15", 40},
      {"F6 provider qualifier", "F6", "A1", "1000000001", "20261120", "B2", 23},
      {"F6 provider id", "F6", "01", "", "20261120", "05", 25},
      {"D.0 date of service", "D0", "01", "1000000001", "20261399", "15", 38},
      {"D.0 provider qualifier", "D0", "A1", "1000000001", "20261120", "B2", 21},
      {"D.0 provider id", "D0", "01", "", "20261120", "05", 23},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(t.name);
    claim_spec s;
    s.version = t.version;
    s.provider_qualifier = t.qualifier;
    s.provider = t.provider;
    s.dos = t.dos;
    auto r = run(s);
    EXPECT_FALSE(r->val->transmission_rejected);
    ASSERT_TRUE(r->val->claims[0].rejects.contains(t.expected)) << codes(r->val->claims[0].rejects);
    for (const auto& rej : r->val->claims[0].rejects) {
      if (rej.code_view() == t.expected) {
        EXPECT_EQ(rej.offset, t.offset);
      }
    }
  }
}

TEST(ValidateF6, VectorsValidateWithoutTransmissionRejects) {
  const auto dir = std::filesystem::path(RXGATE_TEST_DATA) / "f6";
  for (const char* name : {"b1-minimal.txt", "b1-patient-ids.txt", "b1-cob-payer-ids.txt"}) {
    SCOPED_TRACE(name);
    const std::string in = rxgate::testing::load_vector(name, dir);
    auto m = std::make_unique<message>();
    ASSERT_FALSE(decode(in, *m));
    auto v = std::make_unique<validation>();
    validate(*m, *v);
    EXPECT_FALSE(v->transmission_rejected) << codes(v->transmission_rejects);
    ASSERT_EQ(v->claim_count, 1);
    EXPECT_EQ(v->claims[0].version, "F6");
    EXPECT_EQ(v->claims[0].bin, "61001400");
  }
}

// The DUR/PPS, compound, E1, B2 and B3 vectors are read into the claim model as their D.0 forms
// would be, with no reject of any kind.
TEST(ValidateF6, EveryTransactionKindOfTheVectors) {
  const auto dir = std::filesystem::path(RXGATE_TEST_DATA) / "f6";
  // The validation's views point into the input: both are kept together.
  struct validated_input {
    std::unique_ptr<std::string> in;
    std::unique_ptr<validation> v;
    const validation* operator->() const { return v.get(); }
  };
  const auto validated = [&](const char* name) {
    validated_input r{std::make_unique<std::string>(rxgate::testing::load_vector(name, dir)),
                      std::make_unique<validation>()};
    auto m = std::make_unique<message>();
    EXPECT_FALSE(decode(*r.in, *m)) << name;
    validate(*m, *r.v);
    EXPECT_FALSE(r.v->transmission_rejected) << name << ": " << codes(r.v->transmission_rejects);
    EXPECT_EQ(r.v->claim_count, 1) << name;
    EXPECT_FALSE(r.v->any_rejects()) << name << ": " << codes(r.v->claims[0].rejects);
    return r;
  };
  const auto dur = validated("b1-dur-pps.txt");
  ASSERT_EQ(dur->claims[0].dur_pps_count, 1);
  EXPECT_EQ(dur->claims[0].dur_pps[0].reason, "ER");
  EXPECT_EQ(dur->claims[0].dur_pps[0].professional, "M0");
  EXPECT_EQ(dur->claims[0].dur_pps[0].result, "1G");
  const auto compound = validated("b1-compound.txt");
  EXPECT_TRUE(compound->claims[0].has_compound);
  ASSERT_EQ(compound->claims[0].ingredient_count, 2);
  EXPECT_EQ(compound->claims[0].ingredients[1].product_id, "00093015001");
  EXPECT_EQ(compound->claims[0].ingredients[1].cost, 2500);
  const auto e1 = validated("e1-eligibility.txt");
  EXPECT_TRUE(e1->claims[0].is_eligibility());
  EXPECT_EQ(validated("b2-reversal.txt")->claims[0].transaction_code, "B2");
  const auto b3 = validated("b3-rebill.txt");
  EXPECT_EQ(b3->claims[0].transaction_code, "B3");
  EXPECT_EQ(b3->claims[0].days_supply, std::optional<int>(60));
}

// P1-P4 (issue 15): supported, their PA segment (AM12) mandatory and read into the claim.
namespace {

// A PA request segment with every field a request needs; `skip` leaves one out, `replace` sets
// one to another value.
std::function<void(writer&)> pa_segment(std::string_view skip = "", std::string_view replace = "",
                                        std::string_view value = "") {
  return [=](writer& w) {
    w.segment(segment_id::prior_authorization);
    const std::pair<std::string_view, std::string_view> fields[] = {
        {"PA", "1"}, {"PB", "20261201"}, {"PC", "20270531"}, {"PD", "ME"}, {"PY", ""}, {"PP", "TRIED TWO GENERICS"}};
    for (const auto& [id, v] : fields) {
      if (id == skip) continue;
      const auto sent = id == replace ? value : v;
      if (!sent.empty()) w.field(make_field_id(id[0], id[1]), sent);
    }
  };
}

claim_spec p_spec(std::string_view code) {
  claim_spec s;
  s.code = code;
  const bool request = code == "P1" || code == "P4";
  s.claim_segment = request;
  s.pricing = code == "P1";
  s.group_extra = request ? pa_segment() : pa_segment("", "PY", "20000000017");
  return s;
}

}  // namespace

TEST(ValidatePriorAuthorization, P1ToP4ValidateAndCarryTheirSegment) {
  for (std::string_view code : {"P1", "P2", "P3", "P4"}) {
    SCOPED_TRACE(code);
    auto r = run(p_spec(code));
    EXPECT_FALSE(r->val->transmission_rejected);
    const auto& c = r->val->claims[0];
    EXPECT_EQ(codes(c.rejects), "");
    EXPECT_TRUE(c.is_prior_authorization());
    EXPECT_TRUE(c.has_prior_authorization);
    EXPECT_EQ(c.pa_supporting_documentation, "TRIED TWO GENERICS");
    if (c.is_pa_request()) {
      EXPECT_EQ(c.pa_request_type, "1");
      EXPECT_EQ(c.pa_period_begin, (date{2026, 12, 1}));
      EXPECT_EQ(c.pa_period_end, (date{2027, 5, 31}));
      EXPECT_EQ(c.pa_basis, "ME");
      EXPECT_EQ(c.product_id, "00093005801");
    } else {
      EXPECT_EQ(c.pa_number_assigned, "20000000017");
      EXPECT_EQ(c.rx_number, "");
    }
  }
}

TEST(ValidatePriorAuthorization, MissingSegmentRejects6QAndUnusedSegmentsTheir2xx) {
  for (std::string_view code : {"P1", "P4"}) {
    SCOPED_TRACE(code);
    auto s = p_spec(code);
    s.group_extra = nullptr;
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "6Q");
  }
  // A P2/P3 group holds only its AM12 (without it the group is empty: a framing error, 1U); with
  // another segment in its place, both that segment and the missing AM12 are answered.
  for (std::string_view code : {"P2", "P3"}) {
    SCOPED_TRACE(code);
    auto s = p_spec(code);
    s.group_extra = [](writer& w) { w.segment(segment_id::narrative).field("BM"_fid, "SEE NOTES"); };
    EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "216 6Q");
  }
  auto s = p_spec("P2");  // a claim segment on a P2 is not used
  s.claim_segment = true;
  EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "203");
  s = p_spec("P4");  // pricing on a P4 is not used
  s.pricing = true;
  EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "209");
  s = p_spec("P1");  // pricing is mandatory on a P1 (request and billing)
  s.pricing = false;
  EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "6P");
  s = p_spec("P3");  // the member must be named
  s.insurance = false;
  EXPECT_EQ(codes(run(s)->val->claims[0].rejects), "6J");
}

TEST(ValidatePriorAuthorization, BadFieldsCarryTheirCodeAndField) {
  struct row {
    std::string_view code, skip, replace, value, expected;
    field_id field;
  };
  const row rows[] = {
      {"P1", "PA", "", "", "3A", "PA"_fid},
      {"P1", "", "PA", "4", "3A", "PA"_fid},
      {"P1", "PB", "", "", "3B", "PB"_fid},
      {"P1", "", "PB", "20261301", "3B", "PB"_fid},
      {"P4", "PC", "", "", "3C", "PC"_fid},
      {"P4", "PD", "", "", "3D", "PD"_fid},
      {"P4", "", "PD", "XX", "3D", "PD"_fid},
      {"P1", "", "PY", "2000000001", "3N", "PY"_fid},   // 10 digits: one short
      {"P1", "", "PY", "200000000171", "3N", "PY"_fid}, // 12 digits: one over
      {"P3", "PY", "", "", "3N", "PY"_fid},
      {"P2", "", "PY", "2000000001A", "3N", "PY"_fid},
  };
  for (const auto& t : rows) {
    SCOPED_TRACE(std::string(t.code) + " " + std::string(t.skip) + std::string(t.replace) + "=" + std::string(t.value));
    auto s = p_spec(t.code);
    const bool request = t.code == "P1" || t.code == "P4";
    // P2/P3 send their number; requests do not unless the row says so.
    s.group_extra = request ? pa_segment(t.skip, t.replace, t.value)
                            : pa_segment(t.skip.empty() ? "" : t.skip, t.replace.empty() ? "PY" : t.replace,
                                         t.replace.empty() ? "20000000017" : t.value);
    auto r = run(s);
    const auto& c = r->val->claims[0];
    ASSERT_EQ(codes(c.rejects), t.expected);
    EXPECT_EQ(c.rejects.items[0].field, t.field);
  }
}

TEST(ValidatePriorAuthorization, RequestPeriodBoundaries) {
  auto period = [](std::string_view begin, std::string_view end) {
    auto s = p_spec("P1");
    std::string b(begin), e(end);
    s.group_extra = [b, e](writer& w) {
      w.segment(segment_id::prior_authorization).field("PA"_fid, "1").field("PB"_fid, b).field("PC"_fid, e).field("PD"_fid, "PR");
    };
    return codes(run(s)->val->claims[0].rejects);
  };
  EXPECT_EQ(period("20261201", "20261201"), "");    // one day: end at begin
  EXPECT_EQ(period("20261201", "20261130"), "3C");  // end one day before begin
  EXPECT_EQ(period("20261201", "20261202"), "");    // end one day after begin
}
