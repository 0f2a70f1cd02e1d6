// codec/code_names.h: names of D.0 code values (codec/code_values.csv -> code_names_data.cpp).
#include "codec/code_names.h"

#include <gtest/gtest.h>

#include <string>

#include "codec/dictionary.h"

namespace rxgate::codec {
namespace {

field_id id(const char* s) { return make_field_id(s); }

struct named_code {
  const char* field;
  const char* code;
  const char* name;
};

// Copied by hand from the digest (ncpdp-d0.md §6.1, §7.1, §9) and dur-codes.csv, not from the table.
const named_code k_named[] = {
    {"AN", "P", "Paid"},
    {"AN", "R", "Rejected"},
    {"AN", "S", "Duplicate of Approved"},
    {"F1", "R", "Transmission Rejected"},
    {"A3", "B1", "Billing"},
    {"A3", "E1", "Eligibility Verification"},
    {"E4", "LD", "Low Dose"},
    {"E5", "M0", "Prescriber Consulted"},  // digit zero
    {"E6", "1G", "Dispensed, with Prescriber Approval"},
    {"B2", "01", "NPI"},
    {"EZ", "12", "DEA"},  // shares 202-B2's list
    {"EY", "05", "NPI"},  // its own list: 01 is DEA there
    {"E1", "03", "NDC"},
    {"C6", "1", "Cardholder"},
    {"D8", "0", "No Product Selection Indicated"},
    {"DK", "8", "Process Compound For Approved Ingredients"},
    {"FM", "6", "MAC Pricing Ingredient Cost Paid"},
    {"6F", "004", "Filled During Transition Benefit"},
    {"FW", "1", "First DataBank"},
    {"A2", "D0", "Version D.0"},
    {"A2", "F6", "Version F6"},  // 102-A2 of an F6 request or response (issue 16)
};

TEST(CodeNames, NamesTheValuesPeopleAskAbout) {
  for (const named_code& k : k_named) EXPECT_EQ(code_name(id(k.field), k.code), k.name) << k.field << " " << k.code;
}

TEST(CodeNames, EveryRowRoundTrips) {
  for (const code_value& row : all_code_values()) {
    const auto chars = field_chars(row.field);
    const std::string what = std::string(chars.data(), 2) + " " + std::string(row.code);
    EXPECT_EQ(code_name(row.field, row.code), row.name) << what;
    EXPECT_EQ(code_label(row.field, row.code), row.name) << what;
    EXPECT_TRUE(has_code_list(row.field)) << what;
    EXPECT_NE(find_field(row.field), nullptr) << what << ": a code list for a field D.0 does not define";
    EXPECT_FALSE(row.name.empty()) << what;
    // Padded as a fixed-width field would be: trailing blanks are not part of the code.
    EXPECT_EQ(code_name(row.field, std::string(row.code) + "  "), row.name) << what;
  }
}

TEST(CodeNames, SortedAndUnique) {
  const auto rows = all_code_values();
  ASSERT_FALSE(rows.empty());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const bool ordered = rows[i - 1].field < rows[i].field ||
                         (rows[i - 1].field == rows[i].field && rows[i - 1].code < rows[i].code);
    EXPECT_TRUE(ordered) << i;
  }
}

TEST(CodeNames, UnknownValuesSayUnknown) {
  EXPECT_EQ(code_name(id("AN"), "X"), "");
  EXPECT_EQ(code_label(id("AN"), "X"), "unknown");
  EXPECT_EQ(code_label(id("AN"), ""), "unknown");
  EXPECT_EQ(code_label(id("E4"), "QQ"), "unknown");
  EXPECT_EQ(code_label(id("E5"), "MO"), "unknown");  // letter O is not a code
  EXPECT_EQ(code_label(id("DK"), "37"), "unknown");  // a gap between the later SCC ranges
  EXPECT_EQ(code_label(id("DK"), "0"), "unknown");   // 0 is not valid in D.0
}

TEST(CodeNames, FieldsWithoutAListHaveNoLabel) {
  EXPECT_FALSE(has_code_list(id("C2")));  // Cardholder ID is free text
  EXPECT_EQ(code_label(id("C2"), "ABC"), "");
  EXPECT_EQ(code_name(id("C2"), "ABC"), "");
  // Reject codes come from the reject catalog in rules/, not from here.
  EXPECT_FALSE(has_code_list(id("FB")));
}

TEST(CodeNames, LeadingZerosMatterOnlyInNumericFields) {
  // 420-DK and 306-C6 are 9(n): "08" is code 8.
  EXPECT_EQ(code_name(id("DK"), "08"), "Process Compound For Approved Ingredients");
  EXPECT_EQ(code_name(id("C6"), "01"), "Cardholder");
  // 436-E1 is x(2): "3" is not "03".
  EXPECT_EQ(code_name(id("E1"), "3"), "");
  // Not a number at all in a numeric field.
  EXPECT_EQ(code_name(id("DK"), "A"), "");
}

}  // namespace
}  // namespace rxgate::codec
