// The batch workers: group commit of adjudicated claims (README.md, "The claim path"; sql/store.h). The queue's
// ordering rules are in claim_queue.cpp, the steps of one batch in batch.cpp.
#include "server/pipeline/batcher.h"

#include <chrono>

#include "server/pipeline/batch.h"

namespace rxgate::server {

batcher::batcher(batcher_options options, store::claim_store& store, plan_source plans, metrics& m)
    : batcher(options, std::vector<store::claim_store*>{&store}, std::move(plans), m) {}

batcher::batcher(batcher_options options, std::vector<store::claim_store*> stores, plan_source plans, metrics& m)
    : options_(options),
      plans_(std::move(plans)),
      metrics_(m),
      authorizations_(options.node_id),
      queue_(options.max_queue, options.max_batch) {
  workers_.reserve(stores.size());
  for (auto* s : stores) workers_.emplace_back([this, s, first = workers_.empty()] { run(*s, first); });
}

batcher::~batcher() { stop(); }

batcher::submit_result batcher::submit(std::shared_ptr<transmission> t) {
  bool helpers = false;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return submit_result::stopped;
    if (!queue_.push(t)) return submit_result::full;
    ++generation_;
    helpers = helpers_needed();
  }
  wake_.notify_one();
  if (helpers) wake_helpers_.notify_one();
  return submit_result::queued;
}

bool batcher::helpers_needed() const noexcept {
  return helpers_wanted(queue_.size(), options_.helper_depth, stopping_);
}

void batcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ++generation_;
  }
  wake_.notify_all();
  wake_helpers_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

std::size_t batcher::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

bool batcher::next_batch(bool first, std::vector<std::shared_ptr<transmission>>& jobs, std::vector<queue_key>& keys) {
  auto& wake = first ? wake_ : wake_helpers_;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (queue_.empty() && stopping_) {
      stopped_ = true;  // stopping and drained
      return false;
    }
    if (first ? queue_.empty() : !helpers_needed()) {
      const auto seen = generation_;
      wake.wait(lock, [&] { return generation_ != seen; });
      continue;
    }
    queue_.take(jobs, keys);
    if (!jobs.empty()) return true;
    if (queue_.empty()) continue;
    // Everything queued waits for another worker's batch: sleep until one ends (or more
    // arrives).
    const auto seen = generation_;
    wake.wait(lock, [&] { return generation_ != seen; });
  }
}

void batcher::run(store::claim_store& store, bool first) {
  std::vector<std::shared_ptr<transmission>> jobs;
  std::vector<queue_key> keys;
  bool db_failing = false;
  for (;;) {
    jobs.clear();
    keys.clear();
    if (!next_batch(first, jobs, keys)) return;
    std::int64_t in_flight = 0;
    const auto taken = std::chrono::steady_clock::now();
    for (const auto& job : jobs) {
      in_flight += job->validation.claim_count;
      if (!job->probe && job->received != std::chrono::steady_clock::time_point{})
        metrics_.wait_queued.observe(std::chrono::duration<double>(taken - job->received).count());
    }
    metrics_.batch_in_flight.fetch_add(in_flight, std::memory_order_relaxed);
    process(jobs, store, db_failing);
    const auto answered = std::chrono::steady_clock::now();
    for (auto& job : jobs) {
      job->batch_ended = answered;
      auto done = std::move(job->done);
      if (done) done(std::move(job));
    }
    metrics_.batch_in_flight.fetch_sub(in_flight, std::memory_order_relaxed);
    if (!keys.empty()) {
      bool helpers = false;
      {
        std::lock_guard lock(mutex_);
        queue_.release(keys);
        ++generation_;
        helpers = helpers_needed();
      }
      wake_.notify_all();
      if (helpers) wake_helpers_.notify_all();
    }
  }
}

void batcher::process(std::vector<std::shared_ptr<transmission>>& jobs, store::claim_store& store, bool& db_failing) {
  batch_pass(jobs, store, plans_ ? plans_() : nullptr, metrics_, authorizations_, db_failing).run();
}

}  // namespace rxgate::server
