// The batcher's queue: per-key ordering of transmissions across concurrent batches.
#include "server/pipeline/claim_queue.h"

#include <iterator>

namespace rxgate::server {
namespace {

// The idempotency key (README.md, Contracts); two transactions with the same key never share a batch
// nor run in two concurrent batches, so the second always sees the first through the database.
std::string claim_key(const codec::claim& c) {
  std::string k;
  k.reserve(80);
  k.append(c.bin).append("|").append(c.pcn).append("|").append(c.provider_id_qualifier).append("|");
  k.append(c.provider_id).append("|").append(c.rx_number).append("|");
  k.append(std::to_string(c.fill_number.value_or(-1))).append("|");
  k.append(std::to_string(c.date_of_service.days()));
  return k;
}

bool keyed(const transmission& t, const codec::claim& c) noexcept {
  return !has_syntax_rejects(t, c) && !c.is_eligibility();
}

}  // namespace

bool claim_queue::push(std::shared_ptr<transmission>& t) {
  if (queue_.size() >= max_queue_) return false;
  queue_.push_back(std::move(t));
  return true;
}

void claim_queue::take(std::vector<std::shared_ptr<transmission>>& jobs, std::vector<std::string>& keys) {
  // Claim keys start with 'k', members with 'm' (the rules: claim_queue.h).
  std::unordered_set<std::string> mine, waiting;
  std::vector<std::shared_ptr<transmission>> left;
  std::vector<std::string> job_keys;
  std::size_t transactions = 0;
  while (!queue_.empty()) {
    auto& next = queue_.front();
    if (next->status.load() != transmission::state::queued) {  // its owner already answered it
      queue_.pop_front();
      continue;
    }
    const std::size_t n = next->validation.claim_count;
    if (!jobs.empty() && transactions + n > max_batch_) break;
    job_keys.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = next->validation.claims[i];
      if (!keyed(*next, c)) continue;
      job_keys.push_back("k" + claim_key(c));
      std::string m = "m";
      m.append(c.bin).append("|").append(c.cardholder_id);
      job_keys.push_back(std::move(m));
    }
    bool wait = false;
    for (const auto& k : job_keys) {
      if (busy_keys_.contains(k) || waiting.contains(k) || (k[0] == 'k' && mine.contains(k))) {
        wait = true;
        break;
      }
    }
    auto job = std::move(next);
    queue_.pop_front();
    if (wait) {
      for (auto& k : job_keys) waiting.insert(std::move(k));
      left.push_back(std::move(job));
      continue;
    }
    if (!job->try_take()) continue;
    for (auto& k : job_keys) {
      if (k[0] == 'k') mine.insert(k);
      keys.push_back(std::move(k));
    }
    transactions += n;
    jobs.push_back(std::move(job));
  }
  queue_.insert(queue_.begin(), std::make_move_iterator(left.begin()), std::make_move_iterator(left.end()));
  for (const auto& k : keys) busy_keys_.insert(k);
}

void claim_queue::release(const std::vector<std::string>& keys) {
  for (const auto& k : keys) busy_keys_.erase(k);
}

}  // namespace rxgate::server
