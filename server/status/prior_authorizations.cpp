// Prior authorizations on file (operators and admins only): POST creates one with a fresh PA
// number, GET lists a member's, DELETE revokes one. Every action is audited with how it ended
// (pa_create, pa_list, pa_revoke: ok, denied for another role, not_found, error when the store
// failed); a malformed body or query answers 400 before anything is read and is not audited.
//
// Requests filed over the wire (P1/P4, issue 15) are reviewed here too: GET ?state=pending lists
// them (reviewers, operators, admins), POST /{id}/approve and /{id}/deny decide one (reviewers and
// admins); only a pending request can be decided (409 otherwise). Audited as pa_pending,
// pa_approve, pa_deny with ok, denied, not_found, conflict or error.
#include <simdjson.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "codec/json_writer.h"
#include "server/core/log.h"
#include "server/status/api_call.h"

namespace rxgate::server {

namespace dom = simdjson::dom;
using status::error_reply;
using status::json_reply;
using status::not_found;
using status::parse_id;
using status::today_utc;
using status::valid_date;

namespace {

// `more` adds fields before the object closes (the pending list's state and request).
template <class More = void (*)(codec::json_writer&)>
void write_prior_authorization(codec::json_writer& j, const store::prior_authorization_record& p,
                               More more = [](codec::json_writer&) {}) {
  j.begin_object().field("id", p.id).field("number", p.number).field("bin", p.bin);
  j.field("cardholder_id", p.cardholder_id).field_or_null("person_code", p.person_code);
  j.field_or_null("product_id", p.product_id).field_or_null("therapeutic_class", p.therapeutic_class);
  j.field("effective", p.effective).field("expires", p.expires);
  if (p.max_quantity) j.key("max_quantity").decimal(p.max_quantity, 3); else j.key("max_quantity").null();
  j.field("source", p.source).field_or_null("created_by", p.created_by).field("created_at", p.created_at);
  j.field_or_null("revoked_at", p.revoked_at).field_or_null("revoked_by", p.revoked_by);
  more(j);
  j.end_object();
}

// An audit row of a PA action whose answer is already decided: a failing audit only logs.
void audit_pa(store::access_store& access, const store::reader_identity& who, std::string_view action,
              std::string_view detail, std::string_view outcome) {
  if (auto a = access.audit(who, action, std::nullopt, detail, outcome))
    log::warn("status_api_audit_failed").str("action", action).str("error", a.message);
}

// The audit action of a PA request by its method; "pa" for a method the route refuses anyway.
std::string_view pa_action(std::string_view method, bool collection) {
  if (collection && method == "POST") return "pa_create";
  if (collection && method == "GET") return "pa_list";
  if (!collection && method == "DELETE") return "pa_revoke";
  return "pa";
}

// A PA review body: a JSON object of string values (max_quantity a number), keys from `allowed`.
// Returns an error message, empty when the body was read.
std::string read_review_body(std::string_view body, std::initializer_list<std::string_view> allowed,
                             std::string& effective, std::string& expires, std::int64_t& max_quantity,
                             std::string& reason) {
  dom::parser parser;
  dom::object object;
  if (parser.parse(body.data(), body.size()).get(object) != simdjson::SUCCESS) return "body must be a JSON object";
  for (auto [k, v] : object) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return "unknown key " + std::string(k);
    if (k == "max_quantity") {
      double q = 0;
      if (v.get_double().get(q) != simdjson::SUCCESS || q < 0 || q > 1e9)
        return "max_quantity must be a non-negative number";
      max_quantity = static_cast<std::int64_t>(q * 1000 + 0.5);
      continue;
    }
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS || s.size() > 200)
      return std::string(k) + " must be a string of at most 200 characters";
    if (k == "effective") effective = s;
    else if (k == "expires") expires = s;
    else if (k == "reason") reason = s;
  }
  return {};
}

// A pending request: the PA as write_prior_authorization() writes it (so one schema,
// PriorAuthorization, describes both lists), with its state and the request that filed it.
void write_pending(codec::json_writer& j, const store::pa_request_record& p) {
  write_prior_authorization(j, p.pa, [&](codec::json_writer& w) {
    w.field("state", "pending");
    w.key("request").begin_object().field_or_null("type", p.request_type).field_or_null("basis", p.basis);
    w.field_or_null("transaction_code", p.transaction_code).field_or_null("provider_id", p.provider_id);
    w.field_or_null("rx_number", p.rx_number).field_or_null("date_of_service", p.date_of_service).end_object();
  });
}

// A list of PAs as shown: its ids audited under `action` first (nothing is shown when the audit
// row cannot be written), then {"prior_authorizations": [...]}.
template <class Record, class IdOf, class Write>
api_reply audited_list(store::access_store& access, const store::reader_identity& who, std::string_view action,
                       const std::vector<Record>& list, IdOf id_of, Write write) {
  std::string ids;
  for (const auto& p : list) ids += (ids.empty() ? "" : ",") + std::to_string(id_of(p));
  if (auto a = access.audit(who, action, std::nullopt, "pas=" + ids, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");
  std::string out;
  codec::json_writer j(out);
  j.begin_object().key("prior_authorizations").begin_array();
  for (const auto& p : list) write(j, p);
  j.end_array().end_object();
  return json_reply(200, std::move(out));
}

}  // namespace

std::optional<api_reply> status_api::pa_review_route(call& c) const {
  const auto method = c.request.method;
  const auto path = c.path;
  if (path == "/v1/prior-authorizations") {
    if (method != "GET" || !c.query.get("state")) return std::nullopt;
    c.route = "/v1/prior-authorizations?state";
    if (!c.who->sees_pending_prior_authorizations()) {
      audit_pa(*access_, c.identity(), "pa_pending", "refused for the role", "denied");
      return error_reply(403, "pending prior authorizations are for reviewers, operators and admins");
    }
    return pending_prior_authorizations(c);
  }
  // /v1/prior-authorizations/{id}/approve | deny
  const auto rest = path.substr(25);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto what = rest.substr(slash + 1);
  if (what != "approve" && what != "deny") return std::nullopt;
  c.route = what == "approve" ? "/v1/prior-authorizations/{id}/approve" : "/v1/prior-authorizations/{id}/deny";
  const std::string_view action = what == "approve" ? "pa_approve" : "pa_deny";
  if (method != "POST") return error_reply(405, "use POST");
  if (!c.who->decides_prior_authorizations()) {
    audit_pa(*access_, c.identity(), action, "pa=" + status::audited(rest.substr(0, slash)) + " refused for the role",
             "denied");
    return error_reply(403, "prior authorization requests are decided by reviewers and admins");
  }
  return decide_prior_authorization(c, rest.substr(0, slash), what == "approve");
}

api_reply status_api::pending_prior_authorizations(call& c) const {
  if (c.query.get("state") != "pending") return error_reply(400, "state must be pending");
  if (!pa_reviews_) return error_reply(503, "prior authorization reviews are not configured");
  std::int64_t limit = 100;
  if (const auto l = c.query.value("limit")) {
    if (!parse_id(*l, limit) || limit > 500) return error_reply(400, "limit must be 1..500");
  }
  std::vector<store::pa_request_record> list;
  if (auto e = pa_reviews_->pending(static_cast<int>(limit), list)) {
    audit_pa(*access_, c.identity(), "pa_pending", "store failed", "error");
    return status::store_unavailable();
  }
  return audited_list(*access_, c.identity(), "pa_pending", list, [](const auto& p) { return p.pa.id; }, write_pending);
}

api_reply status_api::decide_prior_authorization(call& c, std::string_view id_text, bool approve) const {
  const std::string_view action = approve ? "pa_approve" : "pa_deny";
  const auto detail = "pa=" + status::audited(id_text);
  std::string effective, expires, reason;
  std::int64_t max_quantity = 0;
  const auto problem = approve ? read_review_body(c.request.body, {"effective", "expires", "max_quantity"}, effective,
                                                  expires, max_quantity, reason)
                               : read_review_body(c.request.body, {"reason"}, effective, expires, max_quantity, reason);
  if (!problem.empty()) return error_reply(400, problem);
  if (approve) {
    if (effective.empty()) effective = today_utc();
    if (!valid_date(effective) || !valid_date(expires)) return error_reply(400, "effective and expires must be YYYY-MM-DD");
    if (expires < effective) return error_reply(400, "expires is before effective");
  } else if (reason.empty()) {
    return error_reply(400, "reason is required");
  }
  std::int64_t id = 0;
  if (!parse_id(id_text, id)) {
    audit_pa(*access_, c.identity(), action, detail, "not_found");
    return not_found();
  }
  if (!pa_reviews_) return error_reply(503, "prior authorization reviews are not configured");
  store::pa_review_outcome outcome;
  const auto e = approve ? pa_reviews_->approve(id, effective, expires, max_quantity, c.who->actor(), outcome)
                         : pa_reviews_->deny(id, reason, c.who->actor(), outcome);
  if (e.code == store::errc::not_found) {
    audit_pa(*access_, c.identity(), action, detail, "not_found");
    return not_found();
  }
  if (e.code == store::errc::conflict) {
    audit_pa(*access_, c.identity(), action, detail, "conflict");
    return error_reply(409, "only a pending prior authorization can be decided");
  }
  if (e.code == store::errc::invalid) return error_reply(400, e.message);
  if (e) {
    log::warn("status_api_pa_decide_failed").str("error", e.message);
    audit_pa(*access_, c.identity(), action, detail, "error");
    return status::store_unavailable();
  }
  audit_pa(*access_, c.identity(), action, detail, "ok");
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("id", outcome.id).field("number", outcome.number).field("state", outcome.state);
  if (approve) {
    j.field("effective", outcome.effective).field("expires", outcome.expires);
    if (outcome.max_quantity) j.key("max_quantity").decimal(outcome.max_quantity, 3); else j.key("max_quantity").null();
  } else {
    j.field("denial_reason", outcome.denial_reason);
  }
  j.field("reviewed_by", outcome.reviewed_by).field("reviewed_at", outcome.reviewed_at).end_object();
  return json_reply(200, std::move(out));
}

api_reply status_api::refuse_prior_authorizations(call& c, bool collection) const {
  // The attempt is audited without the member: `detail` never holds patient data.
  audit_pa(*access_, c.identity(), pa_action(c.request.method, collection), "refused for the role", "denied");
  return error_reply(403, "prior authorizations are for operators");
}

api_reply status_api::create_prior_authorization(call& c) const {
  // {"bin","cardholder_id","person_code","product_id"|"therapeutic_class","effective","expires","max_quantity"}
  dom::parser parser;
  dom::object body;
  if (parser.parse(c.request.body.data(), c.request.body.size()).get(body) != simdjson::SUCCESS)
    return error_reply(400, "body must be a JSON object");
  store::prior_authorization_record pa;
  for (auto [k, v] : body) {
    std::string_view s;
    if (k == "max_quantity") {
      double q = 0;
      if (v.get_double().get(q) != simdjson::SUCCESS || q < 0 || q > 1e9)
        return error_reply(400, "max_quantity must be a non-negative number");
      pa.max_quantity = static_cast<std::int64_t>(q * 1000 + 0.5);
      continue;
    }
    if (v.get_string().get(s) != simdjson::SUCCESS || s.size() > 40)
      return error_reply(400, std::string(k) + " must be a string of at most 40 characters");
    if (k == "bin") pa.bin = s;
    else if (k == "cardholder_id") pa.cardholder_id = s;
    else if (k == "person_code") pa.person_code = s;
    else if (k == "product_id") pa.product_id = s;
    else if (k == "therapeutic_class") pa.therapeutic_class = s;
    else if (k == "effective") pa.effective = s;
    else if (k == "expires") pa.expires = s;
    else return error_reply(400, "unknown key " + std::string(k));
  }
  if (pa.bin.size() != 6) return error_reply(400, "bin (6 digits) is required");
  if (pa.cardholder_id.empty()) return error_reply(400, "cardholder_id is required");
  if (pa.product_id.empty() == pa.therapeutic_class.empty())
    return error_reply(400, "give exactly one of product_id and therapeutic_class");
  if (pa.effective.empty()) pa.effective = today_utc();
  if (!valid_date(pa.effective) || !valid_date(pa.expires)) return error_reply(400, "effective and expires must be YYYY-MM-DD");
  if (pa.expires < pa.effective) return error_reply(400, "expires is before effective");
  pa.source = "operator";
  pa.created_by = c.who->actor();
  if (auto e = access_->next_prior_authorization_number(pa.number)) {
    audit_pa(*access_, c.identity(), "pa_create", "number unavailable", "error");
    return error_reply(503, "prior authorization numbers unavailable; retry shortly");
  }
  if (auto e = reader_->create_prior_authorization(pa)) {
    if (e.code == store::errc::invalid) return error_reply(400, e.message);
    log::warn("status_api_pa_create_failed").str("error", e.message);
    audit_pa(*access_, c.identity(), "pa_create", "store failed", "error");
    return status::store_unavailable();
  }
  audit_pa(*access_, c.identity(), "pa_create", "pa=" + std::to_string(pa.id), "ok");
  std::string out;
  codec::json_writer j(out);
  write_prior_authorization(j, pa);
  return json_reply(201, std::move(out));
}

api_reply status_api::list_prior_authorizations(call& c) const {
  // A member is (BIN, cardholder ID, person code), as the PA was issued for.
  const auto cardholder = c.query.value("cardholder_id");
  const auto bin = c.query.value("bin");
  if (!cardholder || !bin) return error_reply(400, "bin and cardholder_id are required (person_code as on the PA)");
  const bool include_revoked = c.query.get("include_revoked").value_or("true") != "false";
  std::vector<store::prior_authorization_record> list;
  if (auto e = reader_->list_prior_authorizations(*bin, *cardholder,
                                                   c.query.value("person_code").value_or(""), include_revoked, list)) {
    if (e.code == store::errc::invalid) return error_reply(400, e.message);
    audit_pa(*access_, c.identity(), "pa_list", "store failed", "error");
    return status::store_unavailable();
  }
  return audited_list(
      *access_, c.identity(), "pa_list", list, [](const auto& p) { return p.id; },
      [](codec::json_writer& j, const store::prior_authorization_record& p) { write_prior_authorization(j, p); });
}

api_reply status_api::revoke_prior_authorization(call& c, std::string_view id_text) const {
  std::int64_t id = 0;
  const auto detail = "pa=" + status::audited(id_text);
  if (!parse_id(id_text, id)) {
    audit_pa(*access_, c.identity(), "pa_revoke", detail, "not_found");
    return not_found();
  }
  if (auto e = reader_->revoke_prior_authorization(id, c.who->actor())) {
    if (e.code == store::errc::not_found) {
      audit_pa(*access_, c.identity(), "pa_revoke", detail, "not_found");
      return not_found();
    }
    audit_pa(*access_, c.identity(), "pa_revoke", detail, "error");
    return status::store_unavailable();
  }
  audit_pa(*access_, c.identity(), "pa_revoke", detail, "ok");
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("id", id).field("revoked", true).end_object();
  return json_reply(200, std::move(out));
}

}  // namespace rxgate::server
