// The reject catalog against the reject-code list it was generated from (tests/data/reject-codes.csv).
#include "rules/reject_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/source_files.h"

#ifndef RXGATE_TEST_DATA
#define RXGATE_TEST_DATA "tests/data"
#endif

namespace {

using rxgate::rules::all_rejects;
using rxgate::rules::find_reject;


const std::set<std::string_view> categories = {
    "transmission", "syntax", "eligibility", "coverage", "network", "limits", "prior-authorization",
    "timing", "duplicate", "cob", "dur", "host", "other",
};

// One CSV record split into fields; handles "quoted, fields" with "" escapes.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        out.back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.emplace_back();
    } else if (ch != '\r') {
      out.back() += ch;
    }
  }
  return out;
}

// (code, short name) rows of reject-codes.csv, comment lines and header skipped.
std::vector<std::pair<std::string, std::string>> read_reject_codes() {
  std::ifstream in(RXGATE_TEST_DATA "/reject-codes.csv");
  std::vector<std::pair<std::string, std::string>> rows;
  std::string line;
  bool header_seen = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {
      header_seen = true;
      EXPECT_EQ(line.rfind("code,description", 0), 0u) << line;
      continue;
    }
    auto fields = split_csv(line);
    EXPECT_EQ(fields.size(), 2u) << line;
    if (fields.size() == 2) rows.emplace_back(std::move(fields[0]), std::move(fields[1]));
  }
  return rows;
}

TEST(RejectCatalog, EveryCodeOfTheListIsFoundWithItsShortName) {
  const auto rows = read_reject_codes();
  ASSERT_EQ(rows.size(), 1384u) << "reject-codes.csv not found or changed: " RXGATE_TEST_DATA;
  for (const auto& [code, name] : rows) {
    const auto* info = find_reject(code);
    ASSERT_NE(info, nullptr) << code;
    EXPECT_EQ(info->code, code);
    EXPECT_EQ(info->short_name, name) << code;
  }
  EXPECT_EQ(all_rejects().size(), rows.size()) << "the catalog has codes the list does not";
}

TEST(RejectCatalog, AllRejectsIsSortedAndUnique) {
  const auto rows = all_rejects();
  ASSERT_FALSE(rows.empty());
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_LT(rows[i - 1].code, rows[i].code) << "at " << i;
  }
}

TEST(RejectCatalog, EveryEntryIsWellFormed) {
  for (const auto& r : all_rejects()) {
    EXPECT_TRUE(r.code.size() == 2 || r.code.size() == 3) << r.code;
    EXPECT_FALSE(r.short_name.empty()) << r.code;
    EXPECT_TRUE(categories.count(r.category)) << r.code << " category " << r.category;
    // A fix without an explanation (or the reverse) would show the technician half a story.
    EXPECT_EQ(r.explanation.empty(), r.fix.empty()) << r.code;
    std::istringstream ids{std::string(r.fields)};
    for (std::string id; ids >> id;) EXPECT_EQ(id.size(), 2u) << r.code << " field " << id;
  }
}

TEST(RejectCatalog, EngineCodesHaveExplanationAndFix) {
  const auto engine_codes = rxgate::test_support::engine_reject_codes(RXGATE_SOURCE_DIR);
  ASSERT_GT(engine_codes.size(), 100u) << "ENGINE_CODES not found in rules/reject_catalog_gen.py";
  for (const auto& code : engine_codes) {
    const auto* info = find_reject(code);
    ASSERT_NE(info, nullptr) << code;
    EXPECT_GE(info->explanation.size(), 30u) << code;
    EXPECT_GE(info->fix.size(), 30u) << code;
  }
}

TEST(RejectCatalog, SpotChecks) {
  const auto* rts = find_reject("79");
  ASSERT_NE(rts, nullptr);
  EXPECT_EQ(rts->short_name, "Refill Too Soon");
  EXPECT_EQ(rts->category, "timing");
  EXPECT_EQ(rts->fields, "D1 D3 D5");
  EXPECT_NE(rts->fix.find("420-DK"), std::string_view::npos);

  const auto* pa = find_reject("75");
  ASSERT_NE(pa, nullptr);
  EXPECT_EQ(pa->short_name, "Prior Authorization Required");
  EXPECT_EQ(pa->category, "prior-authorization");
  EXPECT_NE(pa->fix.find("462-EV"), std::string_view::npos);

  const auto* dur = find_reject("88");
  ASSERT_NE(dur, nullptr);
  EXPECT_EQ(dur->short_name, "DUR Reject Error");
  EXPECT_EQ(dur->category, "dur");
  EXPECT_NE(dur->fix.find("440-E5"), std::string_view::npos);
  EXPECT_NE(dur->fix.find("441-E6"), std::string_view::npos);

  const auto* version = find_reject("1R");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version->short_name, "Version/Release Value Not Supported");
  EXPECT_EQ(version->category, "transmission");

  const auto* host = find_reject("92");
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->short_name, "System Unavailable/Host Unavailable");
  EXPECT_EQ(host->category, "host");

  EXPECT_EQ(find_reject("70")->short_name, "Product/Service Not Covered - Plan/Benefit Exclusion");
  EXPECT_EQ(find_reject("MR")->short_name, "Product Not On Formulary");
  EXPECT_EQ(find_reject("201")->short_name, "Patient Segment is not used for this Transaction Code");
}

TEST(RejectCatalog, LookupEdgeCases) {
  EXPECT_EQ(find_reject(""), nullptr);
  EXPECT_EQ(find_reject("7"), nullptr);
  EXPECT_EQ(find_reject("ZZZZ"), nullptr);
  EXPECT_EQ(find_reject("1r"), nullptr) << "codes are upper case on the wire";
  ASSERT_NE(find_reject("79 "), nullptr) << "511-FB may arrive blank-padded";
  EXPECT_EQ(find_reject("79 ")->code, "79");
  EXPECT_EQ(find_reject(all_rejects().front().code), &all_rejects().front());
  EXPECT_EQ(find_reject(all_rejects().back().code), &all_rejects().back());
}

TEST(DurNames, KnownAndUnknownCodes) {
  using namespace rxgate::rules;
  EXPECT_EQ(dur_reason_name("DD"), "Drug-Drug Interaction");
  EXPECT_EQ(dur_reason_name("ER"), "Overuse");
  EXPECT_EQ(dur_reason_name("TD"), "Therapeutic");
  EXPECT_EQ(dur_reason_name("UD"), "Duplicate Drug");
  EXPECT_EQ(dur_professional_name("M0"), "Prescriber Consulted");  // digit zero
  EXPECT_EQ(dur_professional_name("MO"), "");                      // letter O is not a code
  EXPECT_EQ(dur_professional_name("R0"), "Pharmacist Consulted Other Source");
  EXPECT_EQ(dur_result_name("1G"), "Dispensed, with Prescriber Approval");
  EXPECT_EQ(dur_result_name("1B"), "Dispensed Prescription As Is");
  EXPECT_EQ(dur_result_name("4J"), "Dispensed, Patient Is Not Opioid Naive");
  EXPECT_EQ(dur_reason_name(""), "");
  EXPECT_EQ(dur_reason_name("QQ"), "");
  EXPECT_EQ(dur_result_name("9Z"), "");
}

TEST(SccNames, D0ValuesAndLaterGroups) {
  using rxgate::rules::scc_name;
  EXPECT_EQ(scc_name(0), "");
  EXPECT_EQ(scc_name(1), "No Override");
  EXPECT_EQ(scc_name(3), "Vacation Supply");
  EXPECT_EQ(scc_name(4), "Lost Prescription");
  EXPECT_EQ(scc_name(5), "Therapy Change");
  EXPECT_EQ(scc_name(10), "Meets Plan Limitations");
  EXPECT_EQ(scc_name(99), "Other");
  EXPECT_FALSE(scc_name(21).empty());
  EXPECT_EQ(scc_name(37), "");
  EXPECT_EQ(scc_name(-1), "");
  for (int scc = 1; scc <= 19; ++scc) EXPECT_FALSE(scc_name(scc).empty()) << scc;
}

}  // namespace
