#include "rules/dry_run.h"

#include <algorithm>

#include "rules/csv.h"
#include "rules/plan_model.h"

namespace rxgate::rules {

namespace {

bool parse_fixed(std::string_view s, int scale, std::int64_t& out) {
  if (s.empty()) return false;
  std::int64_t whole = 0, frac = 0;
  int digits = 0;
  bool dot = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9' || whole > 100000000000LL) return false;
    if (dot) {
      if (++digits > scale) return false;
      frac = frac * 10 + (c - '0');
    } else {
      whole = whole * 10 + (c - '0');
    }
  }
  for (int i = digits; i < scale; ++i) frac *= 10;
  std::int64_t mul = 1;
  for (int i = 0; i < scale; ++i) mul *= 10;
  out = whole * mul + frac;
  return true;
}

}  // namespace

history_file::history_file(std::string name, std::string_view text, const plan_set* plans) {
  std::vector<std::string> problems;
  csv_reader reader(name, text);
  std::vector<csv_field> r;
  auto problem = [&](const csv_field& f, const std::string& msg) {
    problems.push_back(name + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " + msg);
  };
  auto keep = [&](std::string_view s) -> std::string_view { return strings_.emplace_back(s); };
  auto get = [&](std::size_t i) -> csv_field { return i < r.size() ? r[i] : csv_field{{}, r[0].line, 1}; };
  auto date_at = [&](std::size_t i, codec::date& out) {
    auto f = get(i);
    if (auto d = codec::parse_date(f.value)) return out = *d, true;
    problem(f, "expected a date CCYYMMDD, found \"" + std::string(f.value) + "\"");
    return false;
  };
  auto fixed_at = [&](std::size_t i, int scale, std::int64_t& out, bool optional) {
    auto f = get(i);
    if (optional && f.value.empty()) return true;
    if (parse_fixed(f.value, scale, out)) return true;
    problem(f, "expected a number, found \"" + std::string(f.value) + "\"");
    return false;
  };
  while (reader.next(r)) {
    if (!reader.error().empty()) {
      problem(r.empty() ? csv_field{{}, reader.line(), 1} : r.back(), reader.error());
      continue;
    }
    if (r.empty() || r[0].value.empty() || r[0].value.starts_with("#")) continue;
    const auto kind = r[0].value;
    if (kind == "fill") {
      if (r.size() < 6) {
        problem(r[0], "fill needs claim_id,fill_date,ndc,quantity,days_supply");
        continue;
      }
      prior_fill f;
      std::int64_t id = 0, days = 0;
      fixed_at(1, 0, id, false);
      f.claim_id = id;
      date_at(2, f.fill_date);
      f.product_id = keep(r[3].value);
      fixed_at(4, 3, f.quantity, false);
      fixed_at(5, 0, days, false);
      f.days_supply = static_cast<int>(days);
      f.provider_id = keep(get(6).value);
      f.prescriber_id = keep(get(7).value);
      f.therapeutic_class = keep(get(8).value);
      f.rx_number = "";
      if (f.therapeutic_class.empty() && plans) {
        for (const auto& p : plans->plans())
          if (const product* d = p->find_product(f.product_id)) {
            f.therapeutic_class = d->therapeutic_class;
            break;
          }
      }
      fills_.push_back(f);
    } else if (kind == "pa") {
      if (r.size() < 5) {
        problem(r[0], "pa needs number,ndc,effective,expires");
        continue;
      }
      prior_authorization a;
      a.number = keep(r[1].value);
      a.product_id = keep(r[2].value);
      date_at(3, a.effective);
      date_at(4, a.expires);
      fixed_at(5, 3, a.max_quantity, true);
      a.therapeutic_class = keep(get(6).value);
      authorizations_.push_back(a);
    } else if (kind == "key") {
      if (r.size() < 5) {
        problem(r[0], "key needs claim_id,paid|reversed,authorization,same|different");
        continue;
      }
      key_match k;
      fixed_at(1, 0, k.claim_id, false);
      if (r[2].value == "reversed") k.reversed = true;
      else if (r[2].value != "paid") problem(r[2], "expected paid or reversed");
      k.authorization_number = keep(r[3].value);
      if (r[4].value == "same") key_same_ = true;
      else if (r[4].value != "different") problem(r[4], "expected same or different");
      if (r.size() >= 9) {
        codec::pricing p;
        fixed_at(5, 2, p.total_paid, false);
        fixed_at(6, 2, p.patient_pay, false);
        fixed_at(7, 2, p.ingredient_cost_paid, false);
        fixed_at(8, 2, p.dispensing_fee_paid, false);
        // What else the store replays on a duplicate: 522-FM and the patient-pay parts.
        p.basis_of_reimbursement = keep(get(9).value);
        auto optional_at = [&](std::size_t i, std::optional<std::int64_t>& out) {
          std::int64_t v = 0;
          if (!get(i).value.empty() && fixed_at(i, 2, v, false)) out = v;
        };
        optional_at(10, p.copay);
        optional_at(11, p.coinsurance);
        optional_at(12, p.deductible_applied);
        optional_at(13, p.product_selection_brand);
        // What the stored claim added to the accumulators (a reversal takes it back).
        fixed_at(14, 2, k.applied.deductible, true);
        fixed_at(15, 2, k.applied.out_of_pocket, true);
        fixed_at(16, 2, k.applied.benefit, true);
        k.price = p;
      }
      key_ = k;
    } else if (kind == "accumulators") {
      if (r.size() < 8) {
        problem(r[0], "accumulators needs year_start,member deductible,out_of_pocket,benefit,family deductible,"
                      "out_of_pocket,benefit");
        continue;
      }
      accumulator_state a;
      date_at(1, a.year_start);
      fixed_at(2, 2, a.member.deductible, false);
      fixed_at(3, 2, a.member.out_of_pocket, false);
      fixed_at(4, 2, a.member.benefit, false);
      fixed_at(5, 2, a.family.deductible, false);
      fixed_at(6, 2, a.family.out_of_pocket, false);
      fixed_at(7, 2, a.family.benefit, false);
      accumulators_ = a;
    } else {
      problem(r[0], "kind must be fill, pa, key or accumulators, found \"" + std::string(kind) + "\"");
    }
  }
  // Most recent fill first, as the store hands them over.
  std::stable_sort(fills_.begin(), fills_.end(),
                   [](const prior_fill& a, const prior_fill& b) { return a.fill_date > b.fill_date; });
  if (!problems.empty()) throw plan_error(std::move(problems));
}

member_history history_file::for_claim(const codec::claim& c) const {
  member_history h;
  h.fills = fills_;
  h.authorizations = authorizations_;
  h.accumulators = accumulators_;
  if (key_) {
    key_match k = *key_;
    const auto fp = fingerprint(c);
    k.request_fingerprint = key_same_ ? fp : ~fp;
    h.same_key = k;
  }
  // A P1/P4 files nothing in a dry run; it is answered as the gateway would with the first
  // number of the PA sequence's dry-run stand-in.
  if (c.is_pa_request()) h.reserved_pa_number = "00000000001";
  return h;
}

namespace {

// The history file for every transaction (the claim key's stored claim compared per claim).
class file_history final : public history_source {
 public:
  explicit file_history(const history_file& file) : file_(file) {}
  member_history for_transaction(std::size_t, const codec::claim& c) const noexcept override {
    return file_.for_claim(c);
  }

 private:
  const history_file& file_;
};

// Deterministic 503-F3 numbers in the gateway's shape (3-digit node, 16-digit counter): node 000,
// counting from 1, so a dry run gives the same bytes every time.
class counting_authorizations final : public authorization_source {
 public:
  std::uint8_t next(std::array<char, 20>& out) noexcept override {
    std::uint64_t v = ++count_;
    out.fill('\0');
    for (int i = 18; i >= 0; --i, v /= 10) out[static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
    return 19;
  }

 private:
  std::uint64_t count_ = 0;
};

}  // namespace

std::unique_ptr<dry_run_result> dry_run(std::string_view transmission, const plan_set& plans,
                                        const history_file& history, codec::date today) {
  auto out = std::make_unique<dry_run_result>();
  // As the gateway prepares a body: what does not decode as a request is a transmission reject.
  out->decode_error = codec::decode(transmission, out->request);
  if (!out->decode_error && out->request.kind != codec::message_kind::request)
    out->decode_error = codec::decode_error{codec::errc::unknown_kind, 0};
  if (out->decode_error) {
    codec::validate_decode_failure(out->request, out->decode_error, transmission, out->validation);
    out->validation.transmission_rejected = true;
  } else {
    codec::validate(out->request, out->validation);
  }
  const file_history from_file(history);
  counting_authorizations numbers;
  decide_transmission(out->request, out->validation, plans, from_file, today, numbers, out->transmission);
  out->response_bytes = response_bytes(out->transmission, out->request, out->validation);
  return out;
}

}  // namespace rxgate::rules
