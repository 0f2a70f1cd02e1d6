// Deciding one transmission (up to four transactions) the way the gateway answers it, so that the
// dry run (`rxgate adjudicate`) and `serve` cannot disagree (issue 12, defect 3).
//
// Contract:
// - Transactions are decided in order. A transaction with syntax rejects (or in a transmission
//   the codec refused) is answered with those rejects and never reaches the rules.
// - A B1 paid earlier in the same transmission is history for the later transactions of the same
//   member (same BIN and cardholder ID), newest first, ahead of what `history` supplies; what
//   earlier transactions applied to the plan year's accumulators counts for later ones of the
//   same family (rules/accumulators.h add_earlier()).
// - Payments and accepted reversals get a 503-F3 number from `numbers` unless the decision
//   already carries one (a duplicate replays the original).
// - The response carries the header echo, every transaction, and for an accepted E1 the member's
//   coverage (AM25 group/plan/cardholder, AM29 name and date of birth).
// - Allocates only the per-transaction history overlay (tooling and the batch worker, not
//   adjudicate()); throws nothing but std::bad_alloc. Views in the result point into the request buffer, the plans
//   and the result itself: all must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "codec/response.h"
#include "rules/adjudicate.h"

namespace rxgate::rules {

// Source of 503-F3 authorization numbers.
class authorization_source {
 public:
  virtual ~authorization_source() = default;
  // Writes the next number into `out` (NUL padded); returns its length.
  virtual std::uint8_t next(std::array<char, 20>& out) noexcept = 0;
};

// What the store knows for transaction `index` of the transmission: the member's paid fills
// and PAs, the claim under the transaction's claim key. Spans must outlive the decision.
class history_source {
 public:
  virtual ~history_source() = default;
  virtual member_history for_transaction(std::size_t index, const codec::claim& c) const noexcept = 0;
};

struct transmission_decision {
  std::array<decision, codec::max_transactions> decisions{};
  codec::response response;
  // History each transaction saw when earlier transactions added to it (views of it are in
  // the decisions' inputs only while deciding; kept so a caller can inspect them).
  std::array<std::vector<prior_fill>, codec::max_transactions> fills;
};

// The steps, shared by decide_transmission() and the gateway's batch worker (which decides the
// transactions of several transmissions in one batch, in order, with the same steps).

// True when the rules decide transaction `c`: neither the transmission nor the claim carries
// syntax rejects.
bool decided_by_rules(const codec::validation& v, const codec::claim& c) noexcept;

// A transaction the rules never see: rejected with its own syntax rejects, else with the
// transmission's.
void decide_unusable(const codec::validation& v, const codec::claim& c, decision& out) noexcept;

// True when `earlier` (decided as `d`) is history for `later`: a paid B1 of the same member
// (same BIN, cardholder ID and person code, as the store's history keys a member).
bool is_history_for(const codec::claim& earlier, const decision& d, const codec::claim& later) noexcept;

// The fill that a paid B1 `c` (decided as `d`) is for the later transactions of its member.
prior_fill fill_of(const codec::claim& c, const decision& d, std::int64_t claim_id = 0) noexcept;

// adjudicate(), then a 503-F3 from `numbers` for a payment or an accepted reversal that does not
// carry one yet (a duplicate replays the original's).
void decide_transaction(const codec::claim& c, const plan_set& plans, const member_history& history,
                        codec::date today, authorization_source& numbers, decision& out) noexcept;

// The response header: the request's echo, 501-F1 R when the transmission was refused, and the
// transaction count (at least 1).
void respond_header(const codec::message& request, const codec::validation& v, codec::response& r) noexcept;

// Transaction `index` of the response from its decision; an accepted E1 also fills the member's
// coverage (AM25 group, plan, cardholder; AM29 name and date of birth).
void respond_transaction(const codec::claim& c, const decision& d, std::size_t index, codec::response& r) noexcept;

// Every transaction answered with host reject `code` (92, 99): header status A, 511-FB `code`,
// the Rx number echoed.
void respond_host_reject(const codec::message& request, const codec::validation& v, std::string_view code,
                         codec::response& r) noexcept;

// The D.0 bytes of `r` into `out` (16 KiB hold any response rxgate composes); false, with `out`
// untouched, when it does not fit.
bool write_response(const codec::response& r, std::string& out);

// Decide every transaction of `request` (decoded and validated into `v`) and compose the
// response into `out.response`.
void decide_transmission(const codec::message& request, const codec::validation& v, const plan_set& plans,
                         const history_source& history, codec::date today, authorization_source& numbers,
                         transmission_decision& out);

// The D.0 bytes of `out.response`. Should the response not fit (it always does in 16 KiB),
// every transaction is answered with host reject 99 instead, as the gateway does.
std::string response_bytes(transmission_decision& out, const codec::message& request,
                           const codec::validation& v);

}  // namespace rxgate::rules
