// The status API: each claim answered as "what do I do now". Everything shown comes from what the
// store persisted when the claim was decided (columns, the `detail` jsonb, the request and the
// response bytes) plus the plan snapshot for what a plan accepts (tiers, SCCs, DUR override
// codes); the rules are never re-run.
#include "server/status/status_api.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/dictionary.h"
#include "codec/json.h"
#include "codec/response.h"
#include "rules/plan_model.h"
#include "rules/reject_catalog.h"
#include "server/status/auth.h"
#include "server/core/json_writer.h"
#include "server/core/log.h"

namespace rxgate::server {

using namespace codec::literals;
namespace dom = simdjson::dom;

// ---- small helpers ------------------------------------------------------------------------------

namespace {

api_reply json_reply(unsigned status, std::string body) {
  api_reply r;
  r.status = status;
  body.push_back('\n');
  r.body = std::move(body);
  return r;
}

api_reply error_reply(unsigned status, std::string_view message) {
  json_writer j;
  j.begin_object().field("error", message).end_object();
  return json_reply(status, std::move(j).str());
}

api_reply not_found() { return error_reply(404, "not found"); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct query_params {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string> get(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (k == name) return v;
    return std::nullopt;
  }
  // Non-empty value or nullopt.
  std::optional<std::string> value(std::string_view name) const {
    auto v = get(name);
    if (v && v->empty()) return std::nullopt;
    return v;
  }
};

query_params parse_query(std::string_view q) {
  query_params p;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto part = q.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      p.items.emplace_back(percent_decode(part.substr(0, eq)),
                           eq == std::string_view::npos ? std::string{} : percent_decode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return p;
}

bool parse_id(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size() && out > 0;
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  const int m = (s[5] - '0') * 10 + (s[6] - '0');
  const int d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

std::string today_utc() {
  const auto now = std::chrono::system_clock::now();
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(now)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string_view status_name(char s) {
  switch (s) {
    case 'P': return "Paid";
    case 'D': return "Duplicate of Paid";
    case 'C': return "Captured";
    case 'Q': return "Duplicate of Capture";
    case 'R': return "Rejected";
    case 'A': return "Approved";
    case 'S': return "Duplicate of Approved";
    case 'F': return "PA Deferred";
    case 'B': return "Benefit";
  }
  return "Unknown";
}

std::string_view significance_name(std::string_view s) {
  if (s == "1") return "major";
  if (s == "2") return "moderate";
  if (s == "3") return "minor";
  if (s == "9") return "undetermined";
  return "not specified";
}

std::string_view other_pharmacy_name(std::string_view s) {
  if (s == "1") return "your pharmacy";
  if (s == "2") return "another pharmacy in the same chain";
  if (s == "3") return "another pharmacy";
  return "not specified";
}

std::string_view pa_type_name(std::string_view t) {
  if (t.empty()) return "not specified";
  switch (t[0]) {
    case '0': return "Not Specified";
    case '1': return "Prior Authorization";
    case '2': return "Medical Certification";
    case '3': return "EPSDT";
    case '4': return "Exemption from Copay and/or Coinsurance";
    case '5': return "Exemption from Rx (count limits)";
    case '6': return "Family Planning";
    case '7': return "TANF";
    case '8': return "Payer-Defined Exemption";
    case '9': return "Emergency Preparedness";
  }
  return "unknown";
}

std::string quantity_text(std::int64_t thousandths) {
  json_writer j;
  j.decimal(thousandths, 3);
  return j.str();
}

// ---- the stored `detail` (sql/store.cpp detail_json) ------------------------------------------

std::string_view str_at(dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}
std::optional<std::int64_t> int_at(dom::element e, const char* key) {
  std::int64_t v = 0;
  if (e[key].get_int64().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}
bool bool_at(dom::element e, const char* key) {
  bool v = false;
  if (e[key].get_bool().get(v) != simdjson::SUCCESS) return false;
  return v;
}
std::optional<dom::element> obj_at(dom::element e, const char* key) {
  dom::element v;
  if (e[key].get(v) != simdjson::SUCCESS || !v.is_object()) return std::nullopt;
  return v;
}
std::vector<dom::element> array_at(dom::element e, const char* key) {
  std::vector<dom::element> out;
  dom::array a;
  if (e[key].get_array().get(a) != simdjson::SUCCESS) return out;
  for (dom::element x : a) out.push_back(x);
  return out;
}

// ---- the decoded request ------------------------------------------------------------------------

std::string_view header_value(const codec::message& m, codec::field_id id) {
  const auto& h = m.request;
  switch (id) {
    case "A1"_fid: return codec::trim_value(h.bin);
    case "A2"_fid: return codec::trim_value(h.version);
    case "A3"_fid: return codec::trim_value(h.transaction_code);
    case "A4"_fid: return codec::trim_value(h.pcn);
    case "A9"_fid: return codec::trim_value(h.count);
    case "B2"_fid: return codec::trim_value(h.provider_id_qualifier);
    case "B1"_fid: return codec::trim_value(h.provider_id);
    case "D1"_fid: return codec::trim_value(h.date_of_service);
    case "AK"_fid: return codec::trim_value(h.software_id);
  }
  return {};
}

bool is_header_field(codec::field_id id) {
  switch (id) {
    case "A1"_fid: case "A2"_fid: case "A3"_fid: case "A4"_fid: case "A9"_fid:
    case "B2"_fid: case "B1"_fid: case "D1"_fid: case "AK"_fid:
      return true;
  }
  return false;
}

// The value sent for `id` in transaction group `group` (1-based), its `occurrence`-th repetition
// (0 = the first), looking at transmission-level segments too.
std::optional<std::string_view> sent_value(const codec::message& m, int group, codec::field_id id, int occurrence) {
  if (is_header_field(id)) return header_value(m, id);
  const int want = occurrence > 0 ? occurrence : 1;
  int seen = 0;
  for (const auto& s : m.all_segments()) {
    if (s.group != 0 && s.group != group) continue;
    codec::segment_view v(&m, &s);
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v.id(i) == id && ++seen == want) return v.value(i);
  }
  return std::nullopt;
}

// Everything one claim's answer is built from. Views point into the record, the parsed detail,
// the decoded messages and the plan snapshot, which all outlive it.
struct claim_context {
  const store::claim_record& rec;
  const rules::plan* plan = nullptr;
  std::optional<dom::element> detail;
  const codec::message* request = nullptr;  // decoded request, or null when it did not decode
  const codec::claim* claim = nullptr;      // the validated transaction of this claim, or null
  int group = 1;                            // its transaction group (1-based)
  const codec::response_transaction* answer = nullptr;  // what we answered, or null
};

const rules::plan* find_plan(const rules::plan_set* set, std::string_view id, std::optional<int> version) {
  if (!set || id.empty()) return nullptr;
  const rules::plan* latest = nullptr;
  for (const auto& p : set->plans()) {
    if (p->id != id) continue;
    if (version && p->version == static_cast<std::uint32_t>(*version)) return p.get();
    if (!latest || p->version > latest->version) latest = p.get();
  }
  return latest;
}

bool contains(const std::vector<std::string_view>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Would the plan have rejected alert `a` (no DUR/PPS answer with an accepted result)? The
// decision's own mask is not persisted; this repeats its test (rules/adjudicate.cpp dur()).
bool alert_rejected(const claim_context& x, std::string_view reason, std::string_view significance) {
  if (!x.plan) return true;
  const int sev = significance.empty() ? 9 : significance[0] - '0';
  if (sev > x.plan->dur_reject_severity) return false;
  if (x.claim) {
    for (std::size_t k = 0; k < x.claim->dur_pps_count && k < x.claim->dur_pps.size(); ++k) {
      const auto& e = x.claim->dur_pps[k];
      if (e.reason == reason && !e.professional.empty() && contains(x.plan->dur_override_results, e.result))
        return false;
    }
  }
  return true;
}

void write_code_list(json_writer& j, std::string_view key, const std::vector<std::string_view>& codes,
                     std::string_view (*name)(std::string_view) noexcept) {
  j.key(key).begin_array();
  for (auto c : codes) j.begin_object().field("code", c).field("name", name(c)).end_object();
  j.end_array();
}

// ---- specific help per reject code ------------------------------------------------------------

void help_refill_too_soon(json_writer& j, const claim_context& x) {
  const auto rts = x.detail ? obj_at(*x.detail, "refill_too_soon") : std::nullopt;
  if (!rts) return;
  const auto last_fill = str_at(*rts, "last_fill");
  const auto next = str_at(*rts, "next_allowed");
  const auto qty = int_at(*rts, "last_quantity").value_or(0);
  const auto days = int_at(*rts, "last_days_supply").value_or(0);
  const bool same = bool_at(*rts, "same_pharmacy");
  j.key("help").begin_object().field("kind", "refill_too_soon");
  j.key("last_fill").begin_object().field("date", last_fill).key("quantity").decimal(qty, 3)
      .field("days_supply", days).field("same_pharmacy", same).end_object();
  j.field("next_fill_date", next);
  std::string scc_list;
  j.key("accepted_submission_clarification_codes").begin_array();
  if (x.plan) {
    for (int scc : x.plan->refill_override_scc) {
      j.begin_object().field("code", scc).field("name", rules::scc_name(scc)).end_object();
      if (!scc_list.empty()) scc_list += ", ";
      scc_list += std::to_string(scc) + " (" + std::string(rules::scc_name(scc)) + ")";
    }
  }
  j.end_array();
  if (x.plan) j.field("refill_threshold_percent", x.plan->refill_threshold_pct);
  std::string what = "Last filled " + std::string(last_fill) + " at " + (same ? "this pharmacy" : "another pharmacy") +
                     ": quantity " + quantity_text(qty) + " for " + std::to_string(days) +
                     " days. The plan allows the refill on or after " + std::string(next) + ".";
  if (!scc_list.empty())
    what += " To fill earlier for a reason the plan accepts, resubmit with 420-DK Submission Clarification Code "
            "set to one of: " + scc_list + ".";
  j.field("what_to_do", what).end_object();
}

void help_prior_authorization(json_writer& j, const claim_context& x, std::string_view phone) {
  const auto pa = x.detail ? obj_at(*x.detail, "pa") : std::nullopt;
  if (!pa) return;
  const auto type = str_at(*pa, "type");
  const auto state = str_at(*pa, "state");
  const auto expired_on = str_at(*pa, "expired_on");
  const bool expired = state == "on_file_expired";
  j.key("help").begin_object().field("kind", "prior_authorization");
  j.field_or_null("pa_type", type).field("pa_type_name", pa_type_name(type)).field("state", state);
  j.field("pa_on_file_expired", expired).field_or_null("expired_on", expired_on);
  j.field("step_therapy_required", bool_at(*pa, "step_therapy_required"));
  j.field_or_null("help_desk_phone", phone);
  std::string how = "Ask the prescriber to request a prior authorization (PA type " + std::string(type.empty() ? "1" : type) +
                    ", " + std::string(pa_type_name(type)) + ") from the plan";
  if (!phone.empty()) how += " (help desk " + std::string(phone) + ")";
  how += ". Once it is approved, resubmit the claim unchanged; if the plan gives you a PA number, send it in "
         "462-EV with 461-EU " + std::string(type.empty() ? "1" : type) + ".";
  if (expired) how = "The PA on file expired on " + std::string(expired_on) + ". " + how;
  j.field("how_to_request", how).end_object();
}

void help_alternatives(json_writer& j, const claim_context& x) {
  const auto preferred = x.detail ? array_at(*x.detail, "preferred") : std::vector<dom::element>{};
  j.key("help").begin_object().field("kind", "formulary_alternatives");
  j.key("alternatives").begin_array();
  std::string names;
  for (auto p : preferred) {
    const auto id = str_at(p, "product_id");
    const rules::product* d = x.plan ? x.plan->find_product(id) : nullptr;
    std::string_view name = str_at(p, "description");
    if (name.empty() && d) name = d->name;
    j.begin_object().field("product_id", id).field_or_null("name", name);
    if (d) {
      j.field("tier", d->tier).field("on_formulary", d->on_formulary).field("pa_required", d->pa_required);
    } else {
      j.key("tier").null();
    }
    j.end_object();
    if (!names.empty()) names += ", ";
    names += std::string(name.empty() ? id : name);
    if (d) names += " (tier " + std::to_string(d->tier) + ")";
  }
  j.end_array();
  j.field("what_to_do", names.empty()
                            ? std::string("The plan lists no covered alternative; ask the prescriber for another "
                                          "therapy or a formulary exception.")
                            : "Ask the prescriber to change to a covered alternative: " + names + ".");
  j.end_object();
}

void help_step_therapy(json_writer& j, const claim_context& x) {
  const rules::product* d = x.plan ? x.plan->find_product(x.rec.product_id) : nullptr;
  j.key("help").begin_object().field("kind", "step_therapy");
  j.key("prerequisites").begin_array();
  std::string names;
  if (d) {
    for (auto p : d->step_prerequisites) {
      j.value(p);
      const rules::product* pre = x.plan->find_product(p);
      if (!names.empty()) names += " or ";
      names += std::string(pre ? pre->name : p);
    }
  }
  j.end_array();
  if (x.plan) j.field("lookback_days", x.plan->step_lookback_days); else j.key("lookback_days").null();
  std::string what = names.empty()
                         ? std::string("The plan pays for this drug only after a first-line therapy.")
                         : "The plan pays for this drug only after a fill of " + names + " in the last " +
                               std::to_string(x.plan->step_lookback_days) + " days, and none is on file.";
  what += " Ask the prescriber to start with the first-line therapy, or to request a prior authorization for "
          "this drug: an approved PA on file lifts the step.";
  j.field("what_to_do", what).end_object();
}

void help_limit(json_writer& j, const claim_context& x) {
  const auto limit = x.detail ? obj_at(*x.detail, "limit") : std::nullopt;
  if (!limit) return;
  const auto max_qty = int_at(*limit, "max_quantity").value_or(0);
  const auto per_days = int_at(*limit, "per_days").value_or(0);
  const auto max_days = int_at(*limit, "max_days_supply").value_or(0);
  const auto allowed = int_at(*limit, "allowed_quantity").value_or(0);
  const auto sent_qty = x.rec.quantity;
  const auto sent_days = x.rec.days_supply;
  j.key("help").begin_object().field("kind", "plan_limit");
  if (max_qty) j.key("max_quantity").decimal(max_qty, 3); else j.key("max_quantity").null();
  if (per_days) j.field("per_days", per_days); else j.key("per_days").null();
  if (max_days) j.field("max_days_supply", max_days); else j.key("max_days_supply").null();
  if (max_qty) j.key("allowed_quantity").decimal(allowed, 3); else j.key("allowed_quantity").null();
  if (sent_qty) j.key("submitted_quantity").decimal(*sent_qty, 3); else j.key("submitted_quantity").null();
  if (sent_days) j.field("submitted_days_supply", *sent_days); else j.key("submitted_days_supply").null();
  std::string what;
  if (max_qty) {
    what = "The plan allows " + quantity_text(max_qty) + " per " + std::to_string(per_days) + " days; " +
           quantity_text(allowed) + " can be filled now";
    if (sent_days) what += " for the submitted " + std::to_string(*sent_days) + " days supply";
    what += ". Resubmit with 442-E7 quantity " + quantity_text(allowed) +
            " (and the days supply it covers), or ask the prescriber for a limit override.";
  }
  if (max_days) {
    if (!what.empty()) what += " ";
    what += "The most days supply the plan pays is " + std::to_string(max_days) + "; resubmit 405-D5 at " +
            std::to_string(max_days) + " days or less with the matching quantity.";
  }
  j.field("what_to_do", what).end_object();
}

void help_dur(json_writer& j, const claim_context& x) {
  const auto alerts = x.detail ? array_at(*x.detail, "dur") : std::vector<dom::element>{};
  std::vector<std::string_view> results;
  if (x.plan) results = x.plan->dur_override_results;
  static const std::vector<std::string_view> professional = {"M0", "R0", "P0"};
  j.key("help").begin_object().field("kind", "dur_conflict");
  j.key("conflicts").begin_array();
  std::string what;
  for (auto a : alerts) {
    const auto reason = str_at(a, "reason");
    const auto sig = str_at(a, "significance");
    const bool rejected = alert_rejected(x, reason, sig);
    j.begin_object().field("reason", reason).field("reason_name", rules::dur_reason_name(reason));
    j.field_or_null("significance", sig).field("significance_name", significance_name(sig));
    j.field_or_null("previous_fill", str_at(a, "previous_fill"));
    const auto other = str_at(a, "other_pharmacy");
    j.field_or_null("other_pharmacy", other.empty() ? other : other_pharmacy_name(other));
    j.field_or_null("free_text", str_at(a, "free_text"));
    j.field("caused_reject", rejected);
    j.key("override").begin_object().field("reason_for_service", reason);
    write_code_list(j, "professional_service_codes", professional, rules::dur_professional_name);
    write_code_list(j, "result_of_service_codes", results, rules::dur_result_name);
    j.end_object().end_object();
    if (rejected) {
      if (!what.empty()) what += " ";
      what += std::string(reason) + " (" + std::string(rules::dur_reason_name(reason)) +
              "): after the pharmacist's review, resubmit with a DUR/PPS segment (AM08): 473-7E counter, 439-E4=" +
              std::string(reason) + ", 440-E5 professional service (e.g. M0 prescriber consulted)";
      if (!results.empty()) {
        what += " and 441-E6 one of";
        for (auto r : results) what += " " + std::string(r);
      }
      what += ".";
    }
  }
  j.end_array();
  j.field("what_to_do", what.empty() ? std::string("Review the alerts and resubmit with DUR/PPS codes.") : what);
  j.end_object();
}

void help_other_payer(json_writer& j, const claim_context& x) {
  j.key("help").begin_object().field("kind", "other_payer");
  j.key("other_payers").begin_array();
  std::string what;
  if (x.answer) {
    for (std::size_t i = 0; i < x.answer->other_payer_count && i < x.answer->other_payers.size(); ++i) {
      const auto& o = x.answer->other_payers[i];
      j.begin_object().field("bin", o.id).field_or_null("pcn", o.pcn).field_or_null("group", o.group_id);
      j.field_or_null("cardholder_id", o.cardholder_id).field_or_null("person_code", o.person_code);
      j.field_or_null("help_desk_phone", o.help_desk_phone).end_object();
      if (what.empty()) {
        what = "Bill the primary payer first: BIN " + std::string(o.id);
        if (!o.pcn.empty()) what += " PCN " + std::string(o.pcn);
        if (!o.group_id.empty()) what += " group " + std::string(o.group_id);
        what += ". Then resubmit here as secondary with 308-C8 other coverage code 2 (paid) or 3 (not covered) "
                "and the COB segment (AM05) carrying the other payer's answer.";
      }
    }
  }
  j.end_array();
  j.field("what_to_do", what.empty() ? std::string("Bill the member's other coverage first.") : what);
  j.end_object();
}

void write_reject(json_writer& j, const store::reject_record& r, const claim_context& x, std::string_view phone) {
  const auto* info = rules::find_reject(r.code);
  j.begin_object().field("code", r.code);
  j.field("short_name", info ? info->short_name : std::string_view("Unknown reject code"));
  j.field("category", info ? info->category : std::string_view("other"));
  const auto id = codec::make_field_id(r.field);
  if (id) {
    const auto* f = codec::find_field(id);
    j.key("field").begin_object().field("id", r.field);
    j.field_or_null("number", f ? f->number : std::string_view{});
    j.field_or_null("name", f ? f->name : std::string_view{});
    j.field("occurrence", r.occurrence);
    const auto sent = x.request ? sent_value(*x.request, x.group, id, r.occurrence) : std::nullopt;
    if (sent) j.field("value_sent", *sent); else j.key("value_sent").null();
    j.end_object();
  } else {
    j.key("field").null();
  }
  j.field_or_null("explanation", info ? info->explanation : std::string_view{});
  j.field_or_null("fix", info ? info->fix : std::string_view{});
  const std::string_view c = r.code;
  if (c == "79") help_refill_too_soon(j, x);
  else if (c == "75") help_prior_authorization(j, x, phone);
  else if (c == "70" || c == "MR") help_alternatives(j, x);
  else if (c == "608") help_step_therapy(j, x);
  else if (c == "76" || c == "7X" || c == "AG") help_limit(j, x);
  else if (c == "88") help_dur(j, x);
  else if (c == "41") help_other_payer(j, x);
  j.end_object();
}

void write_pricing(json_writer& j, const claim_context& x) {
  const codec::pricing* p = x.answer && x.answer->price ? &*x.answer->price : nullptr;
  if (!p && !x.rec.total_paid) {
    j.key("pricing").null();
    return;
  }
  j.key("pricing").begin_object();
  if (p) {
    j.key("ingredient_cost_paid").decimal(p->ingredient_cost_paid, 2);
    j.key("dispensing_fee_paid").decimal(p->dispensing_fee_paid, 2);
    j.key("incentive_paid").decimal(p->incentive_paid, 2);
    j.key("professional_fee_paid").decimal(p->professional_fee_paid, 2);
    j.key("other_amounts_paid").begin_array();
    for (std::size_t i = 0; i < p->other_amount_count && i < p->other_amounts.size(); ++i)
      j.begin_object().field("qualifier", p->other_amounts[i].qualifier).key("amount").decimal(p->other_amounts[i].amount, 2).end_object();
    j.end_array();
    j.key("total_paid").decimal(p->total_paid, 2);
    j.key("patient_pay").decimal(p->patient_pay, 2);
    j.money_or_null("copay", p->copay).money_or_null("coinsurance", p->coinsurance);
    j.money_or_null("deductible_applied", p->deductible_applied);
    j.money_or_null("product_selection_brand", p->product_selection_brand);
    j.field_or_null("basis_of_reimbursement", p->basis_of_reimbursement);
  } else {
    j.money_or_null("ingredient_cost_paid", x.rec.ingredient_cost_paid);
    j.money_or_null("dispensing_fee_paid", x.rec.dispensing_fee_paid);
    j.key("incentive_paid").null().key("professional_fee_paid").null();
    j.key("other_amounts_paid").begin_array().end_array();
    j.money_or_null("total_paid", x.rec.total_paid).money_or_null("patient_pay", x.rec.patient_pay);
    j.key("copay").null().key("coinsurance").null().key("deductible_applied").null();
    j.key("product_selection_brand").null().key("basis_of_reimbursement").null();
  }
  j.end_object();
}

void write_dur_alerts(json_writer& j, const claim_context& x, bool rejected_88) {
  j.key("dur_alerts").begin_array();
  if (x.detail) {
    for (auto a : array_at(*x.detail, "dur")) {
      const auto reason = str_at(a, "reason");
      const auto sig = str_at(a, "significance");
      j.begin_object().field("reason", reason).field("reason_name", rules::dur_reason_name(reason));
      j.field_or_null("significance", sig).field("significance_name", significance_name(sig));
      j.field_or_null("other_pharmacy", str_at(a, "other_pharmacy"));
      j.field_or_null("previous_fill", str_at(a, "previous_fill"));
      if (auto q = int_at(a, "previous_quantity")) j.key("previous_quantity").decimal(*q, 3);
      else j.key("previous_quantity").null();
      j.field_or_null("free_text", str_at(a, "free_text"));
      j.field_or_null("additional_text", str_at(a, "additional_text"));
      j.field("caused_reject", rejected_88 && alert_rejected(x, reason, sig));
      j.end_object();
    }
  }
  j.end_array();
}

void write_prior_authorization_flags(json_writer& j, const claim_context& x) {
  const auto pa = x.detail ? obj_at(*x.detail, "pa") : std::nullopt;
  if (!pa) {
    j.key("prior_authorization").null();
    return;
  }
  const auto type = str_at(*pa, "type");
  j.key("prior_authorization").begin_object();
  j.field("required", bool_at(*pa, "required")).field_or_null("pa_type", type).field("pa_type_name", pa_type_name(type));
  j.field("state", str_at(*pa, "state")).field_or_null("number", str_at(*pa, "number"));
  j.field_or_null("expired_on", str_at(*pa, "expired_on"));
  j.field("step_therapy_required", bool_at(*pa, "step_therapy_required"));
  j.field("step_therapy_satisfied", bool_at(*pa, "step_therapy_satisfied"));
  j.end_object();
}

std::string pa_json(const store::prior_authorization_record& p) {
  json_writer j;
  j.begin_object().field("id", p.id).field("number", p.number).field("bin", p.bin);
  j.field("cardholder_id", p.cardholder_id).field_or_null("person_code", p.person_code);
  j.field_or_null("product_id", p.product_id).field_or_null("therapeutic_class", p.therapeutic_class);
  j.field("effective", p.effective).field("expires", p.expires);
  if (p.max_quantity) j.key("max_quantity").decimal(p.max_quantity, 3); else j.key("max_quantity").null();
  j.field("source", p.source).field_or_null("created_by", p.created_by).field("created_at", p.created_at);
  j.field_or_null("revoked_at", p.revoked_at).field_or_null("revoked_by", p.revoked_by);
  j.end_object();
  return std::move(j).str();
}

}  // namespace

// ---- the handler --------------------------------------------------------------------------------

struct status_api::call {
  const api_request& request;
  std::string_view path;
  query_params query;
  std::string_view route = "other";
  std::optional<principal> who;
  std::int64_t claim_id = 0;
  std::string pharmacy;

  store::reader_identity identity() const {
    store::reader_identity r;
    if (who) {
      r.actor = who->actor();
      r.token_id = who->token_id;
    }
    r.remote = std::string(request.remote);
    return r;
  }
};

status_api::status_api(std::shared_ptr<store::claim_reader> reader, std::shared_ptr<store::access_store> access,
                       plan_accessor plans, status_api_options options)
    : reader_(std::move(reader)), access_(std::move(access)), plans_(std::move(plans)), options_(options) {}

bool status_api::is_status_route(std::string_view method, std::string_view target) noexcept {
  const auto path = target.substr(0, target.find('?'));
  if (path == "/v1/claims") return method != "POST";  // POST /v1/claims is the JSON claim route
  return path.starts_with("/v1/claims/") || path == "/v1/reject-codes" || path.starts_with("/v1/reject-codes/") ||
         path.starts_with("/v1/pharmacies/") || path == "/v1/prior-authorizations" ||
         path.starts_with("/v1/prior-authorizations/") || path == "/v1/openapi.json";
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
    return reply;
  } catch (const std::exception& e) {
    log::error("status_api_failed").str("error", e.what());
    return error_reply(500, "internal error");
  } catch (...) {
    return error_reply(500, "internal error");
  }
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

  // Everything else needs a token.
  principal p;
  store::error why;
  switch (authenticate(*access_, c.request.authorization, p, why)) {
    case auth_result::ok:
      c.who = std::move(p);
      break;
    case auth_result::missing:
    case auth_result::invalid: {
      c.route = "unauthorized";
      auto r = error_reply(401, "a valid bearer token is required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rxgate\"");
      return r;
    }
    case auth_result::unavailable:
      c.route = "unavailable";
      log::warn("status_api_auth_unavailable").str("error", why.message);
      return error_reply(503, "token check unavailable; retry shortly");
  }

  if (path == "/v1/claims") {
    c.route = "/v1/claims";
    if (method != "GET") return error_reply(405, "use GET");
    return search_claims(c);
  }
  if (path.starts_with("/v1/claims/")) {
    c.route = "/v1/claims/{id}";
    if (method != "GET") return error_reply(405, "use GET");
    return get_claim(c, path.substr(11));
  }
  if (path.starts_with("/v1/pharmacies/")) {
    c.route = "/v1/pharmacies/{id}/summary";
    auto rest = path.substr(15);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || rest.substr(slash) != "/summary") return not_found();
    if (method != "GET") return error_reply(405, "use GET");
    return pharmacy_summary(c, rest.substr(0, slash));
  }
  if (path == "/v1/prior-authorizations" || path.starts_with("/v1/prior-authorizations/")) {
    c.route = "/v1/prior-authorizations";
    if (!c.who->manages_prior_authorizations()) return error_reply(403, "prior authorizations are for operators");
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
  auto write = [](json_writer& j, const rules::reject_info& r) {
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
  json_writer j;
  if (!code.empty()) {
    const auto* r = rules::find_reject(percent_decode(code));
    if (!r) return not_found();
    write(j, *r);
    return json_reply(200, std::move(j).str());
  }
  j.begin_object().key("reject_codes").begin_array();
  for (const auto& r : rules::all_rejects()) write(j, r);
  j.end_array().end_object();
  return json_reply(200, std::move(j).str());
}

api_reply status_api::get_claim(call& c, std::string_view id_text) const {
  std::int64_t id = 0;
  if (!parse_id(id_text, id)) return not_found();
  c.claim_id = id;
  store::claim_record rec;
  const auto who = c.identity();
  if (auto e = reader_->claim_by_id(id, true, rec)) {
    if (e.code == store::errc::not_found) {
      if (auto a = access_->audit(who, "get", id, "", "not_found")) return error_reply(503, "audit log unavailable");
      return not_found();
    }
    log::warn("status_api_read_failed").num("claim_id", id).str("error", e.message);
    return error_reply(503, "claims store unavailable; retry shortly");
  }
  c.pharmacy = rec.provider_id;
  if (!c.who->may_see(rec.provider_id)) {
    // Same answer as a claim that does not exist; the audit log knows the difference.
    if (auto a = access_->audit(who, "get", id, "pharmacy=" + rec.provider_id, "denied"))
      return error_reply(503, "audit log unavailable");
    return not_found();
  }
  if (auto a = access_->audit(who, "get", id, "pharmacy=" + rec.provider_id, "ok")) {
    log::warn("status_api_audit_failed").num("claim_id", id).str("error", a.message);
    return error_reply(503, "audit log unavailable; nothing was shown");
  }
  std::vector<store::related_claim> history;
  store::claim_key key{rec.id, rec.date_of_service, rec.bin, rec.provider_id, rec.rx_number, rec.fill_number};
  if (auto e = access_->claim_history(key, history)) {
    log::warn("status_api_history_failed").num("claim_id", id).str("error", e.message);
    return error_reply(503, "claims store unavailable; retry shortly");
  }

  // Decode what was received and what was answered.
  auto request = std::make_unique<codec::message>();
  auto validation = std::make_unique<codec::validation>();
  const bool request_ok = !rec.request.empty() && !codec::decode(rec.request, *request) &&
                          request->kind == codec::message_kind::request;
  if (request_ok) codec::validate(*request, *validation);
  auto response = std::make_unique<codec::message>();
  auto answer = std::make_unique<codec::response>();
  std::vector<char> scratch(4096);
  const bool response_ok = !rec.response.empty() && !codec::decode(rec.response, *response) &&
                           response->kind == codec::message_kind::response;
  if (response_ok) codec::read_response(*response, *answer, scratch);

  const auto plans = plans_ ? plans_() : nullptr;
  claim_context x{rec, nullptr, std::nullopt, nullptr, nullptr, 1, nullptr};
  x.plan = find_plan(plans.get(), rec.plan_id, rec.plan_version);
  if (request_ok) {
    x.request = request.get();
    for (std::size_t i = 0; i < validation->claim_count; ++i) {
      if (validation->claims[i].rx_number == rec.rx_number) {
        x.claim = &validation->claims[i];
        x.group = static_cast<int>(i) + 1;
        break;
      }
    }
    if (!x.claim && validation->claim_count) x.claim = &validation->claims[0];
  }
  if (response_ok && answer->transaction_count) {
    const auto index = static_cast<std::size_t>(x.group - 1);
    x.answer = &answer->transactions[index < answer->transaction_count ? index : 0];
  }
  dom::parser parser;
  dom::element detail;
  if (!rec.detail_json.empty() && parser.parse(rec.detail_json).get(detail) == simdjson::SUCCESS && detail.is_object())
    x.detail = detail;

  std::string_view phone = x.detail ? str_at(*x.detail, "help_desk_phone") : std::string_view{};
  if (phone.empty() && x.plan) phone = x.plan->help_desk_phone;
  const rules::pharmacy* pharmacy = x.plan ? x.plan->find_pharmacy(rec.provider_id) : nullptr;

  json_writer j;
  j.begin_object().field("id", rec.id).field("transaction_code", rec.transaction_code);
  j.field("status", std::string_view(&rec.status, 1)).field("status_name", status_name(rec.status));
  j.field("date_of_service", rec.date_of_service).field("received_at", rec.received_at).field("source", rec.source);
  j.key("pharmacy").begin_object().field("id", rec.provider_id).field_or_null("qualifier", rec.provider_id_qualifier);
  j.field_or_null("name", pharmacy ? pharmacy->name : std::string_view{}).end_object();
  j.key("payer").begin_object().field("bin", rec.bin).field_or_null("pcn", rec.pcn).field_or_null("group", rec.group_id);
  j.field_or_null("plan_id", rec.plan_id);
  if (rec.plan_version) j.field("plan_version", *rec.plan_version); else j.key("plan_version").null();
  j.field_or_null("help_desk_phone", phone).end_object();
  j.key("member").begin_object().field("cardholder_id", rec.cardholder_id).field_or_null("person_code", rec.person_code).end_object();
  j.field("rx_number", rec.rx_number).field("fill_number", rec.fill_number);
  j.key("product").begin_object().field_or_null("qualifier", rec.product_qualifier).field_or_null("id", rec.product_id);
  j.field_or_null("name", rec.product_name).field_or_null("therapeutic_class", rec.therapeutic_class);
  const rules::product* product = x.plan ? x.plan->find_product(rec.product_id) : nullptr;
  if (auto t = x.detail ? obj_at(*x.detail, "product") : std::nullopt; t && int_at(*t, "tier"))
    j.field("tier", *int_at(*t, "tier"));
  else if (product)
    j.field("tier", product->tier);
  else
    j.key("tier").null();
  j.end_object();
  if (rec.quantity) j.key("quantity").decimal(*rec.quantity, 3); else j.key("quantity").null();
  if (rec.days_supply) j.field("days_supply", *rec.days_supply); else j.key("days_supply").null();
  j.field_or_null("authorization_number", rec.authorization_number);

  bool rejected_88 = false;
  j.key("rejects").begin_array();
  for (const auto& r : rec.rejects) {
    if (r.code == "88") rejected_88 = true;
    write_reject(j, r, x, phone);
  }
  j.end_array();

  j.key("messages").begin_array();
  if (x.detail)
    for (auto t : array_at(*x.detail, "texts")) {
      std::string_view s;
      if (t.get_string().get(s) == simdjson::SUCCESS) j.value(s);
    }
  j.end_array();
  j.key("approved_messages").begin_array();
  if (x.detail)
    for (auto t : array_at(*x.detail, "approved_messages")) {
      std::string_view s;
      if (t.get_string().get(s) == simdjson::SUCCESS) j.value(s);
    }
  j.end_array();

  write_prior_authorization_flags(j, x);
  write_pricing(j, x);
  write_dur_alerts(j, x, rejected_88);

  j.key("preferred_alternatives").begin_array();
  if (x.detail)
    for (auto p : array_at(*x.detail, "preferred")) {
      const auto pid = str_at(p, "product_id");
      const rules::product* d = x.plan ? x.plan->find_product(pid) : nullptr;
      j.begin_object().field("product_id", pid).field_or_null("name", str_at(p, "description"));
      if (d) j.field("tier", d->tier); else j.key("tier").null();
      j.end_object();
    }
  j.end_array();

  j.key("other_payers").begin_array();
  if (x.answer)
    for (std::size_t i = 0; i < x.answer->other_payer_count && i < x.answer->other_payers.size(); ++i) {
      const auto& o = x.answer->other_payers[i];
      j.begin_object().field("bin", o.id).field_or_null("pcn", o.pcn).field_or_null("group", o.group_id);
      j.field_or_null("cardholder_id", o.cardholder_id).field_or_null("help_desk_phone", o.help_desk_phone).end_object();
    }
  j.end_array();

  if (!rec.reversed_at.empty()) {
    j.key("reversed").begin_object().field("at", rec.reversed_at);
    if (rec.reversed_by) j.field("by_claim_id", *rec.reversed_by); else j.key("by_claim_id").null();
    j.end_object();
  } else {
    j.key("reversed").null();
  }

  j.key("history").begin_array();
  for (const auto& h : history) {
    j.begin_object().field("id", h.id).field("relation", h.relation).field("transaction_code", h.transaction_code);
    j.field("status", std::string_view(&h.status, 1)).field("status_name", status_name(h.status));
    j.field("received_at", h.received_at).field("date_of_service", h.date_of_service);
    j.field_or_null("authorization_number", h.authorization_number);
    j.key("reject_codes").begin_array();
    for (const auto& code : h.reject_codes) j.value(code);
    j.end_array().end_object();
  }
  j.end_array();

  std::string decoded;
  if (request_ok) {
    codec::to_json(*request, decoded);
    j.key("request").raw(decoded);
  } else {
    j.key("request").null();
  }
  decoded.clear();
  if (response_ok) {
    codec::to_json(*response, decoded);
    j.key("response").raw(decoded);
  } else {
    j.key("response").null();
  }
  j.end_object();
  return json_reply(200, std::move(j).str());
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
  // A technician sees only its pharmacies: a pharmacy filter outside them, or a token without
  // any, finds nothing (and says nothing about what exists).
  const bool nothing = !sees_all && (c.who->pharmacies.empty() || (f.pharmacy && !c.who->may_see(*f.pharmacy)));
  if (!nothing) {
    if (!sees_all) f.allowed_pharmacies = c.who->pharmacies;
    if (auto e = reader_->search(f, page)) {
      if (e.code == store::errc::invalid) return error_reply(400, e.message);
      log::warn("status_api_search_failed").str("error", e.message);
      return error_reply(503, "claims store unavailable; retry shortly");
    }
  }
  std::string detail = "pharmacy=" + f.pharmacy.value_or("") + " rx=" + f.rx_number.value_or("") +
                       " status=" + f.status.value_or("") + " reject=" + f.reject_code.value_or("") +
                       " product=" + f.product_id.value_or("") + " from=" + f.from.value_or("") +
                       " to=" + f.to.value_or("") + " ids=";
  for (std::size_t i = 0; i < page.claims.size(); ++i) {
    if (i) detail.push_back(',');
    detail += std::to_string(page.claims[i].id);
  }
  if (auto a = access_->audit(c.identity(), "search", std::nullopt, detail, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");

  json_writer j;
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
  return json_reply(200, std::move(j).str());
}

api_reply status_api::pharmacy_summary(call& c, std::string_view pharmacy_text) const {
  const std::string pharmacy = percent_decode(pharmacy_text);
  c.pharmacy = pharmacy;
  if (pharmacy.empty() || !c.who->may_see(pharmacy)) return not_found();
  const auto today = today_utc();
  const std::string from = c.query.value("from").value_or(today);
  const std::string to = c.query.value("to").value_or(from > today ? from : today);
  if (!valid_date(from) || !valid_date(to)) return error_reply(400, "from and to must be YYYY-MM-DD");
  store::pharmacy_summary s;
  if (auto e = reader_->summary(pharmacy, from, to, s)) {
    if (e.code == store::errc::invalid) return error_reply(400, e.message);
    log::warn("status_api_summary_failed").str("error", e.message);
    return error_reply(503, "claims store unavailable; retry shortly");
  }
  if (auto a = access_->audit(c.identity(), "summary", std::nullopt, "pharmacy=" + pharmacy + " from=" + from + " to=" + to, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");
  std::int64_t total = 0;
  for (const auto& [status, n] : s.by_status) total += n;
  json_writer j;
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
  return json_reply(200, std::move(j).str());
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
  if (auto e = access_->next_prior_authorization_number(pa.number))
    return error_reply(503, "prior authorization numbers unavailable; retry shortly");
  if (auto e = reader_->create_prior_authorization(pa)) {
    if (e.code == store::errc::invalid) return error_reply(400, e.message);
    log::warn("status_api_pa_create_failed").str("error", e.message);
    return error_reply(503, "claims store unavailable; retry shortly");
  }
  if (auto a = access_->audit(c.identity(), "pa_create", std::nullopt, "pa=" + std::to_string(pa.id), "ok"))
    log::warn("status_api_audit_failed").str("error", a.message);
  return json_reply(201, pa_json(pa));
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
    return error_reply(503, "claims store unavailable; retry shortly");
  }
  std::string ids;
  for (const auto& p : list) ids += (ids.empty() ? "" : ",") + std::to_string(p.id);
  if (auto a = access_->audit(c.identity(), "pa_list", std::nullopt, "pas=" + ids, "ok"))
    return error_reply(503, "audit log unavailable; nothing was shown");
  json_writer j;
  j.begin_object().key("prior_authorizations").begin_array();
  for (const auto& p : list) j.raw(pa_json(p));
  j.end_array().end_object();
  return json_reply(200, std::move(j).str());
}

api_reply status_api::revoke_prior_authorization(call& c, std::string_view id_text) const {
  std::int64_t id = 0;
  if (!parse_id(id_text, id)) return not_found();
  if (auto e = reader_->revoke_prior_authorization(id, c.who->actor())) {
    if (e.code == store::errc::not_found) return not_found();
    return error_reply(503, "claims store unavailable; retry shortly");
  }
  if (auto a = access_->audit(c.identity(), "pa_revoke", std::nullopt, "pa=" + std::to_string(id), "ok"))
    log::warn("status_api_audit_failed").str("error", a.message);
  json_writer j;
  j.begin_object().field("id", id).field("revoked", true).end_object();
  return json_reply(200, std::move(j).str());
}

}  // namespace rxgate::server
