#include "sql/claim_detail.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>

#include "codec/json_writer.h"
#include "codec/view.h"

namespace rxgate::store {
namespace {

using codec::json_writer;

// ---- writing ------------------------------------------------------------------------------------

// Bytes from 0x7F up become '?' like in every text column of the store (the detail has always
// stored them so); the writer escapes the rest. Copies only when such a byte is present.
void text_value(json_writer& j, std::string_view v) {
  if (std::none_of(v.begin(), v.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x7F; })) {
    j.value(v);
    return;
  }
  std::string clean(v);
  for (char& ch : clean) {
    if (static_cast<unsigned char>(ch) >= 0x7F) ch = '?';
  }
  j.value(clean);
}

void text_field(json_writer& j, std::string_view k, std::string_view v) { text_value(j.key(k), v); }
void text_field_if(json_writer& j, std::string_view k, std::string_view v) {
  if (!v.empty()) text_field(j, k, v);
}
void date_field(json_writer& j, std::string_view k, codec::date d) {
  if (!d.valid()) return;
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year),
                              static_cast<unsigned>(d.month), static_cast<unsigned>(d.day));
  j.field(k, std::string_view(buf, static_cast<std::size_t>(n)));
}

void write_rejects(json_writer& j, const rules::decision& d) {
  if (!d.rejects.count) return;
  j.key("rejects").begin_array();
  for (const auto& r : d.rejects) {
    j.begin_object();
    text_field(j, "code", r.code_view());
    if (r.field) {
      // Two printable characters, as the claim_rejects.field column has them.
      auto chars = codec::field_chars(r.field);
      for (char& ch : chars) {
        const auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 || u >= 0x7F) ch = '?';
      }
      j.field("field", std::string_view(chars.data(), chars.size()));
    }
    if (r.occurrence) j.field("occurrence", static_cast<int>(r.occurrence));
    j.end_object();
  }
  j.end_array();
}

void write_dur(json_writer& j, const rules::decision& d) {
  if (!d.dur_count) return;
  j.key("dur").begin_array();
  for (std::size_t i = 0; i < d.dur_count && i < d.dur.size(); ++i) {
    const auto& a = d.dur[i];
    j.begin_object();
    text_field(j, "reason", a.reason);
    text_field_if(j, "significance", a.significance);
    text_field_if(j, "other_pharmacy", a.other_pharmacy);
    if (a.previous_fill) date_field(j, "previous_fill", *a.previous_fill);
    if (a.previous_quantity) j.field("previous_quantity", *a.previous_quantity);
    text_field_if(j, "database", a.database);
    text_field_if(j, "other_prescriber", a.other_prescriber);
    text_field_if(j, "free_text", a.free_text);
    text_field_if(j, "additional_text", a.additional_text);
    j.end_object();
  }
  j.end_array();
}

void write_refill_and_limit(json_writer& j, const rules::decision& d) {
  if (d.refill_too_soon) {
    const auto& r = *d.refill_too_soon;
    j.key("refill_too_soon").begin_object();
    date_field(j, "last_fill", r.last_fill);
    j.field("last_quantity", r.last_quantity).field("last_days_supply", r.last_days_supply);
    j.field("same_pharmacy", r.same_pharmacy);
    date_field(j, "next_allowed", r.next_allowed);
    if (r.threshold_pct) {
      j.field("threshold_pct", r.threshold_pct).field("threshold_source", rules::to_string(r.threshold_from));
    }
    if (r.dea_schedule) j.field("dea_schedule", r.dea_schedule);
    j.end_object();
  }
  if (d.limit) {
    const auto& l = *d.limit;
    j.key("limit").begin_object();
    j.field("max_quantity", l.max_quantity).field("per_days", l.per_days);
    j.field("max_days_supply", l.max_days_supply).field("allowed_quantity", l.allowed_quantity);
    if (l.max_quantity_per_day) j.field("max_quantity_per_day", l.max_quantity_per_day);
    j.end_object();
  }
}

// What the claim applied to its plan year's accumulators; negative for an accepted reversal.
void write_accumulators(json_writer& j, const rules::decision& d) {
  if (!d.accumulator_year.valid()) return;
  j.key("accumulators").begin_object();
  date_field(j, "year_start", d.accumulator_year);
  j.field("deductible", d.accumulated.deductible).field("out_of_pocket", d.accumulated.out_of_pocket);
  j.field("benefit", d.accumulated.benefit);
  j.end_object();
}

void write_prior_authorization(json_writer& j, const rules::decision& d) {
  if (!d.pa.required && d.pa.state == rules::pa_state::not_required && !d.pa.step_therapy_required) return;
  j.key("pa").begin_object().field("required", d.pa.required);
  text_field_if(j, "type", d.pa.pa_type);
  j.field("state", rules::to_string(d.pa.state));
  text_field_if(j, "number", d.pa.pa_number);
  date_field(j, "expired_on", d.pa.expired_on);
  j.field("step_therapy_required", d.pa.step_therapy_required);
  j.field("step_therapy_satisfied", d.pa.step_therapy_satisfied);
  j.end_object();
}

std::string_view to_string(rules::pa_change c) noexcept {
  switch (c) {
    case rules::pa_change::request: return "request";
    case rules::pa_change::cancel: return "cancel";
    case rules::pa_change::none: break;
  }
  return "none";
}

void write_pa_transaction(json_writer& j, const rules::decision& d) {
  if (!d.pa_answer || d.pa_answer->number_length == 0) return;
  const auto& a = *d.pa_answer;
  j.key("pa_transaction").begin_object().field("number", a.number_view()).field("change", to_string(a.change));
  if (a.processed) date_field(j, "processed", *a.processed);
  if (a.effective) date_field(j, "effective", *a.effective);
  if (a.expiration) date_field(j, "expires", *a.expiration);
  if (a.quantity) j.field("quantity", *a.quantity);
  j.end_object();
}

void write_preferred(json_writer& j, const rules::decision& d) {
  if (!d.preferred_count) return;
  j.key("preferred").begin_array();
  for (std::size_t i = 0; i < d.preferred_count && i < d.preferred.size(); ++i) {
    const auto& p = d.preferred[i];
    j.begin_object();
    text_field_if(j, "qualifier", p.qualifier);
    text_field(j, "product_id", p.product_id);
    text_field_if(j, "description", p.description);
    if (p.incentive) j.field("incentive", *p.incentive);
    if (p.cost_share_incentive) j.field("cost_share_incentive", *p.cost_share_incentive);
    j.end_object();
  }
  j.end_array();
}

void write_messages(json_writer& j, const rules::decision& d) {
  if (d.approved_message_count) {
    j.key("approved_messages").begin_array();
    for (std::size_t i = 0; i < d.approved_message_count && i < d.approved_messages.size(); ++i) {
      text_value(j, d.approved_messages[i]);
    }
    j.end_array();
  }
  if (d.text_count) {
    j.key("texts").begin_array();
    for (std::size_t i = 0; i < d.text_count && i < d.text_storage.size(); ++i) text_value(j, d.text(i));
    j.end_array();
  }
}

// ---- reading ------------------------------------------------------------------------------------

namespace dom = simdjson::dom;

std::string str_at(dom::object o, std::string_view key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}
std::optional<std::int64_t> int_at(dom::object o, std::string_view key) {
  std::int64_t v = 0;
  if (o[key].get_int64().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}
int int32_at(dom::object o, std::string_view key) { return static_cast<int>(int_at(o, key).value_or(0)); }
bool bool_at(dom::object o, std::string_view key) {
  bool v = false;
  if (o[key].get_bool().get(v) != simdjson::SUCCESS) return false;
  return v;
}
std::optional<dom::object> object_at(dom::object o, std::string_view key) {
  dom::object v;
  if (o[key].get_object().get(v) != simdjson::SUCCESS) return std::nullopt;
  return v;
}
// The objects in array `key` (other elements are skipped).
template <class Read>
void each_object(dom::object o, std::string_view key, Read read) {
  dom::array a;
  if (o[key].get_array().get(a) != simdjson::SUCCESS) return;
  for (dom::element e : a) {
    dom::object x;
    if (e.get_object().get(x) == simdjson::SUCCESS) read(x);
  }
}
std::vector<std::string> strings_at(dom::object o, std::string_view key) {
  std::vector<std::string> out;
  dom::array a;
  if (o[key].get_array().get(a) != simdjson::SUCCESS) return out;
  for (dom::element e : a) {
    std::string_view s;
    if (e.get_string().get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}

void read_lists(dom::object o, claim_detail& out) {
  each_object(o, "rejects", [&](dom::object x) {
    out.rejects.push_back({str_at(x, "code"), str_at(x, "field"), int32_at(x, "occurrence")});
  });
  each_object(o, "dur", [&](dom::object x) {
    out.dur.push_back({str_at(x, "reason"), str_at(x, "significance"), str_at(x, "other_pharmacy"),
                       str_at(x, "previous_fill"), int_at(x, "previous_quantity"), str_at(x, "database"),
                       str_at(x, "other_prescriber"), str_at(x, "free_text"), str_at(x, "additional_text")});
  });
  each_object(o, "preferred", [&](dom::object x) {
    out.preferred.push_back({str_at(x, "qualifier"), str_at(x, "product_id"), str_at(x, "description"),
                             int_at(x, "incentive"), int_at(x, "cost_share_incentive")});
  });
  out.approved_messages = strings_at(o, "approved_messages");
  out.texts = strings_at(o, "texts");
}

void read_objects(dom::object o, claim_detail& out) {
  if (auto r = object_at(o, "refill_too_soon")) {
    out.refill_too_soon = detail_refill_too_soon{str_at(*r, "last_fill"), str_at(*r, "next_allowed"),
                                                 int_at(*r, "last_quantity").value_or(0),
                                                 int32_at(*r, "last_days_supply"), bool_at(*r, "same_pharmacy"),
                                                 int32_at(*r, "threshold_pct"), str_at(*r, "threshold_source"),
                                                 int32_at(*r, "dea_schedule")};
  }
  if (auto l = object_at(o, "limit")) {
    out.limit = detail_limit{int_at(*l, "max_quantity").value_or(0), int32_at(*l, "per_days"),
                             int32_at(*l, "max_days_supply"), int_at(*l, "allowed_quantity").value_or(0),
                             int_at(*l, "max_quantity_per_day").value_or(0)};
  }
  if (auto a = object_at(o, "accumulators")) {
    out.accumulators = detail_accumulators{str_at(*a, "year_start"), int_at(*a, "deductible").value_or(0),
                                           int_at(*a, "out_of_pocket").value_or(0), int_at(*a, "benefit").value_or(0)};
  }
  if (auto p = object_at(o, "pa")) {
    out.pa = detail_prior_authorization{bool_at(*p, "required"), str_at(*p, "type"), str_at(*p, "state"),
                                        str_at(*p, "number"), str_at(*p, "expired_on"),
                                        bool_at(*p, "step_therapy_required"),
                                        bool_at(*p, "step_therapy_satisfied")};
  }
  if (auto p = object_at(o, "pa_transaction")) {
    out.pa_transaction = detail_pa_transaction{str_at(*p, "number"), str_at(*p, "change"), str_at(*p, "processed"),
                                               str_at(*p, "effective"), str_at(*p, "expires"), int_at(*p, "quantity")};
  }
}

}  // namespace

void write_claim_detail(std::string& out, const codec::claim& c, const rules::decision& d) {
  json_writer j(out);
  j.begin_object();
  if (!c.version.empty()) j.field("version", c.version);
  write_rejects(j, d);
  write_dur(j, d);
  write_refill_and_limit(j, d);
  write_accumulators(j, d);
  write_prior_authorization(j, d);
  write_pa_transaction(j, d);
  write_preferred(j, d);
  write_messages(j, d);
  text_field_if(j, "help_desk_phone", d.help_desk_phone);
  if (d.replaces_claim_id) j.field("replaces_claim_id", d.replaces_claim_id);
  if (d.rejects.dropped) j.field("rejects_dropped", static_cast<int>(d.rejects.dropped));
  j.end_object();
}

bool read_claim_detail(std::string_view json, claim_detail& out) {
  out = claim_detail{};
  try {
    dom::parser parser;
    dom::object o;
    if (parser.parse(json.data(), json.size()).get_object().get(o) != simdjson::SUCCESS) return false;
    read_objects(o, out);
    read_lists(o, out);
    out.help_desk_phone = str_at(o, "help_desk_phone");
    if (auto v = str_at(o, "version"); !v.empty()) out.version = v;
    out.replaces_claim_id = int_at(o, "replaces_claim_id");
    out.rejects_dropped = int32_at(o, "rejects_dropped");
    return true;
  } catch (...) {
    // Only allocation can throw here (simdjson reports errors by code).
    out = claim_detail{};
    return false;
  }
}

}  // namespace rxgate::store
