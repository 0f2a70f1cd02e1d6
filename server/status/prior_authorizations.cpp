// Prior authorizations on file (operators and admins only): POST creates one with a fresh PA
// number, GET lists a member's, DELETE revokes one. Every action is audited with how it ended
// (pa_create, pa_list, pa_revoke: ok, denied for another role, not_found, error when the store
// failed); a malformed body or query answers 400 before anything is read and is not audited.
#include <simdjson.h>

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

void write_prior_authorization(codec::json_writer& j, const store::prior_authorization_record& p) {
  j.begin_object().field("id", p.id).field("number", p.number).field("bin", p.bin);
  j.field("cardholder_id", p.cardholder_id).field_or_null("person_code", p.person_code);
  j.field_or_null("product_id", p.product_id).field_or_null("therapeutic_class", p.therapeutic_class);
  j.field("effective", p.effective).field("expires", p.expires);
  if (p.max_quantity) j.key("max_quantity").decimal(p.max_quantity, 3); else j.key("max_quantity").null();
  j.field("source", p.source).field_or_null("created_by", p.created_by).field("created_at", p.created_at);
  j.field_or_null("revoked_at", p.revoked_at).field_or_null("revoked_by", p.revoked_by);
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

}  // namespace

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
  std::string ids;
  for (const auto& p : list) ids += (ids.empty() ? "" : ",") + std::to_string(p.id);
  if (auto a = access_->audit(c.identity(), "pa_list", std::nullopt, "pas=" + ids, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");
  std::string out;
  codec::json_writer j(out);
  j.begin_object().key("prior_authorizations").begin_array();
  for (const auto& p : list) write_prior_authorization(j, p);
  j.end_array().end_object();
  return json_reply(200, std::move(out));
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
