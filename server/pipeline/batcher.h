// The claim path between the socket and PostgreSQL (README.md, "The claim path").
//
// An io thread turns a request body into a `transmission` (prepare(): decode, validate, check the
// client's identity) and hands it to the batcher. Each worker thread (one per claim store, i.e.
// per writer connection) takes whatever is queued (up to max_batch transactions) whenever it is
// free, and for that batch runs the store protocol of sql/store.h: begin, load_history, decide
// each transaction in order with the steps of rules/transmission.h (the steps the dry run takes),
// build the responses, insert, re-adjudicate conflicts, commit. Only after the commit does it
// call each transmission's `done` (on the worker
// thread; the owner posts it back to its connection). On any store error every transaction of the
// batch is answered with a host reject (92 unavailable, 99 otherwise): nothing is ever reported
// paid that is not committed.
//
// Wake-ups: the first worker is woken by every submit and takes everything queued (up to
// max_batch) each time it is free; the other workers are woken, and take a batch, only while at
// least `helper_depth` transmissions are queued (or when stopping). At a moderate rate claims
// then gather into one worker's batches instead of waking a second thread for a batch of one.
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
//
// The parts: transmission.h (what is queued), claim_queue.h (the queue and its ordering rules),
// batch.h (the steps of one batch), authorization_numbers.h (503-F3).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rules/plan.h"
#include "server/core/metrics.h"
#include "server/pipeline/authorization_numbers.h"
#include "server/pipeline/claim_queue.h"
#include "server/pipeline/transmission.h"
#include "sql/store.h"

namespace rxgate::server {

struct batcher_options {
  std::size_t max_batch = 256;
  std::size_t max_queue = 8192;
  std::uint16_t node_id = 1;
  std::size_t helper_depth = 32;  // queued transmissions before a second worker takes a batch
};

// Whether workers other than the first take a batch: `queued` transmissions reach helper_depth,
// or the batcher is stopping with something left to drain.
constexpr bool helpers_wanted(std::size_t queued, std::size_t helper_depth, bool stopping) noexcept {
  return queued >= helper_depth || (stopping && queued > 0);
}

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
  void run(store::claim_store& store, bool first);
  // Waits for the next batch and moves it into `jobs`, its keys into `keys`; false when
  // stopping and drained. `first`: the worker every submit wakes.
  bool next_batch(bool first, std::vector<std::shared_ptr<transmission>>& jobs, std::vector<queue_key>& keys);
  // Whether the other workers have work: a deep queue, or the rest of it while stopping.
  bool helpers_needed() const noexcept;
  void process(std::vector<std::shared_ptr<transmission>>& jobs, store::claim_store& store, bool& db_failing);

  batcher_options options_;
  plan_source plans_;
  metrics& metrics_;
  authorization_numbers authorizations_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;         // the first worker
  std::condition_variable wake_helpers_;  // the others
  claim_queue queue_;            // under mutex_
  std::uint64_t generation_ = 0;  // bumped on submit, stop and each batch's end
  bool stopping_ = false;
  bool stopped_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rxgate::server
