// Guidance that is right (issue 15): every reject code the engine and the codec can emit, collected
// from their sources, has an explanation and a fix, and neither they nor the claim page's "what to
// do now" promise something the response does not carry. No gateway, no database.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "codec/json_writer.h"
#include "rules/reject_catalog.h"
#include "server/status/code_help.h"
#include "server/status/code_names.h"
#include "tests/support/source_files.h"

#ifndef RXGATE_SOURCE_DIR
#define RXGATE_SOURCE_DIR "."
#endif

namespace {

using namespace rxgate;
namespace fs = std::filesystem;

using test_support::read_file;

fs::path root() { return fs::path(RXGATE_SOURCE_DIR); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}
bool contains(std::string_view text, std::string_view what) { return lower(text).find(lower(what)) != std::string::npos; }

// The codes the claim path can put in 511-FB, read from the sources that emit them: reject(...) and
// push(...) calls with a literal code in codec/, rules/, server/pipeline/ and server/net/, and the
// M/I codes codec/claim_segments.cpp's missing_code() returns (its switch and its table of field IDs that are
// their own code).
std::map<std::string, std::string> emitted_codes() {
  std::map<std::string, std::string> out;  // code -> a file that emits it
  // The arguments of a call up to its ';' (a '{' ends them, but for std::string_view{"85"}), and the
  // code literals among them: field IDs are written "D7"_fid, codes without a suffix.
  const std::regex call(R"re(\b(?:reject|push|counted|each_counted|count_of|respond_host_reject|build_host_reject)\(((?:[^;{]|\{")*))re");
  const std::regex code_literal(R"re("([0-9A-Z]{2,3})"(?!_fid))re");
  const std::regex returned(R"re(return "([0-9A-Z]{2,3})";)re");
  for (const char* dir : {"codec", "rules", "server/pipeline", "server/net"}) {
    for (const auto& e : fs::directory_iterator(root() / dir)) {
      if (e.path().extension() != ".cpp") continue;
      const auto text = read_file(e.path());
      const auto name = std::string(dir) + "/" + e.path().filename().string();
      for (std::sregex_iterator m(text.begin(), text.end(), call), end; m != end; ++m) {
        const std::string args = (*m)[1];
        for (std::sregex_iterator c(args.begin(), args.end(), code_literal); c != end; ++c) out.emplace((*c)[1], name);
      }
      if (name != "codec/claim_segments.cpp") continue;
      for (std::sregex_iterator m(text.begin(), text.end(), returned), end; m != end; ++m) out.emplace((*m)[1], name);
      const auto at = text.find("static constexpr char ids[] =");
      EXPECT_NE(at, std::string::npos) << "missing_code()'s table of field IDs moved";
      if (at == std::string::npos) continue;
      const auto stop = text.find(';', at);
      std::string ids;
      const std::regex literal(R"re("([0-9A-Z]*)")re");
      for (std::sregex_iterator m(text.begin() + static_cast<long>(at), text.begin() + static_cast<long>(stop), literal), end;
           m != end; ++m)
        ids += (*m)[1];
      EXPECT_EQ(ids.size() % 2, 0u);
      for (std::size_t i = 0; i + 1 < ids.size(); i += 2) out.emplace(ids.substr(i, 2), name + " missing_code");
    }
  }
  return out;
}

std::set<std::string> generator_engine_codes() { return test_support::engine_reject_codes(root()); }

// The engine adds preferred products (AM22) to a response only with these rejects: add_preferred
// (only when the plan lists some for the drug) after 70, MR (rules/adjudicate.cpp product_checks),
// 75 and 608 (rules/history_rules.cpp); add_alternative, always, after UU and AJ (the generic).
const std::set<std::string_view> codes_with_preferred_products = {"70", "MR", "75", "608"};
const std::set<std::string_view> codes_always_with_preferred_products = {"UU", "AJ"};

bool is_missing_or_invalid(const rules::reject_info& r) { return r.short_name.rfind("M/I ", 0) == 0; }

// Sentences of a text, split at ". " (field names such as "NNN-XX Name" hold no full stops).
std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from < text.size()) {
    auto at = text.find(". ", from);
    if (at == std::string_view::npos) at = text.size();
    out.emplace_back(text.substr(from, at - from));
    from = at + 2;
  }
  return out;
}

// A sentence that says the response carries preferred products or alternatives.
bool promises_alternatives(std::string_view sentence) {
  return contains(sentence, "AM22") || contains(sentence, "553-AR") ||
         (contains(sentence, "response") && (contains(sentence, "preferred") || contains(sentence, "alternative")));
}
bool conditional(std::string_view sentence) {
  const auto s = lower(sentence);
  return s.rfind("if ", 0) == 0 || s.find(" if ") != std::string::npos || s.find("when ") != std::string::npos;
}

// The checks every engine code's guidance must pass; `what` is explanation, fix or what_to_do.
// `carries` says whether the response can carry preferred products with this code; `always`
// whether it always does.
void check_guidance(const rules::reject_info& r, std::string_view part, std::string_view text, bool carries,
                    bool always = false) {
  SCOPED_TRACE(std::string(r.code) + " " + std::string(part) + ": " + std::string(text));
  // Resubmitting unchanged cannot fix a claim whose content is at fault.
  if (contains(text, "unchanged")) {
    EXPECT_FALSE(is_missing_or_invalid(r)) << "an M/I code is never fixed by resubmitting unchanged";
    EXPECT_NE(r.category, "syntax") << "a syntax reject is never fixed by resubmitting unchanged";
    EXPECT_NE(r.category, "transmission") << "a transmission reject is never fixed by resubmitting unchanged";
  }
  for (const auto& s : sentences(text)) {
    if (!promises_alternatives(s)) continue;
    EXPECT_TRUE(carries || always) << "the response never carries preferred products with this code: " << s;
    if (!always) {
      EXPECT_TRUE(conditional(s)) << "the response carries preferred products only when the plan lists some: " << s;
    }
  }
}

TEST(Guidance, EveryEmittedCodeIsOneTheCatalogGeneratorExplains) {
  const auto emitted = emitted_codes();
  // The collector must see the codes it is known to see, or a regex drifted from the sources.
  for (const char* known : {"50", "70", "79", "88", "NX", "07", "1R", "SG", "92"}) EXPECT_TRUE(emitted.count(known)) << known;
  const auto listed = generator_engine_codes();
  ASSERT_GT(listed.size(), 100u) << "ENGINE_CODES not found in rules/reject_catalog_gen.py";
  for (const auto& [code, where] : emitted) {
    EXPECT_TRUE(listed.count(code)) << code << " (emitted by " << where << ") is not in ENGINE_CODES";
    const auto* r = rules::find_reject(code);
    ASSERT_NE(r, nullptr) << code << " (emitted by " << where << ") is no NCPDP reject code";
    EXPECT_FALSE(r->explanation.empty()) << code;
    EXPECT_FALSE(r->fix.empty()) << code;
  }
}

TEST(Guidance, CatalogTextsOfEngineCodesPromiseOnlyWhatTheResponseCarries) {
  const auto emitted = emitted_codes();
  auto codes = generator_engine_codes();
  for (const auto& [code, where] : emitted) codes.insert(code);
  for (const auto& code : codes) {
    const auto* r = rules::find_reject(code);
    ASSERT_NE(r, nullptr) << code;
    const bool preferred = codes_with_preferred_products.count(r->code) > 0;
    const bool always = codes_always_with_preferred_products.count(r->code) > 0;
    check_guidance(*r, "explanation", r->explanation, preferred, always);
    check_guidance(*r, "fix", r->fix, preferred, always);
    if (is_missing_or_invalid(*r)) {
      // The fix of a missing or invalid field names the field to correct (NNN-XX).
      EXPECT_TRUE(std::regex_search(std::string(r->fix), std::regex("[0-9]{3}-[0-9A-Z]{2}"))) << code << ": " << r->fix;
    }
  }
}

// The messages of the failures `check` reports, intercepted (they do not fail this test).
template <class Check>
std::string failures_of(Check check) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter intercept(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    check();
  }
  std::string all;
  for (int k = 0; k < results.size(); ++k) all += std::string(results.GetTestPartResult(k).message()) + "\n";
  return all;
}

// The checks themselves fail on the texts issue 15 reported, and pass the reworded ones.
TEST(Guidance, TheChecksCatchTheReportedTexts) {
  const auto* mi = rules::find_reject("NX");
  const auto* excluded = rules::find_reject("70");
  ASSERT_TRUE(mi && excluded);
  EXPECT_NE(failures_of([&] { check_guidance(*mi, "fix", "Resubmit once unchanged.", false); })
                .find("an M/I code is never fixed by resubmitting unchanged"),
            std::string::npos);
  EXPECT_NE(failures_of([&] {
              check_guidance(*excluded, "fix",
                             "Offer a covered alternative: preferred products are listed in the response (AM22).", true);
            }).find("only when the plan lists some"),
            std::string::npos);
  EXPECT_NE(failures_of([&] { check_guidance(*mi, "fix", "If any, see the preferred products in the response.", false); })
                .find("never carries preferred products"),
            std::string::npos);
  EXPECT_EQ(failures_of([&] {
              check_guidance(*excluded, "fix", "If the response lists preferred products (AM22), offer one.", true);
            }),
            "");
}

// A claim_context over a stored record; the record owns what it points to.
struct stored_claim {
  store::claim_record rec;
  server::status::claim_context context() const { return {rec, nullptr, nullptr, nullptr, 1, nullptr}; }
};

std::string help_of(std::string_view code, const stored_claim& c) {
  std::string out;
  codec::json_writer j(out);
  j.begin_object();
  server::status::write_code_help(j, code, c.context(), "800-555-0100");
  j.end_object();
  return out;
}

std::string what_to_do(const std::string& help) {
  const std::string key = "\"what_to_do\":\"";
  const auto at = help.find(key);
  if (at == std::string::npos) return {};
  return help.substr(at + key.size(), help.find('"', at + key.size()) - at - key.size());
}

TEST(Guidance, WhatToDoNowOfEveryEngineCodePromisesOnlyWhatTheClaimCarries) {
  auto codes = generator_engine_codes();
  for (const auto& [code, where] : emitted_codes()) codes.insert(code);
  // Stored the way the store keeps them: decided by a plan (plan_id set) or refused before any
  // plan saw them, each with no preferred products and with one.
  std::vector<stored_claim> claims(4);
  claims[1].rec.plan_id = claims[3].rec.plan_id = "demo";
  for (auto* c : {&claims[2], &claims[3]}) {
    store::detail_preferred_product p;
    p.product_id = "90001000102";
    p.description = "ATORVASTATIN 10 MG";
    c->rec.detail.preferred.push_back(p);
  }
  for (auto& c : claims) c.rec.provider_id = "1111111112";
  for (const auto& code : codes) {
    const auto* r = rules::find_reject(code);
    ASSERT_NE(r, nullptr) << code;
    for (std::size_t k = 0; k < claims.size(); ++k) {
      const auto what = what_to_do(help_of(code, claims[k]));
      if (what.empty()) continue;
      const bool carries = (codes_with_preferred_products.count(r->code) ||
                            codes_always_with_preferred_products.count(r->code)) &&
                           !claims[k].rec.detail.preferred.empty();
      check_guidance(*r, "what_to_do", what, carries, carries);
      if (!carries) {
        EXPECT_FALSE(contains(what, "covered alternative:")) << code << " claim " << k << ": " << what;
        EXPECT_FALSE(contains(what, "ATORVASTATIN")) << code << " claim " << k << ": " << what;
      } else if (code == "70" || code == "MR") {
        EXPECT_TRUE(contains(what, "ATORVASTATIN 10 MG")) << code << " names the alternatives it carries: " << what;
      }
    }
  }
}

TEST(Guidance, A50FromTheCertificateIsExplainedAsTheCertificateNotEnrolment) {
  stored_claim refused;  // refused by the gateway before any plan: stored without a plan
  refused.rec.provider_id = "6666666662";
  const auto cert = help_of("50", refused);
  EXPECT_NE(cert.find(R"("kind":"certificate_not_allowed")"), std::string::npos) << cert;
  EXPECT_TRUE(contains(what_to_do(cert), "certificate")) << cert;
  EXPECT_TRUE(contains(what_to_do(cert), "6666666662")) << cert;
  EXPECT_FALSE(contains(what_to_do(cert), "enrol")) << cert;

  stored_claim decided = refused;  // a plan decided it: the pharmacy is not on its file
  decided.rec.plan_id = "demo";
  const auto enrol = help_of("50", decided);
  EXPECT_NE(enrol.find(R"("kind":"pharmacy_not_enrolled")"), std::string::npos) << enrol;
  EXPECT_TRUE(contains(what_to_do(enrol), "enrolment")) << enrol;
  EXPECT_FALSE(contains(what_to_do(enrol), "certificate")) << enrol;
}

TEST(Guidance, A70WithoutPreferredProductsPromisesNone) {
  stored_claim none;
  none.rec.plan_id = "demo";
  const auto what = what_to_do(help_of("70", none));
  EXPECT_TRUE(contains(what, "names no alternative")) << what;
  EXPECT_FALSE(contains(what, "formulary exception")) << "a benefit exclusion is not lifted by an exception: " << what;
  const auto* r = rules::find_reject("70");
  ASSERT_NE(r, nullptr);
  // The catalog fix offers the response's preferred products only conditionally.
  EXPECT_TRUE(contains(r->fix, "If the response lists preferred products")) << r->fix;
}

TEST(Guidance, AMissingSubmissionClarificationCountIsItsOwnMICode) {
  const auto* r = rules::find_reject("NX");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(contains(r->fix, "354-NX")) << r->fix;
  const auto* not_processed = rules::find_reject("85");
  ASSERT_NE(not_processed, nullptr);
  EXPECT_FALSE(contains(not_processed->fix, "unchanged")) << not_processed->fix;
}

// Transaction status S (112-AN) is named as the standard names it on the server and in the web
// console and dashboard alike.
TEST(Guidance, StatusSIsNamedTheSameOnServerAndConsole) {
  const auto name = lower(server::status::status_name('S'));
  EXPECT_EQ(name, "duplicate of approved");
  const auto html = read_file(root() / "server/console/web/console.part.html");
  EXPECT_NE(html.find("<option value=\"S\">S " + name + "</option>"), std::string::npos) << "console.part.html status filter";
  const auto js = read_file(root() / "server/console/web/dashboard.js");
  EXPECT_NE(js.find("S: \"" + name + "\""), std::string::npos) << "dashboard.js STATUS_NAMES";
  EXPECT_EQ(lower(html + js).find("reversal rejected"), std::string::npos);
}

}  // namespace

// The amounts in a sentence (an alternative's copay): dollars and two cents, either sign.
TEST(Guidance, DollarsInASentenceKeepTheirCents) {
  EXPECT_EQ(server::status::dollars(0), "0.00");
  EXPECT_EQ(server::status::dollars(5), "0.05");
  EXPECT_EQ(server::status::dollars(475), "4.75");
  EXPECT_EQ(server::status::dollars(500), "5.00");
  EXPECT_EQ(server::status::dollars(-5), "-0.05");
  EXPECT_EQ(server::status::dollars(-12345), "-123.45");
}
