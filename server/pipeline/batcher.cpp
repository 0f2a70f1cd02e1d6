// The batch worker: group commit of adjudicated claims (DESIGN.md §3, sql/store.h).
#include "server/pipeline/batcher.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unordered_set>

#include "codec/response.h"
#include "rules/adjudicate.h"
#include "rules/transmission.h"
#include "server/core/log.h"

namespace rxgate::server {
namespace {

using namespace codec::literals;

codec::date today_utc() noexcept {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return codec::date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

std::string_view transaction_label(std::string_view code) noexcept {
  if (code == "B1" || code == "B2" || code == "B3" || code == "E1") return code;
  return "other";
}

// The idempotency key of DESIGN.md §3; two transactions with the same key never share a batch
// nor run in two concurrent batches, so the second always sees the first through the database.
std::string claim_key(const codec::claim& c) {
  std::string k;
  k.reserve(80);
  k.append(c.bin).append("|").append(c.pcn).append("|").append(c.provider_id_qualifier).append("|");
  k.append(c.provider_id).append("|").append(c.rx_number).append("|");
  k.append(std::to_string(c.fill_number.value_or(-1))).append("|");
  k.append(std::to_string(c.date_of_service.days()));
  return k;
}

bool has_syntax_rejects(const transmission& t, const codec::claim& c) noexcept {
  return t.validation.transmission_rejected || !c.rejects.empty();
}

bool keyed(const transmission& t, const codec::claim& c) noexcept {
  return !has_syntax_rejects(t, c) && !c.is_eligibility();
}

}  // namespace

bool provider_scope::allows(std::string_view provider_id) const noexcept {
  if (!providers) return true;
  return std::find(providers->begin(), providers->end(), provider_id) != providers->end();
}

bool transmission::try_take() noexcept {
  auto expected = state::queued;
  return status.compare_exchange_strong(expected, state::taken);
}
bool transmission::try_expire() noexcept {
  auto expected = state::queued;
  return status.compare_exchange_strong(expected, state::expired);
}

void prepare(transmission& t, const provider_scope& scope) noexcept {
  auto err = codec::decode(t.request, t.message);
  if (!err && t.message.kind != codec::message_kind::request)
    err = codec::decode_error{codec::errc::unknown_kind, 0};
  if (err) {
    codec::validate_decode_failure(t.message, err, t.request, t.validation);
    t.validation.transmission_rejected = true;
    return;
  }
  codec::validate(t.message, t.validation);
  if (t.validation.transmission_rejected) return;
  for (std::uint8_t i = 0; i < t.validation.claim_count; ++i) {
    auto& c = t.validation.claims[i];
    if (!scope.allows(c.provider_id)) {
      // 50 Non-Matched Pharmacy Number: the certificate may not bill for this provider.
      c.rejects.push("50", "B1"_fid);
      ++t.identity_rejects;
    }
  }
}

void build_host_reject(transmission& t, std::string_view code) noexcept {
  codec::response r;
  rules::respond_host_reject(t.message, t.validation, code, r);
  for (std::uint8_t i = 0; i < r.transaction_count; ++i) t.statuses[i] = 'R';
  if (!rules::write_response(r, t.response)) t.response.clear();
}

std::uint8_t authorization_numbers::next(std::array<char, 20>& out) noexcept {
  using namespace std::chrono;
  const auto now_ms = static_cast<std::uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  const std::uint64_t floor = now_ms << 10;
  std::uint64_t prev = last_.load(std::memory_order_relaxed);
  std::uint64_t value = 0;
  do {
    value = std::max(prev + 1, floor);
  } while (!last_.compare_exchange_weak(prev, value, std::memory_order_relaxed));
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%03u%016llu", static_cast<unsigned>(node_ % 1000),
                              static_cast<unsigned long long>(value % 10'000'000'000'000'000ULL));
  const auto len = static_cast<std::uint8_t>(std::min<int>(n, 20));
  std::copy_n(buf, len, out.begin());
  std::fill(out.begin() + len, out.end(), '\0');
  return len;
}

batcher::batcher(batcher_options options, store::claim_store& store, plan_source plans, metrics& m)
    : batcher(options, std::vector<store::claim_store*>{&store}, std::move(plans), m) {}

batcher::batcher(batcher_options options, std::vector<store::claim_store*> stores, plan_source plans, metrics& m)
    : options_(options), plans_(std::move(plans)), metrics_(m), authorizations_(options.node_id) {
  workers_.reserve(stores.size());
  for (auto* s : stores) workers_.emplace_back([this, s] { run(*s); });
}

batcher::~batcher() { stop(); }

batcher::submit_result batcher::submit(std::shared_ptr<transmission> t) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return submit_result::stopped;
    if (queue_.size() >= options_.max_queue) return submit_result::full;
    queue_.push_back(std::move(t));
    ++generation_;
  }
  wake_.notify_one();
  return submit_result::queued;
}

void batcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ++generation_;
  }
  wake_.notify_all();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
}

std::size_t batcher::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void batcher::take(std::vector<std::shared_ptr<transmission>>& jobs, std::vector<std::string>& keys) {
  // Claim keys start with 'k', members with 'm'. A transmission waits (stays queued) when one of
  // its keys belongs to another worker's batch in flight or to a transmission left waiting in
  // this pass (so one key's transactions keep their order), or when one of its claim keys is
  // already in this batch: the second transaction under a key must see the first one's
  // committed row (duplicate D, reversal A, 83). Members may repeat within a batch (the batch
  // folds earlier fills in), not across concurrent batches.
  std::unordered_set<std::string> mine, waiting;
  std::vector<std::shared_ptr<transmission>> left;
  std::vector<std::string> job_keys;
  std::size_t transactions = 0;
  while (!queue_.empty()) {
    auto& next = queue_.front();
    if (next->status.load() != transmission::state::queued) {  // its owner already answered it
      queue_.pop_front();
      continue;
    }
    const std::size_t n = next->validation.claim_count;
    if (!jobs.empty() && transactions + n > options_.max_batch) break;
    job_keys.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& c = next->validation.claims[i];
      if (!keyed(*next, c)) continue;
      job_keys.push_back("k" + claim_key(c));
      std::string m = "m";
      m.append(c.bin).append("|").append(c.cardholder_id);
      job_keys.push_back(std::move(m));
    }
    bool wait = false;
    for (const auto& k : job_keys) {
      if (busy_keys_.contains(k) || waiting.contains(k) || (k[0] == 'k' && mine.contains(k))) {
        wait = true;
        break;
      }
    }
    auto job = std::move(next);
    queue_.pop_front();
    if (wait) {
      for (auto& k : job_keys) waiting.insert(std::move(k));
      left.push_back(std::move(job));
      continue;
    }
    if (!job->try_take()) continue;
    for (auto& k : job_keys) {
      if (k[0] == 'k') mine.insert(k);
      keys.push_back(std::move(k));
    }
    transactions += n;
    jobs.push_back(std::move(job));
  }
  queue_.insert(queue_.begin(), std::make_move_iterator(left.begin()), std::make_move_iterator(left.end()));
  for (const auto& k : keys) busy_keys_.insert(k);
}

void batcher::run(store::claim_store& store) {
  std::vector<std::shared_ptr<transmission>> jobs;
  std::vector<std::string> keys;
  bool db_failing = false;
  for (;;) {
    jobs.clear();
    keys.clear();
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (queue_.empty()) {
          if (stopping_) {
            stopped_ = true;  // stopping and drained
            return;
          }
          const auto seen = generation_;
          wake_.wait(lock, [&] { return generation_ != seen; });
          continue;
        }
        take(jobs, keys);
        if (!jobs.empty()) break;
        if (queue_.empty()) continue;
        // Everything queued waits for another worker's batch: sleep until one ends (or more
        // arrives).
        const auto seen = generation_;
        wake_.wait(lock, [&] { return generation_ != seen; });
      }
    }
    std::int64_t in_flight = 0;
    for (const auto& job : jobs) in_flight += job->validation.claim_count;
    metrics_.batch_in_flight.fetch_add(in_flight, std::memory_order_relaxed);
    process(jobs, store, db_failing);
    for (auto& job : jobs) {
      auto done = std::move(job->done);
      if (done) done(std::move(job));
    }
    metrics_.batch_in_flight.fetch_sub(in_flight, std::memory_order_relaxed);
    if (!keys.empty()) {
      {
        std::lock_guard lock(mutex_);
        for (const auto& k : keys) busy_keys_.erase(k);
        ++generation_;
      }
      wake_.notify_all();
    }
  }
}

void batcher::process(std::vector<std::shared_ptr<transmission>>& jobs, store::claim_store& store, bool& db_failing) {
  const auto started = std::chrono::steady_clock::now();
  const auto plans = plans_ ? plans_() : nullptr;
  const codec::date today = today_utc();

  // Entries: the transactions that need the rules first (load_history reads only those), then
  // the syntax rejects, which are recorded but never adjudicated.
  struct origin {
    transmission* job;
    std::uint8_t index;
  };
  std::vector<store::batch_entry> entries;
  std::vector<origin> origins;
  std::size_t total = 0;
  for (auto& j : jobs) total += j->validation.claim_count;
  entries.reserve(total);
  origins.reserve(total);
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& j : jobs) {
      for (std::uint8_t i = 0; i < j->validation.claim_count; ++i) {
        const auto& c = j->validation.claims[i];
        if (has_syntax_rejects(*j, c) != (pass == 1)) continue;
        auto& e = entries.emplace_back();
        e.claim = &c;
        e.request_bytes = j->request;
        e.source = j->source;
        origins.push_back({j.get(), i});
      }
    }
  }
  std::size_t rule_count = 0;
  while (rule_count < entries.size() && !has_syntax_rejects(*origins[rule_count].job, *entries[rule_count].claim))
    ++rule_count;

  auto fail_batch = [&](const store::error& err, std::string_view stage) {
    const std::string_view code = err.code == store::errc::unavailable ? "92" : "99";
    const char* kind = "internal";
    switch (err.code) {
      case store::errc::unavailable: kind = "unavailable"; break;
      case store::errc::timeout: kind = "timeout"; break;
      case store::errc::conflict: kind = "conflict"; break;
      case store::errc::schema: kind = "schema"; break;
      case store::errc::invalid: kind = "invalid"; break;
      default: break;
    }
    metrics_.db_errors.inc({kind});
    if (!db_failing) {
      log::error("db_error").str("stage", stage).str("kind", kind).str("message", err.message)
          .num("transactions", static_cast<std::int64_t>(entries.size()));
    }
    db_failing = true;
    for (auto& j : jobs) {
      j->probe_ok = false;
      if (j->probe) continue;
      build_host_reject(*j, code);
      const std::uint8_t n = std::max<std::uint8_t>(1, j->validation.claim_count);
      metrics_.host_rejects.inc({code, kind}, n);
      metrics_.rejects.inc({code}, n);
      for (std::uint8_t i = 0; i < j->validation.claim_count; ++i) {
        const auto& c = j->validation.claims[i];
        metrics_.claims.inc({transaction_label(c.transaction_code), "R"});
        metrics_.claims_by_plan.inc({c.bin, c.pcn, "R"});
      }
    }
  };

  std::unique_ptr<store::batch> batch;
  if (auto err = store.begin(batch)) return fail_batch(err, "begin");
  if (!plans && rule_count > 0) {
    return fail_batch(store::error{store::errc::internal, "no plans loaded"}, "plans");
  }

  std::span<store::batch_entry> rule_entries(entries.data(), rule_count);
  if (rule_count > 0) {
    if (auto err = batch->load_history(rule_entries)) return fail_batch(err, "load_history");
  }

  // Fills paid earlier in this batch for the same member, newest first, prepended to what the
  // database returned: transactions in one batch see each other (DESIGN.md §3).
  std::vector<std::vector<rules::prior_fill>> overlay(rule_count);
  auto adjudicate_entry = [&](std::size_t i) {
    auto& e = entries[i];
    const auto& c = *e.claim;
    std::vector<rules::prior_fill> earlier;
    for (std::size_t k = i; k-- > 0;) {
      const auto& o = entries[k];
      if (rules::is_history_for(*o.claim, o.decision, c)) earlier.push_back(rules::fill_of(*o.claim, o.decision, o.claim_id));
    }
    rules::member_history history = e.history;
    if (!earlier.empty()) {
      overlay[i] = std::move(earlier);
      overlay[i].insert(overlay[i].end(), e.history.fills.begin(), e.history.fills.end());
      history.fills = overlay[i];
    }
    rules::decide_transaction(c, *plans, history, today, authorizations_, e.decision);
  };
  for (std::size_t i = 0; i < rule_count; ++i) {
    // Memory hints two and one claims ahead (rules/adjudicate.h); they never change a decision.
    if (i + 2 < rule_count) rules::prefetch(*entries[i + 2].claim, *plans, 0);
    if (i + 1 < rule_count) rules::prefetch(*entries[i + 1].claim, *plans, 1);
    adjudicate_entry(i);
  }
  for (std::size_t i = rule_count; i < entries.size(); ++i) {
    rules::decide_unusable(origins[i].job->validation, *entries[i].claim, entries[i].decision);
  }

  // Responses: one per transmission, all its transactions together.
  auto build = [&](transmission& t) {
    codec::response r;
    rules::respond_header(t.message, t.validation, r);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (origins[i].job != &t) continue;
      const auto k = origins[i].index;
      rules::respond_transaction(*entries[i].claim, entries[i].decision, k, r);
      t.statuses[k] = entries[i].decision.status;
    }
    if (!rules::write_response(r, t.response)) {
      // Cannot happen with the 16 KiB buffer; answer something well-formed all the same.
      build_host_reject(t, "99");
    }
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (origins[i].job == &t) entries[i].response_bytes = t.response;
  };
  for (auto& j : jobs)
    if (!j->probe) build(*j);

  if (!entries.empty()) {
    if (auto err = batch->insert(entries)) return fail_batch(err, "insert");
  }

  // Another node committed a paid claim under the same key meanwhile: decide those again
  // against what is now in the database, and insert them again.
  for (int round = 0; round < 3; ++round) {
    std::vector<std::size_t> conflicted;
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (entries[i].conflict) conflicted.push_back(i);
    if (conflicted.empty()) break;
    if (round == 2) return fail_batch(store::error{store::errc::conflict, "claim key conflicts did not settle"}, "conflict");
    std::vector<store::batch_entry> retry;
    retry.reserve(conflicted.size());
    for (auto i : conflicted) {
      auto& e = retry.emplace_back();
      e.claim = entries[i].claim;
      e.request_bytes = entries[i].request_bytes;
      e.source = entries[i].source;
    }
    if (auto err = batch->load_history(retry)) return fail_batch(err, "load_history");
    for (std::size_t k = 0; k < conflicted.size(); ++k) {
      auto& e = entries[conflicted[k]];
      e.history = retry[k].history;
      e.conflict = false;
      e.decision = rules::decision{};
      adjudicate_entry(conflicted[k]);
      retry[k].decision = e.decision;
    }
    std::unordered_set<transmission*> touched;
    for (auto i : conflicted) touched.insert(origins[i].job);
    for (auto* t : touched) build(*t);
    for (std::size_t k = 0; k < conflicted.size(); ++k) retry[k].response_bytes = entries[conflicted[k]].response_bytes;
    if (auto err = batch->insert(retry)) return fail_batch(err, "insert");
    for (std::size_t k = 0; k < conflicted.size(); ++k) {
      entries[conflicted[k]].claim_id = retry[k].claim_id;
      entries[conflicted[k]].conflict = retry[k].conflict;
    }
  }

  if (auto err = batch->commit()) return fail_batch(err, "commit");

  if (!entries.empty()) {  // readiness probes alone are not batches of claims
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.batch_commit.observe(seconds);
    metrics_.batch_size.observe(static_cast<double>(entries.size()));
    metrics_.batches.fetch_add(1, std::memory_order_relaxed);
  }
  if (db_failing) {
    log::info("db_recovered").num("transactions", static_cast<std::int64_t>(entries.size()));
    db_failing = false;
  }
  for (auto& j : jobs) j->probe_ok = true;

  // Counters: summed per label set over the batch, then one increment (one lock) per set.
  struct tally {
    std::string_view a, b;
    char status;
    std::uint64_t n;
  };
  std::vector<tally> by_transaction, by_plan, by_code;
  auto count = [](std::vector<tally>& v, std::string_view a, std::string_view b, char status) {
    for (auto& t : v)
      if (t.status == status && t.a == a && t.b == b) return void(++t.n);
    v.push_back({a, b, status, 1});
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const auto& c = *e.claim;
    const char status[2] = {e.decision.status, 0};
    count(by_transaction, transaction_label(c.transaction_code), {}, e.decision.status);
    count(by_plan, c.bin, c.pcn, e.decision.status);
    std::string codes;
    for (const auto& r : e.decision.rejects) {
      count(by_code, r.code_view(), {}, 0);
      if (!codes.empty()) codes += ' ';
      codes += r.code_view();
    }
    log::debug("claim")
        .num("claim_id", e.claim_id)
        .str("bin", c.bin)
        .str("pcn", c.pcn)
        .str("transaction", c.transaction_code)
        .str("status", std::string_view(status, 1))
        .str("rejects", codes);
  }
  for (const auto& t : by_transaction) {
    const char status[2] = {t.status, 0};
    metrics_.claims.inc({t.a, status}, t.n);
  }
  for (const auto& t : by_plan) {
    const char status[2] = {t.status, 0};
    metrics_.claims_by_plan.inc({t.a, t.b, status}, t.n);
  }
  for (const auto& t : by_code) metrics_.rejects.inc({t.a}, t.n);
}

}  // namespace rxgate::server
