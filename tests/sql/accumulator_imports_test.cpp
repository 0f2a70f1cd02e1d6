// rxgate accumulators import and the operator read (sql/accumulator_imports.h): the file's checks
// against the loaded plans, each with its line and never a member's value (no database needed),
// then against a real PostgreSQL: idempotent, a changed amount replaces its source's row, all or
// nothing, a dry run writes nothing, and the audited read sums exactly what load_history hands the
// rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "rules/plan.h"
#include "sql/accumulator_imports.h"
#include "tests/sql/db_fixture.h"

namespace rxgate::test {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view header = "bin,cardholder_id,person_code,plan_year_start,deductible,out_of_pocket,benefit\n";

// The demo plans plus a copy of the high-deductible plan whose plan year starts in July (BIN 610996).
const rules::plan_set& plans() {
  static const auto loaded = [] {
    const fs::path dir = fs::temp_directory_path() / ("rxgate_import_plans_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path source = fs::path(RXGATE_SOURCE_ROOT) / "config" / "plans";
    for (const char* plan : {"demo", "hdhp-demo"}) fs::copy(source / plan, dir / plan, fs::copy_options::recursive);
    fs::copy(source / "hdhp-demo", dir / "hdhp-july", fs::copy_options::recursive);
    std::ifstream in(dir / "hdhp-july" / "plan.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string toml = text.str();
    auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = toml.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      toml.replace(at, from.size(), to);
    };
    replace("id = \"hdhp-demo\"", "id = \"hdhp-july\"");
    replace("bin = \"610997\"", "bin = \"610996\"");
    replace("plan_year_start_month = 1", "plan_year_start_month = 7");
    std::ofstream(dir / "hdhp-july" / "plan.toml") << toml;
    return rules::load_plans(dir);
  }();
  return *loaded;
}

struct read_result {
  bool ok = false;
  std::vector<store::accumulator_import_row> rows;
  std::vector<std::string> problems;
};
read_result read(const std::string& body) {
  read_result r;
  r.ok = store::read_import_file("prior.csv", std::string(header) + body, plans(), r.rows, r.problems);
  return r;
}

TEST(ImportFile, ReadsDollarsAsCentsAndBothDateForms) {
  std::vector<store::accumulator_import_row> rows;
  std::vector<std::string> problems;
  ASSERT_TRUE(store::read_import_file("prior.csv",
                                      "# prior carrier export (synthetic)\n"
                                      "benefit,out_of_pocket,deductible,plan_year_start,person_code,cardholder_id,bin\n"
                                      "0,125.5,125.50,2026-01-01,001,HDHP3001,610997\n"
                                      ", 0.01 ,100,20260101,002,HDHP2001,610997\n",
                                      plans(), rows, problems))
      << problems.front();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 3u);
  EXPECT_EQ(rows[0].bin, "610997");
  EXPECT_EQ(rows[0].cardholder_id, "HDHP3001");
  EXPECT_EQ(rows[0].amounts, (rules::accumulator_amounts{12550, 12550, 0}));
  EXPECT_EQ(rows[0].plan_year_start, (codec::date{2026, 1, 1}));
  EXPECT_EQ(rows[1].amounts, (rules::accumulator_amounts{10000, 1, 0}));  // empty is 0, blanks trimmed
  EXPECT_EQ(rows[1].person_code, "002");
  EXPECT_EQ(rows[1].plan_year_start, (codec::date{2026, 1, 1}));
}

// Money: digits with at most two decimals, read digit by digit; at, under and over each limit.
TEST(ImportFile, MoneyTable) {
  struct money_case {
    std::string text;
    bool ok;
    std::int64_t cents;
  };
  const money_case cases[] = {
      {"0", true, 0},          {"0.01", true, 1},        {"0.1", true, 10},         {"1.5", true, 150},
      {"1.50", true, 150},     {"1.99", true, 199},      {"1.501", false, 0},       {"1.", false, 0},
      {".5", false, 0},        {"1e3", false, 0},        {"$5", false, 0},          {"1.2.3", false, 0},
      {"9999999999.99", true, 999999999999},             {"10000000000", false, 0},  // 10 digits of dollars, not 11
      {"-0.01", false, 0},     {"-5", false, 0},         {"+5", false, 0},          {"\"1,5\"", false, 0},
  };
  for (const auto& c : cases) {
    const auto r = read("610997,HDHP3001,001,2026-01-01," + c.text + ",0,0\n");
    EXPECT_EQ(r.ok, c.ok) << c.text;
    if (c.ok && r.ok) {
      EXPECT_EQ(r.rows[0].amounts.deductible, c.cents) << c.text;
    }
    if (!c.ok && !r.problems.empty()) {
      const bool negative = c.text.starts_with('-');
      EXPECT_EQ(r.problems[0], negative ? "prior.csv:2: deductible: negative amount"
                                        : "prior.csv:2: deductible: expected dollars with at most 2 decimals (e.g. 125.50)")
          << c.text;
    }
  }
}

// Every problem names the file, the line and the column, and never a member's value.
TEST(ImportFile, EachProblemWithItsLineAndNoMemberData) {
  const auto r = read(
      "610997,SECRETA1,001,2026-01-01,100,100,0\n"     // 2 fine
      "610997,SECRETA2,001,2026-01-01,-1,0,0\n"        // 3 negative
      "610997,SECRETA3,001,2026-01-01,0,1.234,0\n"     // 4 three decimals
      "610997,SECRETA4,001,2026/01/01,0,0,0\n"         // 5 bad date
      "610997,SECRETA5,001,2026-02-30,0,0,0\n"         // 6 not a calendar date
      "610997,SECRETA6,001,2026-02-01,0,0,0\n"         // 7 not a plan year start
      "999999,SECRETA7,001,2026-01-01,0,0,0\n"         // 8 unknown BIN
      "610999,SECRETA8,001,2026-01-01,0,0,0\n"         // 9 plan without [accumulators]
      "610997,SECRETA1,001,20260101,5,5,5\n"           // 10 duplicate of 2
      "610997,SECRETA9,001,2026-01-01\n"               // 11 short row
      "61099,SECRETB1,001,2026-01-01,0,0,0\n"          // 12 BIN not 6 digits
      "610997,,001,2026-01-01,0,0,0\n"                 // 13 no cardholder
      "610997,SECRETB2,0001,2026-01-01,0,0,0\n"        // 14 person code too long
      "610997,SECRETB3,001,2026-01-01,0,0,x\n");       // 15 benefit
  EXPECT_FALSE(r.ok);
  const std::vector<std::string> expected = {
      "prior.csv:3: deductible: negative amount",
      "prior.csv:4: out_of_pocket: expected dollars with at most 2 decimals (e.g. 125.50)",
      "prior.csv:5: plan_year_start: expected a date as YYYY-MM-DD or YYYYMMDD",
      "prior.csv:6: plan_year_start: expected a date as YYYY-MM-DD or YYYYMMDD",
      "prior.csv:7: plan_year_start: not the first day of a plan year of plan hdhp-demo (its plan years start on day 1 "
      "of month 1)",
      "prior.csv:8: bin: no loaded plan has this BIN",
      "prior.csv:9: bin: plan demo keeps no accumulators (no [accumulators] in its plan.toml)",
      "prior.csv:10: duplicate of line 2 (same bin, cardholder_id, person_code and plan_year_start)",
      "prior.csv:11: expected 7 fields, found 4",
      "prior.csv:12: bin: expected 6 digits",
      "prior.csv:13: cardholder_id: expected 1 to 20 characters",
      "prior.csv:14: person_code: expected at most 3 characters",
      "prior.csv:15: benefit: expected dollars with at most 2 decimals (e.g. 125.50)",
  };
  EXPECT_EQ(r.problems, expected);
  for (const auto& p : r.problems) EXPECT_EQ(p.find("SECRET"), std::string::npos) << p;
}

TEST(ImportFile, HeaderProblems) {
  std::vector<store::accumulator_import_row> rows;
  std::vector<std::string> problems;
  EXPECT_FALSE(store::read_import_file("p.csv", "bin,cardholder_id,plan_year_start,deductible,out_of_pocket,benefit,x\n",
                                       plans(), rows, problems));
  EXPECT_EQ(problems, (std::vector<std::string>{"p.csv:1: unknown column 7 in the header",
                                                "p.csv:1: missing column person_code"}));
  problems.clear();
  EXPECT_FALSE(store::read_import_file(
      "p.csv", "bin,bin,cardholder_id,person_code,plan_year_start,deductible,out_of_pocket,benefit\n", plans(), rows,
      problems));
  EXPECT_EQ(problems, (std::vector<std::string>{"p.csv:1: column bin appears twice"}));
  problems.clear();
  EXPECT_FALSE(store::read_import_file("p.csv", "", plans(), rows, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].starts_with("p.csv:1: empty file"));
}

// The plan year must start where the member's plan starts its years: at the first day, not the
// day before or after; a July plan refuses January.
TEST(ImportFile, PlanYearStartTable) {
  struct year_case {
    std::string bin, date;
    bool ok;
  };
  const year_case cases[] = {
      {"610997", "2026-01-01", true},  {"610997", "2025-12-31", false}, {"610997", "2026-01-02", false},
      {"610997", "2025-01-01", true},  {"610996", "2026-07-01", true},  {"610996", "2026-06-30", false},
      {"610996", "2026-07-02", false}, {"610996", "2026-01-01", false}, {"610996", "2025-07-01", true},
  };
  for (const auto& c : cases) {
    const auto r = read(c.bin + ",HDHP3001,001," + c.date + ",1,1,1\n");
    EXPECT_EQ(r.ok, c.ok) << c.bin << " " << c.date << (r.problems.empty() ? "" : ": " + r.problems[0]);
  }
  EXPECT_EQ(read("610996,HDHP3001,001,2026-01-01,1,1,1\n").problems.at(0),
            "prior.csv:2: plan_year_start: not the first day of a plan year of plan hdhp-july (its plan years start on "
            "day 1 of month 7)");
}

TEST(ImportFile, DuplicatesAreTheSameMemberAndYearOnly) {
  EXPECT_TRUE(read("610997,HDHP2001,001,2026-01-01,1,1,1\n"
                   "610997,HDHP2001,002,2026-01-01,1,1,1\n"     // another person
                   "610997,HDHP2001,001,2025-01-01,1,1,1\n"     // another year
                   "610996,HDHP2001,001,2025-07-01,1,1,1\n")    // another BIN
                  .ok);
  EXPECT_FALSE(read("610997,HDHP2001,001,2026-01-01,1,1,1\n610997,HDHP2001,001,20260101,2,2,2\n").ok);
}

// ---- against PostgreSQL -----------------------------------------------------------------------

class Imports : public ::testing::Test {
 protected:
  void SetUp() override {
    RXGATE_REQUIRE_DB();
    dsn_ = fresh_database_dsn();
    exec_sql(dsn_, "DELETE FROM claims; DELETE FROM active_paid_keys; DELETE FROM accumulator_imports; "
                   "DELETE FROM claim_reads");
    store::access_options o;
    o.dsn = dsn_;
    imports_ = store::open_accumulator_store(o);
  }
  std::vector<store::accumulator_import_row> rows(const std::string& body) {
    auto r = read(body);
    EXPECT_TRUE(r.ok) << (r.problems.empty() ? "" : r.problems[0]);
    return r.rows;
  }
  store::import_summary import(const std::vector<store::accumulator_import_row>& v, const std::string& source,
                               bool dry_run = false) {
    store::import_summary s;
    const auto e = imports_->import(v, source, dry_run, s);
    EXPECT_FALSE(e) << e.message;
    return s;
  }
  std::string q(const std::string& sql) { return query_value(dsn_, sql); }
  std::string table() {
    return q("SELECT string_agg(concat_ws(' ', bin, cardholder_id, person_code, plan_year_start, deductible, "
             "out_of_pocket, benefit, source), '; ' ORDER BY cardholder_id, person_code, source) FROM accumulator_imports");
  }

  std::string dsn_;
  std::unique_ptr<store::accumulator_store> imports_;
};

const std::string two_rows = "610997,HDHP2001,001,2026-01-01,100,110,0\n610997,HDHP2001,002,2026-01-01,250.5,250.5,0\n";

TEST_F(Imports, TheSameFileTwiceLeavesTheSameRows) {
  const auto v = rows(two_rows);
  auto first = import(v, "prior.csv");
  EXPECT_EQ(first.inserted, 2u);
  EXPECT_EQ(first.replaced + first.unchanged, 0u);
  const auto rows_after_first = table();
  const auto stamp = q("SELECT max(imported_at) FROM accumulator_imports");
  auto second = import(v, "prior.csv");
  EXPECT_EQ(second.unchanged, 2u);
  EXPECT_EQ(second.inserted + second.replaced, 0u);
  EXPECT_EQ(table(), rows_after_first);
  EXPECT_EQ(rows_after_first, "610997 HDHP2001 001 2026-01-01 10000 11000 0 prior.csv; "
                              "610997 HDHP2001 002 2026-01-01 25050 25050 0 prior.csv");
  EXPECT_EQ(q("SELECT max(imported_at) FROM accumulator_imports"), stamp) << "an unchanged row is not rewritten";
}

TEST_F(Imports, AChangedAmountReplacesItsSourcesRowAnotherSourceAdds) {
  import(rows(two_rows), "prior.csv");
  auto changed = import(rows("610997,HDHP2001,001,2026-01-01,100,120,0\n610997,HDHP2001,002,2026-01-01,250.5,250.5,0\n"),
                        "prior.csv");
  EXPECT_EQ(changed.replaced, 1u);
  EXPECT_EQ(changed.unchanged, 1u);
  EXPECT_EQ(changed.inserted, 0u);
  EXPECT_EQ(q("SELECT out_of_pocket FROM accumulator_imports WHERE person_code = '001'"), "12000");
  auto other = import(rows("610997,HDHP2001,001,2026-01-01,5,5,0\n"), "second-carrier");
  EXPECT_EQ(other.inserted, 1u);
  EXPECT_EQ(q("SELECT count(*) FROM accumulator_imports"), "3");
  EXPECT_EQ(q("SELECT sum(deductible) FROM accumulator_imports WHERE person_code = '001'"), "10500");
}

TEST_F(Imports, ADryRunCountsAndWritesNothing) {
  auto s = import(rows(two_rows), "prior.csv", true);
  EXPECT_EQ(s.inserted, 2u);
  EXPECT_EQ(q("SELECT count(*) FROM accumulator_imports"), "0");
}

TEST_F(Imports, AllOrNothing) {
  // A row the database refuses (here a negative amount the file check would have caught) takes
  // the rows before it with it.
  auto v = rows(two_rows);
  v[1].amounts.deductible = -1;
  store::import_summary s;
  const auto e = imports_->import(v, "prior.csv", false, s);
  EXPECT_TRUE(e);
  EXPECT_EQ(e.message.find("HDHP"), std::string::npos) << e.message;
  EXPECT_EQ(q("SELECT count(*) FROM accumulator_imports"), "0");
}

// The operator read sums what load_history hands the rules (claims + imports), lists the imports
// and writes one audit row per read naming the member.
TEST_F(Imports, TheAuditedReadIsWhatTheNextClaimReads) {
  import(rows(two_rows), "prior.csv");
  // A paid claim of person 001 that applied 20.00 to the 2026 plan year.
  store::store_options so;
  so.dsn = dsn_;
  auto writer = store::open_store(so);
  claim_factory f;
  codec::claim c = f.make("B1", "400001", day(2026, 3, 1), "HDHP2001");
  c.bin = "610997";
  c.person_code = "001";
  std::vector<store::batch_entry> v(1);
  v[0].claim = &c;
  v[0].request_bytes = "request";
  v[0].response_bytes = "response";
  v[0].source = "test";
  v[0].accumulator_year = day(2026, 1, 1);
  {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(writer->begin(b));
    ASSERT_FALSE(b->load_history(v));
    decide(v[0]);
    ASSERT_EQ(v[0].decision.status, 'P');
    v[0].decision.accumulator_year = day(2026, 1, 1);
    v[0].decision.accumulated = {2000, 2000, 5000};
    ASSERT_FALSE(b->insert(v));
    ASSERT_FALSE(b->commit());
  }
  // What the next claim of person 001 would read.
  codec::claim next = f.make("B1", "400002", day(2026, 4, 1), "HDHP2001");
  next.bin = "610997";
  next.person_code = "001";
  std::vector<store::batch_entry> w(1);
  w[0].claim = &next;
  w[0].accumulator_year = day(2026, 1, 1);
  rules::accumulator_state history;
  {
    std::unique_ptr<store::batch> b;
    ASSERT_FALSE(writer->begin(b));
    ASSERT_FALSE(b->load_history(w));
    history = w[0].history.accumulators;
  }
  EXPECT_EQ(history.member, (rules::accumulator_amounts{12000, 13000, 5000}));
  EXPECT_EQ(history.family, (rules::accumulator_amounts{37050, 38050, 5000}));

  store::reader_identity who;
  who.actor = "cli:operator";
  who.remote = "cli";
  store::member_year year;
  ASSERT_FALSE(imports_->read_member_year(who, {"610997", "HDHP2001", "001"}, day(2026, 1, 1), year));
  EXPECT_EQ(year.sums.year_start, day(2026, 1, 1));
  EXPECT_EQ(year.sums.member, history.member);
  EXPECT_EQ(year.sums.family, history.family);
  ASSERT_EQ(year.imports.size(), 2u);
  EXPECT_EQ(year.imports[0].person_code, "001");
  EXPECT_EQ(year.imports[0].source, "prior.csv");
  EXPECT_EQ(year.imports[0].amounts, (rules::accumulator_amounts{10000, 11000, 0}));
  EXPECT_EQ(year.imports[1].person_code, "002");
  EXPECT_EQ(q("SELECT concat_ws(' ', actor, action, detail, remote, outcome, bin, cardholder_id, person_code, "
              "claim_id IS NULL) FROM claim_reads"),
            "cli:operator accumulators plan_year=2026-01-01 cli ok 610997 HDHP2001 001 t");
  // Another plan year: nothing of 2026, and one more audit row.
  ASSERT_FALSE(imports_->read_member_year(who, {"610997", "HDHP2001", "001"}, day(2027, 1, 1), year));
  EXPECT_EQ(year.sums.member, (rules::accumulator_amounts{}));
  EXPECT_TRUE(year.imports.empty());
  EXPECT_EQ(q("SELECT count(*) FROM claim_reads WHERE cardholder_id = 'HDHP2001'"), "2");
}

}  // namespace
}  // namespace rxgate::test
