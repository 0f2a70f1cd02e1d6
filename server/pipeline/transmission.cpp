// Transmissions: decode, validate and scope a request; answer it without the database.
#include "server/pipeline/transmission.h"

#include <algorithm>
#include <mutex>
#include <new>

#include "rules/transmission.h"

namespace rxgate::server {

using namespace codec::literals;

bool provider_scope::allows(std::string_view provider_id) const noexcept {
  if (!providers) return true;
  return std::find(providers->begin(), providers->end(), provider_id) != providers->end();
}

bool transmission::try_take() noexcept {
  auto expected = state::queued;
  return status.compare_exchange_strong(expected, state::taken);
}

bool transmission::try_expire() noexcept {
  auto expected = state::queued;
  return status.compare_exchange_strong(expected, state::expired);
}

void transmission::reset() noexcept {
  request.clear();
  message.kind = codec::message_kind::request;
  message.bytes = {};
  message.base_offset = 0;
  message.batch_reference = {};
  message.request = {};
  message.response = {};
  message.group_count = 0;
  message.segment_count = 0;
  message.field_count = 0;
  validation.transmission_rejected = false;
  validation.transmission_rejects = {};
  validation.claim_count = 0;
  source = "ncpdp";
  probe = false;
  probe_ok = false;
  probe_error.clear();
  identity_rejects = 0;
  received = {};
  batch_ended = {};
  response.clear();
  statuses = {};
  status.store(state::queued, std::memory_order_relaxed);
  done = nullptr;
  owner.reset();
  owner_tag = 0;
}

struct transmission_pool_state {
  explicit transmission_pool_state(std::size_t c) : capacity(c) {
    idle.reserve(capacity);
    blocks.reserve(capacity);
  }
  ~transmission_pool_state() {
    for (auto* t : idle) delete t;
    for (auto* b : blocks) ::operator delete(b);
  }
  const std::size_t capacity;
  std::mutex mutex;
  std::vector<transmission*> idle;  // reset, ready for acquire()
  std::vector<void*> blocks;        // free shared_ptr control blocks, all of block_size bytes
  std::size_t block_size = 0;
};

namespace {

// Allocates the shared_ptr control blocks of pooled transmissions from the pool's free blocks.
// Holds the pool state: the block is freed after the deleter ran, possibly after the pool.
template <class T>
struct block_allocator {
  using value_type = T;
  std::shared_ptr<transmission_pool_state> pool;

  explicit block_allocator(std::shared_ptr<transmission_pool_state> p) noexcept : pool(std::move(p)) {}
  template <class U>
  block_allocator(const block_allocator<U>& other) noexcept : pool(other.pool) {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    const std::size_t bytes = n * sizeof(T);
    {
      std::lock_guard lock(pool->mutex);
      if (pool->block_size == 0) pool->block_size = bytes;
      if (bytes == pool->block_size && !pool->blocks.empty()) {
        void* b = pool->blocks.back();
        pool->blocks.pop_back();
        return static_cast<T*>(b);
      }
    }
    return static_cast<T*>(::operator new(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    {
      std::lock_guard lock(pool->mutex);
      if (n * sizeof(T) == pool->block_size && pool->blocks.size() < pool->capacity) {
        pool->blocks.push_back(p);  // within the reserved capacity: no allocation
        return;
      }
    }
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const block_allocator<U>& other) const noexcept {
    return pool == other.pool;
  }
};

struct return_to_pool {
  transmission_pool_state* pool;  // kept alive by the control block's allocator
  void operator()(transmission* t) const noexcept {
    t->reset();
    {
      std::lock_guard lock(pool->mutex);
      if (pool->idle.size() < pool->capacity) {
        pool->idle.push_back(t);
        return;
      }
    }
    delete t;
  }
};

}  // namespace

transmission_pool::transmission_pool(std::size_t capacity)
    : state_(std::make_shared<transmission_pool_state>(capacity)) {}

std::shared_ptr<transmission> transmission_pool::acquire() {
  transmission* t = nullptr;
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->idle.empty()) {
      t = state_->idle.back();
      state_->idle.pop_back();
    }
  }
  if (!t) t = new transmission();
  return {t, return_to_pool{state_.get()}, block_allocator<transmission>(state_)};
}

std::size_t transmission_pool::idle() const {
  std::lock_guard lock(state_->mutex);
  return state_->idle.size();
}

void prepare(transmission& t, const provider_scope& scope) noexcept {
  auto err = codec::decode(t.request, t.message);
  if (!err && t.message.kind != codec::message_kind::request)
    err = codec::decode_error{codec::errc::unknown_kind, 0};
  if (err) {
    codec::validate_decode_failure(t.message, err, t.request, t.validation);
    t.validation.transmission_rejected = true;
    return;
  }
  codec::validate(t.message, t.validation);
  if (t.validation.transmission_rejected) return;
  for (std::uint8_t i = 0; i < t.validation.claim_count; ++i) {
    auto& c = t.validation.claims[i];
    if (!scope.allows(c.provider_id)) {
      // 50 Non-Matched Pharmacy Number: the certificate may not bill for this provider.
      c.rejects.push("50", "B1"_fid);
      ++t.identity_rejects;
    }
  }
}

void build_host_reject(transmission& t, std::string_view code) noexcept {
  codec::response r;
  rules::respond_host_reject(t.message, t.validation, code, r);
  for (std::uint8_t i = 0; i < r.transaction_count; ++i) t.statuses[i] = 'R';
  if (!rules::write_response(r, t.response)) t.response.clear();
}

bool has_syntax_rejects(const transmission& t, const codec::claim& c) noexcept {
  return !rules::decided_by_rules(t.validation, c);
}

}  // namespace rxgate::server
