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
//
// Keys are 64-bit hashes of the key fields (a claim key and a member key never hash alike by
// construction of the seed, not by luck). Two different keys that collide only make a
// transmission wait for a batch it did not need to wait for: ordering is never weakened, and
// nothing here allocates once the queue's sets have grown to the batch sizes seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "server/pipeline/transmission.h"

namespace rxgate::server {

// A claim key or a member key (claim_queue.h); the low bit tells which.
using queue_key = std::uint64_t;

class claim_queue {
 public:
  claim_queue(std::size_t max_queue, std::size_t max_batch);

  // Appends `t`; false (and `t` untouched) when max_queue transmissions are queued.
  bool push(std::shared_ptr<transmission>& t);

  // Moves the next batch into `jobs` (appended) and its keys into `keys` (appended); those keys
  // are in flight until release(keys). Takes nothing when everything queued waits.
  void take(std::vector<std::shared_ptr<transmission>>& jobs, std::vector<queue_key>& keys);
  // The batch holding `keys` has ended (committed or failed): what waited on them may go.
  void release(const std::vector<queue_key>& keys);

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  // Keys of batches in flight (tests and diagnostics).
  std::size_t keys_in_flight() const noexcept { return busy_keys_.size(); }

  // A set of keys: open addressing with linear probing over a power-of-two table, kept at most
  // half full; it grows (allocates) only past the largest size it has held.
  class key_set {
   public:
    bool contains(queue_key k) const noexcept;
    void insert(queue_key k);
    void erase(queue_key k) noexcept;
    void clear() noexcept;
    std::size_t size() const noexcept { return size_; }

   private:
    std::size_t slot_of(queue_key k) const noexcept;
    std::vector<queue_key> slots_;  // 0 = empty (keys are never 0)
    std::size_t size_ = 0;
  };

 private:
  std::shared_ptr<transmission>& front() noexcept { return ring_[head_]; }
  void pop_front() noexcept;
  void push_front(std::shared_ptr<transmission> t) noexcept;

  std::size_t max_batch_;
  // The queue: a ring of max_queue places, allocated once.
  std::vector<std::shared_ptr<transmission>> ring_;
  std::size_t head_ = 0, count_ = 0;
  key_set busy_keys_;  // claim and member keys of batches in flight
  // Scratch of take(), kept to reuse their storage.
  key_set mine_, waiting_;
  std::vector<std::shared_ptr<transmission>> left_;
  std::vector<queue_key> job_keys_;
};

}  // namespace rxgate::server
