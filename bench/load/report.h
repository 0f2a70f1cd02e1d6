// The result of a load run and the three ways it is shown: the progress line (stderr, once a
// second), the table at the end, and the --json object (written with codec/json_writer.h; the
// keys and their order are read by bench/e2e and tests/e2e, so they stay as they are).
//
// Figures: latencies in milliseconds from the histogram (see histogram.h for the error bound),
// throughput per second of the measured window. The table shows a latency with 3 decimals below
// 10 ms and 1 decimal above; JSON numbers carry fixed decimals (latency 4, seconds and CPU 3,
// throughput 1, target rate 0), trailing zeros dropped.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/load/mix.h"

namespace rxgate::load {

class latency_histogram;

struct kind_stats {
  std::uint64_t sent = 0, answered = 0, mismatches = 0;
};

struct latency_summary {
  std::uint64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};
// The figures of a histogram of nanoseconds, in milliseconds.
latency_summary summarize_ns(const latency_histogram& h) noexcept;

struct report {
  bool raw = false;
  bool open_loop = false;
  std::string url, plan_id, date_of_service;
  unsigned run_id = 0;
  std::string rx_prefix;           // Rx numbers of this run start with it (5 digits)
  unsigned connections = 0, threads = 0, pipeline = 0;
  double target_rate = 0;
  double seconds = 0;              // measured window (after warm-up)
  std::uint64_t sent = 0, answered = 0, measured = 0;  // measured: answered inside the window
  std::uint64_t scheduled = 0;     // open loop: requests due by the end (sent < scheduled: fell behind)
  double throughput = 0;           // measured / seconds
  latency_summary latency;
  std::array<kind_stats, kind_count> kinds{};
  std::uint64_t mismatches = 0, http_errors = 0, transport_errors = 0, unanswered = 0;
  std::uint64_t reconnects = 0;  // connections the server closed that were opened again
  std::uint64_t failed_reconnects = 0;  // tries to open one again that failed (connect or handshake)
  std::uint64_t idle_closes = 0;  // closes by the server with nothing in flight (keep-alive timeout, a drain)
  std::uint64_t f6_requests = 0;  // requests sent in F6 (the rest in D.0)
  std::uint64_t paid_transactions = 0;  // P answers (each must have its row in PostgreSQL)
  std::uint64_t claim_transactions = 0;
  double cpu_seconds = 0;          // the generator's own CPU (user + system) while it ran
  std::vector<std::string> examples;    // a few mismatches: kind, expected, got
  std::vector<std::uint64_t> per_second;  // answers in each second of the run
  bool ok() const noexcept {
    return answered > 0 && mismatches == 0 && http_errors == 0 && transport_errors == 0 && unanswered == 0 &&
           failed_reconnects == 0;
  }
};

// One second of a run as the progress line shows it.
struct progress_sample {
  std::size_t second = 0;          // 1-based
  std::uint64_t in_second = 0, answered = 0, in_flight = 0, mismatches = 0, errors = 0;
};
void print_progress(const progress_sample& s, std::FILE* out);

void print_table(const report& r, std::FILE* out);
// One line of JSON (no newline at the end).
std::string to_json(const report& r);

// A latency as the table shows it: "0.279", "21.6".
std::string format_latency(double ms);

}  // namespace rxgate::load
