// P1-P4 (issue 15): prior authorization requests, cancels and inquiries over the wire.
//
// rxgate's PAs are decided by a person (a reviewer, through the status API), so no P transaction
// is approved in real time: a P1 or P4 files a pending request and is answered F (PA deferred)
// with the number it will carry; the billing half of a P1 is the later B1 with 461-EU 1 and
// 462-EV = that number, which pays once the PA is approved. P2 cancels a pending or approved PA of
// the member; P3 tells its current state. Everything comes from the member history the store
// loaded for the batch (history.h: named_authorization, reserved_pa_number, authorizations).
#include "rules/engine.h"

namespace rxgate::rules::detail {

pa_transaction_answer& engine::pa_answer_for(std::string_view number) noexcept {
  auto& a = d_.pa_answer.emplace();
  a.set_number(number);
  return a;
}

void engine::prior_authorization_transaction() noexcept {
  const auto& named = h_.named_authorization;
  if (c_.is_pa_request()) {
    // A retransmitted request (same claim key) gets the PA it filed, in its current state.
    if (named) return pa_answer_state(*named);
    return pa_request();
  }
  if (!named) {
    // Unknown, or another member's: the number is wrong for this member.
    reject("3N", "PY"_fid);
    text_builder t;
    t.add("NO PRIOR AUTHORIZATION ").add(c_.pa_number_assigned).add(" FOR THIS MEMBER");
    text(t);
    return;
  }
  if (c_.transaction_code == "P2") return pa_cancel(*named);
  pa_answer_state(*named);
}

void engine::pa_request() noexcept {
  if (!eligibility()) return;
  if (c_.product_id.empty()) {
    reject("21", "D7"_fid);  // a PA is for a drug
    return;
  }
  const product* d = p_->find_product(c_.product_id);
  if (d) {
    product_ = d;
    d_.product_name = d->name;
    d_.therapeutic_class = d->therapeutic_class;
    if (!d->pa_required) {
      reject("3R", "D7"_fid);
      d_.add_text("NO PRIOR AUTHORIZATION NEEDED FOR THIS DRUG: BILL A B1");
      return;
    }
    // An approved PA already covers the drug on the date of service: 3T rather than a second,
    // overlapping request; AM26 names it so the pharmacy can bill the B1 with it at once.
    for (const auto& a : h_.authorizations) {
      if (!pa_covers(a, *d) || !pa_dated(a)) continue;
      reject("3T", "PY"_fid);
      auto& answer = pa_answer_for(a.number);
      answer.effective = a.effective;
      answer.expiration = a.expires;
      if (a.max_quantity) answer.quantity = a.max_quantity;
      text_builder t;
      t.add("PA ").add(a.number).add(" IS ACTIVE UNTIL ").date(a.expires).add(": BILL B1 WITH 462-EV ").add(a.number);
      text(t);
      return;
    }
  }
  if (h_.reserved_pa_number.empty()) {
    // The store drew no number (it always does for a P1/P4): nothing can be filed.
    reject("99");
    return;
  }
  d_.status = 'F';
  auto& answer = pa_answer_for(h_.reserved_pa_number);
  answer.change = pa_change::request;
  answer.processed = today_;
  text_builder t;
  t.add("PA ").add(h_.reserved_pa_number).add(" PENDING REVIEW (3W). ONCE APPROVED BILL B1 WITH 461-EU 1 462-EV ")
      .add(h_.reserved_pa_number);
  text(t);
}

void engine::pa_cancel(const prior_authorization_on_file& pa) noexcept {
  if (pa.revoked) {
    // Cancelled already: the second P2 is a duplicate of the approved first.
    d_.status = 'S';
    pa_answer_for(pa.number);
    return;
  }
  if (pa.state == pa_review_state::denied) {
    reject("3Y", "PY"_fid);
    d_.add_text("THE PA WAS DENIED: NOTHING TO CANCEL");
    return;
  }
  d_.status = 'A';
  auto& answer = pa_answer_for(pa.number);
  answer.change = pa_change::cancel;
  answer.record_id = pa.id;
  answer.processed = today_;
  text_builder t;
  t.add("PA ").add(pa.number).add(" CANCELLED");
  text(t);
}

// P3, and a retransmitted P1/P4: the PA as it stands on the transaction's date of service.
void engine::pa_answer_state(const prior_authorization_on_file& pa) noexcept {
  auto& answer = pa_answer_for(pa.number);
  text_builder t;
  t.add("PA ").add(pa.number);
  if (pa.revoked) {
    // Cancelled (P2 or an operator): a new request is needed.
    reject("75", "PY"_fid);
    text(t.add(" WAS CANCELLED: REQUEST A NEW PRIOR AUTHORIZATION"));
    return;
  }
  switch (pa.state) {
    case pa_review_state::pending:
      d_.status = 'F';
      answer.processed = pa.requested_on;
      text(t.add(" IN PROCESS (3W): PENDING REVIEW"));
      return;
    case pa_review_state::denied:
      reject("3Y", "PY"_fid);
      if (pa.reviewed_on.valid()) answer.processed = pa.reviewed_on;
      text(t.add(" DENIED"));
      return;
    case pa_review_state::approved:
      break;
  }
  answer.processed = pa.reviewed_on.valid() ? pa.reviewed_on : pa.requested_on;
  answer.effective = pa.effective;
  answer.expiration = pa.expires;
  if (pa.max_quantity) answer.quantity = pa.max_quantity;
  if (c_.date_of_service > pa.expires) {
    // Expired before the date asked about: 75, a new PA is required.
    reject("75", "PY"_fid);
    text(t.add(" EXPIRED ").date(pa.expires));
    return;
  }
  d_.status = 'A';
  text(t.add(" APPROVED ").date(pa.effective).add(" TO ").date(pa.expires).add(": BILL B1 WITH 462-EV ").add(pa.number));
}

}  // namespace rxgate::rules::detail
