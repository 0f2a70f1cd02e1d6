// Process metrics in Prometheus text format (GET /metrics).
//
// Components bump plain atomics and fixed-bucket histograms; labelled counters keep a bounded
// number of series (an attacker choosing BINs cannot grow memory: past the cap a family counts
// into one series labelled "other"). Everything here is thread-safe and lives as long as the
// server; render() may run concurrently with updates.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rxgate::server {

class counter_family {
 public:
  counter_family(std::string name, std::string help, std::vector<std::string> labels,
                 std::size_t max_series = 512);
  ~counter_family();
  counter_family(const counter_family&) = delete;
  counter_family& operator=(const counter_family&) = delete;

  // `values` in the order of the label names given at construction. A label set seen before is
  // found without a lock, a string or an allocation (claim path: a hash, a probe, an atomic add);
  // the first increment of a new set takes the family's lock once to create its series.
  void inc(std::initializer_list<std::string_view> values, std::uint64_t n = 1);
  std::uint64_t value(std::initializer_list<std::string_view> values) const;
  void render(std::string& out) const;
  // Every series: its label values (in label order) and count. A copy taken under the family's
  // lock (the counts may move while it is taken); the dashboard sampler reads this once a second.
  struct series {
    std::vector<std::string> labels;
    std::uint64_t count = 0;
  };
  std::vector<series> snapshot() const;

 private:
  // One label set as given to inc(), pointing at the count of its rendered series (two sets
  // whose values render the same, e.g. two control bytes shown as '?', share one count).
  struct label_set {
    std::uint64_t hash = 0;
    std::vector<std::string> values;
    std::atomic<std::uint64_t>* count = nullptr;
  };
  std::string key(std::initializer_list<std::string_view> values) const;
  std::atomic<std::uint64_t>* find(std::initializer_list<std::string_view> values, std::uint64_t hash) const noexcept;
  std::atomic<std::uint64_t>& add_series(std::initializer_list<std::string_view> values, std::uint64_t hash);

  std::string name_, help_;
  std::vector<std::string> labels_;
  std::size_t max_series_;
  mutable std::mutex mutex_;  // creating series, render and snapshot; never taken to count
  std::map<std::string, std::atomic<std::uint64_t>> series_;  // rendered label set -> count
  // Open addressing, read without the lock: slots only go from null to a label set that lives
  // as long as the family. Bounded (half full at most); past that a new set counts through the
  // lock and the map, as past max_series it counts into "other".
  std::size_t table_mask_;
  std::unique_ptr<std::atomic<label_set*>[]> table_;
  std::vector<std::unique_ptr<label_set>> label_sets_;  // under mutex_
};

class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  // Renders the _bucket/_sum/_count lines; `labels` is a rendered label set or empty.
  void render(std::string& out, std::string_view name, std::string_view labels) const;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  // Upper bounds, per-bucket (not cumulative) counts with +Inf last, count and sum. Read without a
  // lock, so a copy taken during updates may be off by the observations in flight.
  struct snapshot_data {
    std::vector<double> bounds;
    std::vector<std::uint64_t> buckets;
    std::uint64_t count = 0;
    double sum = 0;
  };
  snapshot_data snapshot() const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;  // per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micro_{0};  // sum in millionths, so it stays an integer atomic
};

struct metrics {
  metrics();

  counter_family claims{"rxgate_claims_total", "Claim transactions answered, by transaction code and response status (112-AN)", {"transaction", "status"}};
  counter_family rejects{"rxgate_claim_rejects_total", "Reject codes (511-FB) sent", {"code"}};
  counter_family claims_by_plan{"rxgate_claims_by_plan_total", "Claim transactions by BIN/PCN and status", {"bin", "pcn", "status"}, 256};
  counter_family http_requests{"rxgate_http_requests_total", "HTTP requests answered, by route and HTTP status", {"route", "code"}};
  counter_family tls_handshakes{"rxgate_tls_handshakes_total", "TLS handshakes, by result", {"result"}};
  counter_family db_errors{"rxgate_db_errors_total", "Database errors seen by the batcher, by kind", {"kind"}};
  counter_family identity_rejects{"rxgate_identity_rejects_total", "Claims rejected because the client certificate may not bill for the provider", {"identity"}};
  counter_family plan_reloads{"rxgate_plan_reloads_total", "Plan reloads, by result", {"result"}};
  counter_family host_rejects{"rxgate_host_rejects_total", "Transactions answered with a host reject, by code and reason", {"code", "reason"}};

  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> accept_failures{0};  // failed accepts (out of file descriptors, ...)
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::int64_t> batch_in_flight{0};  // transactions in the batch being processed

  histogram request_ncpdp, request_json;  // whole request: body read .. response queued
  // Technician API requests, the same span (queued for the API pool, the token check, the read
  // and its audit row included), by the route pattern they matched: a read by id, a search, and
  // every other status route together. The technician's budgets are the first two's p99.
  histogram status_by_id, status_search, status_other;
  void observe_status_request(std::string_view route, double seconds);
  histogram batch_commit;                 // begin .. commit of one batch
  // The batch's three steps (their sum is batch_commit): read = BEGIN and the history probe,
  // decide = the rules and the responses (no I/O), write = the insert and the durable commit
  // (and any conflicts settled). Where a slow batch spent its time.
  histogram batch_read, batch_decide, batch_write;
  histogram batch_size;                   // transactions per batch
  // A claim's waits outside its batch (the request's time is wait_queued + the batch + wait_answer
  // + building the answer): queued = body read to a worker taking its batch (decoding and checking
  // it on the io thread, the queue, the batch before it), answer = the end of its batch (its durable commit, or the failure answered
  // 92/99) to the answer queued on its connection
  // (the hand-back to the connection's io thread). Transmissions answered without a batch (queue
  // full, budget) are in neither.
  histogram wait_queued, wait_answer;

  std::function<std::size_t()> queue_depth;  // set by the batcher owner
  std::function<bool()> plans_loaded;

  std::string render() const;
};

}  // namespace rxgate::server
