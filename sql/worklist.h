// The technicians' reject worklist (migration 0017): a pharmacy's rejected claims, open until a
// later claim under the same pharmacy, Rx number and fill is paid (and stays unreversed) or a
// technician closes them with a reason; assignments and notes; who did what, when and why.
//
// Contract:
// - Nothing is written per claim: a reject is a claims row with status R and its claim_rejects
//   rows; its state is derived when it is read. Only technician actions are written
//   (worklist_actions, append-only).
// - Later = a higher claim id (ids come from one sequence, in the order claims are written).
// - Reads and actions are scoped by the caller: every call names the pharmacy it acts for, and an
//   action on a reject of another pharmacy is errc::not_found, like one that does not exist.
// - Blocks on PostgreSQL (its own small pool), safe from any number of threads, never throws;
//   failures come back as store::error whose messages name what failed, never values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sql/store.h"

namespace rxgate::store {

// Why a technician closed a reject (worklist_actions.reason).
inline constexpr std::string_view worklist_close_reasons[] = {
    "resolved_by_resubmission", "sent_to_prescriber", "patient_paid_cash", "pa_requested", "transferred", "other"};
bool is_worklist_close_reason(std::string_view reason) noexcept;

// Reject codes a pharmacist resolves (DUR and DUR/PPS codes): a reject carrying one is marked.
bool is_pharmacist_reject(std::string_view code) noexcept;

struct worklist_entry {
  std::int64_t claim_id = 0;
  std::string date_of_service, received_at;  // YYYY-MM-DD; ISO 8601 UTC
  std::string provider_id, bin, pcn, rx_number, transaction_code, product_id, product_name;
  int fill_number = 0;
  std::vector<std::string> reject_codes;  // payer order
  bool for_pharmacist = false;
  bool open = true;
  // The later paid claim under the key: the first unreversed one, else the last reversed one.
  std::optional<std::int64_t> paid_by;
  std::string paid_at, payment_reversed_at;  // empty when none / not reversed
  // The last close or reopen by a technician (empty when none).
  std::string last_state_action, close_reason, state_actor, state_at, state_note;
  std::string assignee;  // empty: unassigned
};

struct worklist_action_record {
  std::int64_t id = 0;
  std::string action, reason, assignee, note, actor, at;
};

struct worklist_filter {
  std::string pharmacy;              // required
  std::optional<bool> open;          // nullopt: open and closed
  std::optional<std::string> from, to;  // date of service, YYYY-MM-DD, inclusive
  std::optional<std::string> bin, pcn, reject_code, assignee;  // assignee "" = unassigned
  std::optional<bool> for_pharmacist;
  std::string cursor;  // next_cursor of the previous page
  int limit = 50;      // 1..500
};

struct worklist_page {
  std::vector<worklist_entry> entries;  // newest date of service first, then highest id
  std::string next_cursor;              // empty on the last page
};

struct worklist_counts {
  std::int64_t rejects = 0, for_pharmacist = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_code;  // most first, then code
};

// One technician action. `pharmacy` is the scope the caller checked; `reason` for close,
// `assignee` for assign ("" unassigns), `note` for note (and optional with the others).
struct worklist_action {
  std::int64_t claim_id = 0;
  std::string pharmacy, action, reason, assignee, note, actor;
  std::int64_t token_id = 0;
};

class worklist_store {
 public:
  virtual ~worklist_store() = default;

  // errc::invalid for a malformed date or cursor or a limit outside 1..500.
  virtual error list(const worklist_filter& filter, worklist_page& out) = 0;
  // The same filters (cursor and limit aside), counted per reject code.
  virtual error counts(const worklist_filter& filter, worklist_counts& out) = 0;
  // One reject with its actions, oldest first. errc::not_found: no rejected claim with that id.
  virtual error entry(std::int64_t claim_id, worklist_entry& out, std::vector<worklist_action_record>& actions) = 0;
  // Records `a` and answers the reject as it is after it. errc::not_found: no rejected claim
  // with that id at a.pharmacy; errc::conflict: close of a closed reject, reopen of an open one
  // or of one a payment closed; errc::invalid: unknown action or reason, "other" without a note.
  virtual error act(const worklist_action& a, worklist_entry& out) = 0;
};

// Connects lazily; never throws.
std::unique_ptr<worklist_store> open_worklist(const store_options& options);

}  // namespace rxgate::store
