// The batcher's queue and its ordering rules, apart from threads and the database so they can be
// tested on their own. Not thread-safe: the batcher calls it under its own mutex.
//
// Every keyed transaction (one that will be adjudicated: no syntax rejects, not an E1) has a
// claim key (README.md, Contracts: BIN, PCN, provider, Rx number, fill number, date of service) and a
// member key (BIN + cardholder ID). take() moves the next batch out of the queue, front first,
// up to max_batch transactions (one transmission always fits), and leaves a transmission queued
// when one of its keys
//   - belongs to a batch in flight (taken and not yet released): batches of different workers
//     commit concurrently, and a key's transactions must see each other's committed rows;
//   - belongs to a transmission left waiting earlier in this pass: a key's order is kept;
//   - is a claim key already in this batch: the second transaction under a key must see the
//     first one's committed row (duplicate D, reversal A, 83). Members may repeat in a batch
//     (the batch folds earlier fills in), not across concurrent batches.
// What is left keeps its order at the front of the queue. Transmissions whose owner expired them
// are dropped; a transmission is taken only through its try_take().
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/pipeline/transmission.h"

namespace rxgate::server {

class claim_queue {
 public:
  claim_queue(std::size_t max_queue, std::size_t max_batch) noexcept : max_queue_(max_queue), max_batch_(max_batch) {}

  // Appends `t`; false (and `t` untouched) when max_queue transmissions are queued.
  bool push(std::shared_ptr<transmission>& t);

  // Moves the next batch into `jobs` (appended) and its keys into `keys` (appended); those keys
  // are in flight until release(keys). Takes nothing when everything queued waits.
  void take(std::vector<std::shared_ptr<transmission>>& jobs, std::vector<std::string>& keys);
  // The batch holding `keys` has ended (committed or failed): what waited on them may go.
  void release(const std::vector<std::string>& keys);

  std::size_t size() const noexcept { return queue_.size(); }
  bool empty() const noexcept { return queue_.empty(); }
  // Keys of batches in flight (tests and diagnostics).
  std::size_t keys_in_flight() const noexcept { return busy_keys_.size(); }

 private:
  std::size_t max_queue_;
  std::size_t max_batch_;
  std::deque<std::shared_ptr<transmission>> queue_;
  std::unordered_set<std::string> busy_keys_;  // claim and member keys of batches in flight
};

}  // namespace rxgate::server
