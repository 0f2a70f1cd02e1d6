// The load generator behind `rxgate load`: simulated pharmacies over TLS keep-alive connections.
//
// Claims are built from a plan snapshot (members, products and pharmacies of config/plans/demo
// or of a plan made by `rxgate plan generate`) in a configurable mix of kinds (mix.h): paid
// claims, multi-transaction B1s, retransmits, refill-too-soon probes, B2 reversals, B3 rebills,
// E1 checks and one claim per reject family. Every response is decoded and checked against the
// outcome its kind predicts by construction (scenario.h); mismatches are counted and a few are
// described by kind and codes only, never by patient data.
//
// Two modes: closed loop (each connection sends its next request when the previous answer
// arrived, up to `pipeline` in flight) and open loop (a target rate; latency is measured from
// the intended send time, so a server that falls behind shows its queueing in the figures).
// A raw mode sends fixed GETs/POSTs and only counts HTTP 200s: the nginx reference, and the status
// API's reads (bench/status-api) with a token header and a file of paths sent in turn.
//
// run() blocks until the run is over (duration or count reached, in-flight answers drained) and
// returns the report (report.h). It throws std::runtime_error for start-up problems (plan or URL
// unusable, nobody listening); everything after start-up is counted in the report instead.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/load/mix.h"
#include "bench/load/report.h"

namespace rxgate::load {

struct options {
  std::string url;                 // https://host:port/path (claims: the /ncpdp route)
  std::string ca_file;             // trust anchors for the server certificate
  bool verify = true;
  unsigned connections = 32;
  unsigned threads = 1;            // io threads; connections are spread over them
  unsigned pipeline = 1;           // requests in flight per connection
  double rate = 0;                 // requests/s; 0 = closed loop
  std::chrono::milliseconds duration{10'000};
  std::uint64_t count = 0;         // stop after this many requests (0 = duration only)
  std::chrono::milliseconds warmup{0};   // answers before this are checked but not measured
  std::chrono::milliseconds drain{10'000};  // longest wait for in-flight answers at the end

  // claims mode
  std::filesystem::path plans_dir = "config/plans";
  std::string plan_id;             // empty: "demo" when present, else the first plan
  claim_mix mix = default_mix();
  unsigned f6_percent = 0;         // share (0-100) of single-transaction claims sent in F6
  std::string date_of_service;     // CCYYMMDD; empty = today (UTC)
  std::optional<unsigned> run_id;  // 0..99999; default: second of the day (UTC)
  std::string paid_log;            // file: authorization number of every P transaction, one a line

  // raw mode (reference servers): fixed request, only HTTP 200 counts
  bool raw = false;
  std::size_t body_size = 0;       // 0 = GET, else POST of this many bytes
  std::vector<std::string> headers;  // extra "Name: value" lines (e.g. an Authorization header)
  std::filesystem::path targets;   // a file of request paths, one a line, sent in turn (default: the URL's path)

  bool progress = true;            // one line a second on stderr
  std::size_t max_examples = 5;
};

// Options that cannot make a measurement: neither a duration nor a count, or a warmup that
// lasts the whole duration (nothing would be measured: --duration counts the warmup). False with
// `why` set; run() throws std::runtime_error with the same words.
bool check_options(const options& o, std::string& why);

report run(const options& o);

}  // namespace rxgate::load
