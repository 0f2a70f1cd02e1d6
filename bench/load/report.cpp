#include "bench/load/report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "bench/load/histogram.h"
#include "codec/json_writer.h"

namespace rxgate::load {
namespace {

using ull = unsigned long long;

std::int64_t as_int(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, std::numeric_limits<std::int64_t>::max()));
}

// `v` rounded to `places` decimals as an exact JSON decimal; null when it is not a finite number
// that fits.
void fixed(codec::json_writer& w, double v, int places) {
  const double units = std::round(v * std::pow(10.0, places));
  if (!std::isfinite(units) || std::fabs(units) >= 9.2e18) {
    w.null();
    return;
  }
  w.decimal(static_cast<std::int64_t>(units), places);
}

void write_run(codec::json_writer& w, const report& r) {
  w.field("mode", r.raw ? "raw" : "claims").field("loop", r.open_loop ? "open" : "closed").field("url", r.url);
  w.field("connections", r.connections).field("threads", r.threads).field("pipeline", r.pipeline);
  fixed(w.key("target_rate"), r.target_rate, 0);
  if (!r.raw) {
    w.field("plan", r.plan_id).field("date_of_service", r.date_of_service).field("run_id", r.run_id);
    w.field("rx_prefix", r.rx_prefix);
  }
  fixed(w.key("seconds"), r.seconds, 3);
  w.field("scheduled", as_int(r.scheduled)).field("sent", as_int(r.sent)).field("answered", as_int(r.answered));
  w.field("measured", as_int(r.measured));
  fixed(w.key("throughput"), r.throughput, 1);
}

void write_latency(codec::json_writer& w, const latency_summary& l) {
  w.key("latency_ms").begin_object().field("count", as_int(l.count));
  fixed(w.key("mean"), l.mean_ms, 4);
  fixed(w.key("p50"), l.p50_ms, 4);
  fixed(w.key("p90"), l.p90_ms, 4);
  fixed(w.key("p99"), l.p99_ms, 4);
  fixed(w.key("p999"), l.p999_ms, 4);
  fixed(w.key("max"), l.max_ms, 4);
  w.end_object();
}

void write_outcome(codec::json_writer& w, const report& r) {
  w.field("mismatches", as_int(r.mismatches)).field("http_errors", as_int(r.http_errors));
  w.field("transport_errors", as_int(r.transport_errors)).field("unanswered", as_int(r.unanswered));
  w.field("reconnects", as_int(r.reconnects)).field("failed_reconnects", as_int(r.failed_reconnects));
  w.field("idle_closes", as_int(r.idle_closes));
  w.field("f6_requests", as_int(r.f6_requests));
  w.field("claim_transactions", as_int(r.claim_transactions)).field("paid_transactions", as_int(r.paid_transactions));
  fixed(w.key("generator_cpu_s"), r.cpu_seconds, 3);
  w.field("ok", r.ok());
  w.key("kinds").begin_object();
  for (std::size_t k = 0; k < kind_count; ++k) {
    const auto& s = r.kinds[k];
    if (!s.sent) continue;
    w.key(to_string(static_cast<claim_kind>(k))).begin_object();
    w.field("sent", as_int(s.sent)).field("answered", as_int(s.answered)).field("mismatches", as_int(s.mismatches));
    w.end_object();
  }
  w.end_object();
  w.key("examples").begin_array();
  for (const auto& e : r.examples) w.value(e);
  w.end_array();
  w.key("per_second").begin_array();
  for (auto n : r.per_second) w.value(as_int(n));
  w.end_array();
}

void print_kinds(const report& r, std::FILE* out) {
  std::fprintf(out, "  transactions     %llu answered, %llu paid (P)\n", static_cast<ull>(r.claim_transactions),
               static_cast<ull>(r.paid_transactions));
  std::fprintf(out, "  %-18s %10s %10s %10s\n", "kind", "sent", "answered", "mismatch");
  for (std::size_t k = 0; k < kind_count; ++k) {
    const auto& s = r.kinds[k];
    if (!s.sent) continue;
    std::fprintf(out, "  %-18s %10llu %10llu %10llu\n", std::string(to_string(static_cast<claim_kind>(k))).c_str(),
                 static_cast<ull>(s.sent), static_cast<ull>(s.answered), static_cast<ull>(s.mismatches));
  }
}

}  // namespace

latency_summary summarize_ns(const latency_histogram& h) noexcept {
  const auto ms = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e6; };
  latency_summary l;
  l.count = h.count();
  l.mean_ms = h.mean() / 1e6;
  l.p50_ms = ms(h.percentile(50));
  l.p90_ms = ms(h.percentile(90));
  l.p99_ms = ms(h.percentile(99));
  l.p999_ms = ms(h.percentile(99.9));
  l.max_ms = ms(h.max());
  return l;
}

std::string format_latency(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.3f" : "%.1f", ms);
  return buf;
}

void print_progress(const progress_sample& s, std::FILE* out) {
  std::fprintf(out, "[%4zus] %8llu/s  answered %10llu  in flight %5llu  mismatches %llu  errors %llu\n", s.second,
               static_cast<ull>(s.in_second), static_cast<ull>(s.answered), static_cast<ull>(s.in_flight),
               static_cast<ull>(s.mismatches), static_cast<ull>(s.errors));
}

void print_table(const report& r, std::FILE* out) {
  std::fprintf(out, "\nrxgate load: %s, %s, %u connections on %u io thread(s), pipeline %u, %s\n",
               r.raw ? "raw" : "claims", r.open_loop ? "open loop" : "closed loop", r.connections, r.threads,
               r.pipeline, r.url.c_str());
  if (r.open_loop) {
    std::fprintf(out, "  target rate      %.0f/s (latency from the intended send time)\n", r.target_rate);
    if (r.scheduled > r.sent)
      std::fprintf(out, "  fell behind      %llu requests were due but not sent when the run ended (not in the figures)\n",
                   static_cast<ull>(r.scheduled - r.sent));
  }
  if (!r.raw)
    std::fprintf(out, "  plan             %s, date of service %s, run id %u (Rx numbers %s.......)\n", r.plan_id.c_str(),
                 r.date_of_service.c_str(), r.run_id, r.rx_prefix.c_str());
  std::fprintf(out, "  sent %llu  answered %llu  unanswered %llu  transport errors %llu  HTTP errors %llu  mismatches %llu\n",
               static_cast<ull>(r.sent), static_cast<ull>(r.answered), static_cast<ull>(r.unanswered),
               static_cast<ull>(r.transport_errors), static_cast<ull>(r.http_errors), static_cast<ull>(r.mismatches));
  if (r.reconnects)
    std::fprintf(out, "  reconnected      %llu times (connections the server closed, opened again)\n",
                 static_cast<ull>(r.reconnects));
  if (r.failed_reconnects)
    std::fprintf(out, "  not reopened     %llu tries to open a closed connection again failed (the server refused them)\n",
                 static_cast<ull>(r.failed_reconnects));
  if (r.idle_closes)
    std::fprintf(out, "  closed idle      %llu times (the server's keep-alive timeout, nothing in flight: not an error)\n",
                 static_cast<ull>(r.idle_closes));
  if (r.f6_requests)
    std::fprintf(out, "  F6               %llu requests sent in F6, the rest in D.0\n", static_cast<ull>(r.f6_requests));
  std::fprintf(out, "  throughput       %.0f requests/s over %.1f s measured\n", r.throughput, r.seconds);
  const auto& l = r.latency;
  std::fprintf(out, "  latency (ms)     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s  (%llu samples)\n",
               format_latency(l.p50_ms).c_str(), format_latency(l.p90_ms).c_str(), format_latency(l.p99_ms).c_str(),
               format_latency(l.p999_ms).c_str(), format_latency(l.max_ms).c_str(), format_latency(l.mean_ms).c_str(),
               static_cast<ull>(l.count));
  std::fprintf(out, "  generator CPU    %.2f s (%.1f us per answer)\n", r.cpu_seconds,
               r.answered ? r.cpu_seconds * 1e6 / static_cast<double>(r.answered) : 0.0);
  if (!r.raw) print_kinds(r, out);
  for (const auto& e : r.examples) std::fprintf(out, "  mismatch: %s\n", e.c_str());
  std::fprintf(out, "  result           %s\n", r.ok() ? "OK (every answer as predicted)" : "FAILED");
}

std::string to_json(const report& r) {
  std::string j;
  j.reserve(1024);
  codec::json_writer w(j);
  w.begin_object();
  write_run(w, r);
  write_latency(w, r.latency);
  write_outcome(w, r);
  w.end_object();
  return j;
}

}  // namespace rxgate::load
