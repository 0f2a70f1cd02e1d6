// Claims store throughput against a real PostgreSQL (RXGATE_TEST_DSN; database rxgate_bench is
// dropped, created and migrated at start).
//
// One iteration = one batch as the server's batcher runs it: begin, load_history (one query),
// decisions (prebuilt: this measures the store, not the rules), insert, commit. Counters:
//   claims/s          claims committed per wall-clock second
//   commit_us         mean latency of commit() alone (the durable fsync)
//   batch_us          mean latency of the whole batch (what a claim waits for, queueing aside)
//   history_us        of which load_history (begin included)
//   insert_us         of which insert
//   pg_backend_us     CPU of the writer's backend per claim (/proc/<pid>/stat: utime + stime)
//   pg_all_us         CPU of every process of the PostgreSQL cluster per claim (backend, WAL
//                     writer, checkpointer ...); includes anything else the cluster does meanwhile
#include <benchmark/benchmark.h>

#include <pqxx/pqxx>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sql/store.h"

namespace {

using namespace rxgate;

std::string bench_dsn;

// Ticks of utime + stime of one process, or 0 when it is gone.
long long cpu_ticks(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(f, s);
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return utime + stime;
}

int parent_of(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  std::getline(f, s);
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string state;
  int ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

// CPU ticks of the postmaster and all its children.
long long cluster_ticks(int postmaster) {
  long long total = cpu_ticks(postmaster);
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::atoi(name.c_str());
    if (parent_of(pid) == postmaster) total += cpu_ticks(pid);
  }
  return total;
}

struct claim_set {
  std::deque<std::string> strings;
  std::vector<codec::claim> claims;
  std::vector<store::batch_entry> entries;
};

std::string_view keep(claim_set& s, std::string v) { return s.strings.emplace_back(std::move(v)); }

// N claims with fresh keys, members spread over 100k cardholders, a ~600-byte request and a
// ~250-byte response, decided paid with pricing. With `accumulators`, as a plan that keeps them:
// each entry has a plan year (the store locks its family and sums the year) and each claim
// applies amounts and answers 512-FC/513-FD.
void make_batch(claim_set& s, std::size_t n, long long& serial, bool accumulators) {
  s.claims.clear();
  s.entries.clear();
  s.strings.clear();
  s.claims.reserve(n);
  static const std::string request = [] {
    std::string r = "610014D0B1RXGTEST   1011234567890     20261115          ";
    while (r.size() < 600) r += "\x1e\x1c" "AM07\x1c" "EM1\x1c" "D2000012345678\x1c" "E103\x1c" "D700071015523";
    return r;
  }();
  static const std::string response(250, 'R');
  for (std::size_t i = 0; i < n; ++i) {
    const long long k = serial++;
    codec::claim c;
    c.bin = "610014";
    c.version = "D0";
    c.transaction_code = "B1";
    c.pcn = "RXGBENCH";
    c.provider_id_qualifier = "01";
    c.provider_id = keep(s, std::to_string(1000000000 + k % 2000));
    c.date_of_service = {2026, 11, static_cast<std::uint8_t>(1 + k % 28)};
    c.cardholder_id = keep(s, "MB" + std::to_string(k * 7919 % 100000));
    c.person_code = "001";
    c.group_id = "GRP1";
    c.rx_number = keep(s, std::to_string(100000000000LL + k));
    c.product_qualifier = "03";
    c.product_id = "00071015523";
    c.fill_number = 0;
    c.quantity = 30000;
    c.days_supply = 30;
    c.prescriber_id = "1999999984";
    s.claims.push_back(c);
  }
  for (auto& c : s.claims) {
    store::batch_entry e;
    e.claim = &c;
    e.request_bytes = request;
    e.response_bytes = response;
    e.source = "bench";
    auto& d = e.decision;
    d.status = 'P';
    d.plan_id = "DEMO";
    d.plan_version = 1;
    std::memcpy(d.authorization_number.data(), "BENCH000001", 11);
    d.authorization_length = 11;
    d.request_fingerprint = 0x1234567890ABCDEFull;
    d.product_name = "ATORVASTATIN 10MG TAB";
    d.therapeutic_class = "STATINS";
    d.tier = 1;
    codec::pricing p;
    p.ingredient_cost_paid = 1234;
    p.dispensing_fee_paid = 150;
    p.patient_pay = 500;
    p.total_paid = 884;
    p.copay = 500;
    p.basis_of_reimbursement = "01";
    if (accumulators) {
      e.accumulator_year = d.accumulator_year = {2026, 1, 1};
      d.accumulated = {250, 500, 884};
      p.deductible_applied = 250;
      p.accumulated_deductible = 1250;
      p.remaining_deductible = 148750;
    }
    d.price = p;
    s.entries.push_back(e);
  }
}

// The writer's backend pid (the only rxgate-writer session on the bench database).
int writer_pid(pqxx::connection& admin) {
  pqxx::nontransaction n(admin);
  const auto r = n.exec(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'rxgate-writer' "
      "AND datname = current_database()");
  return r.size() == 1 ? r[0][0].as<int>() : 0;
}

void BM_StoreBatch(benchmark::State& state) {
  if (bench_dsn.empty()) {
    state.SkipWithError("RXGATE_TEST_DSN is not set (deploy/pg.sh dsn)");
    return;
  }
  const auto method = state.range(0) == 2   ? store::insert_method::pipeline
                      : state.range(0) == 1 ? store::insert_method::copy
                                            : store::insert_method::unnest;
  const auto n = static_cast<std::size_t>(state.range(1));
  const bool accumulators = state.range(2) != 0;
  store::store_options o;
  o.dsn = bench_dsn;
  o.method = method;
  auto s = store::open_store(o);
  static long long serial = 0;
  claim_set set;
  // One batch outside the measurement: connects, prepares, warms the caches.
  make_batch(set, n, serial, accumulators);
  {
    std::unique_ptr<store::batch> b;
    if (auto e = s->begin(b); e || b->load_history(set.entries) || b->insert(set.entries) || b->commit()) {
      state.SkipWithError("warm-up batch failed (is the database migrated and reachable?)");
      return;
    }
  }
  pqxx::connection admin(bench_dsn);
  const int backend = writer_pid(admin);
  const int postmaster = backend ? parent_of(backend) : 0;
  if (!backend || !postmaster) {
    state.SkipWithError("cannot find the writer's backend (PostgreSQL must run on this machine)");
    return;
  }
  const long long backend_before = cpu_ticks(backend);
  const long long cluster_before = cluster_ticks(postmaster);
  double commit_seconds = 0, batch_seconds = 0, history_seconds = 0, insert_seconds = 0;
  std::size_t claims = 0;
  for (auto _ : state) {
    state.PauseTiming();
    make_batch(set, n, serial, accumulators);
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<store::batch> b;
    store::error e = s->begin(b);
    if (!e) e = b->load_history(set.entries);
    const auto loaded = std::chrono::steady_clock::now();
    bool committed = false;
    // The pipeline method commits with the insert (as the batcher calls it): commit_us is 0.
    if (!e) e = method == store::insert_method::pipeline ? b->insert_and_commit(set.entries, committed)
                                                         : b->insert(set.entries);
    const auto before_commit = std::chrono::steady_clock::now();
    if (!e && !committed) e = b->commit();
    const auto end = std::chrono::steady_clock::now();
    if (e) {
      state.SkipWithError(e.message.c_str());
      return;
    }
    for (const auto& x : set.entries) {
      if (x.conflict) {
        state.SkipWithError("unexpected key conflict");
        return;
      }
    }
    commit_seconds += std::chrono::duration<double>(end - before_commit).count();
    history_seconds += std::chrono::duration<double>(loaded - start).count();
    insert_seconds += std::chrono::duration<double>(before_commit - loaded).count();
    batch_seconds += std::chrono::duration<double>(end - start).count();
    claims += n;
  }
  const double tick_us = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double iterations = static_cast<double>(state.iterations());
  state.counters["claims/s"] = benchmark::Counter(static_cast<double>(claims), benchmark::Counter::kIsRate);
  state.counters["commit_us"] = commit_seconds * 1e6 / iterations;
  state.counters["batch_us"] = batch_seconds * 1e6 / iterations;
  state.counters["history_us"] = history_seconds * 1e6 / iterations;
  state.counters["insert_us"] = insert_seconds * 1e6 / iterations;
  state.counters["pg_backend_us"] =
      static_cast<double>(cpu_ticks(backend) - backend_before) * tick_us / static_cast<double>(claims);
  state.counters["pg_all_us"] =
      static_cast<double>(cluster_ticks(postmaster) - cluster_before) * tick_us / static_cast<double>(claims);
  state.SetLabel(std::string(method == store::insert_method::pipeline ? "pipeline"
                             : method == store::insert_method::copy   ? "copy"
                                                                      : "unnest") +
                 (accumulators ? " accumulators" : ""));
}

BENCHMARK(BM_StoreBatch)
    ->ArgNames({"method", "batch", "acc"})  // method: 0 unnest, 1 copy, 2 pipeline
    ->ArgsProduct({{0, 1, 2}, {1, 2, 8, 10, 64, 100, 500}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (const char* env = std::getenv("RXGATE_TEST_DSN"); env && *env) {
    try {
      pqxx::connection admin(env);
      {
        pqxx::nontransaction n(admin);
        n.exec("DROP DATABASE IF EXISTS rxgate_bench");
        n.exec("CREATE DATABASE rxgate_bench");
      }
      std::string dsn = "dbname=rxgate_bench";
      if (admin.hostname()) dsn += std::string(" host=") + admin.hostname();
      if (admin.port()) dsn += std::string(" port=") + admin.port();
      if (admin.username()) dsn += std::string(" user=") + admin.username();
      std::string report;
      if (auto e = store::migrate(dsn, report)) {
        std::fprintf(stderr, "migrate: %s\n", e.message.c_str());
        return 1;
      }
      bench_dsn = dsn;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cannot prepare the bench database: %s\n", e.what());
      return 1;
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
