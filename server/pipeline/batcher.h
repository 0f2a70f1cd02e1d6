// The claim path between the socket and PostgreSQL (DESIGN.md §3).
//
// An io thread turns a request body into a `transmission` (prepare(): decode, validate, check the
// client's identity) and hands it to the batcher. Each worker thread (one per claim store, i.e.
// per writer connection) takes whatever is queued (up to max_batch transactions) whenever it is
// free, and for that batch runs the store protocol of sql/store.h: begin, load_history, decide
// each transaction in order with the steps of rules/transmission.h (the steps the dry run takes),
// build the responses, insert, re-adjudicate conflicts, commit. Only after the commit does it call each transmission's `done` (on the worker
// thread; the owner posts it back to its connection). On any store error every transaction of the
// batch is answered with a host reject (92 unavailable, 99 otherwise): nothing is ever reported
// paid that is not committed.
//
// Several workers: batches of different workers commit concurrently, so a worker never takes a
// transmission that shares a claim key or a member (BIN + cardholder ID) with a batch another
// worker has in flight; it leaves it queued, with every later transmission sharing one of its
// keys, and takes them once that batch has committed. Transactions under one key are thus
// decided in the order they were queued and always see each other's committed rows, as with a
// single worker; the store's conflict path (active_paid_keys) still settles races with other
// nodes. All transactions of one transmission stay in one batch.
//
// A transmission still queued when its owner gives up (claim budget, shutdown) is expired with
// try_expire(); the worker then skips it, so it is answered exactly once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/view.h"
#include "rules/decision.h"
#include "rules/plan.h"
#include "rules/transmission.h"
#include "sql/store.h"
#include "server/core/metrics.h"

namespace rxgate::server {

// Service provider IDs a client may bill for; nullptr = unrestricted.
struct provider_scope {
  std::string_view identity;                // for metrics and logs
  const std::vector<std::string>* providers = nullptr;
  bool allows(std::string_view provider_id) const noexcept;
};

struct transmission {
  enum class state : std::uint8_t { queued, taken, expired };

  std::string request;       // the body as received; every view below points into it
  codec::message message;
  codec::validation validation;
  std::string_view source = "ncpdp";  // recorded with the claim: "ncpdp" | "json"
  bool probe = false;        // a readiness probe: no transactions, just begin + commit
  bool probe_ok = false;
  std::uint8_t identity_rejects = 0;
  std::chrono::steady_clock::time_point received{};

  std::string response;      // the D.0 response, set once
  std::array<char, 4> statuses{};  // 112-AN of each transaction answered, for the caller's metrics
  std::atomic<state> status{state::queued};
  // Called once, on the worker thread, after the batch committed (or failed).
  std::function<void(std::shared_ptr<transmission>)> done;

  bool try_take() noexcept;
  bool try_expire() noexcept;
};

// Decode and validate `t.request` into `t.message` / `t.validation` and apply the client's
// provider scope (a claim for another provider gets reject 50 on 201-B1). A body that is not a
// usable transmission gets a transmission-level reject (header status R). Never fails.
void prepare(transmission& t, const provider_scope& scope) noexcept;

// Answer every transaction of `t` with the host reject `code` (92, 99) without the database.
void build_host_reject(transmission& t, std::string_view code) noexcept;

// Unique, time-ordered authorization numbers (503-F3): 3-digit node id + a 16-digit counter that
// starts from the clock in milliseconds * 1024, so it never repeats across restarts of the node
// unless more than 1024 numbers a millisecond were issued for longer than the restart took.
class authorization_numbers final : public rules::authorization_source {
 public:
  explicit authorization_numbers(std::uint16_t node_id) noexcept : node_(node_id) {}
  // Writes the next number into `out`; returns its length (19).
  std::uint8_t next(std::array<char, 20>& out) noexcept override;

 private:
  std::uint16_t node_;
  std::atomic<std::uint64_t> last_{0};
};

struct batcher_options {
  std::size_t max_batch = 256;
  std::size_t max_queue = 8192;
  std::uint16_t node_id = 1;
};

using plan_source = std::function<std::shared_ptr<const rules::plan_set>()>;

class batcher {
 public:
  // One worker on `store`.
  batcher(batcher_options options, store::claim_store& store, plan_source plans, metrics& m);
  // One worker per store (each its own writer connection); at least one.
  batcher(batcher_options options, std::vector<store::claim_store*> stores, plan_source plans, metrics& m);
  ~batcher();
  batcher(const batcher&) = delete;
  batcher& operator=(const batcher&) = delete;

  enum class submit_result : std::uint8_t { queued, full, stopped };
  // Queue `t` (already prepared). On `full` / `stopped` nothing was queued and `done` will not run.
  submit_result submit(std::shared_ptr<transmission> t);

  // Process everything queued, then stop the workers. Idempotent; called by the destructor.
  void stop();
  std::size_t depth() const;

 private:
  void run(store::claim_store& store);
  // Under mutex_: move the next batch out of the queue into `jobs`, its keys into `keys` (and
  // busy_keys_). Leaves behind what must wait for another worker's batch.
  void take(std::vector<std::shared_ptr<transmission>>& jobs, std::vector<std::string>& keys);
  void process(std::vector<std::shared_ptr<transmission>>& jobs, store::claim_store& store, bool& db_failing);

  batcher_options options_;
  plan_source plans_;
  metrics& metrics_;
  authorization_numbers authorizations_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<transmission>> queue_;
  std::unordered_set<std::string> busy_keys_;  // claim and member keys of batches in flight
  std::uint64_t generation_ = 0;               // bumped on submit, stop and each batch's end
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rxgate::server
