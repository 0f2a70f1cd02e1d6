// The operators' live dashboard (GET /dashboard) and its data: a sampler that reads the process
// metrics once a second and keeps the last 15 minutes in memory, Server-Sent Events to the page,
// and the web console's static assets (server/console/web/, embedded at build time).
//
// Routes served through the gateway:
//   GET /dashboard, /console, /assets/{app.css,dashboard.js,console.js,chart.js}
//        static, no token (the pages hold no secret: they ask for a token and keep it in
//        sessionStorage), strict Content-Security-Policy
//   GET /v1/dashboard/history   every point kept, as JSON (operator or admin token)
//   GET /v1/dashboard/stream    text/event-stream: first a `history` event with every point kept,
//                               then one `tick` event per sample (operator or admin token)
//
// Each point is the difference between two snapshots of server/core/metrics.h, so the dashboard
// shows exactly what /metrics counts: claims by transaction code and status, request latency
// percentiles from the histogram buckets (linear inside a bucket, as Prometheus'
// histogram_quantile), rejects by code and by BIN/PCN, batch size and commit latency, queue
// depth, open connections and database errors.
//
// Alerts, evaluated at every sample over the points kept:
//   volume_drop   claims/s over the last `recent_volume` below `volume_drop_fraction` of the
//                 average over the `volume_baseline` before it (when that average is worth it)
//   reject_spike  per BIN/PCN (reject rate) and per reject code (share of all transactions):
//                 the last `recent_rejects` against the rest of the history
//
// Threading and lifetimes: the sampler runs on its own thread between start() and stop() (the
// destructor stops it). `source` must outlive the dashboard. Subscribers' sinks are called on the
// sampler thread (and once, with the history, inside subscribe()); they must not block and
// must not call back into the dashboard. authorize() blocks on PostgreSQL: run it off the io
// threads. Everything else is safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "codec/json_writer.h"
#include "server/core/metrics.h"
#include "server/status/status_api.h"
#include "sql/access.h"

namespace rxgate::server {

// One file of server/console/web/ (or the chart library), as it is served.
struct web_asset {
  std::string_view path;          // "/dashboard", "/assets/chart.js"
  std::string_view content_type;  // with charset where it is text
  std::string_view body;
};
// The asset served at `path` (no query string), or nullptr: the embedded files, and
// /assets/ncpdp-dictionary.json (segment and field names from codec/dictionary.h, for the
// console's decoded messages).
const web_asset* find_web_asset(std::string_view path) noexcept;
// The files of server/console/web/ and the chart library only (generated at build time).
const web_asset* embedded_web_asset(std::string_view path) noexcept;
// Headers every asset is served with (Cache-Control, Content-Security-Policy, nosniff ...).
std::vector<std::pair<std::string, std::string>> web_asset_headers(const web_asset& asset);

struct dashboard_options {
  std::chrono::milliseconds interval{1000};
  std::size_t points = 900;  // 15 minutes at one a second

  double volume_drop_fraction = 0.5;
  std::size_t recent_volume = 10;     // points
  std::size_t volume_baseline = 300;  // points before the recent ones
  std::size_t volume_min_baseline_points = 20;
  double volume_min_baseline_rate = 1.0;  // claims/s; below this a drop means nothing

  std::size_t recent_rejects = 30;      // points
  std::uint64_t reject_min_recent = 10;   // transactions (per BIN/PCN) or rejects (per code)
  std::uint64_t reject_min_baseline = 20; // transactions in the baseline
  double reject_spike_increase = 0.25;  // recent rate - baseline rate, at least
  double reject_spike_ratio = 2.0;      // recent rate / baseline rate, at least
};

// One sample: what happened during one interval.
struct dashboard_point {
  std::int64_t time_ms = 0;  // Unix time of the sample
  double seconds = 1;        // length of the interval
  std::uint64_t transactions = 0;
  std::map<std::string, std::uint64_t> by_status;                 // "P" -> n
  std::map<std::string, std::uint64_t> by_transaction_status;     // "B1 P" -> n
  std::map<std::string, std::uint64_t> rejects_by_code;           // "75" -> n
  struct plan_counts {
    std::uint64_t transactions = 0, rejected = 0;
  };
  std::map<std::string, plan_counts> by_plan;                     // "BIN/PCN"
  std::uint64_t requests = 0;                                     // /ncpdp and /v1/claims
  double latency_p50_ms = 0, latency_p95_ms = 0, latency_p99_ms = 0;
  std::uint64_t batches = 0;
  double batch_size_mean = 0, commit_p50_ms = 0, commit_p99_ms = 0;
  std::int64_t queue_depth = 0, connections = 0;
  std::uint64_t db_errors = 0, host_rejects = 0;
};

struct dashboard_alert {
  std::string kind;     // "volume_drop" | "reject_spike"
  std::string subject;  // "all", "BIN/PCN 610014/DEMO", "code 75"
  std::string message;  // one sentence with the figures
  double recent = 0, baseline = 0;
};

// The value below which `quantile` (0..1) of the observations in `buckets` fall, by linear
// interpolation inside the bucket (the +Inf bucket answers its lower bound). 0 when empty.
double histogram_quantile(double quantile, const std::vector<double>& bounds, const std::vector<std::uint64_t>& buckets);

class dashboard {
 public:
  using sink = std::function<void(std::shared_ptr<const std::string> frame)>;

  dashboard(const metrics& source, std::shared_ptr<store::access_store> tokens, dashboard_options options = {});
  ~dashboard();
  dashboard(const dashboard&) = delete;
  dashboard& operator=(const dashboard&) = delete;

  void start();
  void stop();  // idempotent; ends the sampler, not the subscribers' connections

  // Takes one sample now (the sampler thread calls this; tests may too, without start()).
  void sample(std::chrono::system_clock::time_point now);

  // Checks the Authorization header: 200 with an empty body when the token is an operator's or
  // an admin's, else the error reply to send (401, 403, 503). Blocks on PostgreSQL.
  api_reply authorize(std::string_view authorization) const;

  // {"interval_ms":..,"points":[...],"summary":{...}} — every point kept.
  std::string history_json() const;
  // The current alerts and totals, as the summary object of the events.
  std::vector<dashboard_alert> alerts() const;
  std::vector<dashboard_point> points() const;

  // Registers a sink and hands it the `history` event at once; every later sample sends it a
  // `tick` event. Returns the id to unsubscribe with.
  std::uint64_t subscribe(sink s);
  void unsubscribe(std::uint64_t id);
  std::size_t subscribers() const;

 private:
  struct totals {
    std::map<std::string, std::uint64_t> by_status, rejects_by_code, by_transaction_status;
    std::map<std::string, dashboard_point::plan_counts> by_plan;
    std::uint64_t transactions = 0, db_errors = 0, host_rejects = 0;
  };
  struct snapshot;
  snapshot take_snapshot() const;
  void run();
  void evaluate_alerts();  // under mutex_
  void write_point(codec::json_writer& w, const dashboard_point& p) const;
  void write_summary(codec::json_writer& w) const;  // under mutex_
  std::string history_json_locked() const;

  const metrics& source_;
  std::shared_ptr<store::access_store> tokens_;
  dashboard_options options_;

  mutable std::mutex mutex_;
  std::deque<dashboard_point> points_;
  std::vector<dashboard_alert> alerts_;
  totals totals_;
  std::unique_ptr<snapshot> last_;
  std::optional<std::chrono::system_clock::time_point> last_at_;

  mutable std::mutex subscribers_mutex_;
  std::map<std::uint64_t, sink> subscribers_;
  std::uint64_t next_id_ = 1;

  std::mutex run_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rxgate::server
