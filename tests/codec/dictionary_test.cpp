// codec/dictionary.h: the compiled-in D.0 field table (ncpdp-d0.md §2-§5).
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

TEST(Dictionary, KnownFieldsHaveTheirNumberNameFormatAndLength) {
  for (const auto& k : k_known) {
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
  }
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
  EXPECT_EQ(find_field(make_field_id("ZZ")), nullptr);
  EXPECT_EQ(find_field(make_field_id("XX")), nullptr);
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
  EXPECT_EQ(segment_name(static_cast<segment_id>(17)), "");
  for (int n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29})
    EXPECT_FALSE(segment_name(static_cast<segment_id>(n)).empty()) << n;
}

TEST(Dictionary, EveryEntryIsWellFormedAndFindsItself) {
  std::set<int> segments;
  for (const auto& f : all_fields()) {
    SCOPED_TRACE(std::string(f.number) + "-" + std::string(field_chars(f.id).data(), 2));
    EXPECT_EQ(find_field(f.segment, f.id), &f);
    EXPECT_EQ(f.number.size(), 3u);
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
  EXPECT_EQ(segments.size(), 27u);  // the header plus 16 request and 10 response segments
  EXPECT_GT(all_fields().size(), 300u);
}

TEST(Dictionary, FormatNames) {
  EXPECT_EQ(to_string(field_format::money), "money");
  EXPECT_EQ(to_string(field_format::quantity), "quantity");
  EXPECT_EQ(to_string(field_format::date), "date");
}

}  // namespace
}  // namespace rxgate::codec
