// F6 requests framed by decode(): version detection by the header's shape, the 58-byte request
// header, one transaction without a group separator, repeating patient and payer IDs whose counts
// must agree, and the malformed inputs of tests/data/f6 with their errors. The vectors are built
// by tests/data/f6/make-f6-vectors.py from the public facts it names (issue 16).
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/f6_frame.h"
#include "tests/codec/decoded_input.h"
#include "tests/codec/vector_util.h"

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

namespace {

std::filesystem::path f6_dir() { return std::filesystem::path(RXGATE_TEST_DATA) / "f6"; }
std::string load_f6(const std::string& name) { return rxgate::testing::load_vector(name, f6_dir()); }

constexpr char fs = '\x1c', gs = '\x1d', rs = '\x1e';

// A 58-byte F6 request header with the vectors' values.
std::string f6_header(std::string_view code = "B1") {
  std::string h = "F6";
  h += code;
  h += "61001400RXGATE    1011234567893     20270901SOFTVEND01";
  return h;
}

using rxgate::testing::decode_all;
using rxgate::testing::expect_fields;

TEST(F6Header, RequestHeaderIs58BytesVersionFirst) {
  const std::string in = load_f6("b1-minimal.txt");
  const auto d = decode_all(in);
  ASSERT_FALSE(d.e) << to_string(d.e.code) << " at " << d.e.offset;
  const message& m = *d.m;
  EXPECT_EQ(m.kind, message_kind::request);
  EXPECT_EQ(m.version, wire_version::f6);
  EXPECT_EQ(m.header_size(), 58u);
  EXPECT_EQ(m.request.version, "F6");
  EXPECT_EQ(m.request.transaction_code, "B1");
  EXPECT_EQ(m.request.bin, "61001400");
  EXPECT_EQ(m.request.pcn, "RXGATE    ");
  EXPECT_EQ(m.request.count, "1");
  EXPECT_EQ(m.request.provider_id_qualifier, "01");
  EXPECT_EQ(m.request.provider_id, "1234567893     ");
  EXPECT_EQ(m.request.date_of_service, "20270901");
  EXPECT_EQ(m.request.software_id, "SOFTVEND01");
  EXPECT_EQ(m.transaction_code(), "B1");
  EXPECT_EQ(m.declared_count(), 1);
}

// Before F6 detection an F6 request was read as a response and stopped at byte 31.
TEST(F6Header, RequestIsNotReadAsResponse) {
  const auto d = decode_all(load_f6("b1-minimal.txt"));
  ASSERT_FALSE(d.e);
  EXPECT_EQ(d.m->kind, message_kind::request);
  EXPECT_EQ(d.m->segment_count, 4);
  EXPECT_EQ(d.m->segments[0].offset, 58u);
}

// Both start with "F6": a separator right after byte 31 makes a response (D.0's 31-byte header).
TEST(F6Header, ResponseKeepsThe31ByteHeader) {
  const std::string in = std::string("F6B11A011234567893     20270901") + rs + fs + "AM21" + fs + "ANP";
  const auto d = decode_all(in);
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  EXPECT_EQ(d.m->kind, message_kind::response);
  EXPECT_EQ(d.m->version, wire_version::f6);
  EXPECT_EQ(d.m->header_size(), 31u);
  EXPECT_EQ(d.m->response.version, "F6");
  EXPECT_EQ(d.m->response.transaction_code, "B1");
  EXPECT_EQ(d.m->response.status, "A");
  ASSERT_EQ(d.m->segment_count, 1);
  EXPECT_EQ(d.m->segments[0].id, segment_id::response_status);
  // A response that is only its header.
  const auto bare = decode_all(in.substr(0, 31));
  ASSERT_FALSE(bare.e);
  EXPECT_EQ(bare.m->kind, message_kind::response);
}

TEST(F6Header, HeaderOnlyRequestAndShortHeaders) {
  const std::string h = f6_header();
  const auto whole = decode_all(h);
  ASSERT_FALSE(whole.e);
  EXPECT_EQ(whole.m->kind, message_kind::request);
  EXPECT_EQ(whole.m->segment_count, 0);
  // One byte short of 58: short header at byte 57, with what was read echoed.
  const auto cut = decode_all(h.substr(0, 57));
  EXPECT_EQ(cut.e.code, errc::short_header);
  EXPECT_EQ(cut.e.offset, 57u);
  EXPECT_EQ(cut.m->request.bin, "61001400");
  EXPECT_EQ(cut.m->request.date_of_service, "20270901");
  EXPECT_TRUE(cut.m->request.software_id.empty());
  const std::string vec_in = load_f6("malformed-short-header.txt");
  const auto vec = decode_all(vec_in);
  EXPECT_EQ(vec.e.code, errc::short_header);
  EXPECT_EQ(vec.e.offset, 40u);
  EXPECT_EQ(vec.m->request.provider_id, "1234567893     ");
  EXPECT_TRUE(vec.m->request.date_of_service.empty());
  // A separator inside the F6 header (at byte 40, where a D.0 header would still be whole).
  std::string sep = h;
  sep[40] = rs;
  EXPECT_EQ(decode_all(sep).e.code, errc::short_header);
}

// The IIN-first shape another codec guesses is refused, and a payer answers 1R (version).
TEST(F6Header, IinFirstShapeIsRefusedNotGuessed) {
  const std::string in = load_f6("malformed-iin-first-header.txt");
  const auto d = decode_all(in);
  EXPECT_EQ(d.e.code, errc::f6_iin_first_header);
  EXPECT_EQ(d.e.offset, 8u);
  std::array<char, 256> buf{};
  EXPECT_NE(describe(d.e, buf).find("refused, not guessed"), std::string_view::npos);
  auto v = std::make_unique<validation>();
  validate_decode_failure(*d.m, d.e, in, *v);
  ASSERT_TRUE(v->transmission_rejected);
  ASSERT_EQ(v->transmission_rejects.count, 1);
  EXPECT_EQ(v->transmission_rejects.items[0].code_view(), "1R");
  // Seven digits then "F6" is not that shape (a D.0 request with a 6-digit BIN).
  EXPECT_NE(decode_all("6100140F6" + in.substr(10)).e.code, errc::f6_iin_first_header);
}

TEST(F6Frame, MinimalB1FieldForField) {
  const std::string in = load_f6("b1-minimal.txt");
  const auto d = decode_all(in);
  ASSERT_FALSE(d.e);
  const message& m = *d.m;
  EXPECT_EQ(m.group_count, 1);
  expect_fields(m.find(segment_id::insurance, 0), {{"C2"_fid, "CARDHOLDER01"}, {"C1"_fid, "GROUP01"}, {"C3"_fid, "1"}});
  expect_fields(m.find(segment_id::patient, 0), {{"C4"_fid, "19800102"}, {"CB"_fid, "EXAMPLE"}});
  // The transaction starts at the first transaction-level segment: group 1, no GS.
  EXPECT_EQ(m.find(segment_id::claim, 1).size(), 12u);
  expect_fields(m.find(segment_id::claim, 1), {{"EM"_fid, "1"},
                                                {"D2"_fid, "000000123456"},
                                                {"D7"_fid, "00071015523"},
                                                {"E7"_fid, "30000"},
                                                {"DE"_fid, "20270901"}});
  expect_fields(m.find(segment_id::pricing, 1), {{"DQ"_fid, "1500{"}, {"DN"_fid, "01"}});
  EXPECT_FALSE(m.find(segment_id::claim, 0));
}

TEST(F6Frame, RepeatingPatientIdsAndIntermediary) {
  const auto d = decode_all(load_f6("b1-patient-ids.txt"));
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  const message& m = *d.m;
  const auto pat = m.find(segment_id::patient, 0);
  ASSERT_TRUE(pat);
  EXPECT_EQ(pat.get_or_empty("RR"_fid), "2");
  ASSERT_EQ(pat.repetition_count("CX"_fid), 2u);
  EXPECT_EQ(pat.repetition(0, "CX"_fid).get_or_empty("CX"_fid), "01");
  EXPECT_EQ(pat.repetition(0, "CX"_fid).get_or_empty("CY"_fid), "MEMBER0001");
  EXPECT_EQ(pat.repetition(1, "CX"_fid).get_or_empty("CX"_fid), "99");
  EXPECT_EQ(pat.repetition(1, "CX"_fid).get_or_empty("CY"_fid), "LOCAL0002");
  // AM19 is read as a segment of its own, at transmission level.
  const auto inter = m.find(segment_id::f6_intermediary, 0);
  ASSERT_TRUE(inter);
  EXPECT_EQ(inter.get_or_empty("8G"_fid), "1");
  EXPECT_EQ(inter.get_or_empty("8M"_fid), "INTERMEDIARY01");
  EXPECT_TRUE(m.find(segment_id::claim, 1));
}

TEST(F6Frame, CobWithRepeatingPayerIds) {
  const auto d = decode_all(load_f6("b1-cob-payer-ids.txt"));
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  const auto cob = d.m->find(segment_id::cob, 1);
  ASSERT_TRUE(cob);
  EXPECT_EQ(cob.get_or_empty("4C"_fid), "1");
  EXPECT_EQ(cob.get_or_empty("KR"_fid), "2");
  ASSERT_EQ(cob.repetition_count("J7"_fid), 2u);
  EXPECT_EQ(cob.repetition(0, "J7"_fid).get_or_empty("J8"_fid), "61001400");
  EXPECT_EQ(cob.repetition(1, "J7"_fid).get_or_empty("J7"_fid), "05");
  EXPECT_EQ(cob.repetition(1, "J7"_fid).get_or_empty("J8"_fid), "PAYERNAME01");
  EXPECT_EQ(cob.get_or_empty("DV"_fid), "1000{");
  EXPECT_EQ(d.m->find(segment_id::claim, 1).get_or_empty("C8"_fid), "2");
}

TEST(F6Frame, DurPpsSegmentInTheTransaction) {
  const auto d = decode_all(load_f6("b1-dur-pps.txt"));
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  expect_fields(d.m->find(segment_id::dur_pps, 1),
                {{"7E"_fid, "1"}, {"E4"_fid, "ER"}, {"E5"_fid, "M0"}, {"E6"_fid, "1G"}, {"8E"_fid, "11"}});
  EXPECT_FALSE(d.m->find(segment_id::dur_pps, 0));
}

TEST(F6Frame, CompoundWithTwoIngredients) {
  const auto d = decode_all(load_f6("b1-compound.txt"));
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  expect_fields(d.m->find(segment_id::claim, 1), {{"E1"_fid, "00"}, {"D7"_fid, "0"}, {"D6"_fid, "2"}});
  const auto compound = d.m->find(segment_id::compound, 1);
  ASSERT_TRUE(compound);
  EXPECT_EQ(compound.get_or_empty("EC"_fid), "2");
  ASSERT_EQ(compound.repetition_count("RE"_fid), 2u);
  EXPECT_EQ(compound.repetition(0, "RE"_fid).get_or_empty("TE"_fid), "00071015523");
  EXPECT_EQ(compound.repetition(1, "RE"_fid).get_or_empty("TE"_fid), "00093015001");
  EXPECT_EQ(compound.repetition(1, "RE"_fid).get_or_empty("EE"_fid), "250{");
}

TEST(F6Frame, EligibilityReversalAndRebillVectors) {
  const auto e1 = decode_all(load_f6("e1-eligibility.txt"));
  ASSERT_FALSE(e1.e) << to_string(e1.e.code);
  EXPECT_EQ(e1.m->request.transaction_code, "E1");
  EXPECT_EQ(e1.m->group_count, 0);
  EXPECT_TRUE(e1.m->find(segment_id::patient, 0));

  const auto b2 = decode_all(load_f6("b2-reversal.txt"));
  ASSERT_FALSE(b2.e) << to_string(b2.e.code);
  EXPECT_EQ(b2.m->request.transaction_code, "B2");
  EXPECT_EQ(b2.m->group_count, 1);
  expect_fields(b2.m->find(segment_id::claim, 1), {{"D2"_fid, "000000123456"}, {"D3"_fid, "0"}});

  const auto b3 = decode_all(load_f6("b3-rebill.txt"));
  ASSERT_FALSE(b3.e) << to_string(b3.e.code);
  EXPECT_EQ(b3.m->request.transaction_code, "B3");
  expect_fields(b3.m->find(segment_id::claim, 1), {{"D2"_fid, "000000123456"}, {"E7"_fid, "60000"}, {"D5"_fid, "60"}});
}

// AM36-AM40 are kept as segments under their own IDs; in D.0 they stay vendor segments.
TEST(F6Frame, NewSegmentsKeptAsSegments) {
  std::string in = f6_header();
  for (const char* id : {"36", "37", "38", "39", "40"}) in += std::string{rs, fs} + "AM" + id + fs + "ZZ1";
  const auto d = decode_all(in);
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  ASSERT_EQ(d.m->segment_count, 5);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(static_cast<int>(d.m->segments[i].id), 36 + i);
  EXPECT_EQ(d.m->segments[0].id, segment_id::f6_segment_36);
  EXPECT_EQ(d.m->segments[4].id, segment_id::f6_segment_40);
  // AM35 and AM41 are not F6 segments.
  const auto other = decode_all(f6_header() + rs + fs + "AM35" + rs + fs + "AM41");
  ASSERT_FALSE(other.e);
  EXPECT_EQ(other.m->segments[0].id, segment_id::vendor);
  EXPECT_EQ(other.m->segments[1].id, segment_id::vendor);
}

TEST(F6Frame, EligibilityKeepsEverythingAtTransmissionLevel) {
  const std::string in = f6_header("E1") + rs + fs + "AM04" + fs + "C2X" + rs + fs + "AM02" + fs +
                         "EYZZ" + rs + fs + "AM03" + fs + "EZ01";
  const auto d = decode_all(in);
  ASSERT_FALSE(d.e);
  EXPECT_EQ(d.m->group_count, 0);
  for (const auto& s : d.m->all_segments()) EXPECT_EQ(s.group, 0);
}

struct malformed_case {
  const char* file;
  errc code;
  field_id field;
  const char* reject;  // what a payer answers
};

class F6Malformed : public ::testing::TestWithParam<malformed_case> {};

TEST_P(F6Malformed, ErrorNamesTheProblem) {
  const auto& c = GetParam();
  const std::string in = load_f6(c.file);
  const auto d = decode_all(in);
  EXPECT_EQ(d.e.code, c.code) << to_string(d.e.code);
  EXPECT_EQ(d.e.field, c.field);
  std::array<char, 512> buf{};
  const auto text = describe(d.e, buf);
  EXPECT_NE(text.find(to_string(c.code)), std::string_view::npos);
  if (c.field != 0) {
    const auto f = field_chars(c.field);
    EXPECT_NE(text.find(std::string("(field ") + f[0] + f[1] + ")"), std::string_view::npos) << text;
  }
  auto v = std::make_unique<validation>();
  validate_decode_failure(*d.m, d.e, in, *v);
  ASSERT_EQ(v->transmission_rejects.count, 1);
  EXPECT_EQ(v->transmission_rejects.items[0].code_view(), c.reject);
  if (c.code == errc::f6_repetition_count) {
    EXPECT_EQ(v->transmission_rejects.items[0].field, c.field);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, F6Malformed,
    ::testing::Values(malformed_case{"malformed-group-separator.txt", errc::f6_group_separator, 0, "1U"},
                      malformed_case{"malformed-second-transaction.txt", errc::f6_second_transaction, 0, "1U"},
                      malformed_case{"malformed-patient-id-count.txt", errc::f6_repetition_count, "RR"_fid, "R8"},
                      malformed_case{"malformed-patient-ids-without-count.txt", errc::f6_repetition_count,
                                     "RR"_fid, "R8"},
                      malformed_case{"malformed-payer-id-count.txt", errc::f6_repetition_count, "KR"_fid, "R8"},
                      malformed_case{"malformed-iin-first-header.txt", errc::f6_iin_first_header, 0, "1R"}));

TEST(F6Malformed, ErrorOffsetsPointAtTheProblem) {
  const std::string gs_in = load_f6("malformed-group-separator.txt");
  EXPECT_EQ(decode_all(gs_in).e.offset, gs_in.find(gs));
  const std::string second = load_f6("malformed-second-transaction.txt");
  const auto last_claim = second.rfind(std::string{rs, fs} + "AM07");
  EXPECT_EQ(decode_all(second).e.offset, last_claim);
  const std::string count = load_f6("malformed-patient-id-count.txt");
  EXPECT_EQ(decode_all(count).e.offset, count.find(std::string{fs} + "RR3") + 3);
}

// F6 responses repeat payer IDs in AM25 (KR over J7/J8) and patient IDs in AM29 (RR over CX/CY),
// where transactrx/NCPDPSerDe's schema places them; their counts are checked as in requests.
TEST(F6Frame, ResponseCountsAreCheckedToo) {
  const auto d = decode_all(load_f6("response-payer-ids.txt"));
  ASSERT_FALSE(d.e) << to_string(d.e.code);
  ASSERT_EQ(d.m->kind, message_kind::response);
  const auto insurance = d.m->find(segment_id::response_insurance, 0);
  ASSERT_TRUE(insurance);
  EXPECT_EQ(insurance.get_or_empty("KR"_fid), "2");
  ASSERT_EQ(insurance.repetition_count("J7"_fid), 2u);
  EXPECT_EQ(insurance.repetition(1, "J7"_fid).get_or_empty("J8"_fid), "PAYERNAME01");
  const auto patient = d.m->find(segment_id::response_patient, 0);
  ASSERT_TRUE(patient);
  EXPECT_EQ(patient.repetition_count("CX"_fid), 2u);

  const std::string bad = load_f6("malformed-response-payer-id-count.txt");
  const auto e = decode_all(bad).e;
  EXPECT_EQ(e.code, errc::f6_repetition_count);
  EXPECT_EQ(e.field, "KR"_fid);
  EXPECT_EQ(e.offset, bad.find(std::string{fs} + "KR3") + 3);
  // A D.0 response with the same bytes is not F6's business: no count is checked.
  std::string d0 = bad;
  d0.replace(d0.find("F6"), 2, "D0");
  EXPECT_FALSE(decode_all(d0).e);
}

// Counts at, under and over the repetitions; one pair without a count is D.0's shape and stands.
TEST(F6Frame, RepetitionCountBoundaries) {
  const auto with_patient = [](std::string fields) {
    return decode_all(f6_header() + rs + fs + "AM01" + fields + rs + fs + "AM07" + fs + "D21").e;
  };
  const std::string two = std::string{fs} + "CX01" + fs + "CYA" + fs + "CX99" + fs + "CYB";
  EXPECT_FALSE(with_patient(std::string{fs} + "RR2" + two));
  EXPECT_EQ(with_patient(std::string{fs} + "RR1" + two).field, "RR"_fid);
  EXPECT_EQ(with_patient(std::string{fs} + "RR3" + two).field, "RR"_fid);
  EXPECT_EQ(with_patient(std::string{fs} + "RRX" + two).field, "RR"_fid);
  EXPECT_EQ(with_patient(std::string{fs} + "RR" + two).field, "RR"_fid);
  EXPECT_FALSE(with_patient(std::string{fs} + "CX01" + fs + "CYA"));
  EXPECT_EQ(with_patient(two).field, "RR"_fid);
  // A qualifier without its ID (or an ID without its qualifier) does not make a pair.
  EXPECT_EQ(with_patient(std::string{fs} + "RR2" + fs + "CX01" + fs + "CYA" + fs + "CX99").field, "RR"_fid);
  EXPECT_EQ(with_patient(std::string{fs} + "RR1" + fs + "CX01" + fs + "CYA" + fs + "CYB").field, "RR"_fid);
  EXPECT_FALSE(with_patient(std::string{fs} + "RR0"));
  // Each count governs the pairs after it up to the next count (one per other payer).
  const auto cob = [](std::string fields) {
    return decode_all(f6_header() + rs + fs + "AM07" + fs + "D21" + rs + fs + "AM05" + fields).e;
  };
  const std::string pair = std::string{fs} + "J703" + fs + "J8P";
  EXPECT_FALSE(cob(std::string{fs} + "KR1" + pair + fs + "KR2" + pair + pair));
  EXPECT_EQ(cob(std::string{fs} + "KR2" + pair + fs + "KR1" + pair + pair).field, "KR"_fid);
  EXPECT_EQ(cob(std::string{fs} + "KR1" + pair + fs + "KR1" + pair + pair).field, "KR"_fid);
}

// Framing lists the segments to check with a one-word filter (f6::may_be_counted): each of the
// six counted IDs, in any segment, must reach the check on its own; an ID the filter lets through
// for nothing (J9) must not make an error.
TEST(F6Frame, EveryCountedFieldIsCheckedInAnySegment) {
  const auto claim_with = [](std::string fields) {
    return decode_all(f6_header() + rs + fs + "AM07" + fs + "D21" + fields + rs + fs + "AM11" + fs + "D9100{").e;
  };
  const std::string f{fs};
  EXPECT_EQ(claim_with(f + "RR1").field, "RR"_fid);  // a count with no pair after it
  EXPECT_EQ(claim_with(f + "KR1").field, "KR"_fid);
  EXPECT_EQ(claim_with(f + "CX01" + f + "CX02").field, "RR"_fid);  // two qualifiers and no count
  EXPECT_EQ(claim_with(f + "CYA" + f + "CYB").field, "RR"_fid);
  EXPECT_EQ(claim_with(f + "J701" + f + "J702").field, "KR"_fid);
  EXPECT_EQ(claim_with(f + "J8A" + f + "J8B").field, "KR"_fid);
  static_assert(f6::may_be_counted("J9"_fid), "pick an ID the filter lets through for nothing");
  EXPECT_FALSE(claim_with(f + "J9X" + f + "J9Y"));
  EXPECT_FALSE(claim_with(f + "CX01" + f + "CYA"));  // one pair without a count stands
}

// The same bytes with D.0's group separator and two claims stay a D.0 matter (unchanged).
TEST(F6Frame, D0RequestsAreUnchanged) {
  for (const auto& name : rxgate::testing::vector_names()) {
    const std::string in = rxgate::testing::load_vector(name);
    auto m = std::make_unique<message>();
    decode(in, *m);
    EXPECT_EQ(m->version, wire_version::d0) << name;
  }
}

}  // namespace
