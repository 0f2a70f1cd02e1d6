// `rxgate adjudicate --plans DIR [--history FILE] [--today CCYYMMDD] [--json | --raw] FILE|-`
//
// A dry run for plan administrators: decode a D.0 request, validate it, decide it against the
// plans in DIR and print the answer. No database: what the store would know of the member (prior
// fills, prior authorizations, the claim already stored under the claim key) comes from --history.
// Plain output explains each transaction (status, rejects with the field at fault, what they mean
// and how to fix them, pricing, DUR alerts, next fill date) and then shows the D.0 response with
// its separators made visible; --raw writes only the response bytes; --json writes the decisions
// with their explanations as one JSON object. Input may start with "# " comment lines.
//
// Exit codes: 0 adjudicated (whatever the outcome); 1 plans or history cannot be loaded, or the
// file cannot be read; 2 the input is not a usable transmission (the reject response is still
// printed).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "codec/json_writer.h"
#include "codec/numeric.h"
#include "rules/dry_run.h"
#include "rules/plan_model.h"
#include "rules/reject_catalog.h"
#include "server/cli/command.h"

namespace rxgate::cli {
namespace {

constexpr const char* history_help =
    "member history as CSV lines, kind first ('#' comments):\n"
    "  fill,<claim_id>,<fill_date>,<ndc>,<quantity>,<days_supply>[,<pharmacy_npi>[,<prescriber_id>[,<class>]]]\n"
    "  pa,<number>,<ndc or empty>,<effective>,<expires>[,<max_quantity>[,<class>]]\n"
    "  key,<claim_id>,<paid|reversed>,<authorization>,<same|different>[,<total_paid>,<patient_pay>,<ingredient>,<fee>\n"
    "      [,<basis 522-FM>[,<copay>[,<coinsurance>[,<deductible>[,<brand penalty 134-UK>\n"
    "      [,<applied deductible>,<applied out of pocket>,<applied benefit>]]]]]]]\n"
    "  accumulators,<plan year start>,<member deductible>,<member out of pocket>,<member benefit>,\n"
    "      <family deductible>,<family out of pocket>,<family benefit>\n"
    "dates CCYYMMDD, quantities in units (\"30\", \"2.5\"), money in dollars (\"12.50\"); 'key' is the\n"
    "claim already stored under the transaction's claim key ('same' = an identical resubmission)";

bool read_all(const std::string& path, std::string& out) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char chunk[65536];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.append(chunk, n);
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  return !failed;
}

// The D.0 payload: after leading "# " comment lines, without an editor's final newline.
std::string_view payload(const std::string& bytes) {
  std::size_t at = 0;
  while (bytes.compare(at, 2, "# ") == 0) {
    auto eol = bytes.find('\n', at);
    at = eol == std::string::npos ? bytes.size() : eol + 1;
  }
  std::string_view p(bytes);
  p.remove_prefix(at);
  while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.remove_suffix(1);
  return p;
}

codec::date today_utc() {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(system_clock::now())};
  return {static_cast<std::int16_t>(static_cast<int>(ymd.year())), static_cast<std::uint8_t>(unsigned(ymd.month())),
          static_cast<std::uint8_t>(unsigned(ymd.day()))};
}

std::string money(std::int64_t cents) {
  std::string s = cents < 0 ? "-" : "";
  const std::int64_t m = cents < 0 ? -cents : cents;
  std::string frac = std::to_string(m % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return s + std::to_string(m / 100) + "." + frac;
}
std::string quantity(std::int64_t q) {
  std::string s = std::to_string(q / 1000);
  if (q % 1000) {
    std::string frac = std::to_string(q % 1000);
    frac.insert(0, 3 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    s += "." + frac;
  }
  return s;
}
std::string date_text(codec::date d) {
  if (!d.valid()) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, unsigned{d.month}, unsigned{d.day});
  return buf;
}
std::string field_text(codec::field_id f) {
  if (!f) return "";
  auto c = codec::field_chars(f);
  return std::string(c.data(), 2);
}
std::string_view status_text(char s) {
  switch (s) {
    case 'P': return "paid";
    case 'D': return "duplicate of paid";
    case 'R': return "rejected";
    case 'A': return "approved";
    case 'S': return "duplicate of approved";
    case 'C': return "captured";
    default: return "";
  }
}

std::string visible(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\x1E') out += "\n<RS>";
    else if (c == '\x1D') out += "\n<GS>";
    else if (c == '\x1C') out += "<FS>";
    else if (c == '\x02') out += "<STX>";
    else if (c == '\x03') out += "<ETX>";
    else out += c;
  }
  return out;
}

void print_plain(std::ostream& out, const rules::dry_run_result& r) {
  const auto& v = r.validation;
  out << "Transmission: " << r.response.transaction_code << ", " << int(r.response.transaction_count)
      << " transaction(s), response header status " << r.response.header_status << "\n";
  for (std::size_t i = 0; i < r.response.transaction_count; ++i) {
    const auto& t = r.response.transactions[i];
    const auto& d = r.decisions[i];
    out << "\nTransaction " << i + 1 << ": " << t.status << " (" << status_text(t.status) << ")";
    if (!d.plan_id.empty()) out << ", plan " << d.plan_id << " v" << d.plan_version;
    out << "\n";
    if (v.transmission_rejected) out << "  the transmission itself is unusable\n";
    if (!d.product_name.empty())
      out << "  product: " << d.product_name << " (" << d.therapeutic_class << ", tier " << d.tier << ")\n";
    for (const auto& rj : t.rejects) {
      const auto* info = rules::find_reject(rj.code_view());
      out << "  reject " << rj.code_view() << " " << (info ? info->short_name : std::string_view{"(unknown code)"});
      if (rj.field) out << " (field " << field_text(rj.field) << (rj.occurrence ? ", occurrence " + std::to_string(rj.occurrence) : "") << ")";
      out << "\n";
      if (info && !info->explanation.empty()) out << "    why: " << info->explanation << "\n";
      if (info && !info->fix.empty()) out << "    fix: " << info->fix << "\n";
    }
    if (d.refill_too_soon) {
      const auto& rt = *d.refill_too_soon;
      out << "  refill too soon: last fill " << date_text(rt.last_fill) << " (" << quantity(rt.last_quantity) << " for "
          << rt.last_days_supply << " days, " << (rt.same_pharmacy ? "this pharmacy" : "another pharmacy")
          << "); next fill allowed " << date_text(rt.next_allowed) << "\n";
    }
    if (d.limit) {
      const auto& l = *d.limit;
      if (l.max_quantity)
        out << "  quantity limit: " << quantity(l.max_quantity) << " per " << l.per_days << " days; allowed now "
            << quantity(l.allowed_quantity) << "\n";
      if (l.max_days_supply) out << "  days supply limit: " << l.max_days_supply << "\n";
    }
    if (d.pa.required || d.pa.step_therapy_required) {
      out << "  prior authorization: ";
      if (d.pa.required) out << "required (type " << d.pa.pa_type << "), " << rules::to_string(d.pa.state);
      if (!d.pa.pa_number.empty()) out << " " << d.pa.pa_number;
      if (d.pa.step_therapy_required)
        out << (d.pa.required ? "; " : "") << "step therapy " << (d.pa.step_therapy_satisfied ? "satisfied" : "not satisfied");
      out << "\n";
    }
    if (t.price) {
      const auto& p = *t.price;
      out << "  pricing: ingredient cost " << money(p.ingredient_cost_paid) << ", dispensing fee "
          << money(p.dispensing_fee_paid) << ", patient pay " << money(p.patient_pay);
      if (p.copay) out << " (copay " << money(*p.copay) << ")";
      if (p.coinsurance) out << " (coinsurance " << money(*p.coinsurance) << ")";
      if (p.product_selection_brand) out << " (brand penalty " << money(*p.product_selection_brand) << ", 134-UK)";
      out << ", total paid " << money(p.total_paid) << ", basis of reimbursement " << p.basis_of_reimbursement << "\n";
      if (p.usual_customary_reduction) out << "  paid at usual and customary, " << money(*p.usual_customary_reduction) << " below the plan price\n";
      if (p.deductible_applied || p.accumulated_deductible || p.remaining_benefit || p.over_benefit_maximum) {
        out << "  accumulators:";
        const char* sep = " ";
        auto item = [&](const char* what, const std::optional<std::int64_t>& amount) {
          if (!amount) return;
          out << sep << what << " " << money(*amount);
          sep = ", ";
        };
        item("deductible applied (517-FH)", p.deductible_applied);
        item("accumulated deductible (512-FC)", p.accumulated_deductible);
        item("remaining deductible (513-FD)", p.remaining_deductible);
        item("remaining benefit (514-FE)", p.remaining_benefit);
        item("over the benefit maximum (520-FK)", p.over_benefit_maximum);
        out << "\n";
      }
    }
    if (i < v.claim_count && v.claims[i].has_cob) {
      // Coordination of benefits: what the other payers answered and what this plan recognized.
      const auto& c = v.claims[i];
      out << "  coordination of benefits: other coverage code " << (c.other_coverage_code.empty() ? "-" : c.other_coverage_code);
      if (t.price && t.price->other_payer_recognized)
        out << ", other payers recognized " << money(*t.price->other_payer_recognized) << " (566-J5), balance "
            << money(t.price->total_paid + t.price->patient_pay) << ", this plan pays " << money(t.price->total_paid);
      out << "\n";
      for (std::size_t k = 0; k < c.other_payer_count; ++k) {
        const auto& o = c.other_payers[k];
        out << "    other payer " << o.coverage_type << " " << o.id << ":";
        for (const auto& a : c.amounts_paid(o)) out << " paid " << money(a.amount) << " (342-HC " << a.qualifier << ")";
        for (auto code : c.reject_codes(o)) out << " reject " << code;
        for (const auto& a : c.patient_responsibility(o))
          out << " patient responsibility " << money(a.amount) << " (351-NP " << a.qualifier << ")";
        out << "\n";
      }
    }
    for (std::size_t k = 0; k < t.dur_count; ++k) {
      const auto& a = t.dur[k];
      out << "  DUR alert " << a.reason << " " << rules::dur_reason_name(a.reason);
      if (!a.significance.empty()) out << ", significance " << a.significance;
      if (a.previous_fill) out << ", previous fill " << date_text(*a.previous_fill);
      if (a.previous_quantity) out << " of " << quantity(*a.previous_quantity);
      if (!a.free_text.empty()) out << ": " << a.free_text;
      out << ((d.dur_reject_mask >> k) & 1 ? " (rejects)" : " (informational)") << "\n";
    }
    for (std::size_t k = 0; k < t.approved_message_count; ++k) out << "  approved message " << t.approved_messages[k] << "\n";
    for (std::size_t k = 0; k < t.text_count; ++k) out << "  message: " << t.texts[k] << "\n";
    for (std::size_t k = 0; k < t.preferred_count; ++k)
      out << "  preferred alternative: " << t.preferred[k].product_id << " " << t.preferred[k].description << "\n";
    for (std::size_t k = 0; k < t.other_payer_count; ++k) {
      const auto& o = t.other_payers[k];
      out << "  other payer: BIN " << o.id << " PCN " << o.pcn << " group " << o.group_id << " help desk "
          << o.help_desk_phone << "\n";
    }
    if (d.replaces_claim_id) out << "  refers to stored claim " << d.replaces_claim_id << "\n";
    if (!t.help_desk_phone.empty()) out << "  help desk: " << t.help_desk_phone << "\n";
  }
  out << "\nResponse (D.0; separators shown as <FS> <GS> <RS>):\n" << visible(r.response_bytes) << "\n";
}

std::string to_json(const rules::dry_run_result& r) {
  std::string out;
  codec::json_writer j(out);
  j.begin_object().field("kind", "decision").field("transaction_code", r.response.transaction_code);
  j.key("header_status").value(std::string_view(&r.response.header_status, 1));
  j.key("transactions").begin_array();
  for (std::size_t i = 0; i < r.response.transaction_count; ++i) {
    const auto& t = r.response.transactions[i];
    const auto& d = r.decisions[i];
    j.begin_object();
    j.key("status").value(std::string_view(&t.status, 1)).field("status_text", status_text(t.status));
    j.field_or_null("plan_id", d.plan_id).field("plan_version", static_cast<std::int64_t>(d.plan_version));
    j.field_or_null("authorization_number", t.authorization_number);
    if (d.replaces_claim_id) j.field("replaces_claim_id", d.replaces_claim_id);
    char fp[17];
    std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(d.request_fingerprint));
    j.field("fingerprint", std::string_view(fp, 16));
    j.key("product").begin_object().field_or_null("name", d.product_name).field_or_null("therapeutic_class", d.therapeutic_class)
        .field("tier", d.tier).end_object();
    j.key("rejects").begin_array();
    for (const auto& rj : t.rejects) {
      const auto* info = rules::find_reject(rj.code_view());
      j.begin_object().field("code", rj.code_view());
      j.field_or_null("field", field_text(rj.field));
      j.field("occurrence", int(rj.occurrence));
      j.field_or_null("short_name", info ? info->short_name : std::string_view{});
      j.field_or_null("explanation", info ? info->explanation : std::string_view{});
      j.field_or_null("fix", info ? info->fix : std::string_view{});
      j.end_object();
    }
    j.end_array();
    j.key("prior_authorization").begin_object().field("required", d.pa.required).field_or_null("pa_type", d.pa.pa_type)
        .field("state", rules::to_string(d.pa.state)).field_or_null("pa_number", d.pa.pa_number)
        .field_or_null("expired_on", date_text(d.pa.expired_on)).field("step_therapy_required", d.pa.step_therapy_required)
        .field("step_therapy_satisfied", d.pa.step_therapy_satisfied).end_object();
    if (d.refill_too_soon) {
      const auto& rt = *d.refill_too_soon;
      j.key("refill_too_soon").begin_object().field("last_fill", date_text(rt.last_fill));
      j.key("last_quantity").decimal(rt.last_quantity, 3);
      j.field("last_days_supply", rt.last_days_supply).field("same_pharmacy", rt.same_pharmacy)
          .field("next_allowed", date_text(rt.next_allowed)).end_object();
    }
    if (d.limit) {
      j.key("limit").begin_object();
      j.key("max_quantity").decimal(d.limit->max_quantity, 3);
      j.field("per_days", d.limit->per_days).field("max_days_supply", d.limit->max_days_supply);
      j.key("allowed_quantity").decimal(d.limit->allowed_quantity, 3);
      j.end_object();
    }
    if (t.price) {
      const auto& p = *t.price;
      j.key("pricing").begin_object();
      j.key("ingredient_cost_paid").decimal(p.ingredient_cost_paid, 2);
      j.key("dispensing_fee_paid").decimal(p.dispensing_fee_paid, 2);
      j.key("patient_pay").decimal(p.patient_pay, 2);
      j.money_or_null("copay", p.copay).money_or_null("coinsurance", p.coinsurance);
      j.key("total_paid").decimal(p.total_paid, 2);
      j.field("basis_of_reimbursement", p.basis_of_reimbursement);
      j.money_or_null("usual_customary_reduction", p.usual_customary_reduction);
      j.money_or_null("other_payer_recognized", p.other_payer_recognized);
      j.money_or_null("deductible_applied", p.deductible_applied)
          .money_or_null("accumulated_deductible", p.accumulated_deductible)
          .money_or_null("remaining_deductible", p.remaining_deductible)
          .money_or_null("remaining_benefit", p.remaining_benefit)
          .money_or_null("over_benefit_maximum", p.over_benefit_maximum);
      j.end_object();
    } else {
      j.key("pricing").null();
    }
    j.key("dur").begin_array();
    for (std::size_t k = 0; k < t.dur_count; ++k) {
      const auto& a = t.dur[k];
      j.begin_object().field("reason", a.reason).field("reason_name", rules::dur_reason_name(a.reason))
          .field_or_null("significance", a.significance).field_or_null("other_pharmacy", a.other_pharmacy)
          .field_or_null("previous_fill", a.previous_fill ? date_text(*a.previous_fill) : std::string())
          .field_or_null("other_prescriber", a.other_prescriber).field_or_null("text", a.free_text)
          .field("rejects", ((d.dur_reject_mask >> k) & 1) != 0);
      if (a.previous_quantity) j.key("previous_quantity").decimal(*a.previous_quantity, 3);
      j.end_object();
    }
    j.end_array();
    j.key("approved_messages").begin_array();
    for (std::size_t k = 0; k < t.approved_message_count; ++k) j.value(t.approved_messages[k]);
    j.end_array();
    j.key("messages").begin_array();
    for (std::size_t k = 0; k < t.text_count; ++k) j.value(t.texts[k]);
    j.end_array();
    j.key("preferred").begin_array();
    for (std::size_t k = 0; k < t.preferred_count; ++k)
      j.begin_object().field("product_id", t.preferred[k].product_id).field("description", t.preferred[k].description).end_object();
    j.end_array();
    j.key("other_payers").begin_array();
    for (std::size_t k = 0; k < t.other_payer_count; ++k) {
      const auto& o = t.other_payers[k];
      j.begin_object().field("bin", o.id).field_or_null("pcn", o.pcn).field_or_null("group", o.group_id)
          .field_or_null("cardholder_id", o.cardholder_id).field_or_null("help_desk_phone", o.help_desk_phone).end_object();
    }
    j.end_array();
    j.field_or_null("help_desk_phone", t.help_desk_phone);
    j.end_object();
  }
  j.end_array();
  j.field("response", r.response_bytes);
  j.end_object();
  return out;
}

struct options {
  std::string plans, history, today, input;
  bool json = false, raw = false;
};

void run(const options& o) {
  std::shared_ptr<const rules::plan_set> plans;
  try {
    plans = rules::load_plans(o.plans);
  } catch (const rules::plan_error& e) {
    std::fprintf(stderr, "rxgate adjudicate: the plans do not load:\n%s\n", e.what());
    set_exit_code(1);
    return;
  }
  rules::history_file history;
  if (!o.history.empty()) {
    std::string text;
    if (!read_all(o.history, text)) {
      std::fprintf(stderr, "rxgate adjudicate: cannot read %s\n", o.history.c_str());
      set_exit_code(1);
      return;
    }
    try {
      history = rules::history_file(o.history, text, plans.get());
    } catch (const rules::plan_error& e) {
      std::fprintf(stderr, "rxgate adjudicate: bad history:\n%s\n", e.what());
      set_exit_code(1);
      return;
    }
  }
  codec::date today = today_utc();
  if (!o.today.empty()) {
    auto d = codec::parse_date(o.today);
    if (!d) {
      std::fprintf(stderr, "rxgate adjudicate: --today must be CCYYMMDD\n");
      set_exit_code(2);
      return;
    }
    today = *d;
  }
  std::string bytes;
  if (!read_all(o.input, bytes)) {
    std::fprintf(stderr, "rxgate adjudicate: cannot read %s\n", o.input == "-" ? "stdin" : o.input.c_str());
    set_exit_code(1);
    return;
  }
  const auto result = rules::dry_run(payload(bytes), *plans, history, today);
  if (result->decode_error) {
    std::array<char, 256> buf;
    std::fprintf(stderr, "rxgate adjudicate: %.*s\n", static_cast<int>(codec::describe(result->decode_error, buf).size()),
                 codec::describe(result->decode_error, buf).data());
    set_exit_code(2);
  } else if (result->validation.transmission_rejected) {
    set_exit_code(2);
  }
  if (o.raw) {
    std::fwrite(result->response_bytes.data(), 1, result->response_bytes.size(), stdout);
  } else if (o.json) {
    std::cout << to_json(*result) << "\n";
  } else {
    print_plain(std::cout, *result);
  }
}

const command_registrar reg{[](CLI::App& app) {
  auto o = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "adjudicate",
      "Dry run: decide a D.0 claim against the plans, without a database, and print the response");
  cmd->add_option("--plans", o->plans, "folder of plan folders (e.g. config/plans)")->required();
  cmd->add_option("--history", o->history, std::string("CSV file of what the store would know; ") + history_help);
  cmd->add_option("--today", o->today, "processing date CCYYMMDD (default: today, UTC)");
  cmd->add_flag("--json", o->json, "print the decisions with their explanations as JSON");
  cmd->add_flag("--raw", o->raw, "write only the D.0 response bytes");
  cmd->add_option("file", o->input, "D.0 request file, or - for stdin")->required();
  cmd->callback([o] { run(*o); });
}};

}  // namespace
}  // namespace rxgate::cli
