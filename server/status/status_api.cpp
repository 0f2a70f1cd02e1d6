// The status API's router: the token check, which handler answers which route, the per-request
// log line; and the read-only handlers for claims (by id, search), reject codes and the pharmacy
// summary. The claim page itself is claim_view.cpp, per-code help code_help.cpp, prior
// authorizations prior_authorizations.cpp.
#include "server/status/status_api.h"

#include <chrono>
#include <string>
#include <vector>

#include "codec/json_writer.h"
#include "rules/reject_catalog.h"
#include "server/core/log.h"
#include "server/status/api_call.h"
#include "server/status/claim_view.h"
#include "server/status/code_names.h"

namespace rxgate::server {

using status::audit_error;
using status::audited;
using status::audited_filter;
using status::error_reply;
using status::json_reply;
using status::not_found;
using status::parse_id;
using status::parse_query;
using status::percent_decode;
using status::query_params;
using status::status_name;
using status::store_unavailable;
using status::today_utc;
using status::valid_date;

namespace status {

api_reply json_reply(unsigned status, std::string body) {
  api_reply r;
  r.status = status;
  body.push_back('\n');
  r.body = std::move(body);
  return r;
}

api_reply error_reply(unsigned status, std::string_view message) {
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("error", message).end_object();
  return json_reply(status, std::move(out));
}

api_reply not_found() { return error_reply(404, "not found"); }

api_reply store_unavailable() { return error_reply(503, "claims store unavailable; retry shortly"); }

constexpr std::size_t audited_value_max = 64;
std::string audited(std::string_view value) {
  if (value.size() <= audited_value_max) return std::string(value);
  return std::string(value.substr(0, audited_value_max)) + "...";
}
std::string audited_filter(const std::optional<std::string>& value) { return audited(value.value_or("")); }

void audit_error(store::access_store& access, const store::reader_identity& who, std::string_view action,
                 std::optional<std::int64_t> claim_id, std::string_view detail) {
  if (auto a = access.audit(who, action, claim_id, detail, "error"))
    log::warn("status_api_audit_failed").str("action", action).str("error", a.message);
}

}  // namespace status

namespace {

api_reply unauthorized(auth_result result) {
  auto r = error_reply(401, unauthorized_message(result));
  r.headers.emplace_back("WWW-Authenticate", unauthorized_challenge(result));
  return r;
}

}  // namespace


store::reader_identity status_api::call::identity() const {
  store::reader_identity r;
  if (who) {
    r.actor = who->actor();
    r.token_id = who->token_id;
  }
  r.remote = std::string(request.remote);
  return r;
}

status_api::status_api(std::shared_ptr<store::claim_reader> reader, std::shared_ptr<store::access_store> access,
                       plan_accessor plans, status_api_options options,
                       std::shared_ptr<store::accumulator_store> accumulators,
                       std::shared_ptr<store::worklist_store> worklist,
                       std::shared_ptr<store::pa_review_store> pa_reviews)
    : reader_(std::move(reader)),
      access_(std::move(access)),
      plans_(std::move(plans)),
      options_(options),
      accumulators_(std::move(accumulators)),
      worklist_(std::move(worklist)),
      pa_reviews_(std::move(pa_reviews)) {}

void status_api::warm() const noexcept {
  if (reader_) reader_->warm();
}

bool status_api::is_status_route(std::string_view method, std::string_view target) noexcept {
  const auto path = target.substr(0, target.find('?'));
  if (path == "/v1/claims") return method != "POST";  // POST /v1/claims is the JSON claim route
  return path.starts_with("/v1/claims/") || path == "/v1/reject-codes" || path.starts_with("/v1/reject-codes/") ||
         path.starts_with("/v1/pharmacies/") || path == "/v1/prior-authorizations" ||
         path.starts_with("/v1/prior-authorizations/") || path.starts_with("/v1/members/") ||
         path.starts_with("/v1/worklist/") || path == "/v1/openapi.json" || path == "/v1/me";
}

std::optional<api_reply> status_api::handle(const api_request& request) const noexcept {
  if (!is_status_route(request.method, request.target)) return std::nullopt;
  const auto started = std::chrono::steady_clock::now();
  try {
    const auto q = request.target.find('?');
    call c{request, request.target.substr(0, q),
           q == std::string_view::npos ? query_params{} : parse_query(request.target.substr(q + 1)), "other",
           std::nullopt, 0, {}};
    api_reply reply = route(c);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    auto line = log::info("status_api");
    line.str("route", c.route).num("status", static_cast<std::int64_t>(reply.status)).num("ms", ms);
    if (c.claim_id) line.num("claim_id", c.claim_id);
    if (!c.pharmacy.empty()) line.str("pharmacy", c.pharmacy);
    if (c.who) line.num("token_id", c.who->token_id);
    reply.route = c.route;
    return reply;
  } catch (const std::exception& e) {
    log::error("status_api_failed").str("error", e.what());
    return error_reply(500, "internal error");
  } catch (...) {
    return error_reply(500, "internal error");
  }
}

std::optional<api_reply> status_api::refuse_unless_operator(std::string_view authorization) const noexcept {
  try {
    principal p;
    store::error why;
    switch (const auto result = authenticate(*access_, authorization, p, why)) {
      case auth_result::ok:
        if (!p.is_operator_or_admin()) return error_reply(403, "operator data: an operator token is required");
        return std::nullopt;
      case auth_result::missing:
      case auth_result::invalid:
      case auth_result::expired:
        return unauthorized(result);
      case auth_result::unavailable:
        log::warn("operator_auth_unavailable").str("error", why.message);
        break;
    }
  } catch (...) {
  }
  return error_reply(503, "token check unavailable; retry shortly");
}

std::optional<api_reply> status_api::authenticate_call(call& c) const {
  principal p;
  store::error why;
  switch (const auto result = authenticate(*access_, c.request.authorization, p, why)) {
    case auth_result::ok:
      c.who = std::move(p);
      return std::nullopt;
    case auth_result::missing:
    case auth_result::invalid:
    case auth_result::expired:
      c.route = "unauthorized";
      return unauthorized(result);
    case auth_result::unavailable:
      break;
  }
  c.route = "unavailable";
  log::warn("status_api_auth_unavailable").str("error", why.message);
  return error_reply(503, "token check unavailable; retry shortly");
}

api_reply status_api::route(call& c) const {
  const auto method = c.request.method;
  const auto path = c.path;
  if (path == "/v1/openapi.json") {
    c.route = "/v1/openapi.json";
    if (method != "GET") return error_reply(405, "use GET");
    api_reply r;
    r.body = std::string(openapi_document());
    return r;
  }
  if (path == "/v1/reject-codes" || path.starts_with("/v1/reject-codes/")) {
    c.route = "/v1/reject-codes";
    if (method != "GET") return error_reply(405, "use GET");
    return reject_codes(c, path.size() > 16 ? path.substr(17) : std::string_view{});
  }

  // A claim by id checks its token in its own statement (get_claim); everything else needs a token.
  if (path.starts_with("/v1/claims/") && method == "GET") {
    c.route = "/v1/claims/{id}";
    return get_claim(c, path.substr(11));
  }
  if (auto refused = authenticate_call(c)) return std::move(*refused);

  if (path == "/v1/me") {
    c.route = "/v1/me";
    if (method != "GET") return error_reply(405, "use GET");
    return token_self(c);
  }
  if (path == "/v1/claims") {
    c.route = "/v1/claims";
    if (method != "GET") return error_reply(405, "use GET");
    return search_claims(c);
  }
  if (path.starts_with("/v1/claims/")) {
    c.route = "/v1/claims/{id}";
    return error_reply(405, "use GET");
  }
  if (path.starts_with("/v1/pharmacies/")) {
    auto rest = path.substr(15);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return not_found();
    const auto what = rest.substr(slash);
    if (what == "/summary") c.route = "/v1/pharmacies/{id}/summary";
    else if (what == "/worklist") c.route = "/v1/pharmacies/{id}/worklist";
    else if (what == "/worklist/counts") c.route = "/v1/pharmacies/{id}/worklist/counts";
    else return not_found();
    if (method != "GET") return error_reply(405, "use GET");
    if (what == "/summary") return pharmacy_summary(c, rest.substr(0, slash));
    return worklist_list(c, rest.substr(0, slash), what == "/worklist/counts");
  }
  if (path.starts_with("/v1/worklist/")) return worklist_route(c, path.substr(13));
  if (path.starts_with("/v1/members/")) {
    c.route = "/v1/members/{bin}/{cardholder}/accumulators";
    return member_accumulators_route(c, path.substr(12));
  }
  if (path == "/v1/prior-authorizations" || path.starts_with("/v1/prior-authorizations/")) {
    c.route = "/v1/prior-authorizations";
    if (auto review = pa_review_route(c)) return std::move(*review);
    if (!c.who->manages_prior_authorizations()) return refuse_prior_authorizations(c, path == "/v1/prior-authorizations");
    if (path == "/v1/prior-authorizations") {
      if (method == "POST") return create_prior_authorization(c);
      if (method == "GET") return list_prior_authorizations(c);
      return error_reply(405, "use GET or POST");
    }
    if (method != "DELETE") return error_reply(405, "use DELETE");
    return revoke_prior_authorization(c, path.substr(25));
  }
  return not_found();
}

api_reply status_api::reject_codes(call&, std::string_view code) const {
  auto write = [](codec::json_writer& j, const rules::reject_info& r) {
    j.begin_object().field("code", r.code).field("short_name", r.short_name).field("category", r.category);
    j.field_or_null("explanation", r.explanation).field_or_null("fix", r.fix);
    j.key("fields").begin_array();
    auto f = r.fields;
    while (!f.empty()) {
      const auto sp = f.find(' ');
      if (sp != 0) j.value(f.substr(0, sp));
      if (sp == std::string_view::npos) break;
      f.remove_prefix(sp + 1);
    }
    j.end_array().end_object();
  };
  std::string out;
  codec::json_writer j(out);
  if (!code.empty()) {
    const auto* r = rules::find_reject(percent_decode(code));
    if (!r) return not_found();
    write(j, *r);
    return json_reply(200, std::move(out));
  }
  j.begin_object().key("reject_codes").begin_array();
  for (const auto& r : rules::all_rejects()) write(j, r);
  j.end_array().end_object();
  return json_reply(200, std::move(out));
}

// One statement checks the token, reads the claim and audits the read (reader.h
// token_claim_read): one round trip where the token check and the audit row would take two more.
// When that statement fails, the token is checked on its own and the failure audited against it.
api_reply status_api::get_claim(call& c, std::string_view id_text) const {
  std::int64_t id = 0;
  const auto token = bearer_token(c.request.authorization);
  if (!parse_id(id_text, id) || token.empty() || token.size() > max_token_size) {
    if (auto refused = authenticate_call(c)) return std::move(*refused);
    return not_found();
  }
  store::token_claim_read in;
  in.token = digest_of(token);
  in.claim_id = id;
  in.with_raw_bytes = true;
  in.remote = std::string(c.request.remote);
  in.synchronous_commit = access_->audit_synchronous_commit();
  store::token_claim_result out;
  if (auto e = reader_->claim_for_token(in, out)) {
    log::warn("status_api_read_failed").num("claim_id", id).str("error", e.message);
    if (auto refused = authenticate_call(c)) return std::move(*refused);
    c.claim_id = id;
    audit_error(*access_, c.identity(), "get", id, "");
    return store_unavailable();
  }
  if (!out.token || out.token->expired) {
    c.route = "unauthorized";
    return unauthorized(out.token ? auth_result::expired : auth_result::invalid);
  }
  principal who;
  who.token_id = out.token->id;
  who.name = std::move(out.token->name);
  who.role = out.token->role;
  who.pharmacies = std::move(out.token->pharmacies);
  c.who = std::move(who);
  c.claim_id = id;
  c.pharmacy = out.provider_id;
  if (out.outcome == "not_found") return not_found();
  // A denied read gets the answer of a claim that does not exist; the audit log knows the
  // difference. The statement decided the scope; principal::may_see must agree before anything
  // is shown (status_api_test pins both for every role). Should they ever disagree, nothing is
  // shown and a second row says the read was denied after all.
  if (out.outcome != "ok") return not_found();
  if (!c.who->may_see(out.claim.provider_id)) {
    log::error("status_api_scope_mismatch").num("claim_id", id);
    if (auto a = access_->audit(c.identity(), "get", id, "pharmacy=" + out.claim.provider_id, "denied"))
      log::warn("status_api_audit_failed").num("claim_id", id).str("error", a.message);
    return not_found();
  }
  const auto plans = plans_ ? plans_() : nullptr;
  return json_reply(200, status::claim_view_json(out.claim, out.claim.history, plans.get()));
}

api_reply status_api::search_claims(call& c) const {
  store::search_filter f;
  const auto& q = c.query;
  f.limit = options_.default_page_size;
  if (auto l = q.value("limit")) {
    std::int64_t n = 0;
    if (!parse_id(*l, n) || n > options_.max_page_size)
      return error_reply(400, "limit must be 1.." + std::to_string(options_.max_page_size));
    f.limit = static_cast<int>(n);
  }
  for (const char* d : {"from", "to"})
    if (auto v = q.value(d); v && !valid_date(*v)) return error_reply(400, std::string(d) + " must be YYYY-MM-DD");
  if (auto s = q.value("status"); s && s->size() != 1) return error_reply(400, "status is one letter (P, D, R, A, S ...)");
  f.pharmacy = q.value("pharmacy");
  f.rx_number = q.value("rx");
  f.status = q.value("status");
  f.reject_code = q.value("reject");
  f.product_id = q.value("product");
  f.from = q.value("from");
  f.to = q.value("to");
  f.cursor = q.get("cursor").value_or("");
  if (f.pharmacy) c.pharmacy = *f.pharmacy;

  store::search_page page;
  const bool sees_all = c.who->sees_every_pharmacy();
  std::string detail = "pharmacy=" + audited_filter(f.pharmacy) + " rx=" + audited_filter(f.rx_number) +
                       " status=" + audited_filter(f.status) + " reject=" + audited_filter(f.reject_code) +
                       " product=" + audited_filter(f.product_id) + " from=" + audited_filter(f.from) +
                       " to=" + audited_filter(f.to);
  // A technician sees only its pharmacies: a pharmacy filter outside them, or a token without
  // any, finds nothing (and says nothing about what exists); the audit log says it was refused.
  const bool nothing = !sees_all && (c.who->role != store::access_role::technician || c.who->pharmacies.empty() ||
                                     (f.pharmacy && !c.who->may_see(*f.pharmacy)));
  if (nothing) {
    if (auto a = access_->audit(c.identity(), "search", std::nullopt, detail, "denied"))
      return error_reply(503, "audit log unavailable; nothing was shown");
  } else {
    if (!sees_all) f.allowed_pharmacies = c.who->pharmacies;
    // The search writes its own audit row, with the ids it found, in the same statement.
    f.audit = store::search_audit{c.identity(), detail + " ids=", access_->audit_synchronous_commit()};
    if (auto e = reader_->search(f, page)) {
      audit_error(*access_, c.identity(), "search", std::nullopt, detail);
      if (e.code == store::errc::invalid) return error_reply(400, e.message);
      log::warn("status_api_search_failed").str("error", e.message);
      return store_unavailable();
    }
  }

  std::string out;
  codec::json_writer j(out);
  j.begin_object().key("claims").begin_array();
  for (const auto& s : page.claims) {
    j.begin_object().field("id", s.id).field("date_of_service", s.date_of_service).field("received_at", s.received_at);
    j.field("transaction_code", s.transaction_code).field("pharmacy", s.provider_id).field("rx_number", s.rx_number);
    j.field("fill_number", s.fill_number).field("status", std::string_view(&s.status, 1)).field("status_name", status_name(s.status));
    j.field_or_null("product_id", s.product_id).field_or_null("product_name", s.product_name);
    j.key("reject_codes").begin_array();
    for (const auto& code : s.reject_codes) j.value(code);
    j.end_array();
    j.money_or_null("total_paid", s.total_paid).end_object();
  }
  j.end_array();
  j.field_or_null("next_cursor", page.next_cursor).field("limit", f.limit).end_object();
  return json_reply(200, std::move(out));
}

// What the token itself is: the console's pharmacy suggestions come from here, not from a search
// (an unfiltered search of an operator sorts every claim). It reads no claim, so no audit row.
api_reply status_api::token_self(call& c) const {
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("token_id", c.who->token_id).field("name", c.who->name);
  j.field("role", store::to_string(c.who->role)).field("every_pharmacy", c.who->sees_every_pharmacy());
  j.key("pharmacies").begin_array();
  // The contract is an empty list beside every_pharmacy, whatever rows the token table holds
  // (`rxgate token create` refuses pharmacies for these roles; a row added by hand is not shown).
  if (!c.who->sees_every_pharmacy())
    for (const auto& p : c.who->pharmacies) j.value(p);
  j.end_array().end_object();
  return json_reply(200, std::move(out));
}

api_reply status_api::pharmacy_summary(call& c, std::string_view pharmacy_text) const {
  const std::string pharmacy = percent_decode(pharmacy_text);
  c.pharmacy = pharmacy;
  const auto today = today_utc();
  const std::string from = c.query.value("from").value_or(today);
  const std::string to = c.query.value("to").value_or(from > today ? from : today);
  const std::string detail = "pharmacy=" + audited(pharmacy) + " from=" + audited(from) + " to=" + audited(to);
  if (pharmacy.empty() || !c.who->may_see(pharmacy)) {
    // Same answer as a pharmacy with no claims; the audit log knows it was refused.
    if (auto a = access_->audit(c.identity(), "summary", std::nullopt, detail, "denied"))
      return error_reply(503, "audit log unavailable");
    return not_found();
  }
  if (!valid_date(from) || !valid_date(to)) return error_reply(400, "from and to must be YYYY-MM-DD");
  store::pharmacy_summary s;
  if (auto e = reader_->summary(pharmacy, from, to, s)) {
    audit_error(*access_, c.identity(), "summary", std::nullopt, detail);
    if (e.code == store::errc::invalid) return error_reply(400, e.message);
    log::warn("status_api_summary_failed").str("error", e.message);
    return store_unavailable();
  }
  if (auto a = access_->audit(c.identity(), "summary", std::nullopt, detail, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");
  std::int64_t total = 0;
  for (const auto& [status, n] : s.by_status) total += n;
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("pharmacy", pharmacy).field("from", from).field("to", to).field("claims", total);
  j.key("by_status").begin_array();
  for (const auto& [status, n] : s.by_status)
    j.begin_object().field("status", std::string_view(&status, 1)).field("status_name", status_name(status)).field("count", n).end_object();
  j.end_array().key("top_rejects").begin_array();
  int shown = 0;
  for (const auto& [code, n] : s.top_reject_codes) {
    if (shown++ == options_.summary_top_rejects) break;
    const auto* info = rules::find_reject(code);
    j.begin_object().field("code", code).field("short_name", info ? info->short_name : std::string_view("Unknown reject code"));
    j.field("count", n).end_object();
  }
  j.end_array().end_object();
  return json_reply(200, std::move(out));
}

}  // namespace rxgate::server
