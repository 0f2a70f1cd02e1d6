// The batcher's queue: per-key ordering of transmissions across concurrent batches.
#include "server/pipeline/claim_queue.h"

#include <algorithm>
#include <string_view>

namespace rxgate::server {
namespace {

constexpr std::uint64_t fnv_prime = 1099511628211ull;

std::uint64_t mix(std::uint64_t h, std::string_view v) noexcept {
  for (unsigned char c : v) h = (h ^ c) * fnv_prime;
  return (h ^ 0x1FFu) * fnv_prime;  // a separator no byte equals: "ab","c" differs from "a","bc"
}

std::uint64_t mix(std::uint64_t h, std::int64_t v) noexcept {
  for (int i = 0; i < 8; ++i) h = (h ^ static_cast<std::uint8_t>(v >> (8 * i))) * fnv_prime;
  return h;
}

// A final avalanche so the low bits (the table slot) depend on every byte.
queue_key finish(std::uint64_t h, bool member) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  queue_key k = (h & ~std::uint64_t{1}) | (member ? 1u : 0u);
  return k <= 1 ? k | 2u : k;  // never 0, the empty place of a key_set
}

// The idempotency key (README.md, Contracts); two transactions with the same key never share a batch
// nor run in two concurrent batches, so the second always sees the first through the database.
queue_key claim_key(const codec::claim& c) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  h = mix(h, c.bin), h = mix(h, c.pcn), h = mix(h, c.provider_id_qualifier), h = mix(h, c.provider_id);
  h = mix(h, c.rx_number);
  h = mix(h, static_cast<std::int64_t>(c.fill_number.value_or(-1)));
  h = mix(h, static_cast<std::int64_t>(c.date_of_service.days()));
  return finish(h, false);
}

queue_key member_key(const codec::claim& c) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  h = mix(h, c.bin), h = mix(h, c.cardholder_id);
  return finish(h, true);
}

bool is_claim_key(queue_key k) noexcept { return (k & 1u) == 0; }

bool keyed(const transmission& t, const codec::claim& c) noexcept {
  return !has_syntax_rejects(t, c) && !c.is_eligibility();
}

}  // namespace

std::size_t claim_queue::key_set::slot_of(queue_key k) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(k >> 1) & mask;
  while (slots_[i] != 0 && slots_[i] != k) i = (i + 1) & mask;
  return i;
}

bool claim_queue::key_set::contains(queue_key k) const noexcept {
  return size_ != 0 && slots_[slot_of(k)] == k;
}

void claim_queue::key_set::insert(queue_key k) {
  if (2 * (size_ + 1) > slots_.size()) {
    std::vector<queue_key> old(std::max<std::size_t>(64, 2 * slots_.size()), 0);
    old.swap(slots_);
    for (queue_key o : old)
      if (o != 0) slots_[slot_of(o)] = o;
  }
  auto& s = slots_[slot_of(k)];
  if (s == 0) s = k, ++size_;
}

void claim_queue::key_set::erase(queue_key k) noexcept {
  if (size_ == 0) return;
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = slot_of(k);
  if (slots_[i] != k) return;
  // Backward-shift deletion: move later members of the probe run into the hole, so lookups
  // never stop early at it.
  for (std::size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = static_cast<std::size_t>(slots_[j] >> 1) & mask;
    // slots_[j] may move to i when its home is not cyclically within (i, j].
    if (((j - home) & mask) >= ((j - i) & mask)) slots_[i] = slots_[j], i = j;
  }
  slots_[i] = 0;
  --size_;
}

void claim_queue::key_set::clear() noexcept {
  if (size_ == 0) return;
  std::fill(slots_.begin(), slots_.end(), 0);
  size_ = 0;
}

claim_queue::claim_queue(std::size_t max_queue, std::size_t max_batch)
    : max_batch_(max_batch), ring_(max_queue) {
  left_.reserve(max_queue);
}

void claim_queue::pop_front() noexcept {
  ring_[head_].reset();
  head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
  --count_;
}

void claim_queue::push_front(std::shared_ptr<transmission> t) noexcept {
  head_ = head_ == 0 ? ring_.size() - 1 : head_ - 1;
  ring_[head_] = std::move(t);
  ++count_;
}

bool claim_queue::push(std::shared_ptr<transmission>& t) {
  if (count_ >= ring_.size()) return false;
  std::size_t tail = head_ + count_;
  if (tail >= ring_.size()) tail -= ring_.size();
  ring_[tail] = std::move(t);
  ++count_;
  return true;
}

void claim_queue::take(std::vector<std::shared_ptr<transmission>>& jobs, std::vector<queue_key>& keys) {
  mine_.clear();
  waiting_.clear();
  left_.clear();
  const std::size_t first_key = keys.size();
  std::size_t transactions = 0;
  while (!empty()) {
    auto& next = front();
    if (next->status.load() != transmission::state::queued) {  // its owner already answered it
      pop_front();
      continue;
    }
    const std::size_t n = next->validation.claim_count;
    if (!jobs.empty() && transactions + n > max_batch_) break;
    job_keys_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = next->validation.claims[i];
      if (!keyed(*next, c)) continue;
      job_keys_.push_back(claim_key(c));
      job_keys_.push_back(member_key(c));
    }
    bool wait = false;
    for (const auto k : job_keys_) {
      if (busy_keys_.contains(k) || waiting_.contains(k) || (is_claim_key(k) && mine_.contains(k))) {
        wait = true;
        break;
      }
    }
    auto job = std::move(next);
    pop_front();
    if (wait) {
      for (const auto k : job_keys_) waiting_.insert(k);
      left_.push_back(std::move(job));
      continue;
    }
    if (!job->try_take()) continue;
    for (const auto k : job_keys_) {
      if (is_claim_key(k)) mine_.insert(k);
      keys.push_back(k);
    }
    transactions += n;
    jobs.push_back(std::move(job));
  }
  for (auto it = left_.rbegin(); it != left_.rend(); ++it) push_front(std::move(*it));
  left_.clear();
  for (std::size_t i = first_key; i < keys.size(); ++i) busy_keys_.insert(keys[i]);
}

void claim_queue::release(const std::vector<queue_key>& keys) {
  for (const auto k : keys) busy_keys_.erase(k);
}

}  // namespace rxgate::server
