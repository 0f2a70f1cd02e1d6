// Prometheus text exposition (format 0.0.4) of rxgate's counters and histograms.
#include "server/core/metrics.h"

#include <algorithm>
#include <cstdio>

namespace rxgate::server {
namespace {

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) out += '?';
    else out += c;
  }
}

void append_double(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out += buf;
}

std::vector<double> latency_bounds() {
  // 35 and 75 ms split the two widest buckets a loaded gateway's batch steps land in.
  return {0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

std::size_t table_size_for(std::size_t max_series) {
  std::size_t n = 16;
  while (n < 2 * (max_series + 1)) n *= 2;
  return n;
}

// FNV-1a over the values, each followed by a separator byte no printable label holds.
std::uint64_t hash_values(std::initializer_list<std::string_view> values, std::size_t labels) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  std::size_t i = 0;
  for (auto v : values) {
    if (i++ >= labels) break;
    for (unsigned char c : v) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xFFu) * 1099511628211ull;
  }
  return h;
}

bool same_values(const std::vector<std::string>& stored, std::initializer_list<std::string_view> values,
                 std::size_t labels) noexcept {
  if (stored.size() != std::min(values.size(), labels)) return false;
  auto it = values.begin();
  for (const auto& s : stored)
    if (s != *it++) return false;
  return true;
}

}  // namespace

counter_family::counter_family(std::string name, std::string help, std::vector<std::string> labels,
                               std::size_t max_series)
    : name_(std::move(name)),
      help_(std::move(help)),
      labels_(std::move(labels)),
      max_series_(max_series),
      table_mask_(table_size_for(max_series) - 1),
      table_(new std::atomic<label_set*>[table_mask_ + 1]) {
  for (std::size_t i = 0; i <= table_mask_; ++i) table_[i].store(nullptr, std::memory_order_relaxed);
}

counter_family::~counter_family() = default;

std::string counter_family::key(std::initializer_list<std::string_view> values) const {
  std::string k;
  std::size_t i = 0;
  for (auto v : values) {
    if (i >= labels_.size()) break;
    if (i) k += ',';
    k += labels_[i];
    k += "=\"";
    append_label_value(k, v);
    k += '"';
    ++i;
  }
  return k;
}

std::atomic<std::uint64_t>* counter_family::find(std::initializer_list<std::string_view> values,
                                                 std::uint64_t hash) const noexcept {
  for (std::size_t i = hash & table_mask_, probes = 0; probes <= table_mask_; i = (i + 1) & table_mask_, ++probes) {
    const label_set* s = table_[i].load(std::memory_order_acquire);
    if (!s) return nullptr;
    if (s->hash == hash && same_values(s->values, values, labels_.size())) return s->count;
  }
  return nullptr;
}

std::atomic<std::uint64_t>& counter_family::add_series(std::initializer_list<std::string_view> values,
                                                       std::uint64_t hash) {
  std::lock_guard lock(mutex_);
  if (auto* count = find(values, hash)) return *count;  // another thread added it meanwhile
  std::string k = key(values);
  auto it = series_.find(k);
  if (it == series_.end()) {
    if (series_.size() >= max_series_) {
      std::string other;
      for (std::size_t i = 0; i < labels_.size(); ++i) {
        if (i) other += ',';
        other += labels_[i] + "=\"other\"";
      }
      it = series_.try_emplace(std::move(other), 0).first;
    } else {
      it = series_.try_emplace(std::move(k), 0).first;
    }
  }
  if (2 * (label_sets_.size() + 1) <= table_mask_ + 1) {
    auto s = std::make_unique<label_set>();
    s->hash = hash;
    std::size_t i = 0;
    for (auto v : values)
      if (i++ < labels_.size()) s->values.emplace_back(v);
    s->count = &it->second;
    std::size_t slot = hash & table_mask_;
    while (table_[slot].load(std::memory_order_relaxed)) slot = (slot + 1) & table_mask_;
    table_[slot].store(s.get(), std::memory_order_release);
    label_sets_.push_back(std::move(s));
  }
  return it->second;
}

void counter_family::inc(std::initializer_list<std::string_view> values, std::uint64_t n) {
  const std::uint64_t hash = hash_values(values, labels_.size());
  auto* count = find(values, hash);
  (count ? *count : add_series(values, hash)).fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t counter_family::value(std::initializer_list<std::string_view> values) const {
  std::string k = key(values);
  std::lock_guard lock(mutex_);
  auto it = series_.find(k);
  return it == series_.end() ? 0 : it->second.load(std::memory_order_relaxed);
}

void counter_family::render(std::string& out) const {
  out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [labels, n] : series_) {
    out += name_;
    out += '{';
    out += labels;
    out += "} ";
    out += std::to_string(n.load(std::memory_order_relaxed));
    out += '\n';
  }
}

std::vector<counter_family::series> counter_family::snapshot() const {
  std::vector<series> out;
  std::lock_guard lock(mutex_);
  out.reserve(series_.size());
  for (const auto& [key, n] : series_) {
    // The key is the rendered label set: name="value",... with \\, \" and \n escaped.
    series s;
    s.count = n.load(std::memory_order_relaxed);
    std::size_t i = 0;
    while (i < key.size()) {
      const auto quote = key.find('"', i);
      if (quote == std::string::npos) break;
      std::string value;
      std::size_t j = quote + 1;
      for (; j < key.size() && key[j] != '"'; ++j) {
        if (key[j] == '\\' && j + 1 < key.size()) {
          ++j;
          value += key[j] == 'n' ? '\n' : key[j];
        } else {
          value += key[j];
        }
      }
      s.labels.push_back(std::move(value));
      i = j + 2;  // past the closing quote and the comma
    }
    s.labels.resize(labels_.size());
    out.push_back(std::move(s));
  }
  return out;
}

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), buckets_(bounds_.size() + 1) {}

void histogram::observe(double v) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(v * 1e6 + 0.5), std::memory_order_relaxed);
}

void histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += name;
    out += "_bucket{";
    out += labels;
    out += sep;
    out += "le=\"";
    if (i == bounds_.size()) out += "+Inf";
    else append_double(out, bounds_[i]);
    out += "\"} ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out += std::string(name) + "_sum" + braces + " ";
  append_double(out, static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6);
  out += '\n';
  out += std::string(name) + "_count" + braces + " " + std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

histogram::snapshot_data histogram::snapshot() const {
  snapshot_data d;
  d.bounds = bounds_;
  d.buckets.reserve(buckets_.size());
  for (const auto& b : buckets_) d.buckets.push_back(b.load(std::memory_order_relaxed));
  d.count = count_.load(std::memory_order_relaxed);
  d.sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
  return d;
}

void metrics::observe_status_request(std::string_view route, double seconds) {
  if (route == "/v1/claims/{id}") status_by_id.observe(seconds);
  else if (route == "/v1/claims") status_search.observe(seconds);
  else status_other.observe(seconds);
}

metrics::metrics()
    : request_ncpdp(latency_bounds()),
      request_json(latency_bounds()),
      status_by_id(latency_bounds()),
      status_search(latency_bounds()),
      status_other(latency_bounds()),
      batch_commit(latency_bounds()),
      batch_read(latency_bounds()),
      batch_decide(latency_bounds()),
      batch_write(latency_bounds()),
      batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}),
      wait_queued(latency_bounds()),
      wait_answer(latency_bounds()) {}

std::string metrics::render() const {
  std::string out;
  out.reserve(8192);
  claims.render(out);
  rejects.render(out);
  claims_by_plan.render(out);
  host_rejects.render(out);
  identity_rejects.render(out);
  http_requests.render(out);
  tls_handshakes.render(out);
  db_errors.render(out);
  plan_reloads.render(out);

  out += "# HELP rxgate_request_duration_seconds Whole request, body received to response queued\n"
         "# TYPE rxgate_request_duration_seconds histogram\n";
  request_ncpdp.render(out, "rxgate_request_duration_seconds", "route=\"/ncpdp\"");
  request_json.render(out, "rxgate_request_duration_seconds", "route=\"/v1/claims\"");
  out += "# HELP rxgate_status_request_duration_seconds Technician API request, body received to response "
         "queued, by route pattern (GET /v1/claims/{id}, GET /v1/claims, the rest as other)\n"
         "# TYPE rxgate_status_request_duration_seconds histogram\n";
  status_by_id.render(out, "rxgate_status_request_duration_seconds", "route=\"/v1/claims/{id}\"");
  status_search.render(out, "rxgate_status_request_duration_seconds", "route=\"/v1/claims\"");
  status_other.render(out, "rxgate_status_request_duration_seconds", "route=\"other\"");
  out += "# HELP rxgate_batch_commit_duration_seconds One batch: begin to durable commit\n"
         "# TYPE rxgate_batch_commit_duration_seconds histogram\n";
  batch_commit.render(out, "rxgate_batch_commit_duration_seconds", "");
  out += "# HELP rxgate_batch_step_duration_seconds One batch's steps: read (begin, history), decide (rules, "
         "responses), write (insert, durable commit)\n"
         "# TYPE rxgate_batch_step_duration_seconds histogram\n";
  batch_read.render(out, "rxgate_batch_step_duration_seconds", "step=\"read\"");
  batch_decide.render(out, "rxgate_batch_step_duration_seconds", "step=\"decide\"");
  batch_write.render(out, "rxgate_batch_step_duration_seconds", "step=\"write\"");
  out += "# HELP rxgate_batch_size_transactions Claim transactions per database batch\n"
         "# TYPE rxgate_batch_size_transactions histogram\n";
  batch_size.render(out, "rxgate_batch_size_transactions", "");
  out += "# HELP rxgate_claim_wait_duration_seconds A claim's waits outside its batch: queued (body read to its "
         "batch taken), answer (its batch ended to answer queued)\n"
         "# TYPE rxgate_claim_wait_duration_seconds histogram\n";
  wait_queued.render(out, "rxgate_claim_wait_duration_seconds", "wait=\"queued\"");
  wait_answer.render(out, "rxgate_claim_wait_duration_seconds", "wait=\"answer\"");

  auto gauge = [&](const char* name, const char* help, std::int64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
           std::to_string(v) + "\n";
  };
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
           std::to_string(v) + "\n";
  };
  gauge("rxgate_queue_depth", "Transmissions waiting for the batch worker",
        queue_depth ? static_cast<std::int64_t>(queue_depth()) : 0);
  gauge("rxgate_connections_open", "Open client connections", connections_open.load());
  counter("rxgate_connections_accepted_total", "Client connections accepted", connections_accepted.load());
  counter("rxgate_connections_refused_total", "Connections closed at accept because of server.max_connections",
          connections_refused.load());
  counter("rxgate_accept_failures_total", "Failed accepts (EMFILE/ENFILE: out of file descriptors, the loop backs off)",
          accept_failures.load());
  counter("rxgate_batches_total", "Database batches run", batches.load());
  gauge("rxgate_batch_in_flight_transactions", "Transactions in the batch the worker is processing now",
        batch_in_flight.load());
  gauge("rxgate_plans_loaded", "1 when a plan snapshot is serving", plans_loaded && plans_loaded() ? 1 : 0);
  return out;
}

}  // namespace rxgate::server
