// codec/dictionary.h: the compiled-in field table: D.0 (ncpdp-d0.md §2-§5) and the F6 additions
// (codec/f6_fields.csv, from transactrx/NCPDPSerDe's schema and F6 structs).
#include "codec/dictionary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace rxgate::codec {
namespace {

struct known_field {
  segment_id segment;
  const char* id;
  const char* number;
  const char* name;
  field_format format;
  int decimals;
  int max_length;
};

// Copied by hand from the digest's tables, not from the generated file.
const known_field k_known[] = {
    {segment_id::none, "A1", "101", "BIN Number", field_format::numeric, 0, 6},
    {segment_id::none, "A4", "104", "Processor Control Number", field_format::alphanumeric, 0, 10},
    {segment_id::none, "D1", "401", "Date of Service", field_format::date, 0, 8},
    {segment_id::none, "F1", "501", "Header Response Status", field_format::alphanumeric, 0, 1},
    {segment_id::patient, "C4", "304", "Date of Birth", field_format::date, 0, 8},
    {segment_id::patient, "HN", "350", "Patient E-Mail Address", field_format::alphanumeric, 0, 80},
    {segment_id::insurance, "C2", "302", "Cardholder ID", field_format::alphanumeric, 0, 20},
    {segment_id::insurance, "C1", "301", "Group ID", field_format::alphanumeric, 0, 15},
    {segment_id::claim, "D2", "402", "Prescription/Service Reference Number", field_format::numeric, 0, 12},
    {segment_id::claim, "E7", "442", "Quantity Dispensed", field_format::quantity, 3, 10},
    {segment_id::claim, "D5", "405", "Days Supply", field_format::numeric, 0, 3},
    {segment_id::claim, "28", "600", "Unit of Measure", field_format::alphanumeric, 0, 2},
    {segment_id::cob, "NQ", "352", "Other Payer-Patient Responsibility Amount", field_format::money, 2, 10},
    {segment_id::compound, "EE", "449", "Compound Ingredient Drug Cost", field_format::money, 2, 8},
    {segment_id::pricing, "D9", "409", "Ingredient Cost Submitted", field_format::money, 2, 8},
    {segment_id::pricing, "HE", "483", "Percentage Sales Tax Rate Submitted", field_format::rate, 4, 7},
    {segment_id::prior_authorization, "PP", "498", "Prior Authorization Supporting Documentation", field_format::alphanumeric, 0, 500},
    {segment_id::clinical, "H1", "495", "Measurement Time", field_format::time, 0, 4},
    {segment_id::additional_documentation, "4D", "379", "Question Percent Response", field_format::percent, 2, 5},
    {segment_id::additional_documentation, "4H", "381", "Question Dollar Amount Response", field_format::money, 2, 11},
    {segment_id::response_status, "FB", "511", "Reject Code", field_format::alphanumeric, 0, 3},
    {segment_id::response_status, "4F", "546", "Reject Field Occurrence Indicator", field_format::numeric, 0, 2},
    {segment_id::response_pricing, "F9", "509", "Total Amount Paid", field_format::money, 2, 8},
    {segment_id::response_pricing, "AY", "560", "Percentage Sales Tax Rate Paid", field_format::rate, 4, 7},
    {segment_id::response_dur, "FV", "531", "Quantity of Previous Fill", field_format::quantity, 3, 10},
    {segment_id::response_cob, "UY", "145", "Other Payer Benefit Termination Date", field_format::date, 0, 8},
};

// `k` is listed in its own segment (not found there by the ID alone) with all it says, and
// f6_only tells whether that listing exists only from F6 on.
void expect_listed(const known_field& k, bool f6_only) {
  SCOPED_TRACE(std::string(segment_name(k.segment)) + " " + k.id);
  const field_info* f = find_field(k.segment, make_field_id(k.id));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->id, make_field_id(k.id));
  EXPECT_EQ(f->segment, k.segment);
  EXPECT_EQ(f->number, k.number);
  EXPECT_EQ(f->name, k.name);
  EXPECT_EQ(f->format, k.format);
  EXPECT_EQ(f->implied_decimals, k.decimals);
  EXPECT_EQ(f->max_length, k.max_length);
  EXPECT_EQ(f->f6_only, f6_only);
}

TEST(Dictionary, KnownFieldsHaveTheirNumberNameFormatAndLength) {
  for (const auto& k : k_known) expect_listed(k, false);
}

TEST(Dictionary, SharedIdsResolveInEachSegmentTheyAppearIn) {
  const field_info* in_insurance = find_field(segment_id::insurance, make_field_id("C1"));
  const field_info* in_response = find_field(segment_id::response_insurance, make_field_id("C1"));
  ASSERT_NE(in_insurance, nullptr);
  ASSERT_NE(in_response, nullptr);
  EXPECT_NE(in_insurance, in_response);  // one entry per segment listing
  EXPECT_EQ(in_insurance->segment, segment_id::insurance);
  EXPECT_EQ(in_response->segment, segment_id::response_insurance);
  EXPECT_EQ(in_insurance->name, in_response->name);
  EXPECT_EQ(in_insurance->number, "301");
}

TEST(Dictionary, FallsBackToTheIdAloneOutsideItsSegments) {
  // E4 is listed in AM08 and AM24; seen in a vendor segment or an unexpected one it still resolves.
  for (auto seg : {segment_id::vendor, segment_id::none, segment_id::patient}) {
    const field_info* f = find_field(seg, make_field_id("E4"));
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->number, "439");
    EXPECT_EQ(f->name, "Reason for Service Code");
  }
  const field_info* f = find_field(make_field_id("D7"));
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "Product/Service ID");
  EXPECT_EQ(f->segment, segment_id::claim);
}

TEST(Dictionary, VendorAndUnknownIdsAreNotFound) {
  EXPECT_EQ(find_field(segment_id::response_pricing, make_field_id("*1")), nullptr);
  EXPECT_EQ(find_field(segment_id::claim, make_field_id("&B")), nullptr);
  // Neither D.0 nor F6 defines these (ZZ and XX, unknown to D.0, are F6's AM40 and AM07 fields).
  EXPECT_EQ(find_field(make_field_id("QQ")), nullptr);
  EXPECT_EQ(find_field(make_field_id("YY")), nullptr);
  EXPECT_EQ(find_field(segment_id::f6_segment_40, make_field_id("ZY")), nullptr);
  EXPECT_EQ(find_field(0), nullptr);
}

TEST(Dictionary, SegmentNames) {
  EXPECT_EQ(segment_name(segment_id::patient), "Patient");
  EXPECT_EQ(segment_name(segment_id::claim), "Claim");
  EXPECT_EQ(segment_name(segment_id::cob), "Coordination of Benefits/Other Payments");
  EXPECT_EQ(segment_name(segment_id::narrative), "Narrative");
  EXPECT_EQ(segment_name(segment_id::response_message), "Response Message");
  EXPECT_EQ(segment_name(segment_id::response_prior_authorization), "Response Prior Authorization");
  EXPECT_EQ(segment_name(segment_id::response_patient), "Response Patient");
  EXPECT_EQ(segment_name(segment_id::none), "");
  EXPECT_EQ(segment_name(segment_id::vendor), "");
  for (int n : {17, 18, 30, 35, 41, 99}) EXPECT_EQ(segment_name(static_cast<segment_id>(n)), "") << n;
  for (int n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29})
    EXPECT_FALSE(segment_name(static_cast<segment_id>(n)).empty()) << n;
}

TEST(Dictionary, F6SegmentsHaveNames) {
  // NCPDPSerDe's schema: AM19 Intermediary and AM37/AM38 in requests; AM36, AM39, AM40 in responses.
  EXPECT_EQ(segment_name(segment_id::f6_intermediary), "Intermediary");
  EXPECT_EQ(segment_name(segment_id::f6_segment_36), "Response Intermediary");
  EXPECT_EQ(segment_name(segment_id::f6_segment_37), "Last Known 4Rx");
  EXPECT_EQ(segment_name(segment_id::f6_segment_38), "N Transaction Payer Identification");
  EXPECT_EQ(segment_name(segment_id::f6_segment_39), "Response Other Related Benefit Detail");
  EXPECT_EQ(segment_name(segment_id::f6_segment_40), "Response Provider");
}

// Every field of NCPDPSerDe's F6 Status struct (pkg/ncpdp/response/responseSegment/status.go) after
// 880-K5, in its order; copied by hand, not from the generated file. A7 and MA are D.0 fields; the
// others have no public NCPDP number. Dates are 8 long; other lengths are not public, so the
// codec's longest field (500) stands in.
const known_field k_f6_status[] = {
    {segment_id::response_status, "34", "", "Reconciliation ID", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "BH", "", "Help Desk Support Type Count", field_format::numeric, 0, 500},
    {segment_id::response_status, "BG", "", "Help Desk Support Type", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "BB", "", "Help Desk Business Unit Type Count", field_format::numeric, 0, 500},
    {segment_id::response_status, "BA", "", "Help Desk Business Unit Type", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "BF", "", "Help Desk Contact Information Qualifier", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "BC", "", "Help Desk Contact Information", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "BD", "", "Help Desk Contact Information Extension", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "ZR", "", "Adjudicated Program Type", field_format::alphanumeric, 0, 500},
    {segment_id::response_status, "BT", "", "Next Available Fill Date", field_format::date, 0, 8},
};

// A sample of the other F6 additions, one or more per segment, from the schema's "- F6" fields and
// F6 segment definitions.
const known_field k_f6_sample[] = {
    {segment_id::patient, "RR", "", "Patient ID Count", field_format::numeric, 0, 500},
    {segment_id::patient, "0C", "", "Patient Middle Name", field_format::alphanumeric, 0, 500},
    {segment_id::pharmacy_provider, "4M", "", "Provider Last Name", field_format::alphanumeric, 0, 500},
    {segment_id::prescriber, "KV", "", "Prescriber DEA Number", field_format::alphanumeric, 0, 500},
    {segment_id::cob, "9T", "", "Other Payer Adjudicated Program Type", field_format::alphanumeric, 0, 500},
    {segment_id::claim, "34", "", "Reconciliation ID", field_format::alphanumeric, 0, 500},
    {segment_id::claim, "K9", "", "Do Not Dispense Before Date", field_format::date, 0, 8},
    {segment_id::claim, "KW", "", "Total Prescribed Quantity Remaining", field_format::quantity, 3, 500},
    {segment_id::pricing, "KX", "", "Subrogation Amount Requested", field_format::money, 2, 500},
    {segment_id::f6_intermediary, "8G", "", "Intermediary ID Count", field_format::numeric, 0, 500},
    {segment_id::f6_intermediary, "8M", "", "Intermediary ID", field_format::alphanumeric, 0, 500},
    {segment_id::response_claim, "P4", "", "Required Therapy Time Period Start Date", field_format::date, 0, 8},
    {segment_id::response_pricing, "KN", "", "Patient Pay Component Amount", field_format::money, 2, 500},
    {segment_id::response_dur, "YO", "", "Maximum Daily Dose Quantity", field_format::quantity, 3, 500},
    {segment_id::response_insurance, "KR", "", "Payer ID Count", field_format::numeric, 0, 500},
    {segment_id::response_insurance_additional, "96", "", "Plan Name", field_format::alphanumeric, 0, 500},
    {segment_id::response_cob, "M5", "", "Other Payer Name", field_format::alphanumeric, 0, 500},
    {segment_id::response_patient, "RR", "", "Patient ID Count", field_format::numeric, 0, 500},
    {segment_id::f6_segment_36, "8R", "", "Intermediary Authorization Count", field_format::numeric, 0, 500},
    {segment_id::f6_segment_37, "3E", "", "Last Known IIN", field_format::alphanumeric, 0, 500},
    {segment_id::f6_segment_38, "9Y", "", "Payer IIN", field_format::alphanumeric, 0, 500},
    {segment_id::f6_segment_39, "KD", "", "LIS Effective Date", field_format::date, 0, 8},
    {segment_id::f6_segment_40, "ZZ", "", "State Code for Data Source of Invalid Provider Determination", field_format::alphanumeric, 0, 500},
};

TEST(Dictionary, EveryF6StatusFieldIsNamedInResponseStatus) {
  for (const auto& k : k_f6_status) expect_listed(k, true);  // F6 numbers are not public: ""
  // The two D.0 fields of the struct's F6 tail keep their D.0 entries.
  expect_listed({segment_id::response_status, "A7", "993", "Internal Control Number", field_format::alphanumeric, 0, 30}, false);
  expect_listed({segment_id::response_status, "MA", "987", "URL", field_format::alphanumeric, 0, 255}, false);
}

TEST(Dictionary, F6AdditionsInEverySegmentAreNamed) {
  for (const auto& k : k_f6_sample) expect_listed(k, true);
}

TEST(Dictionary, D0FieldsThatF6AddsToASegmentKeepTheirD0Entry) {
  // F6's Response Patient carries the repeating patient IDs (D.0's 331-CX, 332-CY); AM38 echoes
  // 880-K5. Their listings there are F6's, their numbers, formats and lengths D.0's.
  expect_listed({segment_id::response_patient, "CX", "331", "Patient ID Qualifier", field_format::alphanumeric, 0, 2}, true);
  expect_listed({segment_id::response_patient, "CY", "332", "Patient ID", field_format::alphanumeric, 0, 20}, true);
  expect_listed({segment_id::f6_segment_38, "K5", "880", "Transaction Reference Number", field_format::alphanumeric, 0, 10}, true);
  expect_listed({segment_id::patient, "CX", "331", "Patient ID Qualifier", field_format::alphanumeric, 0, 2}, false);
}

TEST(Dictionary, F6IdsResolveOutsideTheirSegments) {
  // A Next Available Fill Date in a vendor segment still has its name; the lookup has no version.
  const field_info* bt = find_field(segment_id::vendor, make_field_id("BT"));
  ASSERT_NE(bt, nullptr);
  EXPECT_EQ(bt->segment, segment_id::response_status);
  EXPECT_EQ(bt->name, "Next Available Fill Date");
  // RR is listed in AM01 and AM29; the ID alone gives the lowest segment's listing.
  const field_info* rr = find_field(make_field_id("RR"));
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->segment, segment_id::patient);
}

TEST(Dictionary, EveryEntryIsWellFormedAndFindsItself) {
  std::set<int> segments;
  std::size_t f6_only = 0;
  const field_info* previous = nullptr;
  for (const auto& f : all_fields()) {
    SCOPED_TRACE(std::to_string(static_cast<int>(f.segment)) + " " + std::string(f.number) + "-" +
                 std::string(field_chars(f.id).data(), 2));
    EXPECT_EQ(find_field(f.segment, f.id), &f);
    // Sorted by (segment, field id) without repeats: the binary searches rely on it.
    if (previous) {
      EXPECT_TRUE(previous->segment < f.segment || (previous->segment == f.segment && previous->id < f.id));
    }
    previous = &f;
    // A number has three digits; only an F6 listing may lack one (F6 numbers are not public).
    if (f.number.empty()) {
      EXPECT_TRUE(f.f6_only);
    } else {
      EXPECT_EQ(f.number.size(), 3u);
    }
    if (f.f6_only) ++f6_only;
    // An ID means one thing: the same number wherever it is listed, and without a number the same name.
    const field_info* first = find_field(f.id);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->number, f.number);
    if (f.number.empty()) {
      EXPECT_EQ(first->name, f.name);
    }
    EXPECT_FALSE(f.name.empty());
    EXPECT_GT(f.max_length, 0);
    EXPECT_LE(f.max_length, 500);
    const int expected_decimals = f.format == field_format::money || f.format == field_format::percent ? 2
                                  : f.format == field_format::quantity                              ? 3
                                  : f.format == field_format::rate                                  ? 4
                                                                                                    : 0;
    EXPECT_EQ(f.implied_decimals, expected_decimals);
    segments.insert(static_cast<int>(f.segment));
  }
  // The header plus 16 request and 10 response segments of D.0, and F6's AM19 and AM36-AM40.
  EXPECT_EQ(segments.size(), 33u);
  EXPECT_TRUE(segments.contains(19) && segments.contains(36) && segments.contains(40));
  EXPECT_GT(all_fields().size(), 500u);
  EXPECT_EQ(f6_only, 217u);  // the rows of codec/f6_fields.csv
}

TEST(Dictionary, FormatNames) {
  EXPECT_EQ(to_string(field_format::money), "money");
  EXPECT_EQ(to_string(field_format::quantity), "quantity");
  EXPECT_EQ(to_string(field_format::date), "date");
}

}  // namespace
}  // namespace rxgate::codec
