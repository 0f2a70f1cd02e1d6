// One transmission on its way through the pipeline: the request as received, its decoded and
// validated form, and its answer (server/pipeline/README.md).
//
// Lifetime: shared by its owner (the connection that received it) and the batcher; every view in
// `message` and `validation` points into `request`, so `request` never changes once prepared.
// `status` decides who answers: the worker that takes it (try_take) or the owner giving up on it
// (try_expire, claim budget or shutdown); exactly one of them wins. A transmission may come from
// a transmission_pool and be reused for another request once every reference is gone.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/claim.h"
#include "codec/decode.h"

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
  std::string probe_error;   // a probe that failed: the store's reason (no patient data in it)
  std::uint8_t identity_rejects = 0;
  std::chrono::steady_clock::time_point received{};   // the request's body read (the session's clock)
  std::chrono::steady_clock::time_point batch_ended{};  // its batch committed or failed (unset: none)

  std::string response;      // the D.0 response, set once
  std::array<char, 4> statuses{};  // 112-AN of each transaction answered, for the caller's metrics
  std::atomic<state> status{state::queued};
  // Called once, on the worker thread, after the batch committed (or failed). A function
  // pointer or a capture-less lambda is stored without an allocation; `owner` and `owner_tag`
  // carry what it needs to route the answer back (e.g. the connection and its request number).
  std::function<void(std::shared_ptr<transmission>)> done;
  std::shared_ptr<void> owner;
  std::uint64_t owner_tag = 0;

  bool try_take() noexcept;
  bool try_expire() noexcept;
  // Back to the state of a new transmission, without touching the decoded message's and the
  // validation's arrays (decode() and validate() reset what they use; a probe reads neither).
  void reset() noexcept;
};

struct transmission_pool_state;

// Transmissions reused across requests: a new one is a ~32 kB allocation, zeroed. acquire()
// hands out an idle pooled transmission, or a new one when none is idle (it never blocks and
// never refuses). When its last reference goes, the transmission is reset and kept if fewer than
// `capacity` are idle, else freed; its shared_ptr control block is recycled the same way. So
// idle memory stays under `capacity` transmissions, and nothing is allocated per request while
// the transmissions in flight stay under it. Thread-safe (one short lock per acquire and
// release); transmissions may outlive the pool.
class transmission_pool {
 public:
  explicit transmission_pool(std::size_t capacity);
  std::shared_ptr<transmission> acquire();
  std::size_t idle() const;

 private:
  std::shared_ptr<transmission_pool_state> state_;
};

// Decode and validate `t.request` into `t.message` / `t.validation` and apply the client's
// provider scope (a claim for another provider gets reject 50 on 201-B1). A body that is not a
// usable transmission gets a transmission-level reject (header status R). Never fails.
void prepare(transmission& t, const provider_scope& scope) noexcept;

// Answer every transaction of `t` with the host reject `code` (92, 99) without the database.
void build_host_reject(transmission& t, std::string_view code) noexcept;

// A transaction answered without the rules: the transmission or the claim itself failed
// validation. Such transactions are recorded, never adjudicated, and have no claim key.
bool has_syntax_rejects(const transmission& t, const codec::claim& c) noexcept;

}  // namespace rxgate::server
