// The technician status API end to end: claims go through the real gateway (TLS, demo plan, rules,
// PostgreSQL) and are read back through the same gateway's status API routes over real TLS.
// Tokens are real (hashed in PostgreSQL), reads are audited in PostgreSQL, and every log line
// written meanwhile is captured and searched for patient data.
#include <gtest/gtest.h>

// simdjson::simdjson defines this for every target that links it (rxgate_server does); the test
// target gets simdjson only through rxgate_server, so say it here too, or dom::parser would have
// two layouts in one program.
#ifndef SIMDJSON_THREADS_ENABLED
#define SIMDJSON_THREADS_ENABLED 1
#endif
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <pqxx/pqxx>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <sstream>

#include "rules/plan.h"
#include "server/status/auth.h"
#include "server/status/code_help.h"
#include "server/core/log.h"
#include "sql/access.h"
#include "sql/accumulator_imports.h"
#include "tests/server/harness.h"

namespace rxgate::test {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view pharmacy_a = "1111111112";  // DEMO RETAIL PHARMACY #1
constexpr std::string_view pharmacy_b = "6666666662";  // DEMO RETAIL PHARMACY #2

// ---- replies, recorded for the OpenAPI check --------------------------------------------------

struct api_answer {
  unsigned status = 0;
  std::string body;
  std::unique_ptr<dom::parser> parser = std::make_unique<dom::parser>();
  dom::element json;
  bool parsed = false;
};

struct recorded {
  std::string method, path_template;
  unsigned status;
  std::string body;
};
std::mutex g_recorded_mutex;
std::vector<recorded> g_recorded;

std::string s(dom::element e) { return std::string(std::string_view(e)); }
std::int64_t i(dom::element e) { return std::int64_t(e); }
double d(dom::element e) { return double(e); }
bool b(dom::element e) { return bool(e); }

std::string date_text(codec::date v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int{v.year}, unsigned{v.month}, unsigned{v.day});
  return buf;
}
std::string days_from_today(int n) { return date_text(codec::date::from_days(today().days() + n)); }

// ---- the fixture --------------------------------------------------------------------------------

class status_api_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (admin_dsn().empty()) return;
    // Capture every log line from here on (the gateway's init is idempotent and keeps the sink).
    server::log::init("info");
    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_);
    log_sink_->set_pattern("%v");
    spdlog::default_logger()->sinks().push_back(log_sink_);

    dsn_ = new std::string(create_database("rxgate_server_status_api"));
    config_text c;
    c.dsn = *dsn_;
    // Clients without a certificate may bill for any pharmacy; the demo certificate only for
    // pharmacy A (a claim for B over it is the gateway's identity reject 50).
    c.metrics_extra = "access = \"token\"\n";  // the default: an operator token
    c.tls_extra = "client_certificates = \"optional\"\n";
    c.tail = "[[tls.identity]]\nname = \"demo-pharmacy\"\nsubject = \"demo-pharmacy\"\nproviders = [\"" +
             std::string(pharmacy_a) + "\"]\n";
    auto cfg = server::load_config(write_config(make_temp_dir("status_api"), c));
    cfg.log_level = "info";  // every line the claim path and the API write is scanned for PHI
    gateway_ = new running_gateway(std::move(cfg));

    store::access_options ao;
    ao.dsn = *dsn_;
    access_ = new std::shared_ptr<store::access_store>(store::open_access_store(ao));

    tech_a_ = new token(make("tech-a", store::access_role::technician, {std::string(pharmacy_a)}));
    tech_b_ = new token(make("tech-b", store::access_role::technician, {std::string(pharmacy_b)}));
    operator_ = new token(make("ops", store::access_role::operator_role, {}));
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete access_;
    delete tech_a_;
    delete tech_b_;
    delete operator_;
    delete dsn_;
    gateway_ = nullptr;
    if (log_sink_) {
      auto& sinks = spdlog::default_logger()->sinks();
      sinks.erase(std::remove(sinks.begin(), sinks.end(), log_sink_), sinks.end());
    }
  }
  void SetUp() override { RXGATE_REQUIRE_DB(); }

  struct token {
    std::int64_t id = 0;
    std::string text;
  };
  static token make(const std::string& name, store::access_role role, const std::vector<std::string>& pharmacies) {
    token t;
    t.text = server::make_token();
    const auto e = (*access_)->create_token(name, role, pharmacies, server::digest_of(t.text), store::default_token_lifetime, t.id);
    EXPECT_FALSE(e) << e.message;
    return t;
  }

  // One request over a new TLS connection to the gateway; the answer is recorded under the path
  // template the OpenAPI document names.
  static api_answer call(std::string_view method, std::string_view path_template, const std::string& target,
                         const std::string& bearer, const std::string& body = {}) {
    api_answer a;
    server::tls_client c(client_for());
    if (auto ec = c.connect("127.0.0.1", std::to_string(gateway_->port()), "localhost")) {
      ADD_FAILURE() << "connect: " << ec.message();
      return a;
    }
    std::string req = std::string(method) + " " + target + " HTTP/1.1\r\nHost: rxgate\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    if (!body.empty()) req += "Content-Type: application/json\r\n";
    // Keep-alive, closed by the client after the answer: with "Connection: close" the gateway drops
    // a session whose answer comes back from a worker pool (reported; see the session's lifetime).
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (auto ec = c.write_raw(req)) {
      ADD_FAILURE() << "write: " << ec.message();
      return a;
    }
    auto r = c.read_reply();
    if (!r) {
      ADD_FAILURE() << "read: " << r.error().message();
      return a;
    }
    a.status = r.value().status;
    a.body = std::move(r.value().body);
    c.close();
    a.parsed = a.parser->parse(a.body).get(a.json) == simdjson::SUCCESS;
    EXPECT_TRUE(a.parsed) << "not JSON: " << a.body;
    std::lock_guard lock(g_recorded_mutex);
    g_recorded.push_back({std::string(method), std::string(path_template), a.status, a.body});
    return a;
  }
  // GET `target` with a bearer token; status and body only (for /metrics, which is not JSON).
  static std::pair<unsigned, std::string> raw_get(const std::string& target, const std::string& bearer) {
    server::tls_client c(client_for());
    if (auto ec = c.connect("127.0.0.1", std::to_string(gateway_->port()), "localhost")) return {0, ec.message()};
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: rxgate\r\n";
    if (!bearer.empty()) req += "Authorization: Bearer " + bearer + "\r\n";
    req += "Content-Length: 0\r\n\r\n";
    if (auto ec = c.write_raw(req)) return {0, ec.message()};
    auto r = c.read_reply();
    if (!r) return {0, r.error().message()};
    c.close();
    return {r.value().status, r.value().body};
  }
  // The newest audit row of a token: "action outcome detail".
  static std::string last_audit(const token& t) {
    return query_value(dsn(), "SELECT action || ' ' || outcome || ' ' || detail FROM claim_reads WHERE token_id = " +
                                  std::to_string(t.id) + " ORDER BY id DESC LIMIT 1");
  }
  static api_answer get_claim(std::int64_t id, const token& t) {
    return call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(id), t.text);
  }

  static answer send(std::string_view d0) { return client(gateway_->port()).submit(d0); }

  // The id of the newest claim with this Rx number at this pharmacy, through the search API.
  static std::int64_t find_claim(std::string_view pharmacy, const std::string& rx) {
    auto a = call("GET", "/v1/claims", "/v1/claims?pharmacy=" + std::string(pharmacy) + "&rx=" + rx, operator_->text);
    EXPECT_EQ(a.status, 200u) << a.body;
    if (!a.parsed) return 0;
    dom::array claims = a.json["claims"];
    if (claims.size() == 0) {
      ADD_FAILURE() << "no claim with rx " << rx << ": " << a.body;
      return 0;
    }
    return i(claims.at(0)["id"]);
  }

  // Submits a B1 through the gateway, expects `code` among its rejects, returns the claim id.
  static std::int64_t rejected_claim(const member& m, const line_item& item, std::string_view code,
                                     std::string_view pharmacy = pharmacy_a) {
    auto a = send(b1(m, {item}, pharmacy));
    EXPECT_TRUE(a.decoded);
    if (!a.decoded) return 0;
    EXPECT_EQ(a.status(), 'R');
    EXPECT_TRUE(a.has_reject(code)) << "wanted " << code << ", got " << a.rejects();
    return find_claim(pharmacy, item.rx);
  }

  // Scenario claims, made once per process.
  static std::int64_t claim_79() {
    static std::int64_t id = [] {
      auto paid = send(b1(alex(), {{next_rx(), std::string(atorvastatin_20), 30, 30, 300}}));
      EXPECT_EQ(paid.status(), 'P') << paid.rejects();
      return rejected_claim(alex(), {next_rx(), std::string(atorvastatin_20), 30, 30, 300}, "79");
    }();
    return id;
  }
  static std::int64_t claim_mr() {  // CRESTOR (brand), not on formulary: MR with two alternatives
    static std::int64_t id = rejected_claim(morgan(), {next_rx(), "90001000106", 30, 30, 9000}, "MR");
    return id;
  }
  static std::int64_t claim_76() {  // oxycodone 200 tablets / 30 days, limit 120 per 30 days
    static std::int64_t id = rejected_claim(morgan(), {next_rx(), "90001000401", 200, 30, 4000}, "76");
    return id;
  }
  static std::int64_t claim_g6() {  // teriflunomide (specialty) at a retail pharmacy
    static std::int64_t id = rejected_claim(morgan(), {next_rx(), "90001000805", 30, 30, 650000}, "G6");
    return id;
  }
  static std::int64_t claim_88() {  // amoxicillin for a member allergic to penicillins
    static std::int64_t id = rejected_claim(chris(), {next_rx(), "90001001001", 30, 10, 900}, "88");
    return id;
  }
  static std::int64_t claim_41() {  // a member with other (primary) coverage, billed here first
    static std::int64_t id = rejected_claim(demo_member(6), {next_rx(), std::string(atorvastatin_20), 30, 30, 300}, "41");
    return id;
  }
  // Issue 12: DAW policy and dose/refill rules, for members no other scenario uses.
  static member kai() { return {"DEMO1012", "001", "19880808", "1", "KAI", "OPIOID"}; }
  static member sasha() { return {"DEMO1013", "001", "19550303", "2", "SASHA", "ANTICOAG"}; }
  static member harper() { return {"DEMO1018", "001", "19950505", "2", "HARPER", "DUPLICATE"}; }
  static std::int64_t claim_79_controlled() {  // tramadol (C-IV) twice: 90 % of 30 days = 27
    static std::int64_t id = [] {
      auto paid = send(b1(kai(), {{next_rx(), "90001000403", 60, 30, 2000}}));
      EXPECT_EQ(paid.status(), 'P') << paid.rejects();
      return rejected_claim(kai(), {next_rx(), "90001000403", 60, 30, 2000}, "79");
    }();
    return id;
  }
  static std::int64_t claim_aj() {  // Lipitor with DAW 3: the demo plan wants the generic
    static std::int64_t id = rejected_claim(sasha(), {next_rx(), "90001000104", 30, 30, 30000, "3"}, "AJ");
    return id;
  }
  static std::int64_t claim_8k() {  // DAW 6: not accepted by the demo plan
    static std::int64_t id = rejected_claim(sasha(), {next_rx(), "90001000201", 30, 30, 400, "6"}, "8K");
    return id;
  }
  static std::int64_t claim_76_per_day() {  // losartan, 2 a day: 90 tablets for 30 days
    static std::int64_t id = rejected_claim(harper(), {next_rx(), "90001000204", 90, 30, 1000}, "76");
    return id;
  }
  static std::int64_t claim_at_b() {  // a paid claim of pharmacy B
    static std::int64_t id = [] {
      const auto rx = next_rx();
      auto a = send(b1(demo_member(3), {{rx, "90001000201", 30, 30, 400}}, pharmacy_b));
      EXPECT_EQ(a.status(), 'P') << a.rejects();
      return find_claim(pharmacy_b, rx);
    }();
    return id;
  }

  static const std::string& dsn() { return *dsn_; }

  // A pending request as a P1 files it (issue 15), for member DEMO1003; returns its id.
  static std::string pending_request(std::string_view number) {
    return query_value(dsn(), "INSERT INTO prior_authorizations (number, bin, cardholder_id, person_code, product_id, "
                              "effective, expires, source, created_by, state, request_type, request_basis, "
                              "request_transaction_code, request_pcn, request_provider_id_qualifier, request_provider_id, "
                              "request_rx_number, request_fill_number, request_date_of_service) VALUES ('" +
                                  std::string(number) + "', '610999', 'DEMO1003', '001', '90001000704', current_date, "
                                  "current_date + 90, 'p-transaction', 'P1 1111111112', 'pending', '1', 'ME', 'P1', "
                                  "'RXGDEMO', '01', '1111111112', '" + std::string(number) + "', 0, current_date) RETURNING id");
  }

  static inline std::string* dsn_ = nullptr;
  static inline running_gateway* gateway_ = nullptr;
  static inline std::shared_ptr<store::access_store>* access_ = nullptr;
  static inline token* tech_a_ = nullptr;
  static inline token* tech_b_ = nullptr;
  static inline token* operator_ = nullptr;
  static inline std::ostringstream log_text_;
  static inline std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
};

// The reject with `code` in a claim answer.
dom::element reject_of(const api_answer& a, std::string_view code) {
  for (dom::element r : dom::array(a.json["rejects"]))
    if (std::string_view(r["code"]) == code) return r;
  ADD_FAILURE() << "no reject " << code << " in " << a.body;
  throw std::runtime_error("missing reject");
}

// ---- the explanations ---------------------------------------------------------------------------

// The claim page's tier is the one the claim was decided with (the row's tier column; the detail
// does not repeat it), and the plan's current tier only for a row that has none.
TEST_F(status_api_test, the_claim_page_shows_the_tier_the_claim_was_decided_with) {
  ASSERT_GT(claim_79(), 0);  // alex's paid atorvastatin fill, so that the claim below is a 79
  const auto id = rejected_claim(alex(), {next_rx(), std::string(atorvastatin_20), 30, 30, 300}, "79");
  ASSERT_GT(id, 0);
  const std::string where = " WHERE id = " + std::to_string(id);
  const std::string stored = query_value(dsn(), "SELECT tier FROM claims" + where);
  ASSERT_NE(stored, "NULL");
  auto a = get_claim(id, *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(std::to_string(i(a.json["product"]["tier"])), stored);

  // The plan moves the drug to another tier after the claim: the page keeps the claim's.
  const int other = std::stoi(stored) % 3 + 1;
  EXPECT_EQ(query_value(dsn(), "UPDATE claims SET tier = " + std::to_string(other) + where + " RETURNING tier"),
            std::to_string(other));
  auto moved = get_claim(id, *tech_a_);
  ASSERT_EQ(moved.status, 200u) << moved.body;
  EXPECT_EQ(i(moved.json["product"]["tier"]), other);

  // A row without a tier shows the plan's current one.
  EXPECT_EQ(query_value(dsn(), "UPDATE claims SET tier = NULL" + where + " RETURNING coalesce(tier, 0)"), "0");
  auto none = get_claim(id, *tech_a_);
  ASSERT_EQ(none.status, 200u) << none.body;
  EXPECT_EQ(std::to_string(i(none.json["product"]["tier"])), stored);
}

TEST_F(status_api_test, refill_too_soon_79_gives_the_last_fill_the_next_date_and_the_accepted_sccs) {
  const auto id = claim_79();
  ASSERT_GT(id, 0);
  auto a = get_claim(id, *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(s(a.json["status"]), "R");
  EXPECT_EQ(s(a.json["pharmacy"]["id"]), pharmacy_a);
  EXPECT_EQ(s(a.json["pharmacy"]["name"]), "DEMO RETAIL PHARMACY #1");
  EXPECT_EQ(s(a.json["product"]["id"]), atorvastatin_20);
  EXPECT_EQ(s(a.json["product"]["name"]), "ATORVASTATIN 20 MG TABLET");
  EXPECT_EQ(d(a.json["quantity"]), 30.0);
  EXPECT_EQ(i(a.json["days_supply"]), 30);

  auto r = reject_of(a, "79");
  EXPECT_EQ(s(r["short_name"]), "Refill Too Soon");
  EXPECT_FALSE(s(r["explanation"]).empty());
  EXPECT_FALSE(s(r["fix"]).empty());
  EXPECT_EQ(s(r["field"]["id"]), "D1");
  EXPECT_EQ(s(r["field"]["value_sent"]), today_text());
  auto h = r["help"];
  EXPECT_EQ(s(h["kind"]), "refill_too_soon");
  EXPECT_EQ(s(h["last_fill"]["date"]), date_text(today()));
  EXPECT_EQ(d(h["last_fill"]["quantity"]), 30.0);
  EXPECT_EQ(i(h["last_fill"]["days_supply"]), 30);
  EXPECT_TRUE(b(h["last_fill"]["same_pharmacy"]));
  // The demo plan: 80% of 30 days must pass, i.e. 24 days.
  EXPECT_EQ(s(h["next_fill_date"]), days_from_today(24));
  std::set<std::int64_t> sccs;
  for (dom::element scc : dom::array(h["accepted_submission_clarification_codes"])) {
    sccs.insert(i(scc["code"]));
    EXPECT_FALSE(s(scc["name"]).empty());
  }
  EXPECT_EQ(sccs, (std::set<std::int64_t>{3, 4, 5, 13}));
  EXPECT_NE(s(h["what_to_do"]).find("420-DK"), std::string::npos);

  // The history shows the claim itself, and the DUR alert that went with the 79.
  bool self = false;
  for (dom::element x : dom::array(a.json["history"])) self |= i(x["id"]) == id && s(x["relation"]) == "this";
  EXPECT_TRUE(self) << a.body;
  ASSERT_GE(dom::array(a.json["dur_alerts"]).size(), 1u);
  EXPECT_EQ(s(a.json["dur_alerts"].at(0)["reason"]), "ER");
  // The decoded request and response travel with the claim.
  EXPECT_EQ(s(a.json["request"]["kind"]), "request");
  EXPECT_EQ(s(a.json["response"]["kind"]), "response");
}

// The claim view says which version a claim came in (issue 16).
TEST_F(status_api_test, the_claim_view_shows_the_version_the_claim_came_in) {
  const auto rx_d0 = next_rx(), rx_f6 = next_rx();
  // Members no other test here fills for, so neither claim is too soon.
  ASSERT_EQ(send(b1(demo_member(8), {{rx_d0, std::string(atorvastatin_20)}})).status(), 'P');
  auto f6 = send(as_f6(b1(demo_member(9), {{rx_f6, std::string(atorvastatin_20)}})));
  ASSERT_TRUE(f6.decoded);
  ASSERT_EQ(f6.status(), 'P') << f6.rejects();
  for (const auto& [rx, version] : {std::pair{rx_d0, "D0"}, std::pair{rx_f6, "F6"}}) {
    const auto id = find_claim(pharmacy_a, rx);
    ASSERT_GT(id, 0);
    auto a = get_claim(id, *operator_);
    ASSERT_EQ(a.status, 200u) << a.body;
    EXPECT_EQ(s(a.json["version"]), version);
    EXPECT_EQ(s(a.json["request"]["header"]["A2"]), version);
  }
}

TEST_F(status_api_test, prior_authorization_75_explains_the_path_and_a_pa_made_through_the_api_pays) {
  const line_item semaglutide{next_rx(), "90001000704", 3, 28, 90000};
  const auto id = rejected_claim(morgan(), semaglutide, "75");
  ASSERT_GT(id, 0);
  auto a = get_claim(id, *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "75")["help"];
  EXPECT_EQ(s(h["kind"]), "prior_authorization");
  EXPECT_EQ(s(h["pa_type"]), "1");
  EXPECT_EQ(s(h["pa_type_name"]), "Prior Authorization");
  EXPECT_EQ(s(h["state"]), "required_missing");
  EXPECT_FALSE(b(h["pa_on_file_expired"]));
  EXPECT_EQ(s(h["help_desk_phone"]), "8005550100");
  EXPECT_NE(s(h["how_to_request"]).find("462-EV"), std::string::npos);
  // The drug also needs a first-line therapy the member has not had: 608 names it.
  auto step = reject_of(a, "608")["help"];
  EXPECT_EQ(s(step["kind"]), "step_therapy");
  EXPECT_EQ(s(step["prerequisites"].at(0)), "BIGUANIDE");
  EXPECT_EQ(i(step["lookback_days"]), 180);

  // A technician may not create prior authorizations; an operator may.
  const std::string body = R"({"bin":"610999","cardholder_id":"DEMO1002","person_code":"001",)"
                           R"("product_id":"90001000704","effective":")" + days_from_today(-1) +
                           R"(","expires":")" + days_from_today(180) + R"(","max_quantity":3})";
  EXPECT_EQ(call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", tech_a_->text, body).status, 403u);
  auto pa = call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", operator_->text, body);
  ASSERT_EQ(pa.status, 201u) << pa.body;
  const std::string number = s(pa.json["number"]);
  EXPECT_EQ(number.size(), 11u);
  EXPECT_EQ(s(pa.json["cardholder_id"]), "DEMO1002");
  auto listed = call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1002&person_code=001",
                     operator_->text);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  EXPECT_EQ(s(listed.json["prior_authorizations"].at(0)["number"]), number);

  // The same claim again, unchanged: paid now.
  auto again = send(b1(morgan(), {semaglutide}));
  ASSERT_TRUE(again.decoded);
  EXPECT_EQ(again.status(), 'P') << again.rejects();
  auto paid = get_claim(find_claim(pharmacy_a, semaglutide.rx), *tech_a_);
  ASSERT_EQ(paid.status, 200u);
  EXPECT_EQ(s(paid.json["status"]), "P");
  EXPECT_EQ(s(paid.json["prior_authorization"]["state"]), "on_file");
  EXPECT_EQ(s(paid.json["prior_authorization"]["number"]), number);
  EXPECT_FALSE(paid.json["pricing"].is_null());
  // The history of the key shows the earlier 75.
  bool earlier = false;
  for (dom::element x : dom::array(paid.json["history"])) earlier |= i(x["id"]) == id && s(x["status"]) == "R";
  EXPECT_TRUE(earlier) << paid.body;

  // A PA that expired before the date of service: 75 again, and the answer says so.
  const std::string expired_body = R"({"bin":"610999","cardholder_id":"DEMO1001","person_code":"001",)"
                                   R"("product_id":"90001000704","effective":")" + days_from_today(-60) +
                                   R"(","expires":")" + days_from_today(-1) + R"("})";
  auto old = call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", operator_->text, expired_body);
  ASSERT_EQ(old.status, 201u) << old.body;
  const auto expired_id = rejected_claim(alex(), {next_rx(), "90001000704", 3, 28, 90000}, "75");
  auto e = get_claim(expired_id, *tech_a_);
  auto eh = reject_of(e, "75")["help"];
  EXPECT_EQ(s(eh["state"]), "on_file_expired");
  EXPECT_TRUE(b(eh["pa_on_file_expired"]));
  EXPECT_EQ(s(eh["expired_on"]), days_from_today(-1));

  // Revoking: once, then it is gone.
  const auto pa_id = std::to_string(i(old.json["id"]));
  EXPECT_EQ(call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/" + pa_id, operator_->text).status, 200u);
  EXPECT_EQ(call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/" + pa_id, operator_->text).status, 404u);
}

// Reviewing requests filed by P1/P4 (issue 15): reviewers, operators and admins see the pending
// list; reviewers and admins decide; a decided request cannot be decided again (409); every
// action audited with its outcome.
TEST_F(status_api_test, reviewers_decide_pending_prior_authorization_requests) {
  const auto reviewer = make("reviewer", store::access_role::reviewer, {});
  const auto id = pending_request("20999999901");
  const std::string base = "/v1/prior-authorizations/" + id;
  auto list = call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?state=pending", reviewer.text);
  ASSERT_EQ(list.status, 200u) << list.body;
  bool listed = false;
  for (dom::element p : dom::array(list.json["prior_authorizations"])) {
    if (s(p["number"]) != "20999999901") continue;
    listed = true;
    EXPECT_EQ(s(p["state"]), "pending");
    EXPECT_EQ(s(p["request"]["provider_id"]), "1111111112");
    EXPECT_EQ(s(p["request"]["transaction_code"]), "P1");
    EXPECT_EQ(s(p["product_id"]), "90001000704");
  }
  EXPECT_TRUE(listed) << list.body;
  EXPECT_EQ(call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?state=pending", operator_->text).status, 200u);
  EXPECT_EQ(call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?state=pending", tech_a_->text).status, 403u);
  // A reviewer issues, lists by member and revokes nothing: those stay the operators'.
  EXPECT_EQ(call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1003", reviewer.text).status,
            403u);
  const std::string approve = R"({"effective":")" + days_from_today(0) + R"(","expires":")" + days_from_today(0) +
                              R"(","max_quantity":3})";
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/approve", base + "/approve", tech_a_->text, approve).status, 403u);
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/approve", base + "/approve", operator_->text, approve).status, 403u);
  // Validity at its boundary: expires one day before effective is a 400; on effective, a one-day PA.
  const std::string backwards = R"({"effective":")" + days_from_today(0) + R"(","expires":")" + days_from_today(-1) + R"("})";
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/approve", base + "/approve", reviewer.text, backwards).status, 400u);
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/deny", base + "/deny", reviewer.text, "{}").status, 400u);
  auto ok = call("POST", "/v1/prior-authorizations/{id}/approve", base + "/approve", reviewer.text, approve);
  ASSERT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(s(ok.json["state"]), "approved");
  EXPECT_EQ(s(ok.json["expires"]), days_from_today(0));
  EXPECT_EQ(d(ok.json["max_quantity"]), 3.0);
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/approve", base + "/approve", reviewer.text, approve).status, 409u);
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/deny", base + "/deny", reviewer.text, R"({"reason":"x"})").status, 409u);
  EXPECT_EQ(call("POST", "/v1/prior-authorizations/{id}/deny", "/v1/prior-authorizations/999999999/deny", reviewer.text,
                 R"({"reason":"x"})").status,
            404u);
  EXPECT_EQ(query_value(dsn(), "SELECT string_agg(action || ':' || outcome, ' ' ORDER BY id) FROM claim_reads WHERE token_id = " +
                                   std::to_string(reviewer.id)),
            "pa_pending:ok pa_list:denied pa_approve:ok pa_approve:conflict pa_deny:conflict pa_deny:not_found");
}

// Issue 15: a 50 because the connection's certificate may not bill for the pharmacy is explained as
// that, not as an enrolment problem; a 50 decided by the plan still is one.
TEST_F(status_api_test, a_50_from_the_client_certificate_names_the_certificate_not_enrolment) {
  const std::string rx = next_rx();
  auto sent = client(gateway_->port(), client_for("client-demo"))
                  .submit(b1(morgan(), {{rx, std::string(atorvastatin_20), 30, 30, 300}}, pharmacy_b));
  ASSERT_TRUE(sent.decoded);
  EXPECT_TRUE(sent.has_reject("50")) << sent.rejects();
  auto a = get_claim(find_claim(pharmacy_b, rx), *operator_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "50")["help"];
  EXPECT_EQ(s(h["kind"]), "certificate_not_allowed");
  EXPECT_EQ(s(h["provider_id"]), pharmacy_b);
  const std::string what(s(h["what_to_do"]));
  EXPECT_NE(what.find("certificate"), std::string::npos) << what;
  EXPECT_EQ(what.find("enrol"), std::string::npos) << what;

  const std::string rx2 = next_rx();  // a pharmacy no plan has on file, sent without a certificate
  auto unknown = send(b1(morgan(), {{rx2, std::string(atorvastatin_20), 30, 30, 300}}, "9999999995"));
  ASSERT_TRUE(unknown.decoded);
  EXPECT_TRUE(unknown.has_reject("50")) << unknown.rejects();
  auto b = get_claim(find_claim("9999999995", rx2), *operator_);
  ASSERT_EQ(b.status, 200u) << b.body;
  auto hb = reject_of(b, "50")["help"];
  EXPECT_EQ(s(hb["kind"]), "pharmacy_not_enrolled");
  EXPECT_NE(std::string(s(hb["what_to_do"])).find("enrolment"), std::string::npos);
}

TEST_F(status_api_test, not_on_formulary_mr_lists_the_covered_alternatives_with_their_tiers) {
  auto a = get_claim(claim_mr(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto r = reject_of(a, "MR");
  EXPECT_EQ(s(r["field"]["id"]), "D7");
  EXPECT_EQ(s(r["field"]["value_sent"]), "90001000106");
  auto h = r["help"];
  EXPECT_EQ(s(h["kind"]), "formulary_alternatives");
  std::map<std::string, std::int64_t> tiers;
  for (dom::element alt : dom::array(h["alternatives"])) tiers[s(alt["product_id"])] = i(alt["tier"]);
  EXPECT_EQ(tiers, (std::map<std::string, std::int64_t>{{"90001000102", 1}, {"90001000105", 1}}));
  EXPECT_NE(s(h["what_to_do"]).find("ROSUVASTATIN"), std::string::npos);
}

// Each alternative carries its tier's copay as the rules price it for this claim, in dollars, the
// same in the help and in the claim's preferred_alternatives. The demo plan's tier 1 is a flat
// 5.00 at a retail pharmacy (group DEMO01), capped at the price: atorvastatin 20 mg x 30 is MAC
// 0.10 x 30 = 3.00 + fee 1.75 = 4.75; rosuvastatin 10 mg x 30 is 4.50 + 1.75 = 6.25, so 5.00.
// Group DEMO02 has its own tier 1 copay, 3.00.
TEST_F(status_api_test, alternatives_carry_their_tier_copay_for_the_claims_group_and_network) {
  member blake{"DEMO1014", "001", "19830412", "1", "BLAKE", "GROUPTWO"};
  blake.group = "DEMO02";
  const auto group_two = rejected_claim(blake, {next_rx(), "90001000106", 30, 30, 9000}, "MR");
  struct expected {
    std::int64_t claim;
    std::map<std::string, std::string> copays;  // as the JSON writer writes exact decimals
  };
  for (const auto& [id, want] : {expected{claim_mr(), {{"90001000102", "4.75"}, {"90001000105", "5"}}},
                                 expected{group_two, {{"90001000102", "3"}, {"90001000105", "3"}}}}) {
    auto a = get_claim(id, *tech_a_);
    ASSERT_EQ(a.status, 200u) << a.body;
    std::map<std::string, double> help, listed, wanted;
    for (const auto& [product, copay] : want) {
      wanted[product] = std::stod(copay);
      // Exact dollars and cents on the wire, as every amount of the API (no binary fraction).
      EXPECT_NE(a.body.find("\"tier_copay\":" + copay + ",\"tier_copay_kind\":\"copay\""), std::string::npos)
          << product << " " << copay << ": " << a.body;
    }
    // The sentence a technician reads first names each alternative with what the patient would pay.
    const std::string what = s(reject_of(a, "MR")["help"]["what_to_do"]);
    for (const auto& [product, copay] : want) {
      const std::string cents = copay.find('.') == std::string::npos ? copay + ".00" : copay;
      EXPECT_NE(what.find(", copay $" + cents + ")"), std::string::npos) << product << ": " << what;
    }
    for (dom::element alt : dom::array(reject_of(a, "MR")["help"]["alternatives"])) {
      EXPECT_EQ(s(alt["tier_copay_kind"]), "copay");
      help[s(alt["product_id"])] = d(alt["tier_copay"]);
    }
    for (dom::element alt : dom::array(a.json["preferred_alternatives"])) listed[s(alt["product_id"])] = d(alt["tier_copay"]);
    EXPECT_EQ(help, wanted) << "claim " << id;
    EXPECT_EQ(listed, wanted) << "claim " << id;
  }
}

TEST_F(status_api_test, plan_limit_76_gives_the_limit_and_the_quantity_that_would_pass) {
  auto a = get_claim(claim_76(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto r = reject_of(a, "76");
  EXPECT_EQ(s(r["field"]["id"]), "E7");
  EXPECT_EQ(s(r["field"]["value_sent"]), "200000");
  auto h = r["help"];
  EXPECT_EQ(s(h["kind"]), "plan_limit");
  EXPECT_EQ(d(h["max_quantity"]), 120.0);
  EXPECT_EQ(i(h["per_days"]), 30);
  EXPECT_EQ(d(h["allowed_quantity"]), 120.0);
  EXPECT_EQ(d(h["submitted_quantity"]), 200.0);
  EXPECT_EQ(i(h["submitted_days_supply"]), 30);
  EXPECT_NE(s(h["what_to_do"]).find("442-E7 quantity 120"), std::string::npos) << s(h["what_to_do"]);
}

TEST_F(status_api_test, specialty_g6_names_the_plans_specialty_pharmacy) {
  auto a = get_claim(claim_g6(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "G6")["help"];
  EXPECT_EQ(s(h["kind"]), "specialty_network");
  auto sp = h["specialty_pharmacy"];
  EXPECT_EQ(s(sp["npi"]) + " | " + s(sp["name"]) + " | " + s(sp["phone"]), "2222222220 | DEMO SPECIALTY PHARMACY | 8005550123");
  EXPECT_NE(s(h["what_to_do"]).find("Transfer the prescription to DEMO SPECIALTY PHARMACY (NPI 2222222220, phone 8005550123)"),
            std::string::npos)
      << s(h["what_to_do"]);
}

TEST_F(status_api_test, refill_too_soon_79_shows_the_threshold_in_force) {
  auto a = get_claim(claim_79_controlled(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "79")["help"];
  EXPECT_EQ(s(h["kind"]), "refill_too_soon");
  EXPECT_EQ(i(h["refill_threshold_percent"]), 90);
  EXPECT_EQ(s(h["refill_threshold_source"]), "dea_schedule");
  EXPECT_EQ(i(h["dea_schedule"]), 4);
  EXPECT_EQ(s(h["next_fill_date"]), days_from_today(27));
  EXPECT_NE(s(h["what_to_do"]).find("90 % of the last days supply"), std::string::npos) << s(h["what_to_do"]);
  const auto plain_claim = get_claim(claim_79(), *tech_a_);  // owns the parsed document `plain` views
  auto plain = reject_of(plain_claim, "79")["help"];
  EXPECT_EQ(i(plain["refill_threshold_percent"]), 80);
  EXPECT_EQ(s(plain["refill_threshold_source"]), "plan");
  EXPECT_TRUE(plain["dea_schedule"].is_null());
}

TEST_F(status_api_test, plan_limit_76_per_day_scales_with_the_days_supply) {
  auto a = get_claim(claim_76_per_day(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "76")["help"];
  EXPECT_EQ(s(h["kind"]), "plan_limit");
  EXPECT_EQ(d(h["max_quantity_per_day"]), 2.0);
  EXPECT_EQ(d(h["allowed_quantity"]), 60.0);
  EXPECT_TRUE(h["max_quantity"].is_null());
  EXPECT_NE(s(h["what_to_do"]).find("2 per day of supply: 60 for the submitted 30 days"), std::string::npos)
      << s(h["what_to_do"]);
}

TEST_F(status_api_test, generic_required_aj_names_the_generic_to_dispense) {
  auto a = get_claim(claim_aj(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto r = reject_of(a, "AJ");
  EXPECT_FALSE(s(r["explanation"]).empty());
  EXPECT_FALSE(s(r["fix"]).empty());
  auto h = r["help"];
  EXPECT_EQ(s(h["kind"]), "generic_required");
  EXPECT_EQ(s(h["daw_submitted"]), "3");
  EXPECT_EQ(s(h["generic"]["product_id"]), "90001000102");
  EXPECT_EQ(s(h["generic"]["name"]), "ATORVASTATIN 20 MG TABLET");
  EXPECT_NE(s(h["what_to_do"]).find("408-D8 = 2"), std::string::npos) << s(h["what_to_do"]);
}

TEST_F(status_api_test, daw_not_supported_8k_lists_the_codes_the_plan_accepts) {
  auto a = get_claim(claim_8k(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "8K")["help"];
  EXPECT_EQ(s(h["kind"]), "daw_not_supported");
  EXPECT_EQ(s(h["daw_submitted"]), "6");
  std::set<std::string> accepted;
  for (dom::element c : dom::array(h["accepted_daw_codes"])) accepted.insert(s(c["code"]));
  EXPECT_EQ(accepted, (std::set<std::string>{"0", "1", "2", "3", "4", "5", "7", "8", "9"}));
}

TEST_F(status_api_test, dur_88_gives_each_conflict_and_the_codes_that_override_it) {
  auto a = get_claim(claim_88(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto h = reject_of(a, "88")["help"];
  EXPECT_EQ(s(h["kind"]), "dur_conflict");
  dom::array conflicts = h["conflicts"];
  ASSERT_GE(conflicts.size(), 1u);
  auto c = conflicts.at(0);
  EXPECT_EQ(s(c["reason"]), "DA");
  EXPECT_EQ(s(c["reason_name"]), "Drug-Allergy");
  EXPECT_TRUE(b(c["caused_reject"]));
  EXPECT_EQ(s(c["override"]["reason_for_service"]), "DA");
  std::set<std::string> results, professional;
  for (dom::element x : dom::array(c["override"]["result_of_service_codes"])) results.insert(s(x["code"]));
  for (dom::element x : dom::array(c["override"]["professional_service_codes"])) professional.insert(s(x["code"]));
  EXPECT_TRUE(results.count("1A") && results.count("1G") && results.count("3C")) << a.body;
  EXPECT_TRUE(professional.count("M0"));
  EXPECT_TRUE(b(a.json["dur_alerts"].at(0)["caused_reject"]));
}

TEST_F(status_api_test, other_payer_41_names_the_primary_payer_to_bill) {
  auto a = get_claim(claim_41(), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto r = reject_of(a, "41");
  EXPECT_EQ(s(r["field"]["id"]), "C8");
  auto h = r["help"];
  EXPECT_EQ(s(h["kind"]), "other_payer");
  auto o = h["other_payers"].at(0);
  EXPECT_EQ(s(o["bin"]), "610111");
  EXPECT_EQ(s(o["pcn"]), "OTHERPCN");
  EXPECT_EQ(s(o["group"]), "PRIM01");
  EXPECT_EQ(s(o["help_desk_phone"]), "8005550199");
  EXPECT_NE(s(h["what_to_do"]).find("610111"), std::string::npos);
}

TEST_F(status_api_test, history_shows_the_duplicate_received_and_the_reversal) {
  const auto m = demo_member(4);
  const std::string rx = next_rx(), lisinopril = "90001000201";
  ASSERT_EQ(send(b1(m, {{rx, lisinopril, 30, 30, 400}})).status(), 'P');
  ASSERT_EQ(send(b1(m, {{rx, lisinopril, 30, 30, 400}})).status(), 'D');
  ASSERT_EQ(send(b2(m, rx, lisinopril)).status(), 'A');
  auto paid = call("GET", "/v1/claims", "/v1/claims?rx=" + rx + "&status=P", tech_a_->text);
  ASSERT_EQ(paid.status, 200u) << paid.body;
  ASSERT_EQ(dom::array(paid.json["claims"]).size(), 1u) << paid.body;
  auto a = get_claim(i(paid.json["claims"].at(0)["id"]), *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  ASSERT_FALSE(a.json["reversed"].is_null()) << a.body;
  std::map<std::string, std::int64_t> relations;
  for (dom::element x : dom::array(a.json["history"])) relations[s(x["relation"])] = i(x["id"]);
  EXPECT_TRUE(relations.count("this") && relations.count("duplicate_received") && relations.count("reversed_by"))
      << a.body;
  EXPECT_EQ(i(a.json["reversed"]["by_claim_id"]), relations["reversed_by"]);
  EXPECT_FALSE(a.json["pricing"].is_null());
  EXPECT_FALSE(s(a.json["authorization_number"]).empty());
}

// ---- access ------------------------------------------------------------------------------------

TEST_F(status_api_test, a_high_deductible_claim_shows_what_it_applied_and_what_is_left) {
  // The single member of the synthetic high-deductible plan, first claim of the year: tier 2,
  // 30 tablets at 10.00 plus the 1.00 fee, all of it toward the 1500.00 deductible.
  line_item brand{next_rx(), "90001002001", 30, 30, 100000};
  auto a = send(b1(hdhp_single(), {brand}));
  ASSERT_TRUE(a.decoded);
  ASSERT_EQ(a.status(), 'P') << a.rejects();
  auto page = get_claim(find_claim(pharmacy_a, brand.rx), *tech_a_);
  ASSERT_EQ(page.status, 200u) << page.body;
  EXPECT_EQ(d(page.json["pricing"]["deductible_applied"]), 301.0) << page.body;
  EXPECT_EQ(d(page.json["pricing"]["accumulated_deductible"]), 301.0);
  EXPECT_EQ(d(page.json["pricing"]["remaining_deductible"]), 1199.0);
  EXPECT_TRUE(page.json["pricing"]["over_benefit_maximum"].is_null());
  EXPECT_EQ(s(page.json["accumulators"]["plan_year_start"]), today_text().substr(0, 4) + "-01-01");
  EXPECT_EQ(d(page.json["accumulators"]["deductible_applied"]), 301.0);
  EXPECT_EQ(d(page.json["accumulators"]["out_of_pocket_applied"]), 301.0);
  EXPECT_EQ(d(page.json["accumulators"]["benefit_applied"]), 0.0);
  // A demo plan claim keeps no accumulators.
  auto demo = get_claim(claim_79(), *operator_);
  EXPECT_TRUE(demo.json["accumulators"].is_null());
}

TEST_F(status_api_test, member_accumulators_start_from_an_import_and_match_the_next_claims_512_fc) {
  // The family's spouse (HDHP2001/002) joins from a prior carrier with 100.00 toward his deductible.
  const member sam{"HDHP2001", "002", "19811111", "1", "SAM", "FAMILYDEMO", "HDHP01", "610997", "RXGHDHP"};
  const std::string year = today_text().substr(0, 4);
  store::access_options ao;
  ao.dsn = dsn();
  auto imports = store::open_accumulator_store(ao);
  store::accumulator_import_row row;
  row.bin = "610997", row.cardholder_id = sam.cardholder, row.person_code = sam.person;
  row.plan_year_start = codec::date{today().year, 1, 1};
  row.amounts = {10000, 10000, 0};
  store::import_summary summary;
  ASSERT_FALSE(imports->import({&row, 1}, "prior-carrier.csv", false, summary));
  EXPECT_EQ(summary.inserted, 1u);

  const std::string target = "/v1/members/610997/HDHP2001/accumulators?person=002";
  const std::string path = "/v1/members/{bin}/{cardholder}/accumulators";
  auto reads = [&](const std::string& actor) {
    return query_value(dsn(), "SELECT count(*) FROM claim_reads WHERE action = 'accumulators' AND bin = '610997' "
                              "AND cardholder_id = 'HDHP2001' AND person_code = '002' AND outcome = 'ok' AND actor = '" +
                                  actor + "'");
  };
  const std::string ops_actor = "token:" + std::to_string(operator_->id) + ":ops";
  const std::string tech_actor = "token:" + std::to_string(tech_a_->id) + ":tech-a";

  // Technicians are scoped to pharmacies, not members: refused, nothing read, nothing audited as read.
  auto refused = call("GET", path, target, tech_a_->text);
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_EQ(reads(tech_actor), "0");
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM claim_reads WHERE action = 'accumulators' AND outcome = 'denied' "
                               "AND token_id = " + std::to_string(tech_a_->id)),
            "1");
  EXPECT_EQ(call("GET", path, target, "").status, 401u);

  auto before = call("GET", path, target, operator_->text);
  ASSERT_EQ(before.status, 200u) << before.body;
  EXPECT_EQ(reads(ops_actor), "1") << "one audit row per read, with the member";
  EXPECT_EQ(s(before.json["plan_id"]), "hdhp-demo");
  EXPECT_EQ(s(before.json["plan_year"]["start"]), year + "-01-01");
  EXPECT_EQ(s(before.json["plan_year"]["end"]), year + "-12-31");
  EXPECT_EQ(d(before.json["member"]["deductible"]["accumulated"]), 100.0) << before.body;
  EXPECT_EQ(d(before.json["member"]["deductible"]["limit"]), 1500.0);
  EXPECT_EQ(d(before.json["member"]["deductible"]["remaining"]), 1400.0);
  EXPECT_EQ(d(before.json["member"]["out_of_pocket"]["remaining"]), 3900.0);
  EXPECT_TRUE(before.json["member"]["benefit"]["limit"].is_null());
  EXPECT_EQ(d(before.json["family"]["deductible"]["accumulated"]), 100.0);
  EXPECT_EQ(d(before.json["family"]["deductible"]["remaining"]), 2900.0);
  EXPECT_EQ(d(before.json["next_claim"]["deductible_remaining"]), 1400.0);
  dom::array listed = before.json["imports"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(s(listed.at(0)["source"]), "prior-carrier.csv");
  EXPECT_EQ(s(listed.at(0)["person_code"]), "002");
  EXPECT_EQ(d(listed.at(0)["deductible"]), 100.0);

  // His first claim (tier 2, 301.00, all toward the deductible) starts from the imported 100.00.
  line_item brand{next_rx(), "90001002001", 30, 30, 100000};
  auto a = send(b1(sam, {brand}));
  ASSERT_TRUE(a.decoded);
  ASSERT_EQ(a.status(), 'P') << a.rejects();
  ASSERT_TRUE(a.tx().price);
  EXPECT_EQ(a.tx().price->accumulated_deductible, 40100);  // 512-FC: 100.00 + 301.00
  EXPECT_EQ(a.tx().price->remaining_deductible, 109900);   // 513-FD

  // The view after it shows the same figures the claim reported.
  auto after = call("GET", path, target + "&date=" + year + "0615", operator_->text);
  ASSERT_EQ(after.status, 200u) << after.body;
  EXPECT_EQ(d(after.json["member"]["deductible"]["accumulated"]), 401.0);
  EXPECT_EQ(d(after.json["next_claim"]["deductible_remaining"]), 1099.0);
  EXPECT_EQ(d(after.json["family"]["deductible"]["accumulated"]), 401.0);
  EXPECT_EQ(reads(ops_actor), "2");

  // Another plan year starts from nothing; bad input and plans without accumulators are refused.
  auto next_year = call("GET", path, target + "&date=" + std::to_string(today().year + 1) + "-01-01", operator_->text);
  ASSERT_EQ(next_year.status, 200u) << next_year.body;
  EXPECT_EQ(d(next_year.json["member"]["deductible"]["accumulated"]), 0.0);
  EXPECT_EQ(dom::array(next_year.json["imports"]).size(), 0u);
  EXPECT_EQ(call("GET", path, target + "&date=20261301", operator_->text).status, 400u);
  EXPECT_EQ(call("GET", path, "/v1/members/999999/HDHP2001/accumulators", operator_->text).status, 404u);
  EXPECT_EQ(call("GET", path, "/v1/members/610999/DEMO1001/accumulators?person=001", operator_->text).status, 404u);
  EXPECT_EQ(call("GET", path, "/v1/members/610997/HDHP2001/other", operator_->text).status, 404u);
}

TEST_F(status_api_test, a_technician_of_another_pharmacy_gets_404_and_the_attempt_is_audited) {
  const auto id = claim_at_b();
  ASSERT_GT(id, 0);
  auto denied = get_claim(id, *tech_a_);
  EXPECT_EQ(denied.status, 404u);
  auto missing = get_claim(987654321, *tech_a_);
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(denied.body, missing.body) << "a refused claim must look like a missing one";
  EXPECT_EQ(query_value(dsn(), "SELECT outcome || ' ' || remote || ' ' || actor FROM claim_reads WHERE claim_id = " +
                                   std::to_string(id) + " AND token_id = " + std::to_string(tech_a_->id) +
                                   " ORDER BY id DESC LIMIT 1"),
            "denied 127.0.0.1 token:" + std::to_string(tech_a_->id) + ":tech-a");

  auto allowed = get_claim(id, *tech_b_);
  EXPECT_EQ(allowed.status, 200u) << allowed.body;
  EXPECT_EQ(query_value(dsn(), "SELECT outcome FROM claim_reads WHERE claim_id = " + std::to_string(id) +
                                   " AND token_id = " + std::to_string(tech_b_->id) + " ORDER BY id DESC LIMIT 1"),
            "ok");
  // Searching for the other pharmacy finds nothing; neither does its summary.
  auto search = call("GET", "/v1/claims", "/v1/claims?pharmacy=" + std::string(pharmacy_b), tech_a_->text);
  ASSERT_EQ(search.status, 200u);
  EXPECT_EQ(dom::array(search.json["claims"]).size(), 0u);
  EXPECT_EQ(call("GET", "/v1/pharmacies/{id}/summary", "/v1/pharmacies/" + std::string(pharmacy_b) + "/summary",
                 tech_a_->text).status, 404u);
  // Searches are audited too.
  EXPECT_NE(query_value(dsn(), "SELECT count(*) FROM claim_reads WHERE action = 'search' AND token_id = " +
                                   std::to_string(tech_a_->id)), "0");
}

// A claim by id is read in one statement with its token's check and its audit row (sql/reader.h
// token_claim_read): the statement decides the outcome it audits, and what the API shows must
// agree with it for every role. A reviewer reads no claims, even with a pharmacy on its token.
TEST_F(status_api_test, a_claim_by_id_is_shown_and_audited_by_the_same_scope_for_every_role) {
  const auto at_b = claim_at_b();
  ASSERT_GT(at_b, 0);
  auto admin = make("admin-reader", store::access_role::admin, {});
  auto reviewer = make("reviewer-reader", store::access_role::reviewer, {std::string(pharmacy_b)});
  const auto audited_get = [&](const token& t) {
    return query_value(dsn(), "SELECT count(*) || ' ' || max(outcome) || ' ' || max(detail) FROM claim_reads "
                              "WHERE action = 'get' AND claim_id = " + std::to_string(at_b) +
                              " AND token_id = " + std::to_string(t.id) + " AND actor = 'token:" +
                              std::to_string(t.id) + ":admin-reader'");
  };
  const std::string detail = "pharmacy=" + std::string(pharmacy_b);
  for (const auto* t : {tech_b_, operator_, &admin}) {
    const auto before = query_value(dsn(), "SELECT count(*) FROM claim_reads WHERE token_id = " + std::to_string(t->id));
    auto r = get_claim(at_b, *t);
    EXPECT_EQ(r.status, 200u) << "token " << t->id << ": " << r.body;
    EXPECT_EQ(query_value(dsn(), "SELECT count(*) - " + before + " FROM claim_reads WHERE token_id = " +
                                     std::to_string(t->id)), "1") << "token " << t->id << ": one read, one audit row";
    EXPECT_EQ(query_value(dsn(), "SELECT outcome || ' ' || detail FROM claim_reads WHERE token_id = " +
                                     std::to_string(t->id) + " ORDER BY id DESC LIMIT 1"), "ok " + detail) << t->id;
  }
  EXPECT_EQ(get_claim(at_b, admin).status, 200u);
  EXPECT_EQ(audited_get(admin), "2 ok " + detail);
  for (const auto* t : {tech_a_, &reviewer}) {
    EXPECT_EQ(get_claim(at_b, *t).status, 404u) << t->id;
    EXPECT_EQ(query_value(dsn(), "SELECT outcome || ' ' || detail FROM claim_reads WHERE token_id = " +
                                     std::to_string(t->id) + " ORDER BY id DESC LIMIT 1"), "denied " + detail) << t->id;
  }
  // Nor does a reviewer's search find anything.
  auto reviewer_search = call("GET", "/v1/claims", "/v1/claims?pharmacy=" + std::string(pharmacy_b), reviewer.text);
  ASSERT_EQ(reviewer_search.status, 200u);
  EXPECT_EQ(dom::array(reviewer_search.json["claims"]).size(), 0u);
  EXPECT_EQ(last_audit(reviewer).substr(0, 14), "search denied ");
  // A claim that does not exist: 404, audited as not_found without a pharmacy.
  EXPECT_EQ(get_claim(987654322, *operator_).status, 404u);
  EXPECT_EQ(last_audit(*operator_), "get not_found ");
  // An expired token reads nothing and leaves no row; an id that is no number is a 404 after the
  // token's check (401 without a token).
  auto expired = make("expired-reader", store::access_role::operator_role, {});
  query_value(dsn(), "UPDATE access_tokens SET expires_at = now() WHERE id = " + std::to_string(expired.id) +
                         " RETURNING id");
  EXPECT_EQ(get_claim(at_b, expired).status, 401u);
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM claim_reads WHERE token_id = " + std::to_string(expired.id)), "0");
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/12x", operator_->text).status, 404u);
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/12x", "").status, 401u);
  EXPECT_EQ(call("POST", "/v1/claims/{id}", "/v1/claims/" + std::to_string(at_b), operator_->text).status, 405u);
  EXPECT_EQ(call("PUT", "/v1/claims/{id}", "/v1/claims/" + std::to_string(at_b), "").status, 401u);

  // The database cannot read the claim (claims locked past the statement timeout): 503, nothing
  // shown, the failure audited against the token as error.
  pqxx::connection lock_holder(dsn());
  pqxx::work lock(lock_holder);
  lock.exec0("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE");
  auto failed = get_claim(at_b, *operator_);
  lock.abort();
  EXPECT_EQ(failed.status, 503u) << failed.body;
  EXPECT_EQ(last_audit(*operator_), "get error ");

  // The audit log cannot take the row: nothing is shown, whether by id or by search.
  const auto rows = query_value(dsn(), "SELECT count(*) FROM claim_reads");
  pqxx::connection audit_holder(dsn());
  pqxx::work audit_lock(audit_holder);
  audit_lock.exec0("LOCK TABLE claim_reads IN ACCESS EXCLUSIVE MODE");
  auto unaudited = get_claim(at_b, *operator_);
  auto unaudited_search = call("GET", "/v1/claims", "/v1/claims?pharmacy=" + std::string(pharmacy_b), operator_->text);
  audit_lock.abort();
  EXPECT_EQ(unaudited.status, 503u) << unaudited.body;
  EXPECT_EQ(unaudited.body.find(std::string(pharmacy_b)), std::string::npos) << unaudited.body;
  EXPECT_EQ(unaudited_search.status, 503u) << unaudited_search.body;
  EXPECT_EQ(unaudited_search.body.find("\"claims\""), std::string::npos) << unaudited_search.body;
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM claim_reads"), rows);
}

// Issue 15 part 5: tokens expire. At its expiry a token stops working (401 "token expired", nothing
// more); a second before, it still works.
TEST_F(status_api_test, an_expired_token_gets_401_token_expired) {
  const auto id = claim_79();
  auto t = make("expiring", store::access_role::technician, {std::string(pharmacy_a)});
  const auto expire_in = [&](const std::string& interval) {
    query_value(dsn(), "UPDATE access_tokens SET expires_at = now() + interval '" + interval + "' WHERE id = " +
                           std::to_string(t.id) + " RETURNING id");
  };
  expire_in("1 minute");
  EXPECT_EQ(get_claim(id, t).status, 200u);
  expire_in("-1 second");
  auto a = get_claim(id, t);
  EXPECT_EQ(a.status, 401u);
  EXPECT_EQ(a.body, "{\"error\":\"token expired\"}\n");
  // An unknown token is not told it expired.
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(id), "rxg_not-a-token").body,
            "{\"error\":\"a valid bearer token is required\"}\n");
  // New tokens live 90 days unless asked otherwise.
  EXPECT_EQ(query_value(dsn(), "SELECT round(extract(epoch FROM expires_at - created_at) / 86400) FROM access_tokens "
                               "WHERE id = " + std::to_string(tech_a_->id)),
            "90");
}

// GET /v1/me: the console's pharmacy suggestions. A technician sees its own pharmacies; an operator
// sees that it has every pharmacy and is given no list (its claims are not searched for one); a
// wrong or expired token is refused like any other call; reading it writes no audit row.
TEST_F(status_api_test, a_token_reads_its_own_role_and_pharmacies) {
  auto two = make("tech-two", store::access_role::technician, {std::string(pharmacy_b), std::string(pharmacy_a)});
  auto mine = call("GET", "/v1/me", "/v1/me", two.text);
  ASSERT_EQ(mine.status, 200u) << mine.body;
  EXPECT_EQ(i(mine.json["token_id"]), two.id);
  EXPECT_EQ(s(mine.json["name"]), "tech-two");
  EXPECT_EQ(s(mine.json["role"]), "technician");
  EXPECT_FALSE(mine.json["every_pharmacy"].get_bool().value());
  std::vector<std::string> pharmacies;
  for (dom::element p : dom::array(mine.json["pharmacies"])) pharmacies.emplace_back(s(p));
  std::sort(pharmacies.begin(), pharmacies.end());
  EXPECT_EQ(pharmacies, (std::vector<std::string>{std::string(pharmacy_a), std::string(pharmacy_b)}));

  auto ops = call("GET", "/v1/me", "/v1/me", operator_->text);
  ASSERT_EQ(ops.status, 200u) << ops.body;
  EXPECT_EQ(s(ops.json["role"]), "operator");
  EXPECT_TRUE(ops.json["every_pharmacy"].get_bool().value());
  EXPECT_EQ(dom::array(ops.json["pharmacies"]).size(), 0u);

  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM claim_reads WHERE token_id = " + std::to_string(two.id)), "0");
  EXPECT_EQ(call("GET", "/v1/me", "/v1/me", "").status, 401u);
  EXPECT_EQ(call("GET", "/v1/me", "/v1/me", "rxg_not-a-token").status, 401u);
  EXPECT_EQ(call("POST", "/v1/me", "/v1/me", two.text).status, 405u);
  query_value(dsn(), "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = " +
                         std::to_string(two.id) + " RETURNING id");
  auto expired = call("GET", "/v1/me", "/v1/me", two.text);
  EXPECT_EQ(expired.status, 401u);
  EXPECT_EQ(expired.body, "{\"error\":\"token expired\"}\n");
}

TEST_F(status_api_test, token_lifetimes_parse_at_their_bounds) {
  EXPECT_EQ(server::parse_token_lifetime("30d"), std::chrono::seconds(30 * 86400));
  EXPECT_EQ(server::parse_token_lifetime("12h"), std::chrono::seconds(12 * 3600));
  EXPECT_EQ(server::parse_token_lifetime("1m"), std::chrono::seconds(60));
  EXPECT_EQ(server::parse_token_lifetime("3650d"), std::chrono::seconds(3650LL * 86400));
  EXPECT_FALSE(server::parse_token_lifetime("3651d"));
  EXPECT_FALSE(server::parse_token_lifetime("0m"));
  EXPECT_FALSE(server::parse_token_lifetime("0d"));
  EXPECT_FALSE(server::parse_token_lifetime("30"));
  EXPECT_FALSE(server::parse_token_lifetime("d"));
  EXPECT_FALSE(server::parse_token_lifetime("-1d"));
  EXPECT_FALSE(server::parse_token_lifetime("30w"));
}

// Every read is audited with how it ended: out-of-scope searches and summaries as denied, a read
// the database failed as error; filter values are cut at 64 characters.
TEST_F(status_api_test, reads_are_audited_with_their_true_outcome_and_bounded_filters) {
  auto search = call("GET", "/v1/claims", "/v1/claims?pharmacy=" + std::string(pharmacy_b), tech_a_->text);
  EXPECT_EQ(search.status, 200u);
  EXPECT_EQ(last_audit(*tech_a_).substr(0, 14), "search denied ");
  EXPECT_EQ(call("GET", "/v1/pharmacies/{id}/summary", "/v1/pharmacies/" + std::string(pharmacy_b) + "/summary",
                 tech_a_->text).status, 404u);
  EXPECT_EQ(last_audit(*tech_a_), "summary denied pharmacy=" + std::string(pharmacy_b) + " from=" + days_from_today(0) +
                                      " to=" + days_from_today(0));
  EXPECT_EQ(call("GET", "/v1/pharmacies/{id}/summary", "/v1/pharmacies/" + std::string(pharmacy_a) + "/summary",
                 tech_a_->text).status, 200u);
  EXPECT_EQ(last_audit(*tech_a_).substr(0, 11), "summary ok ");

  // 64 characters are kept, the 65th is not.
  const std::string kept(64, '7');
  call("GET", "/v1/claims", "/v1/claims?rx=" + kept, operator_->text);
  EXPECT_NE(last_audit(*operator_).find(" rx=" + kept + " "), std::string::npos) << last_audit(*operator_);
  call("GET", "/v1/claims", "/v1/claims?rx=" + kept + "8" + std::string(500, '9'), operator_->text);
  const auto cut = last_audit(*operator_);
  EXPECT_NE(cut.find(" rx=" + kept + "... "), std::string::npos) << cut;
  EXPECT_EQ(cut.find('8'), std::string::npos) << cut;

  // The database cannot answer (claims locked past the statement timeout): 503, audited as error.
  pqxx::connection lock_holder(dsn());
  pqxx::work lock(lock_holder);
  lock.exec0("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE");
  auto failed = call("GET", "/v1/claims", "/v1/claims?rx=424242", operator_->text);
  lock.abort();
  EXPECT_EQ(failed.status, 503u) << failed.body;
  EXPECT_EQ(last_audit(*operator_).substr(0, 13), "search error ") << last_audit(*operator_);
}

// The PA routes are audited with how they ended like the reads: a technician's attempt (any
// method) as denied, an operator's create, list and revoke as ok, a revoke of nothing as
// not_found, a list the database failed as error (503, nothing shown).
TEST_F(status_api_test, prior_authorization_routes_are_audited_with_their_true_outcome) {
  const std::string list = "/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1004&person_code=001";
  const std::string body = R"({"bin":"610999","cardholder_id":"DEMO1004","person_code":"001",)"
                           R"("therapeutic_class":"GLP1_AGONIST","expires":")" + days_from_today(30) + R"("})";
  EXPECT_EQ(call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", tech_a_->text, body).status, 403u);
  EXPECT_EQ(last_audit(*tech_a_), "pa_create denied refused for the role");
  EXPECT_EQ(call("GET", "/v1/prior-authorizations", list, tech_a_->text).status, 403u);
  EXPECT_EQ(last_audit(*tech_a_), "pa_list denied refused for the role");
  EXPECT_EQ(call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/1", tech_a_->text).status, 403u);
  EXPECT_EQ(last_audit(*tech_a_), "pa_revoke denied refused for the role");

  auto pa = call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", operator_->text, body);
  ASSERT_EQ(pa.status, 201u) << pa.body;
  const auto id = std::to_string(i(pa.json["id"]));
  EXPECT_EQ(last_audit(*operator_), "pa_create ok pa=" + id);
  EXPECT_EQ(call("GET", "/v1/prior-authorizations", list, operator_->text).status, 200u);
  EXPECT_EQ(last_audit(*operator_).substr(0, 11), "pa_list ok ");
  EXPECT_EQ(call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/" + id, operator_->text).status, 200u);
  EXPECT_EQ(last_audit(*operator_), "pa_revoke ok pa=" + id);
  EXPECT_EQ(call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/" + id, operator_->text).status, 404u);
  EXPECT_EQ(last_audit(*operator_), "pa_revoke not_found pa=" + id);
  EXPECT_EQ(call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/x1", operator_->text).status, 404u);
  EXPECT_EQ(last_audit(*operator_), "pa_revoke not_found pa=x1");

  pqxx::connection lock_holder(dsn());
  pqxx::work lock(lock_holder);
  lock.exec0("LOCK TABLE prior_authorizations IN ACCESS EXCLUSIVE MODE");
  auto failed = call("GET", "/v1/prior-authorizations", list, operator_->text);
  lock.abort();
  EXPECT_EQ(failed.status, 503u) << failed.body;
  EXPECT_EQ(last_audit(*operator_), "pa_list error store failed");
}

// /metrics (claim counts by BIN/PCN and reject code) needs an operator token by default.
TEST_F(status_api_test, metrics_need_an_operator_token_by_default) {
  EXPECT_EQ(raw_get("/metrics", "").first, 401u);
  EXPECT_EQ(raw_get("/metrics", "rxg_not-a-token").first, 401u);
  EXPECT_EQ(raw_get("/metrics", tech_a_->text).first, 403u);
  const auto [status, body] = raw_get("/metrics", operator_->text);
  EXPECT_EQ(status, 200u);
  EXPECT_NE(body.find("rxgate_claims_total"), std::string::npos);
  auto expired = make("expired-ops", store::access_role::operator_role, {});
  query_value(dsn(), "UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = " +
                         std::to_string(expired.id) + " RETURNING id");
  const auto [expired_status, expired_body] = raw_get("/metrics", expired.text);
  EXPECT_EQ(expired_status, 401u);
  EXPECT_EQ(expired_body, "{\"error\":\"token expired\"}\n");
}

TEST_F(status_api_test, no_token_a_wrong_token_and_a_revoked_token_get_401) {
  const auto id = claim_79();
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(id), "").status, 401u);
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(id), "rxg_not-a-token").status, 401u);
  EXPECT_EQ(call("GET", "/v1/claims", "/v1/claims", "").status, 401u);

  auto t = make("short-lived", store::access_role::technician, {std::string(pharmacy_a)});
  EXPECT_EQ(get_claim(id, t).status, 200u);
  bool found = false;
  ASSERT_FALSE((*access_)->revoke_token(t.id, found));
  EXPECT_TRUE(found);
  EXPECT_EQ(get_claim(id, t).status, 401u);
  // The raw token is nowhere in the database.
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM access_tokens WHERE token_sha256 = convert_to('" + t.text +
                                   "', 'UTF8')"),
            "0");
}

TEST_F(status_api_test, token_command_creates_lists_and_revokes) {
  const std::string bin = RXGATE_BINARY;
  auto run = [&](const std::string& args, std::string& out) {
    std::FILE* p = ::popen((bin + " " + args + " 2>&1").c_str(), "r");
    if (!p) return -1;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    return ::pclose(p);
  };
  std::string created;
  ASSERT_EQ(run("token create --dsn '" + dsn() + "' --role technician --pharmacy " + std::string(pharmacy_a) +
                    " --name cli-tech", created), 0) << created;
  std::istringstream lines(created);
  std::string first, token_text;
  std::getline(lines, first);
  std::getline(lines, token_text);
  ASSERT_EQ(token_text.rfind("rxg_", 0), 0u) << created;
  const auto id = std::stoll(first.substr(6));
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(claim_79()), token_text).status, 200u);

  std::string listed;
  ASSERT_EQ(run("token list --dsn '" + dsn() + "'", listed), 0) << listed;
  EXPECT_NE(listed.find("cli-tech"), std::string::npos);
  EXPECT_NE(listed.find(std::string(pharmacy_a)), std::string::npos);
  EXPECT_EQ(listed.find(token_text), std::string::npos) << "list must never show a token";

  std::string revoked;
  ASSERT_EQ(run("token revoke --dsn '" + dsn() + "' " + std::to_string(id), revoked), 0) << revoked;
  EXPECT_EQ(call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(claim_79()), token_text).status, 401u);
  std::string bad;
  EXPECT_NE(run("token create --dsn '" + dsn() + "' --role technician --name no-pharmacy", bad), 0) << bad;
}

// ---- search, catalog, summary ------------------------------------------------------------------

TEST_F(status_api_test, search_pages_newest_first_without_gaps_or_repeats) {
  for (int k = 0; k < 11; ++k) send(b1(nobody(), {{next_rx(), std::string(atorvastatin_20), 30, 30, 300}}));
  claim_79();
  const std::string base = "/v1/claims?pharmacy=" + std::string(pharmacy_a);
  auto all = call("GET", "/v1/claims", base + "&limit=100", tech_a_->text);
  ASSERT_EQ(all.status, 200u) << all.body;
  std::vector<std::int64_t> expected;
  for (dom::element c : dom::array(all.json["claims"])) expected.push_back(i(c["id"]));
  ASSERT_GE(expected.size(), 13u);
  EXPECT_TRUE(all.json["next_cursor"].is_null());

  std::vector<std::int64_t> paged;
  std::string cursor;
  int pages = 0;
  do {
    auto p = call("GET", "/v1/claims", base + "&limit=4" + (cursor.empty() ? "" : "&cursor=" + cursor), tech_a_->text);
    ASSERT_EQ(p.status, 200u) << p.body;
    dom::array claims = p.json["claims"];
    EXPECT_LE(claims.size(), 4u);
    for (dom::element c : claims) paged.push_back(i(c["id"]));
    cursor = p.json["next_cursor"].is_null() ? "" : s(p.json["next_cursor"]);
    ASSERT_LT(++pages, 100);
  } while (!cursor.empty());
  EXPECT_EQ(paged, expected) << "pages must add up to the whole list, in order, each claim once";
  EXPECT_EQ(std::set<std::int64_t>(paged.begin(), paged.end()).size(), paged.size());
  EXPECT_GE(pages, 4);
  // Same date of service: newest (highest id) first.
  EXPECT_TRUE(std::is_sorted(expected.rbegin(), expected.rend()));

  // Filters: the 79s of the pharmacy, rejected status.
  auto rts = call("GET", "/v1/claims", base + "&reject=79&status=R", tech_a_->text);
  ASSERT_EQ(rts.status, 200u);
  ASSERT_GE(dom::array(rts.json["claims"]).size(), 1u);
  for (dom::element c : dom::array(rts.json["claims"])) EXPECT_EQ(s(c["reject_codes"].at(0)), "79");

  // Limits are enforced, not silently cut.
  EXPECT_EQ(call("GET", "/v1/claims", base + "&limit=101", tech_a_->text).status, 400u);
  EXPECT_EQ(call("GET", "/v1/claims", base + "&limit=0", tech_a_->text).status, 400u);
  EXPECT_EQ(call("GET", "/v1/claims", base + "&from=yesterday", tech_a_->text).status, 400u);
  EXPECT_EQ(call("GET", "/v1/claims", base + "&cursor=garbage", tech_a_->text).status, 400u);
}

TEST_F(status_api_test, reject_catalog_needs_no_token_and_the_summary_shows_the_days_problems) {
  auto all = call("GET", "/v1/reject-codes", "/v1/reject-codes", "");
  ASSERT_EQ(all.status, 200u);
  EXPECT_GT(dom::array(all.json["reject_codes"]).size(), 500u);
  auto one = call("GET", "/v1/reject-codes/{code}", "/v1/reject-codes/79", "");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(s(one.json["short_name"]), "Refill Too Soon");
  EXPECT_FALSE(s(one.json["fix"]).empty());
  EXPECT_EQ(call("GET", "/v1/reject-codes/{code}", "/v1/reject-codes/ZZZ", "").status, 404u);

  claim_79();
  claim_76();
  auto sum = call("GET", "/v1/pharmacies/{id}/summary", "/v1/pharmacies/" + std::string(pharmacy_a) + "/summary",
                  tech_a_->text);
  ASSERT_EQ(sum.status, 200u) << sum.body;
  EXPECT_EQ(s(sum.json["from"]), date_text(today()));
  std::map<std::string, std::int64_t> by_status;
  for (dom::element x : dom::array(sum.json["by_status"])) by_status[s(x["status"])] = i(x["count"]);
  EXPECT_GE(by_status["R"], 2);
  EXPECT_GE(by_status["P"], 1);
  std::set<std::string> codes;
  for (dom::element x : dom::array(sum.json["top_rejects"])) codes.insert(s(x["code"]));
  EXPECT_TRUE(codes.count("79") && codes.count("76")) << sum.body;
}

// ---- the reject worklist -------------------------------------------------------------------------

// One reject in a worklist page, or a null element when it is not there.
std::optional<dom::element> in_page(const api_answer& a, std::int64_t claim_id) {
  if (!a.parsed) return std::nullopt;
  for (dom::element e : dom::array(a.json["rejects"]))
    if (i(e["claim_id"]) == claim_id) return e;
  return std::nullopt;
}

TEST_F(status_api_test, worklist_shows_a_reject_until_a_resubmission_pays_it_scoped_and_audited) {
  const member ellis{"DEMO1016", "001", "19400101", "1", "ELLIS", "SENIOR"};
  const auto rx = next_rx();
  const auto rejected = rejected_claim(ellis, {rx, "90001000106", 30, 30, 9000}, "MR");  // not on formulary
  ASSERT_GT(rejected, 0);
  const std::string list = "/v1/pharmacies/" + std::string(pharmacy_a) + "/worklist";
  const std::string one = "/v1/worklist/" + std::to_string(rejected);
  constexpr std::string_view list_t = "/v1/pharmacies/{id}/worklist", counts_t = "/v1/pharmacies/{id}/worklist/counts",
                             one_t = "/v1/worklist/{claim_id}", act_t = "/v1/worklist/{claim_id}/{action}";

  // Open, with its code named, in the pharmacy's list and counts; each read audited.
  auto a = call("GET", list_t, list + "?limit=100", tech_a_->text);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto e = in_page(a, rejected);
  ASSERT_TRUE(e) << a.body;
  EXPECT_EQ(s((*e)["state"]), "open");
  EXPECT_EQ(s((*e)["rx_number"]), rx);
  EXPECT_EQ(s(dom::array((*e)["rejects"]).at(0)["code"]), "MR");
  EXPECT_FALSE(b((*e)["for_pharmacist"]));
  EXPECT_TRUE((*e)["paid_by"].is_null());
  EXPECT_EQ(last_audit(*tech_a_).rfind("worklist ok pharmacy=" + std::string(pharmacy_a), 0), 0u) << last_audit(*tech_a_);
  EXPECT_NE(last_audit(*tech_a_).find(std::to_string(rejected)), std::string::npos);
  a = call("GET", list_t, list + "?today=true&reject=MR", tech_a_->text);
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_TRUE(in_page(a, rejected));
  a = call("GET", counts_t, list + "/counts", tech_a_->text);
  ASSERT_EQ(a.status, 200u) << a.body;
  bool counted = false;
  for (dom::element c : dom::array(a.json["by_code"])) counted |= s(c["code"]) == "MR" && i(c["count"]) >= 1;
  EXPECT_TRUE(counted) << a.body;
  EXPECT_EQ(last_audit(*tech_a_).rfind("worklist_counts ok", 0), 0u);

  // Another pharmacy's technician: 404 everywhere, audited as denied; nothing written.
  a = call("GET", list_t, list, tech_b_->text);
  EXPECT_EQ(a.status, 404u);
  EXPECT_EQ(last_audit(*tech_b_).rfind("worklist denied", 0), 0u) << last_audit(*tech_b_);
  a = call("GET", counts_t, list + "/counts", tech_b_->text);
  EXPECT_EQ(a.status, 404u);
  EXPECT_EQ(last_audit(*tech_b_).rfind("worklist_counts denied", 0), 0u);
  a = call("GET", one_t, one, tech_b_->text);
  EXPECT_EQ(a.status, 404u);
  EXPECT_EQ(last_audit(*tech_b_).rfind("worklist_get denied", 0), 0u);
  a = call("POST", act_t, one + "/close", tech_b_->text, R"({"reason":"transferred"})");
  EXPECT_EQ(a.status, 404u);
  EXPECT_EQ(last_audit(*tech_b_).rfind("worklist_close denied", 0), 0u);
  a = call("GET", one_t, "/v1/worklist/999999999", tech_a_->text);
  EXPECT_EQ(a.status, 404u);
  EXPECT_EQ(last_audit(*tech_a_).rfind("worklist_get not_found", 0), 0u);

  // Bad input: 400 with a message.
  for (const std::string q : {"?state=maybe", "?limit=0", "?limit=101", "?today=true&from=2026-01-01", "?from=2026-1-1",
                              "?pharmacist=yes", "?cursor=nonsense", "?today=yes"}) {
    a = call("GET", list_t, list + q, tech_a_->text);
    EXPECT_EQ(a.status, 400u) << q << " " << a.body;
    EXPECT_FALSE(s(a.json["error"]).empty());
  }
  for (const auto& [verb, body] : std::vector<std::pair<std::string, std::string>>{
           {"close", ""}, {"close", R"({"reason":"because"})"}, {"close", R"({"reason":"other"})"},
           {"close", "not json"}, {"close", R"({"reason":"transferred","color":"red"})"}, {"note", "{}"},
           {"assign", "{}"}, {"reopen", R"({"reason":"transferred"})"}, {"note", R"({"note":1})"},
           {"note", R"({"note":")" + std::string(501, 'x') + R"("})"}}) {
    a = call("POST", act_t, one + "/" + verb, tech_a_->text, body);
    EXPECT_EQ(a.status, 400u) << verb << " " << body << " " << a.body;
  }

  // Assign and note it; the list filters by assignee.
  a = call("POST", act_t, one + "/assign", tech_a_->text, R"({"assignee":"sam"})");
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(s(a.json["assignee"]), "sam");
  EXPECT_EQ(last_audit(*tech_a_), "worklist_assign ok pharmacy=" + std::string(pharmacy_a));
  a = call("POST", act_t, one + "/note", tech_a_->text, R"({"note":"asked the prescriber for atorvastatin"})");
  ASSERT_EQ(a.status, 200u) << a.body;
  a = call("GET", list_t, list + "?assignee=sam", tech_a_->text);
  EXPECT_TRUE(in_page(a, rejected)) << a.body;
  a = call("GET", list_t, list + "?assignee=", tech_a_->text);  // the unassigned ones
  EXPECT_FALSE(in_page(a, rejected)) << a.body;

  // The resubmission that pays closes it by itself and is linked.
  auto paid = send(b1(ellis, {{rx, std::string(atorvastatin_20), 30, 30, 300}}));
  ASSERT_EQ(paid.status(), 'P') << paid.rejects();
  const auto paid_id = find_claim(pharmacy_a, rx);
  a = call("GET", one_t, one, tech_a_->text);
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(s(a.json["state"]), "closed");
  EXPECT_EQ(s(a.json["closed"]["by"]), "payment");
  EXPECT_EQ(i(a.json["paid_by"]["claim_id"]), paid_id);
  EXPECT_TRUE(a.json["paid_by"]["reversed_at"].is_null());
  EXPECT_EQ(dom::array(a.json["actions"]).size(), 2u);
  EXPECT_EQ(last_audit(*tech_a_), "worklist_get ok pharmacy=" + std::string(pharmacy_a));
  a = call("GET", list_t, list + "?limit=100", tech_a_->text);
  EXPECT_FALSE(in_page(a, rejected));
  a = call("GET", list_t, list + "?state=closed&limit=100", tech_a_->text);
  EXPECT_TRUE(in_page(a, rejected));
  a = call("POST", act_t, one + "/reopen", tech_a_->text);
  EXPECT_EQ(a.status, 409u) << a.body;
  EXPECT_EQ(last_audit(*tech_a_).rfind("worklist_reopen conflict", 0), 0u);

  // A DUR reject is for a pharmacist; a technician closes it with a reason and reopens it.
  const auto dur = claim_88();
  const std::string dur_one = "/v1/worklist/" + std::to_string(dur);
  a = call("GET", list_t, list + "?pharmacist=true&limit=100", operator_->text);
  ASSERT_EQ(a.status, 200u) << a.body;
  e = in_page(a, dur);
  ASSERT_TRUE(e) << a.body;
  EXPECT_TRUE(b((*e)["for_pharmacist"]));
  EXPECT_FALSE(in_page(a, rejected));
  a = call("POST", act_t, dur_one + "/close", tech_a_->text, R"({"reason":"sent_to_prescriber","note":"allergy"})");
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(s(a.json["closed"]["by"]), "technician");
  EXPECT_EQ(s(a.json["closed"]["reason"]), "sent_to_prescriber");
  EXPECT_EQ(s(a.json["closed"]["note"]), "allergy");
  a = call("POST", act_t, dur_one + "/close", tech_a_->text, R"({"reason":"transferred"})");
  EXPECT_EQ(a.status, 409u) << a.body;
  a = call("POST", act_t, dur_one + "/reopen", tech_a_->text);
  ASSERT_EQ(a.status, 200u) << a.body;
  EXPECT_EQ(s(a.json["state"]), "open");
  EXPECT_TRUE(a.json["closed"].is_null());
  EXPECT_EQ(query_value(dsn(), "SELECT count(*) FROM worklist_actions WHERE claim_id = " + std::to_string(dur)), "2");
}

// ---- the OpenAPI document against real answers -----------------------------------------------

// A JSON Schema subset: $ref, type (+nullable), required, properties, items.
void check_schema(dom::element doc, dom::element value, dom::element schema, const std::string& where,
                  std::vector<std::string>& problems) {
  std::string_view ref;
  if (schema["$ref"].get(ref) == simdjson::SUCCESS) {
    const auto name = ref.substr(ref.rfind('/') + 1);
    dom::element target;
    if (doc["components"]["schemas"][name].get(target) != simdjson::SUCCESS) {
      problems.push_back(where + ": unknown $ref " + std::string(ref));
      return;
    }
    return check_schema(doc, value, target, where, problems);
  }
  bool nullable = false;
  if (schema["nullable"].get(nullable) != simdjson::SUCCESS) nullable = false;
  if (value.is_null()) {
    if (!nullable) problems.push_back(where + ": null where the schema does not allow it");
    return;
  }
  std::string_view type;
  if (schema["type"].get(type) == simdjson::SUCCESS) {
    bool ok = false;
    if (type == "object") ok = value.is_object();
    else if (type == "array") ok = value.is_array();
    else if (type == "string") ok = value.is_string();
    else if (type == "integer") ok = value.is_int64() || value.is_uint64();
    else if (type == "number") ok = value.is_number();
    else if (type == "boolean") ok = value.is_bool();
    if (!ok) {
      problems.push_back(where + ": not of type " + std::string(type));
      return;
    }
  }
  dom::array required;
  if (schema["required"].get(required) == simdjson::SUCCESS) {
    for (dom::element r : required) {
      dom::element ignored;
      if (value[std::string_view(r)].get(ignored) != simdjson::SUCCESS)
        problems.push_back(where + ": required property " + std::string(std::string_view(r)) + " missing");
    }
  }
  dom::object properties;
  if (value.is_object() && schema["properties"].get(properties) == simdjson::SUCCESS) {
    for (auto [k, sub] : properties) {
      dom::element v;
      if (value[k].get(v) == simdjson::SUCCESS) check_schema(doc, v, sub, where + "." + std::string(k), problems);
    }
  }
  dom::element items;
  if (value.is_array() && schema["items"].get(items) == simdjson::SUCCESS) {
    std::size_t n = 0;
    for (dom::element v : dom::array(value)) check_schema(doc, v, items, where + "[" + std::to_string(n++) + "]", problems);
  }
}

TEST_F(status_api_test, openapi_document_describes_every_real_answer) {
  // One of every answer: each explained reject, searches, summaries, PAs, errors.
  for (auto id : {claim_79(), claim_mr(), claim_76(), claim_88(), claim_41(), claim_at_b(), claim_79_controlled(),
                  claim_aj(), claim_8k(), claim_76_per_day()})
    get_claim(id, *operator_);
  get_claim(claim_at_b(), *tech_a_);
  call("GET", "/v1/claims/{id}", "/v1/claims/" + std::to_string(claim_79()), "");
  call("GET", "/v1/claims", "/v1/claims?limit=2", operator_->text);
  call("GET", "/v1/claims", "/v1/claims?limit=1000", operator_->text);
  call("GET", "/v1/reject-codes", "/v1/reject-codes", "");
  call("GET", "/v1/reject-codes/{code}", "/v1/reject-codes/88", "");
  call("GET", "/v1/reject-codes/{code}", "/v1/reject-codes/QQQ", "");
  call("GET", "/v1/pharmacies/{id}/summary", "/v1/pharmacies/" + std::string(pharmacy_a) + "/summary", operator_->text);
  const std::string body = R"({"bin":"610999","cardholder_id":"DEMO1003","person_code":"001",)"
                           R"("therapeutic_class":"GLP1_AGONIST","expires":")" + days_from_today(30) + R"("})";
  auto pa = call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", operator_->text, body);
  call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", operator_->text, R"({"bin":"61"})");
  call("POST", "/v1/prior-authorizations", "/v1/prior-authorizations", tech_a_->text, body);
  call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1003&person_code=001", operator_->text);
  if (pa.parsed && pa.status == 201)
    call("DELETE", "/v1/prior-authorizations/{id}", "/v1/prior-authorizations/" + std::to_string(i(pa.json["id"])),
         operator_->text);

  // Requests filed by P1/P4 (issue 15): the reviewers' list, an approval, a denial, a conflict.
  {
    const auto reviewer = make("reviewer-doc", store::access_role::reviewer, {});
    const auto approve_id = pending_request("20999999801");
    const auto deny_id = pending_request("20999999802");
    call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?state=pending", reviewer.text);
    call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?state=maybe", reviewer.text);
    call("POST", "/v1/prior-authorizations/{id}/approve", "/v1/prior-authorizations/" + approve_id + "/approve",
         reviewer.text, R"({"expires":")" + days_from_today(30) + R"(","max_quantity":3})");
    call("POST", "/v1/prior-authorizations/{id}/approve", "/v1/prior-authorizations/" + approve_id + "/approve",
         reviewer.text, R"({"expires":")" + days_from_today(30) + R"("})");
    call("POST", "/v1/prior-authorizations/{id}/approve", "/v1/prior-authorizations/" + approve_id + "/approve",
         tech_a_->text, R"({"expires":")" + days_from_today(30) + R"("})");
    call("POST", "/v1/prior-authorizations/{id}/deny", "/v1/prior-authorizations/" + deny_id + "/deny", reviewer.text,
         R"({"reason":"not medically necessary"})");
    call("POST", "/v1/prior-authorizations/{id}/deny", "/v1/prior-authorizations/999999999/deny", reviewer.text,
         R"({"reason":"x"})");
  }

  call("GET", "/v1/members/{bin}/{cardholder}/accumulators", "/v1/members/610997/HDHP3001/accumulators?person=001",
       operator_->text);
  const std::string worklist = "/v1/pharmacies/" + std::string(pharmacy_a) + "/worklist";
  call("GET", "/v1/pharmacies/{id}/worklist", worklist + "?state=all&limit=3", operator_->text);
  call("GET", "/v1/pharmacies/{id}/worklist", worklist + "?state=maybe", operator_->text);
  call("GET", "/v1/pharmacies/{id}/worklist/counts", worklist + "/counts?state=all", operator_->text);
  const std::string reject = "/v1/worklist/" + std::to_string(claim_mr());
  call("POST", "/v1/worklist/{claim_id}/{action}", reject + "/assign", operator_->text, R"({"assignee":"lee"})");
  call("POST", "/v1/worklist/{claim_id}/{action}", reject + "/note", operator_->text, R"({"note":"called"})");
  call("POST", "/v1/worklist/{claim_id}/{action}", reject + "/close", operator_->text, R"({"reason":"x"})");
  call("GET", "/v1/worklist/{claim_id}", reject, operator_->text);
  call("GET", "/v1/me", "/v1/me", tech_a_->text);
  call("GET", "/v1/me", "/v1/me", operator_->text);
  call("GET", "/v1/me", "/v1/me", "rxg_not-a-token");
  auto doc_answer = call("GET", "/v1/openapi.json", "/v1/openapi.json", "");
  ASSERT_EQ(doc_answer.status, 200u);
  dom::element doc = doc_answer.json;
  EXPECT_EQ(s(doc["openapi"]).rfind("3.", 0), 0u);

  std::vector<std::string> problems;
  std::set<std::string> covered;
  std::vector<recorded> answers;
  {
    std::lock_guard lock(g_recorded_mutex);
    answers = g_recorded;
  }
  for (const auto& r : answers) {
    std::string method = r.method;
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    dom::element op;
    if (doc["paths"][r.path_template][method].get(op) != simdjson::SUCCESS) {
      problems.push_back(r.method + " " + r.path_template + ": not in the document");
      continue;
    }
    dom::element schema;
    if (op["responses"][std::to_string(r.status)]["content"]["application/json"]["schema"].get(schema) !=
        simdjson::SUCCESS) {
      problems.push_back(r.method + " " + r.path_template + " " + std::to_string(r.status) + ": answer not documented");
      continue;
    }
    dom::parser parser;
    dom::element value;
    if (parser.parse(r.body).get(value) != simdjson::SUCCESS) {
      problems.push_back(r.method + " " + r.path_template + ": answer is not JSON");
      continue;
    }
    check_schema(doc, value, schema, r.method + " " + r.path_template + " " + std::to_string(r.status), problems);
    covered.insert(method + " " + r.path_template);
  }
  // Every documented operation was exercised by a real answer.
  for (auto [path, item] : dom::object(doc["paths"]))
    for (auto [method, op] : dom::object(item))
      EXPECT_TRUE(covered.count(std::string(method) + " " + std::string(path)))
          << method << " " << path << " has no real answer checked";
  for (const auto& p : problems) ADD_FAILURE() << p;
}

// ---- logs ----------------------------------------------------------------------------------------

TEST_F(status_api_test, no_patient_data_in_any_log_line) {
  for (auto id : {claim_79(), claim_76(), claim_88(), claim_41(), claim_at_b()}) {
    get_claim(id, *tech_a_);
    get_claim(id, *operator_);
  }
  call("GET", "/v1/claims", "/v1/claims?pharmacy=" + std::string(pharmacy_a), tech_a_->text);
  call("GET", "/v1/prior-authorizations", "/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1002&person_code=001", operator_->text);
  send(b1(nobody(), {{next_rx(), std::string(atorvastatin_20), 30, 30, 300}}));
  call("GET", "/v1/members/{bin}/{cardholder}/accumulators", "/v1/members/610997/HDHP2001/accumulators?person=003",
       operator_->text);
  spdlog::default_logger()->flush();
  const std::string logs = log_text_.str();
  ASSERT_NE(logs.find("\"status_api\""), std::string::npos) << "the API logged nothing: the scan would prove nothing";
  for (const member& m : {alex(), morgan(), chris(), nobody(), demo_member(3), demo_member(6)}) {
    for (const std::string& phi : {m.cardholder, m.dob, m.first, m.last})
      EXPECT_EQ(logs.find(phi), std::string::npos) << "patient data \"" << phi << "\" in the logs";
  }
  EXPECT_EQ(logs.find("OTH5550001"), std::string::npos) << "other payer cardholder ID in the logs";
  EXPECT_EQ(logs.find("HDHP2001"), std::string::npos) << "a member's cardholder ID in the logs";
  for (const auto* t : {tech_a_, tech_b_, operator_})
    EXPECT_EQ(logs.find(t->text), std::string::npos) << "a bearer token in the logs";
}

TEST_F(status_api_test, diagnosis_39_lists_the_diagnoses_the_drug_is_covered_for) {
  // Dulaglutide is covered for E11* (type 2 diabetes) only; the harness sends no clinical segment.
  const auto id = rejected_claim(alex(), {next_rx(), "90001000707", 4, 28, 90000}, "39");
  auto a = get_claim(id, *tech_a_);
  ASSERT_EQ(a.status, 200u) << a.body;
  auto r = reject_of(a, "39");
  EXPECT_EQ(s(r["field"]["id"]), "DO");
  auto h = r["help"];
  EXPECT_EQ(s(h["kind"]), "diagnosis_required");
  EXPECT_EQ(s(h["diagnosis_codes"].at(0)), "E11");
  EXPECT_NE(s(h["what_to_do"]).find("424-DO"), std::string::npos);
}

// The help of the codes a gateway claim of this suite cannot easily reach (a transition member's
// date, the level of service, compounds), from a stored record and the demo plan directly.
struct help_fixture {
  std::shared_ptr<const rules::plan_set> plans = rules::load_plans(source_root() / "config/plans");
  const rules::plan* plan = plans->route("610999", "RXGDEMO", "DEMO01", codec::date{2026, 6, 1}).found;
  store::claim_record rec;
  codec::claim claim;
  std::string help(std::string_view code) {
    server::status::claim_context x{rec};
    x.plan = plan;
    x.claim = &claim;
    std::string out;
    codec::json_writer j(out);
    j.begin_object();
    server::status::write_code_help(j, code, x, "8005550100");
    j.end_object();
    return out;
  }
};

TEST(code_help, transition_and_emergency_days_supply) {
  help_fixture f;
  f.rec.days_supply = 31;
  const auto rl = f.help("RL");
  EXPECT_NE(rl.find(R"("kind":"transition_fill","max_days_supply":30,"submitted_days_supply":31)"), std::string::npos) << rl;
  EXPECT_NE(rl.find("up to 30 days"), std::string::npos) << rl;
  f.rec.days_supply = 4;
  const auto tn = f.help("TN");
  EXPECT_NE(tn.find(R"("kind":"emergency_fill","max_days_supply":3,"submitted_days_supply":4)"), std::string::npos) << tn;
  EXPECT_NE(tn.find("418-DI"), std::string::npos) << tn;
}

TEST(code_help, compound_cost_cap_and_ingredients) {
  help_fixture f;
  f.claim.compound_code = 2;
  f.claim.ingredient_count = 2;
  f.claim.ingredients[0].product_id = "90001001308";  // excluded powder
  f.claim.ingredients[1].product_id = "90001001301";  // ketoprofen, paid
  const auto cap = f.help("78");
  EXPECT_NE(cap.find(R"("kind":"compound_cost","max_amount":1000)"), std::string::npos) << cap;
  EXPECT_NE(cap.find("at most 1000"), std::string::npos) << cap;
  const auto none = f.help("8A");
  EXPECT_NE(none.find(R"x({"product_id":"90001001308","name":"FLURBIPROFEN POWDER (GRAM)","paid_by_plan":false})x"),
            std::string::npos) << none;
  EXPECT_NE(none.find(R"("paid_by_plan":true)"), std::string::npos) << none;
  f.claim.compound_code = 1;  // 78 on a single product: the catalog's fix, no compound help
  EXPECT_EQ(f.help("78"), "{}");
}

}  // namespace
}  // namespace rxgate::test
