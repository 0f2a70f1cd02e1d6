// run(): start-up (plan, scenario, mix, URL, connections), the io threads, the progress line once
// a second, and the report from the workers' tallies.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include <sys/resource.h>

#include "bench/load/load.h"
#include "bench/load/worker.h"
#include "rules/plan.h"
#include "rules/plan_model.h"

namespace rxgate::load {
namespace {

codec::date today_utc() {
  const auto secs = static_cast<std::int64_t>(std::time(nullptr));
  return codec::date::from_days(static_cast<std::int32_t>(secs / 86400));
}

double cpu_seconds_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::uint64_t as_ns(std::chrono::milliseconds ms) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count());
}

const rules::plan& choose_plan(const rules::plan_set& plans, const options& o) {
  const rules::plan* chosen = nullptr;
  for (const auto& p : plans.plans())
    if (!o.plan_id.empty() ? p->id == o.plan_id : p->id == "demo") chosen = p.get();
  if (!chosen && o.plan_id.empty() && !plans.plans().empty()) chosen = plans.plans().front().get();
  if (!chosen) throw std::runtime_error("no plan '" + o.plan_id + "' in " + o.plans_dir.string());
  return *chosen;
}

// Claims mode: the plan's scenario, the mix it supports, this run's id and the request head.
void prepare_claims(const options& o, const rules::plan_set& plans, scenario& sc, run_state& s, report& r) {
  const auto& plan = choose_plan(plans, o);
  codec::date dos = today_utc();
  if (!o.date_of_service.empty()) {
    auto d = codec::parse_date(o.date_of_service);
    if (!d) throw std::runtime_error("--date-of-service must be CCYYMMDD");
    dos = *d;
  }
  sc = build_scenario(plan, dos);
  s.sc = &sc;
  r.plan_id = std::string(plan.id);
  r.date_of_service.assign(sc.dos_text.data(), 8);
  std::vector<claim_kind> dropped;
  s.mix = supported_mix(sc, o.mix, dropped);
  if (o.f6_percent > 100) throw std::runtime_error("the F6 share is a percentage (0 to 100)");
  s.f6_percent = o.f6_percent;
  for (auto k : dropped)
    std::fprintf(stderr, "rxgate load: plan %s has no data for '%s' claims; left out of the mix\n", r.plan_id.c_str(),
                 std::string(to_string(k)).c_str());
  unsigned total = 0;
  for (auto w : s.mix) total += w;
  if (total == 0) throw std::runtime_error("nothing to send: no kind of the mix fits plan " + r.plan_id);
  s.run_id = o.run_id ? *o.run_id % 100000 : static_cast<unsigned>(std::time(nullptr) % 86400);
  r.run_id = s.run_id;
  char prefix[8];
  std::snprintf(prefix, sizeof prefix, "%05u", s.run_id);
  r.rx_prefix = prefix;
  s.request_head = "POST " + s.url.target + " HTTP/1.1\r\nHost: " + s.url.host +
                   "\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
}

void prepare_raw(const options& o, run_state& s) {
  std::vector<std::string> targets;
  if (!o.targets.empty()) {
    std::ifstream in(o.targets);
    if (!in) throw std::runtime_error("--targets " + o.targets.string() + ": " + std::strerror(errno));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line.front() == '#') continue;
      if (line.front() != '/') throw std::runtime_error("--targets: every line must be a path starting with /");
      targets.push_back(line);
    }
    if (targets.empty()) throw std::runtime_error("--targets " + o.targets.string() + ": no paths in it");
  } else {
    targets.push_back(s.url.target);
  }
  std::string headers = "Host: " + s.url.host + "\r\n";
  for (const auto& h : o.headers) {
    if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos)
      throw std::runtime_error("--header must be one 'Name: value' line");
    headers += h + "\r\n";
  }
  for (const auto& target : targets) {
    if (o.body_size == 0) {
      s.raw_requests.push_back("GET " + target + " HTTP/1.1\r\n" + headers + "\r\n");
    } else {
      s.raw_requests.push_back("POST " + target + " HTTP/1.1\r\n" + headers +
                               "Content-Type: application/octet-stream\r\nContent-Length: " +
                               std::to_string(o.body_size) + "\r\n\r\n" + std::string(o.body_size, 'x'));
    }
  }
}

// Until every io thread is done: once a second the answers of that second (and the progress line).
void watch(run_state& s, const std::atomic<unsigned>& running, report& r) {
  std::uint64_t last = 0;
  auto next_tick = s.start + std::chrono::seconds(1);
  while (running.load() > 0) {
    std::this_thread::sleep_until(std::min(next_tick, steady::now() + std::chrono::milliseconds(50)));
    if (steady::now() < next_tick) continue;
    const auto answered = s.answered.load(std::memory_order_relaxed);
    r.per_second.push_back(answered - last);
    if (s.opt->progress)
      print_progress({r.per_second.size(), answered - last, answered, s.in_flight.load(std::memory_order_relaxed),
                      s.mismatches.load(std::memory_order_relaxed), s.errors.load(std::memory_order_relaxed)},
                     stderr);
    last = answered;
    next_tick += std::chrono::seconds(1);
  }
}

void add(report& r, const worker_tally& t) {
  for (std::size_t k = 0; k < kind_count; ++k) {
    r.kinds[k].sent += t.kinds[k].sent;
    r.kinds[k].answered += t.kinds[k].answered;
    r.kinds[k].mismatches += t.kinds[k].mismatches;
  }
  r.sent += t.sent;
  r.answered += t.answered;
  r.measured += t.measured;
  r.mismatches += t.mismatches;
  r.http_errors += t.http_errors;
  r.transport_errors += t.transport_errors;
  r.reconnects += t.reconnects;
  r.failed_reconnects += t.failed_reconnects;
  r.idle_closes += t.idle_closes;
  r.f6_requests += t.f6_requests;
  r.unanswered += t.unanswered;
  r.paid_transactions += t.paid_transactions;
  r.claim_transactions += t.claim_transactions;
}

// The workers' tallies, the measured window and the figures; writes the paid log when asked.
void conclude(const options& o, const run_state& s, const std::vector<std::unique_ptr<worker>>& workers,
              double elapsed_s, report& r) {
  if (o.rate > 0 && s.duration_ns) {
    r.scheduled = static_cast<std::uint64_t>(o.rate * static_cast<double>(s.duration_ns) / 1e9);
    if (o.count) r.scheduled = std::min(r.scheduled, o.count);
  }
  latency_histogram all;
  std::string paid_log;
  for (const auto& w : workers) {
    all.merge(w->tally().histogram);
    add(r, w->tally());
    paid_log += w->tally().paid_log;
  }
  r.examples = s.examples;
  const double window = s.duration_ns ? (static_cast<double>(s.duration_ns - std::min(s.duration_ns, s.warmup_ns)) / 1e9)
                                      : std::max(1e-9, elapsed_s - static_cast<double>(s.warmup_ns) / 1e9);
  r.seconds = window;
  r.throughput = window > 0 ? static_cast<double>(r.measured) / window : 0;
  r.latency = summarize_ns(all);
  if (!o.paid_log.empty()) {
    std::ofstream f(o.paid_log, std::ios::binary | std::ios::trunc);
    f << paid_log;
    if (!f) throw std::runtime_error("cannot write " + o.paid_log);
  }
}

}  // namespace

bool check_options(const options& o, std::string& why) {
  if (o.count == 0 && o.duration.count() <= 0) {
    why = "give --duration or --count";
    return false;
  }
  if (o.duration.count() > 0 && o.warmup >= o.duration) {
    const auto seconds = [](std::chrono::milliseconds ms) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(ms.count()) / 1000.0);
      return std::string(buf);
    };
    why = "--warmup (" + seconds(o.warmup) + ") must be shorter than --duration (" + seconds(o.duration) +
          "), which counts it: nothing would be measured";
    return false;
  }
  return true;
}

report run(const options& o) {
  if (std::string why; !check_options(o, why)) throw std::runtime_error(why);
  run_state s;
  s.opt = &o;
  if (!server::parse_https_url(o.url, s.url)) throw std::runtime_error("--url must be https://host:port/path");
  if (o.connections == 0 || o.threads == 0) throw std::runtime_error("--connections and --threads must be at least 1");
  const unsigned threads = std::min(o.threads, o.connections);

  report r;
  r.raw = o.raw;
  r.open_loop = o.rate > 0;
  r.url = o.url;
  r.connections = o.connections;
  r.threads = threads;
  r.pipeline = std::max(1u, o.pipeline);
  r.target_rate = o.rate;

  std::shared_ptr<const rules::plan_set> plans;
  scenario sc;
  if (o.raw) {
    prepare_raw(o, s);
  } else {
    plans = rules::load_plans(o.plans_dir);  // throws plan_error with every problem
    prepare_claims(o, *plans, sc, s, r);
  }

  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<worker>(s, t, threads, o.connections / threads + (t < o.connections % threads ? 1 : 0)));
  for (auto& w : workers) {
    std::string why;
    w->connect_all(why);
    if (!why.empty()) throw std::runtime_error(why);
  }

  s.warmup_ns = as_ns(o.warmup);
  s.duration_ns = o.count && o.duration.count() == 0 ? 0 : as_ns(o.duration);
  const double cpu_before = cpu_seconds_now();  // after the plan load and the handshakes
  s.start = steady::now();
  std::vector<std::thread> io;
  std::atomic<unsigned> running{threads};
  for (auto& w : workers)
    io.emplace_back([&running, wp = w.get()] {
      wp->run();
      running.fetch_sub(1);
    });
  watch(s, running, r);
  for (auto& t : io) t.join();
  r.cpu_seconds = cpu_seconds_now() - cpu_before;
  conclude(o, s, workers, std::chrono::duration<double>(steady::now() - s.start).count(), r);
  return r;
}

}  // namespace rxgate::load
