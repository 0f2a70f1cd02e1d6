// The load generator behind `rxgate load`: simulated pharmacies over TLS keep-alive connections.
//
// Claims are built from a plan snapshot (members, products and pharmacies of config/plans/demo
// or of a plan made by `rxgate plan generate`) in a configurable mix of kinds: paid claims,
// multi-transaction B1s, retransmits, refill-too-soon probes, B2 reversals, B3 rebills, E1
// checks and one claim per reject family. Every response is decoded and checked against the
// outcome its kind predicts by construction (see "Expected outcomes" in load.cpp); mismatches
// are counted and a few are described by kind and codes only, never by patient data.
//
// Two modes: closed loop (each connection sends its next request when the previous answer
// arrived, up to `pipeline` in flight) and open loop (a target rate; latency is measured from
// the intended send time, so a server that falls behind shows its queueing in the figures).
// A raw mode sends one fixed GET/POST and only counts HTTP 200s (the nginx reference).
//
// run() blocks until the run is over (duration or count reached, in-flight answers drained) and
// returns the report. It throws std::runtime_error for start-up problems (plan or URL unusable,
// nobody listening); everything after start-up is counted in the report instead.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rxgate::server::load {

enum class claim_kind : std::uint8_t {
  paid,              // B1, plain member/product/pharmacy -> P
  multi,             // B1 with four transactions -> P P P P
  retransmit,        // the bytes of an earlier paid claim again -> D with its authorization
  refill_too_soon,   // same member and drug as an earlier paid claim, new Rx -> R 79
  reversal,          // B2 of an earlier paid claim -> A
  rebill,            // B3 of an earlier paid claim -> P
  eligibility_check, // E1 for a covered member -> A
  unknown_member,    // -> R 52
  terminated,        // member whose coverage ended -> R 69 or 68
  not_covered,       // excluded product -> R 70
  not_on_formulary,  // -> R MR
  prior_auth,        // PA required, none on file -> R 75
  plan_limit,        // over the quantity limit -> R 76
  dur,               // drug of a class the member is allergic to -> R 88
  network,           // out-of-network pharmacy -> R 40
  syntax,            // cardholder ID missing -> R 07
};
inline constexpr std::size_t kind_count = 16;
std::string_view to_string(claim_kind k) noexcept;
std::optional<claim_kind> kind_from_string(std::string_view name) noexcept;

using claim_mix = std::array<unsigned, kind_count>;  // relative weights
claim_mix default_mix() noexcept;
// "paid=60,retransmit=5,..." (also accepts one "kind weight" or "kind=weight" per line of a
// file, with # comments). Kinds not named keep weight 0. Returns false with `why` on bad input.
bool parse_mix(std::string_view spec, claim_mix& out, std::string& why);

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
  std::string date_of_service;     // CCYYMMDD; empty = today (UTC)
  std::optional<unsigned> run_id;  // 0..99999; default: second of the day (UTC)
  std::string paid_log;            // file: authorization number of every P transaction, one a line

  // raw mode (reference servers): fixed request, only HTTP 200 counts
  bool raw = false;
  std::size_t body_size = 0;       // 0 = GET, else POST of this many bytes

  bool progress = true;            // one line a second on stderr
  std::size_t max_examples = 5;
};

struct kind_stats {
  std::uint64_t sent = 0, answered = 0, mismatches = 0;
};

struct latency_summary {
  std::uint64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

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
  std::uint64_t paid_transactions = 0;  // P answers (each must have its row in PostgreSQL)
  std::uint64_t claim_transactions = 0;
  double cpu_seconds = 0;          // the generator's own CPU (user + system) while it ran
  std::vector<std::string> examples;    // a few mismatches: kind, expected, got
  std::vector<std::uint64_t> per_second;  // answers in each second of the run
  bool ok() const noexcept {
    return answered > 0 && mismatches == 0 && http_errors == 0 && transport_errors == 0 && unanswered == 0;
  }
};

report run(const options& o);
void print_table(const report& r, std::FILE* out);
std::string to_json(const report& r);

}  // namespace rxgate::server::load
