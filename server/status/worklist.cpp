// The reject worklist routes (sql/worklist.h): a pharmacy's rejects with filters and keyset pages,
// their counts per reject code, one reject with its actions, and a technician's close, reopen,
// assign and note. Scoped like the claim reads (a reject of a pharmacy outside the token answers
// 404, like one that does not exist) and audited with how each call ended.
#include <simdjson.h>

#include <string>
#include <vector>

#include "codec/json_writer.h"
#include "rules/reject_catalog.h"
#include "server/core/log.h"
#include "server/status/api_call.h"

namespace rxgate::server {

namespace dom = simdjson::dom;
using status::error_reply;
using status::json_reply;
using status::not_found;

namespace {

constexpr std::size_t filter_value_max = 64;  // reject code, BIN, PCN, assignee
constexpr std::size_t note_max = 500;

void write_entry(codec::json_writer& j, const store::worklist_entry& e) {
  j.field("claim_id", e.claim_id).field("date_of_service", e.date_of_service).field("received_at", e.received_at);
  j.field("pharmacy", e.provider_id).field("bin", e.bin).field_or_null("pcn", e.pcn);
  j.field("rx_number", e.rx_number).field("fill_number", e.fill_number).field("transaction_code", e.transaction_code);
  j.field_or_null("product_id", e.product_id).field_or_null("product_name", e.product_name);
  j.key("rejects").begin_array();
  for (const auto& code : e.reject_codes) {
    const auto* info = rules::find_reject(code);
    j.begin_object().field("code", code).field("short_name", info ? info->short_name : std::string_view("Unknown reject code"));
    j.field("for_pharmacist", store::is_pharmacist_reject(code)).end_object();
  }
  j.end_array().field("for_pharmacist", e.for_pharmacist).field("state", e.open ? "open" : "closed");
  // How it closed: a payment that stands wins over a technician's close (both stay in the record).
  const bool paid = e.paid_by && e.payment_reversed_at.empty();
  j.key("closed");
  if (e.open) {
    j.null();
  } else if (paid) {
    j.begin_object().field("by", "payment").field("at", e.paid_at).key("reason").null().key("actor").null();
    j.key("note").null().end_object();
  } else {
    j.begin_object().field("by", "technician").field("at", e.state_at).field("reason", e.close_reason);
    j.field("actor", e.state_actor).field_or_null("note", e.state_note).end_object();
  }
  j.key("paid_by");
  if (e.paid_by) {
    j.begin_object().field("claim_id", *e.paid_by).field("received_at", e.paid_at);
    j.field_or_null("reversed_at", e.payment_reversed_at).end_object();
  } else {
    j.null();
  }
  j.field_or_null("assignee", e.assignee);
}

// The filters of the list and the counts; a message for a 400, or empty.
std::string read_filter(const status::query_params& q, int default_limit, int max_limit, store::worklist_filter& f) {
  const auto state = q.value("state").value_or("open");
  if (state == "open") f.open = true;
  else if (state == "closed") f.open = false;
  else if (state != "all") return "state is open, closed or all";
  if (auto t = q.value("today")) {
    if (*t != "true" && *t != "false") return "today is true or false";
    if (*t == "true") {
      if (q.value("from") || q.value("to")) return "give today or from/to, not both";
      f.from = f.to = status::today_utc();
    }
  }
  for (const char* d : {"from", "to"})
    if (auto v = q.value(d); v && !status::valid_date(*v)) return std::string(d) + " must be YYYY-MM-DD";
  if (!f.from) f.from = q.value("from");
  if (!f.to) f.to = q.value("to");
  if (auto p = q.value("pharmacist")) {
    if (*p != "true" && *p != "false") return "pharmacist is true or false";
    f.for_pharmacist = *p == "true";
  }
  f.reject_code = q.value("reject");
  f.bin = q.value("bin");
  f.pcn = q.value("pcn");
  f.assignee = q.get("assignee");  // present and empty: the unassigned ones
  for (const auto* v : {&f.reject_code, &f.bin, &f.pcn, &f.assignee})
    if (*v && (*v)->size() > filter_value_max) return "filter values are at most 64 characters";
  f.limit = default_limit;
  if (auto l = q.value("limit")) {
    std::int64_t n = 0;
    if (!status::parse_id(*l, n) || n > max_limit) return "limit must be 1.." + std::to_string(max_limit);
    f.limit = static_cast<int>(n);
  }
  f.cursor = q.get("cursor").value_or("");
  return {};
}

}  // namespace

api_reply status_api::worklist_list(call& c, std::string_view pharmacy_text, bool counts) const {
  const std::string action = counts ? "worklist_counts" : "worklist";
  store::worklist_filter f;
  f.pharmacy = status::percent_decode(pharmacy_text);
  c.pharmacy = f.pharmacy;
  if (const auto bad = read_filter(c.query, options_.default_page_size, options_.max_page_size, f); !bad.empty())
    return error_reply(400, bad);
  const auto flag = [](const std::optional<bool>& b) { return b ? (*b ? "true" : "false") : ""; };
  const auto bounded = [](const std::optional<std::string>& v) { return status::audited_filter(v); };
  std::string detail = "pharmacy=" + status::audited(f.pharmacy) + " open=" + flag(f.open) +
                       " from=" + bounded(f.from) + " to=" + bounded(f.to) + " reject=" + bounded(f.reject_code) +
                       " bin=" + bounded(f.bin) + " pcn=" + bounded(f.pcn) + " assignee=" + bounded(f.assignee) +
                       " pharmacist=" + flag(f.for_pharmacist);
  if (f.pharmacy.empty() || !c.who->may_see(f.pharmacy)) {
    // Same answer as a pharmacy without rejects would not be honest (an empty list), so 404 like
    // the summary; the audit log knows it was refused.
    if (auto a = access_->audit(c.identity(), action, std::nullopt, detail, "denied"))
      return error_reply(503, "audit log unavailable");
    return not_found();
  }
  if (!worklist_) return error_reply(503, "worklist unavailable");
  store::worklist_page page;
  store::worklist_counts k;
  if (auto e = counts ? worklist_->counts(f, k) : worklist_->list(f, page)) {
    if (e.code == store::errc::invalid) return error_reply(400, e.message);  // nothing was read
    status::audit_error(*access_, c.identity(), action, std::nullopt, detail);
    log::warn("status_api_worklist_failed").str("error", e.message);
    return status::store_unavailable();
  }
  if (!counts) {
    detail += " ids=";
    for (std::size_t i = 0; i < page.entries.size(); ++i) {
      if (i) detail.push_back(',');
      detail += std::to_string(page.entries[i].claim_id);
    }
  }
  if (auto a = access_->audit(c.identity(), action, std::nullopt, detail, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");

  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("pharmacy", f.pharmacy);
  if (counts) {
    j.field("rejects", k.rejects).field("for_pharmacist", k.for_pharmacist).key("by_code").begin_array();
    for (const auto& [code, n] : k.by_code) {
      const auto* info = rules::find_reject(code);
      j.begin_object().field("code", code).field("short_name", info ? info->short_name : std::string_view("Unknown reject code"));
      j.field("count", n).end_object();
    }
    j.end_array();
  } else {
    j.key("rejects").begin_array();
    for (const auto& e : page.entries) {
      j.begin_object();
      write_entry(j, e);
      j.end_object();
    }
    j.end_array().field_or_null("next_cursor", page.next_cursor).field("limit", f.limit);
  }
  j.end_object();
  return json_reply(200, std::move(out));
}

api_reply status_api::worklist_route(call& c, std::string_view rest) const {
  // {claim_id} or {claim_id}/{action}
  const auto slash = rest.find('/');
  const auto id_text = rest.substr(0, slash);
  const std::string verb = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
  c.route = verb.empty() ? "/v1/worklist/{claim_id}" : "/v1/worklist/{claim_id}/{action}";
  if (verb.empty() && c.request.method != "GET") return error_reply(405, "use GET");
  if (!verb.empty() && verb != "close" && verb != "reopen" && verb != "assign" && verb != "note") return not_found();
  if (!verb.empty() && c.request.method != "POST") return error_reply(405, "use POST");
  std::int64_t id = 0;
  if (!status::parse_id(id_text, id)) return not_found();
  c.claim_id = id;

  // The action's body, checked before anything is read: {"reason", "note", "assignee"}.
  store::worklist_action act;
  act.claim_id = id;
  act.action = verb;
  if (!verb.empty()) {
    dom::parser parser;
    dom::object body;
    const std::string_view text = c.request.body.empty() ? std::string_view("{}") : c.request.body;
    if (parser.parse(text.data(), text.size()).get(body) != simdjson::SUCCESS)
      return error_reply(400, "body must be a JSON object");
    bool has_assignee = false;
    for (auto [k, v] : body) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return error_reply(400, std::string(k) + " must be a string");
      if (k == "reason") act.reason = s;
      else if (k == "note") act.note = s;
      else if (k == "assignee") act.assignee = s, has_assignee = true;
      else return error_reply(400, "unknown key " + std::string(k) + " (reason, note, assignee)");
    }
    if (act.note.size() > note_max) return error_reply(400, "note is at most 500 characters");
    if (act.assignee.size() > filter_value_max) return error_reply(400, "assignee is at most 64 characters");
    if (verb == "close" && !store::is_worklist_close_reason(act.reason))
      return error_reply(400, "close needs a reason: resolved_by_resubmission, sent_to_prescriber, "
                              "patient_paid_cash, pa_requested, transferred or other (with a note)");
    if (verb != "close" && !act.reason.empty()) return error_reply(400, "only close takes a reason");
    if (verb == "close" && act.reason == "other" && act.note.empty()) return error_reply(400, "reason other needs a note");
    if (verb == "note" && act.note.empty()) return error_reply(400, "note is required");
    if (verb == "assign" && !has_assignee) return error_reply(400, "assignee is required (\"\" unassigns)");
    if (verb != "assign" && has_assignee) return error_reply(400, "only assign takes an assignee");
  }

  const std::string action = verb.empty() ? "worklist_get" : "worklist_" + verb;
  const auto who = c.identity();
  if (!worklist_) return error_reply(503, "worklist unavailable");
  store::worklist_entry e;
  std::vector<store::worklist_action_record> history;
  if (auto err = worklist_->entry(id, e, history)) {
    if (err.code == store::errc::not_found) {
      if (auto a = access_->audit(who, action, id, "", "not_found")) return error_reply(503, "audit log unavailable");
      return not_found();
    }
    log::warn("status_api_worklist_failed").num("claim_id", id).str("error", err.message);
    status::audit_error(*access_, who, action, id, "");
    return status::store_unavailable();
  }
  c.pharmacy = e.provider_id;
  const std::string detail = "pharmacy=" + e.provider_id;
  if (!c.who->may_see(e.provider_id)) {
    if (auto a = access_->audit(who, action, id, detail, "denied")) return error_reply(503, "audit log unavailable");
    return not_found();
  }
  if (!verb.empty()) {
    act.pharmacy = e.provider_id;
    act.actor = c.who->actor();
    act.token_id = c.who->token_id;
    if (auto err = worklist_->act(act, e)) {
      if (err.code == store::errc::conflict) {
        if (auto a = access_->audit(who, action, id, detail, "conflict")) return error_reply(503, "audit log unavailable");
        return error_reply(409, err.message);
      }
      if (err.code == store::errc::invalid) return error_reply(400, err.message);
      if (err.code == store::errc::not_found) {
        if (auto a = access_->audit(who, action, id, detail, "not_found")) return error_reply(503, "audit log unavailable");
        return not_found();
      }
      log::warn("status_api_worklist_failed").num("claim_id", id).str("error", err.message);
      status::audit_error(*access_, who, action, id, detail);
      return status::store_unavailable();
    }
    if (auto a = access_->audit(who, action, id, detail, "ok")) {
      log::warn("status_api_audit_failed").num("claim_id", id).str("error", a.message);
      return error_reply(503, "the action was recorded, but the audit log is unavailable; nothing is shown");
    }
    std::string out;
    codec::json_writer j(out);
    j.begin_object();
    write_entry(j, e);
    j.end_object();
    return json_reply(200, std::move(out));
  }
  if (auto a = access_->audit(who, action, id, detail, "ok")) return error_reply(503, "audit log unavailable; nothing was shown");
  std::string out;
  codec::json_writer j(out);
  j.begin_object();
  write_entry(j, e);
  j.key("actions").begin_array();
  for (const auto& h : history) {
    j.begin_object().field("id", h.id).field("action", h.action).field_or_null("reason", h.reason);
    j.key("assignee");
    if (h.action == "assign") j.value(h.assignee); else j.null();
    j.field_or_null("note", h.note).field("actor", h.actor).field("at", h.at).end_object();
  }
  j.end_array().end_object();
  return json_reply(200, std::move(out));
}

}  // namespace rxgate::server
