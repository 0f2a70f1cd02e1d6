// The dashboard sampler: metric snapshots -> per-second points -> alerts -> SSE frames.
#include "server/console/dashboard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "codec/dictionary.h"
#include "server/status/auth.h"
#include "server/core/log.h"

namespace rxgate::server {

namespace {

// Doubles with at most three decimals, trailing zeros dropped; JSON has no NaN or infinity.
std::string number(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, std::isfinite(v) ? v : 0.0);
  return buf;
}

std::string percent(double fraction) { return fixed(fraction * 100, 1) + " %"; }

using counts = std::map<std::string, std::uint64_t>;

void write_counts(codec::json_writer& w, std::string_view key, const counts& m) {
  w.key(key).begin_object();
  for (const auto& [k, n] : m) w.key(k).value(static_cast<std::int64_t>(n));
  w.end_object();
}

// Counter deltas never go negative: a series that shrank (it cannot, short of a restart of the
// process) counts as zero.
std::uint64_t minus(std::uint64_t now, std::uint64_t before) { return now > before ? now - before : 0; }

}  // namespace

double histogram_quantile(double quantile, const std::vector<double>& bounds, const std::vector<std::uint64_t>& buckets) {
  std::uint64_t total = 0;
  for (auto b : buckets) total += b;
  if (total == 0 || buckets.empty()) return 0;
  const double rank = quantile * static_cast<double>(total);
  double cumulative = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const double before = cumulative;
    cumulative += static_cast<double>(buckets[i]);
    if (cumulative >= rank && buckets[i] > 0) {
      if (i >= bounds.size()) return bounds.empty() ? 0 : bounds.back();  // +Inf: its lower bound
      const double lower = i == 0 ? 0 : bounds[i - 1];
      const double upper = bounds[i];
      return lower + (upper - lower) * (rank - before) / static_cast<double>(buckets[i]);
    }
  }
  return bounds.empty() ? 0 : bounds.back();
}

struct dashboard::snapshot {
  std::vector<counter_family::series> claims, rejects, by_plan, db_errors, host_rejects;
  histogram::snapshot_data ncpdp, json, commit, batch_size;
  std::int64_t queue_depth = 0, connections = 0;
};

dashboard::dashboard(const metrics& source, std::shared_ptr<store::access_store> tokens, dashboard_options options)
    : source_(source), tokens_(std::move(tokens)), options_(options) {
  if (options_.points == 0) options_.points = 1;
}

dashboard::~dashboard() { stop(); }

void dashboard::start() {
  std::lock_guard lock(run_mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void dashboard::stop() {
  {
    std::lock_guard lock(run_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void dashboard::run() {
  auto next = std::chrono::steady_clock::now();
  sample(std::chrono::system_clock::now());  // the baseline snapshot
  for (;;) {
    next += options_.interval;
    {
      std::unique_lock lock(run_mutex_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    // A stalled machine (suspend, debugger) should not make the sampler catch up in a burst.
    const auto now = std::chrono::steady_clock::now();
    if (now > next + 5 * options_.interval) next = now;
    sample(std::chrono::system_clock::now());
  }
}

dashboard::snapshot dashboard::take_snapshot() const {
  snapshot s;
  s.claims = source_.claims.snapshot();
  s.rejects = source_.rejects.snapshot();
  s.by_plan = source_.claims_by_plan.snapshot();
  s.db_errors = source_.db_errors.snapshot();
  s.host_rejects = source_.host_rejects.snapshot();
  s.ncpdp = source_.request_ncpdp.snapshot();
  s.json = source_.request_json.snapshot();
  s.commit = source_.batch_commit.snapshot();
  s.batch_size = source_.batch_size.snapshot();
  s.queue_depth = source_.queue_depth ? static_cast<std::int64_t>(source_.queue_depth()) : 0;
  s.connections = source_.connections_open.load(std::memory_order_relaxed);
  return s;
}

void dashboard::sample(std::chrono::system_clock::time_point now) {
  auto snap = std::make_unique<snapshot>(take_snapshot());
  std::shared_ptr<const std::string> frame;
  {
    std::lock_guard lock(mutex_);
    // Totals are the counters themselves, so they agree with /metrics at the same instant.
    totals t;
    for (const auto& c : snap->claims) {
      t.transactions += c.count;
      t.by_status[c.labels[1]] += c.count;
      t.by_transaction_status[c.labels[0] + " " + c.labels[1]] += c.count;
    }
    for (const auto& r : snap->rejects) t.rejects_by_code[r.labels[0]] += r.count;
    for (const auto& p : snap->by_plan) {
      auto& pc = t.by_plan[p.labels[0] + "/" + p.labels[1]];
      pc.transactions += p.count;
      if (p.labels[2] == "R") pc.rejected += p.count;
    }
    for (const auto& e : snap->db_errors) t.db_errors += e.count;
    for (const auto& h : snap->host_rejects) t.host_rejects += h.count;

    if (last_) {
      dashboard_point p;
      p.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
      // The interval as the caller's clock saw it; a clock step (or a stall) counts as one interval.
      const double nominal = std::chrono::duration<double>(options_.interval).count();
      p.seconds = last_at_ ? std::chrono::duration<double>(now - *last_at_).count() : nominal;
      if (p.seconds <= 0 || p.seconds > 60 * nominal) p.seconds = nominal;
      p.transactions = minus(t.transactions, totals_.transactions);
      for (const auto& [k, n] : t.by_status)
        if (auto d = minus(n, totals_.by_status[k])) p.by_status[k] = d;
      for (const auto& [k, n] : t.by_transaction_status)
        if (auto d = minus(n, totals_.by_transaction_status[k])) p.by_transaction_status[k] = d;
      for (const auto& [k, n] : t.rejects_by_code)
        if (auto d = minus(n, totals_.rejects_by_code[k])) p.rejects_by_code[k] = d;
      for (const auto& [k, pc] : t.by_plan) {
        const auto& before = totals_.by_plan[k];
        dashboard_point::plan_counts d{minus(pc.transactions, before.transactions), minus(pc.rejected, before.rejected)};
        if (d.transactions) p.by_plan[k] = d;
      }
      p.db_errors = minus(t.db_errors, totals_.db_errors);
      p.host_rejects = minus(t.host_rejects, totals_.host_rejects);

      // Request latency: both claim routes share the bucket bounds.
      std::vector<std::uint64_t> latency(snap->ncpdp.buckets.size(), 0);
      for (std::size_t i = 0; i < latency.size(); ++i) {
        latency[i] = minus(snap->ncpdp.buckets[i], last_->ncpdp.buckets[i]);
        if (i < snap->json.buckets.size()) latency[i] += minus(snap->json.buckets[i], last_->json.buckets[i]);
      }
      for (auto n : latency) p.requests += n;
      p.latency_p50_ms = histogram_quantile(0.50, snap->ncpdp.bounds, latency) * 1000;
      p.latency_p95_ms = histogram_quantile(0.95, snap->ncpdp.bounds, latency) * 1000;
      p.latency_p99_ms = histogram_quantile(0.99, snap->ncpdp.bounds, latency) * 1000;

      std::vector<std::uint64_t> commit(snap->commit.buckets.size(), 0);
      for (std::size_t i = 0; i < commit.size(); ++i) commit[i] = minus(snap->commit.buckets[i], last_->commit.buckets[i]);
      p.batches = minus(snap->batch_size.count, last_->batch_size.count);
      if (p.batches) p.batch_size_mean = std::max(0.0, snap->batch_size.sum - last_->batch_size.sum) / static_cast<double>(p.batches);
      p.commit_p50_ms = histogram_quantile(0.50, snap->commit.bounds, commit) * 1000;
      p.commit_p99_ms = histogram_quantile(0.99, snap->commit.bounds, commit) * 1000;
      p.queue_depth = snap->queue_depth;
      p.connections = snap->connections;

      points_.push_back(std::move(p));
      while (points_.size() > options_.points) points_.pop_front();
      totals_ = std::move(t);
      evaluate_alerts();

      std::string out = "event: tick\ndata: ";
      codec::json_writer w(out);
      w.begin_object().key("point");
      write_point(w, points_.back());
      w.key("summary");
      write_summary(w);
      w.end_object();
      out += "\n\n";
      frame = std::make_shared<const std::string>(std::move(out));
    } else {
      totals_ = std::move(t);
    }
    last_ = std::move(snap);
    last_at_ = now;
  }
  if (!frame) return;
  std::lock_guard lock(subscribers_mutex_);
  for (auto& [id, s] : subscribers_) s(frame);
}

void dashboard::evaluate_alerts() {
  std::vector<dashboard_alert> found;
  const std::size_t n = points_.size();

  // Volume drop: recent average against the average just before it.
  {
    const std::size_t recent = std::min(options_.recent_volume, n);
    const std::size_t base_end = n - recent;
    const std::size_t base_begin = base_end > options_.volume_baseline ? base_end - options_.volume_baseline : 0;
    double recent_tx = 0, recent_s = 0, base_tx = 0, base_s = 0;
    for (std::size_t i = base_end; i < n; ++i) {
      recent_tx += static_cast<double>(points_[i].transactions);
      recent_s += points_[i].seconds;
    }
    for (std::size_t i = base_begin; i < base_end; ++i) {
      base_tx += static_cast<double>(points_[i].transactions);
      base_s += points_[i].seconds;
    }
    if (recent == options_.recent_volume && base_end - base_begin >= options_.volume_min_baseline_points && base_s > 0 &&
        recent_s > 0) {
      const double base_rate = base_tx / base_s, recent_rate = recent_tx / recent_s;
      if (base_rate >= options_.volume_min_baseline_rate && recent_rate < options_.volume_drop_fraction * base_rate) {
        dashboard_alert a;
        a.kind = "volume_drop";
        a.subject = "all claims";
        a.recent = recent_rate;
        a.baseline = base_rate;
        a.message = "Claim volume fell to " + fixed(recent_rate, 1) + "/s over the last " + fixed(recent_s, 0) +
                    " s, from an average of " + fixed(base_rate, 1) + "/s over the " + fixed(base_s, 0) + " s before";
        found.push_back(std::move(a));
      }
    }
  }

  // Reject spikes: the recent window against everything kept before it.
  {
    const std::size_t recent = std::min(options_.recent_rejects, n);
    const std::size_t split = n - recent;
    std::map<std::string, dashboard_point::plan_counts> plan_recent, plan_base;
    counts code_recent, code_base;
    std::uint64_t tx_recent = 0, tx_base = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = points_[i];
      auto& plans = i < split ? plan_base : plan_recent;
      auto& codes = i < split ? code_base : code_recent;
      (i < split ? tx_base : tx_recent) += p.transactions;
      for (const auto& [k, c] : p.by_plan) {
        plans[k].transactions += c.transactions;
        plans[k].rejected += c.rejected;
      }
      for (const auto& [k, c] : p.rejects_by_code) codes[k] += c;
    }
    auto spike = [&](double recent_rate, double base_rate) {
      return recent_rate - base_rate >= options_.reject_spike_increase && recent_rate >= options_.reject_spike_ratio * base_rate;
    };
    auto add_spike = [&](std::string subject, double recent_rate, double base_rate, std::string message) {
      found.push_back({"reject_spike", std::move(subject), std::move(message), recent_rate, base_rate});
    };
    for (const auto& [plan, c] : plan_recent) {
      const auto& b = plan_base[plan];
      if (c.transactions < options_.reject_min_recent || b.transactions < options_.reject_min_baseline) continue;
      const double r = static_cast<double>(c.rejected) / static_cast<double>(c.transactions);
      const double base = static_cast<double>(b.rejected) / static_cast<double>(b.transactions);
      if (!spike(r, base)) continue;
      add_spike("BIN/PCN " + plan, r, base,
                "Reject rate of BIN/PCN " + plan + " is " + percent(r) + " over the last " + std::to_string(recent) +
                    " s (" + std::to_string(c.rejected) + " of " + std::to_string(c.transactions) + "), against " +
                    percent(base) + " before");
    }
    if (tx_recent > 0 && tx_base >= options_.reject_min_baseline) {
      for (const auto& [code, c] : code_recent) {
        if (c < options_.reject_min_recent) continue;
        const double r = static_cast<double>(c) / static_cast<double>(tx_recent);
        const double base = static_cast<double>(code_base[code]) / static_cast<double>(tx_base);
        if (!spike(r, base)) continue;
        add_spike("code " + code, r, base,
                  "Reject code " + code + " is on " + percent(r) + " of transactions over the last " +
                      std::to_string(recent) + " s (" + std::to_string(c) + "), against " + percent(base) + " before");
      }
    }
  }

  // Log an alert when it starts, not every second it lasts.
  for (const auto& a : found) {
    const bool known = std::any_of(alerts_.begin(), alerts_.end(),
                                   [&](const dashboard_alert& o) { return o.kind == a.kind && o.subject == a.subject; });
    if (!known) log::warn("dashboard_alert").str("kind", a.kind).str("subject", a.subject).str("message", a.message);
  }
  alerts_ = std::move(found);
}

void dashboard::write_point(codec::json_writer& w, const dashboard_point& p) const {
  w.begin_object();
  w.field("t", p.time_ms);
  w.key("seconds").raw(number(p.seconds));
  w.field("transactions", static_cast<std::int64_t>(p.transactions));
  w.key("claims_per_s").raw(number(static_cast<double>(p.transactions) / p.seconds));
  write_counts(w, "by_status", p.by_status);
  write_counts(w, "by_transaction_status", p.by_transaction_status);
  write_counts(w, "rejects_by_code", p.rejects_by_code);
  w.key("by_plan").begin_object();
  for (const auto& [k, c] : p.by_plan) {
    w.key(k).begin_object();
    w.field("transactions", static_cast<std::int64_t>(c.transactions));
    w.field("rejected", static_cast<std::int64_t>(c.rejected));
    w.end_object();
  }
  w.end_object();
  w.field("requests", static_cast<std::int64_t>(p.requests));
  w.key("latency_ms").begin_object();
  w.key("p50").raw(number(p.latency_p50_ms));
  w.key("p95").raw(number(p.latency_p95_ms));
  w.key("p99").raw(number(p.latency_p99_ms));
  w.end_object();
  w.key("batch").begin_object();
  w.field("count", static_cast<std::int64_t>(p.batches));
  w.key("size_mean").raw(number(p.batch_size_mean));
  w.key("commit_p50_ms").raw(number(p.commit_p50_ms));
  w.key("commit_p99_ms").raw(number(p.commit_p99_ms));
  w.end_object();
  w.field("queue_depth", p.queue_depth);
  w.field("connections", p.connections);
  w.field("db_errors", static_cast<std::int64_t>(p.db_errors));
  w.field("host_rejects", static_cast<std::int64_t>(p.host_rejects));
  w.end_object();
}

void dashboard::write_summary(codec::json_writer& w) const {
  w.begin_object();
  w.key("totals").begin_object();
  w.field("transactions", static_cast<std::int64_t>(totals_.transactions));
  write_counts(w, "by_status", totals_.by_status);
  write_counts(w, "by_transaction_status", totals_.by_transaction_status);
  write_counts(w, "rejects_by_code", totals_.rejects_by_code);
  w.field("db_errors", static_cast<std::int64_t>(totals_.db_errors));
  w.field("host_rejects", static_cast<std::int64_t>(totals_.host_rejects));
  w.end_object();

  // Over the points kept (15 minutes): top reject codes and rejects by BIN/PCN.
  counts codes;
  std::map<std::string, dashboard_point::plan_counts> plans;
  std::uint64_t tx = 0;
  double seconds = 0;
  for (const auto& p : points_) {
    tx += p.transactions;
    seconds += p.seconds;
    for (const auto& [k, n] : p.rejects_by_code) codes[k] += n;
    for (const auto& [k, c] : p.by_plan) {
      plans[k].transactions += c.transactions;
      plans[k].rejected += c.rejected;
    }
  }
  std::vector<std::pair<std::string, std::uint64_t>> top(codes.begin(), codes.end());
  std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (top.size() > 10) top.resize(10);
  w.key("window").begin_object();
  w.key("seconds").raw(number(seconds));
  w.field("transactions", static_cast<std::int64_t>(tx));
  w.key("top_reject_codes").begin_array();
  for (const auto& [code, n] : top) {
    w.begin_object();
    w.field("code", code);
    w.field("count", static_cast<std::int64_t>(n));
    w.key("share").raw(number(tx ? static_cast<double>(n) / static_cast<double>(tx) : 0));
    w.end_object();
  }
  w.end_array();
  w.key("by_plan").begin_array();
  for (const auto& [k, c] : plans) {
    w.begin_object();
    w.field("plan", k);
    w.field("transactions", static_cast<std::int64_t>(c.transactions));
    w.field("rejected", static_cast<std::int64_t>(c.rejected));
    w.key("reject_rate").raw(number(c.transactions ? static_cast<double>(c.rejected) / static_cast<double>(c.transactions) : 0));
    w.end_object();
  }
  w.end_array();
  w.end_object();

  w.key("alerts").begin_array();
  for (const auto& a : alerts_) {
    w.begin_object();
    w.field("kind", a.kind);
    w.field("subject", a.subject);
    w.field("message", a.message);
    w.key("recent").raw(number(a.recent));
    w.key("baseline").raw(number(a.baseline));
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

std::string dashboard::history_json_locked() const {
  std::string out;
  codec::json_writer w(out);
  w.begin_object().field("interval_ms", static_cast<std::int64_t>(options_.interval.count()));
  w.field("capacity", static_cast<std::int64_t>(options_.points));
  w.key("points").begin_array();
  for (const auto& p : points_) write_point(w, p);
  w.end_array().key("summary");
  write_summary(w);
  w.end_object();
  return out;
}

std::string dashboard::history_json() const {
  std::lock_guard lock(mutex_);
  return history_json_locked();
}

std::vector<dashboard_alert> dashboard::alerts() const {
  std::lock_guard lock(mutex_);
  return alerts_;
}

std::vector<dashboard_point> dashboard::points() const {
  std::lock_guard lock(mutex_);
  return {points_.begin(), points_.end()};
}

std::uint64_t dashboard::subscribe(sink s) {
  std::lock_guard lock(subscribers_mutex_);
  std::string history;
  {
    std::lock_guard data(mutex_);
    history = "event: history\ndata: " + history_json_locked() + "\n\n";
  }
  s(std::make_shared<const std::string>(std::move(history)));
  const auto id = next_id_++;
  subscribers_.emplace(id, std::move(s));
  return id;
}

void dashboard::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(subscribers_mutex_);
  subscribers_.erase(id);
}

std::size_t dashboard::subscribers() const {
  std::lock_guard lock(subscribers_mutex_);
  return subscribers_.size();
}

api_reply dashboard::authorize(std::string_view authorization) const {
  auto error = [](unsigned status, std::string_view why) {
    api_reply r;
    r.status = status;
    codec::json_writer(r.body).begin_object().field("error", why).end_object();
    r.body.push_back('\n');
    return r;
  };
  if (!tokens_) return error(503, "tokens are not available");
  principal who;
  store::error why;
  switch (const auto result = authenticate(*tokens_, authorization, who, why)) {
    case auth_result::ok:
      break;
    case auth_result::missing:
    case auth_result::invalid:
    case auth_result::expired: {
      auto r = error(401, unauthorized_message(result));
      r.headers.emplace_back("WWW-Authenticate", unauthorized_challenge(result));
      return r;
    }
    case auth_result::unavailable:
      log::warn("dashboard_auth_unavailable");
      return error(503, "the token store is unavailable");
  }
  if (!who.is_operator_or_admin()) return error(403, "the dashboard is for operators");
  api_reply ok;
  ok.status = 200;
  return ok;
}

const web_asset* find_web_asset(std::string_view path) noexcept {
  if (const auto* a = embedded_web_asset(path)) return a;
  if (path != "/assets/ncpdp-dictionary.json") return nullptr;
  // Built once from the codec's compiled-in table; static storage like the embedded files.
  static const std::string body = [] {
    std::string out;
    codec::json_writer w(out);
    w.begin_object();
    w.key("segments").begin_object();
    for (unsigned n = 1; n < 100; ++n) {
      const auto name = codec::segment_name(static_cast<codec::segment_id>(n));
      if (name.empty()) continue;
      char id[4];
      std::snprintf(id, sizeof id, "%02u", n);
      w.field(id, name);
    }
    w.end_object();
    w.key("fields").begin_object();
    for (const auto& f : codec::all_fields()) {
      const auto chars = codec::field_chars(f.id);
      const std::string id(chars.data(), chars.size());
      if (codec::find_field(f.id) != &f) continue;  // one entry per ID: the meaning is the same
      // The format lets the console show a value in words (overpunch money in dollars, dates).
      w.key(id).begin_object().field("number", f.number).field("name", f.name).field("format", codec::to_string(f.format));
      w.field("decimals", static_cast<int>(f.implied_decimals)).end_object();
    }
    w.end_object();
    w.end_object();
    return out;
  }();
  static const web_asset dictionary{"/assets/ncpdp-dictionary.json", "application/json", body};
  return &dictionary;
}

std::vector<std::pair<std::string, std::string>> web_asset_headers(const web_asset& asset) {
  std::vector<std::pair<std::string, std::string>> h;
  // Pages change with the binary; a reload must get the new ones.
  h.emplace_back("Cache-Control", "no-cache");
  h.emplace_back("X-Content-Type-Options", "nosniff");
  h.emplace_back("Referrer-Policy", "no-referrer");
  if (asset.content_type.starts_with("text/html")) {
    h.emplace_back("Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    h.emplace_back("X-Frame-Options", "DENY");
  }
  return h;
}

}  // namespace rxgate::server
