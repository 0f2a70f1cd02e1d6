// The operator view of a member's plan-year accumulators (member_accumulators.h), and the status
// API's route for it.
#include "server/status/member_accumulators.h"

#include <cstdio>

#include "codec/json_writer.h"
#include "server/core/log.h"
#include "server/status/api_call.h"
#include "server/status/code_help.h"

namespace rxgate::server {

namespace {

using status::dollars;

std::string date_text(codec::date d) {
  char out[24];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", static_cast<int>(d.year), static_cast<int>(d.month),
                static_cast<int>(d.day));
  return out;
}

// The last day of the plan year that starts on `start`.
codec::date year_end(codec::date start) {
  const codec::date next{static_cast<std::int16_t>(start.year + 1), start.month, 1};
  return codec::date::from_days(next.days() - 1);
}

// {"accumulated": 100, "limit": 1500, "remaining": 1400}; limit and remaining null without a limit.
void write_figure(codec::json_writer& j, std::string_view name, std::int64_t accumulated, std::int64_t limit,
                  std::int64_t remaining) {
  j.key(name).begin_object().key("accumulated").decimal(accumulated, 2);
  if (limit > 0) j.key("limit").decimal(limit, 2); else j.key("limit").null();
  if (remaining >= 0) j.key("remaining").decimal(remaining, 2); else j.key("remaining").null();
  j.end_object();
}

void write_amounts(codec::json_writer& j, const rules::accumulator_amounts& a) {
  j.key("deductible").decimal(a.deductible, 2).key("out_of_pocket").decimal(a.out_of_pocket, 2);
  j.key("benefit").decimal(a.benefit, 2);
}

}  // namespace

member_view_status read_member_accumulators(store::accumulator_store& store, const rules::plan_set& plans,
                                            const store::reader_identity& who, store::member_ref member,
                                            codec::date on, member_accumulators& out, store::error& why) {
  out = {};
  out.on = on;
  out.plan = store::accumulator_plan(plans, member.bin, member.cardholder_id, member.person_code, on);
  out.member = std::move(member);
  if (!out.plan) return member_view_status::unknown_bin;
  const auto& a = out.plan->accumulators;
  if (!a.enabled) return member_view_status::no_accumulators;
  if ((why = store.read_member_year(who, out.member, rules::plan_year_start(a, on), out.year)))
    return member_view_status::store_failed;
  rules::accumulator_state state = out.year.sums;
  state.family_size = store::family_size(*out.plan, out.member.cardholder_id);
  out.room = rules::room_left(a, state);
  return member_view_status::ok;
}

std::string member_accumulators_json(const member_accumulators& v) {
  const auto& a = v.plan->accumulators;
  const auto& s = v.year.sums;
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("bin", v.member.bin).field("cardholder_id", v.member.cardholder_id);
  j.field("person_code", v.member.person_code).field("date", date_text(v.on)).field("plan_id", v.plan->id);
  j.key("plan_year").begin_object().field("start", date_text(s.year_start)).field("end", date_text(year_end(s.year_start)));
  j.end_object();
  j.field("family_deductible_rule", a.family_deductible_rule == rules::family_rule::embedded ? "embedded" : "non_embedded");
  j.key("member").begin_object();
  write_figure(j, "deductible", s.member.deductible, a.deductible, v.room.member_deductible);
  write_figure(j, "out_of_pocket", s.member.out_of_pocket, a.out_of_pocket_max, v.room.member_out_of_pocket);
  write_figure(j, "benefit", s.member.benefit, a.benefit_max, v.room.benefit);
  j.end_object();
  j.key("family").begin_object();
  write_figure(j, "deductible", s.family.deductible, a.family_deductible, v.room.family_deductible);
  write_figure(j, "out_of_pocket", s.family.out_of_pocket, a.family_out_of_pocket_max, v.room.family_out_of_pocket);
  j.key("benefit").begin_object().key("accumulated").decimal(s.family.benefit, 2).end_object();
  j.end_object();
  // What the member's next claim faces: the smaller room of member and family.
  j.key("next_claim").begin_object();
  if (v.room.deductible >= 0) j.key("deductible_remaining").decimal(v.room.deductible, 2);
  else j.key("deductible_remaining").null();
  if (v.room.out_of_pocket >= 0) j.key("out_of_pocket_remaining").decimal(v.room.out_of_pocket, 2);
  else j.key("out_of_pocket_remaining").null();
  j.end_object();
  j.key("imports").begin_array();
  for (const auto& i : v.year.imports) {
    j.begin_object().field("person_code", i.person_code).field("source", i.source).field("imported_at", i.imported_at);
    write_amounts(j, i.amounts);
    j.end_object();
  }
  j.end_array().end_object();
  return out;
}

std::string member_accumulators_text(const member_accumulators& v) {
  const auto& a = v.plan->accumulators;
  const auto& s = v.year.sums;
  std::string out = "plan " + std::string(v.plan->id) + ", plan year " + date_text(s.year_start) + " to " +
                    date_text(year_end(s.year_start)) + " (family deductible " +
                    (a.family_deductible_rule == rules::family_rule::embedded ? "embedded" : "non-embedded") + ")\n";
  char line[160];
  std::snprintf(line, sizeof line, "%-26s %14s %14s %14s\n", "", "accumulated", "limit", "remaining");
  out += line;
  auto row = [&](const char* name, std::int64_t accumulated, std::int64_t limit, std::int64_t remaining) {
    std::snprintf(line, sizeof line, "%-26s %14s %14s %14s\n", name, dollars(accumulated).c_str(),
                  limit > 0 ? dollars(limit).c_str() : "-", remaining >= 0 ? dollars(remaining).c_str() : "-");
    out += line;
  };
  row("member deductible", s.member.deductible, a.deductible, v.room.member_deductible);
  row("member out-of-pocket", s.member.out_of_pocket, a.out_of_pocket_max, v.room.member_out_of_pocket);
  row("member benefit (plan paid)", s.member.benefit, a.benefit_max, v.room.benefit);
  row("family deductible", s.family.deductible, a.family_deductible, v.room.family_deductible);
  row("family out-of-pocket", s.family.out_of_pocket, a.family_out_of_pocket_max, v.room.family_out_of_pocket);
  out += "next claim: deductible remaining " + (v.room.deductible >= 0 ? dollars(v.room.deductible) : "-") +
         ", out-of-pocket remaining " + (v.room.out_of_pocket >= 0 ? dollars(v.room.out_of_pocket) : "-") + "\n";
  if (v.year.imports.empty()) {
    out += "imports: none\n";
    return out;
  }
  out += "imports (included above):\n";
  for (const auto& i : v.year.imports)
    out += "  person " + (i.person_code.empty() ? std::string("-") : i.person_code) + ", source " + i.source +
           ": deductible " + dollars(i.amounts.deductible) + ", out-of-pocket " + dollars(i.amounts.out_of_pocket) +
           ", benefit " + dollars(i.amounts.benefit) + " (imported " + i.imported_at + ")\n";
  return out;
}

// GET /v1/members/{bin}/{cardholder}/accumulators?person=&date= (operators and admins).
api_reply status_api::member_accumulators_route(call& c, std::string_view rest) const {
  // rest: "{bin}/{cardholder}/accumulators"
  const auto first = rest.find('/');
  const auto second = first == std::string_view::npos ? first : rest.find('/', first + 1);
  if (second == std::string_view::npos || rest.substr(second) != "/accumulators") return status::not_found();
  if (c.request.method != "GET") return status::error_reply(405, "use GET");
  if (!c.who->sees_every_pharmacy()) {
    // The refused attempt is audited too (without the member: `detail` never holds patient data).
    if (auto a = access_->audit(c.identity(), "accumulators", std::nullopt, "member read refused for the role", "denied"))
      log::warn("status_api_audit_failed").str("error", a.message);
    return status::error_reply(403, "member accumulators are for operators");
  }
  if (!accumulators_) return status::error_reply(503, "accumulators unavailable");
  store::member_ref member{status::percent_decode(rest.substr(0, first)),
                           status::percent_decode(rest.substr(first + 1, second - first - 1)),
                           c.query.get("person").value_or("")};
  const auto date = c.query.value("date").value_or(status::today_utc());
  const auto parsed = store::parse_day(date);
  if (!parsed) return status::error_reply(400, "date must be YYYYMMDD or YYYY-MM-DD");
  const codec::date on = *parsed;
  const auto plans = plans_();
  if (!plans) return status::error_reply(503, "plans not loaded");
  member_accumulators view;
  store::error why;
  switch (read_member_accumulators(*accumulators_, *plans, c.identity(), std::move(member), on, view, why)) {
    case member_view_status::ok:
      return status::json_reply(200, member_accumulators_json(view));
    case member_view_status::unknown_bin:
      return status::not_found();
    case member_view_status::no_accumulators:
      return status::error_reply(404, "this BIN's plan keeps no accumulators");
    case member_view_status::store_failed:
      break;
  }
  log::warn("status_api_accumulators_failed").str("error", why.message);
  return status::error_reply(503, "audit log or store unavailable; nothing was shown");
}

}  // namespace rxgate::server
