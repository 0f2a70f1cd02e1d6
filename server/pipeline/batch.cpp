// The steps of one batch (batch.h): gather, begin, adjudicate, respond, insert, settle
// conflicts, commit, count.
#include "server/pipeline/batch.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <unordered_set>

#include "rules/accumulators.h"
#include "rules/adjudicate.h"
#include "rules/transmission.h"
#include "server/core/log.h"

namespace rxgate::server {
namespace {

codec::date today_utc() noexcept {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return codec::date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

std::string_view transaction_label(std::string_view code) noexcept {
  if (code == "B1" || code == "B2" || code == "B3" || code == "E1" || code == "P1" || code == "P2" || code == "P3" ||
      code == "P4")
    return code;
  return "other";
}

const char* error_kind(store::errc code) noexcept {
  switch (code) {
    case store::errc::unavailable: return "unavailable";
    case store::errc::timeout: return "timeout";
    case store::errc::conflict: return "conflict";
    case store::errc::schema: return "schema";
    case store::errc::invalid: return "invalid";
    default: return "internal";
  }
}

// The fills paid earlier in this batch (entries before `i`) for the member of entry `i`, newest
// first.
std::vector<rules::prior_fill> earlier_fills(std::span<const store::batch_entry> entries, std::size_t i) {
  const auto& c = *entries[i].claim;
  std::vector<rules::prior_fill> earlier;
  for (std::size_t k = i; k-- > 0;) {
    const auto& o = entries[k];
    if (rules::is_history_for(*o.claim, o.decision, c)) earlier.push_back(rules::fill_of(*o.claim, o.decision, o.claim_id));
  }
  return earlier;
}

bool same_family(const codec::claim& a, const codec::claim& b) noexcept {
  return a.bin == b.bin && a.cardholder_id == b.cardholder_id;
}

// The accumulators entry `i` reads: what the store loaded, less the claim a rebill replaces, plus
// what the entries decided before it in this batch applied (rules::add_earlier), as earlier_fills
// does for fills.
void fold_earlier_accumulators(std::span<const store::batch_entry> entries, std::size_t i,
                               rules::accumulator_state& state) noexcept {
  if (!state.year_start.valid()) return;
  const auto& c = *entries[i].claim;
  rules::release_replaced(c, entries[i].history, true, c, state);
  for (std::size_t k = 0; k < i; ++k) {
    const auto& o = entries[k];
    rules::add_earlier(*o.claim, o.decision, c, state);
    if (o.claim->transaction_code == "B3" && o.decision.accumulator_year == state.year_start)
      rules::release_replaced(*o.claim, o.history, o.decision.status == 'P', c, state);
  }
}

bool same_claim_key(const codec::claim& a, const codec::claim& b) noexcept {
  return a.bin == b.bin && a.pcn == b.pcn && a.provider_id_qualifier == b.provider_id_qualifier &&
         a.provider_id == b.provider_id && a.rx_number == b.rx_number && a.fill_number.value_or(0) == b.fill_number.value_or(0) &&
         a.date_of_service == b.date_of_service;
}

// P transactions of one batch see each other, as claims do: a request sent twice in one batch
// answers the PA the first one files (rather than filing a second under the same key, which the
// store's unique index would refuse, failing the whole batch), and a PA cancelled earlier in the
// batch is cancelled for a later P2 (S) or P3.
void fold_earlier_prior_authorizations(std::span<const store::batch_entry> entries, std::size_t i,
                                       codec::date today, rules::member_history& h) noexcept {
  const auto& c = *entries[i].claim;
  if (!c.is_prior_authorization()) return;
  for (std::size_t k = 0; k < i; ++k) {
    const auto& o = entries[k];
    const auto& a = o.decision.pa_answer;
    if (!a || a->change == rules::pa_change::none) continue;
    if (c.is_pa_request() && a->change == rules::pa_change::request && o.claim->is_pa_request() &&
        same_claim_key(*o.claim, c)) {
      rules::prior_authorization_on_file filed;
      filed.number = a->number_view();
      filed.requested_on = today;
      filed.effective = o.claim->pa_period_begin.value_or(o.claim->date_of_service);
      filed.expires = o.claim->pa_period_end.value_or(o.claim->date_of_service);
      h.named_authorization = filed;
    } else if (!c.is_pa_request() && a->change == rules::pa_change::cancel && h.named_authorization &&
               a->record_id == h.named_authorization->id) {
      h.named_authorization->revoked = true;
    }
  }
}

}  // namespace

batch_pass::batch_pass(std::vector<std::shared_ptr<transmission>>& jobs, store::claim_store& store,
                       std::shared_ptr<const rules::plan_set> plans, metrics& m, authorization_numbers& authorizations,
                       bool& db_failing)
    : jobs_(jobs),
      store_(store),
      plans_(std::move(plans)),
      metrics_(m),
      authorizations_(authorizations),
      db_failing_(db_failing),
      today_(today_utc()) {}

void batch_pass::run() {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  gather();
  if (!begin()) return;
  const auto read = clock::now();
  adjudicate_all();
  for (auto& j : jobs_)
    if (!j->probe) respond(*j);
  const auto decided = clock::now();
  if (!record_prior_authorizations() || !insert() || !settle_conflicts() || !commit()) return;
  if (!entries_.empty()) {  // readiness probes alone are not batches of claims
    const auto written = clock::now();
    auto seconds = [](clock::duration d) { return std::chrono::duration<double>(d).count(); };
    metrics_.batch_read.observe(seconds(read - started));
    metrics_.batch_decide.observe(seconds(decided - read));
    metrics_.batch_write.observe(seconds(written - decided));
    metrics_.batch_commit.observe(seconds(written - started));
    metrics_.batch_size.observe(static_cast<double>(entries_.size()));
    metrics_.batches.fetch_add(1, std::memory_order_relaxed);
  }
  if (db_failing_) {
    log::info("db_recovered").num("transactions", static_cast<std::int64_t>(entries_.size()));
    db_failing_ = false;
  }
  for (auto& j : jobs_) j->probe_ok = true;
  count_claims();
}

// Entries: the transactions that need the rules first (load_history reads only those), then
// the syntax rejects, which are recorded but never adjudicated.
void batch_pass::gather() {
  std::size_t total = 0;
  for (auto& j : jobs_) total += j->validation.claim_count;
  entries_.reserve(total);
  origins_.reserve(total);
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& j : jobs_) {
      for (std::uint8_t i = 0; i < j->validation.claim_count; ++i) {
        const auto& c = j->validation.claims[i];
        if (has_syntax_rejects(*j, c) != (pass == 1)) continue;
        auto& e = entries_.emplace_back();
        e.claim = &c;
        e.request_bytes = j->request;
        e.source = j->source;
        origins_.push_back({j.get(), i});
      }
    }
  }
  while (rule_count_ < entries_.size() && !has_syntax_rejects(*origins_[rule_count_].job, *entries_[rule_count_].claim))
    ++rule_count_;
}

bool batch_pass::begin() {
  if (auto err = store_.begin(batch_)) return fail(err, "begin");
  if (!plans_ && rule_count_ > 0) return fail(store::error{store::errc::internal, "no plans loaded"}, "plans");
  // The plan year each claim's accumulators are read in: the store locks those families and
  // sums their year (nothing for plans without accumulators). How far back its rules read every
  // fill: the store leaves out older fills whose supply has run out.
  for (std::size_t i = 0; i < rule_count_; ++i) {
    entries_[i].accumulator_year = rules::accumulator_year(*entries_[i].claim, *plans_, today_);
    entries_[i].fill_lookback_days = rules::fill_lookback_days(*entries_[i].claim, *plans_);
  }
  if (rule_count_ > 0) {
    const std::span<store::batch_entry> ruled(entries_.data(), rule_count_);
    if (auto err = batch_->load_history(ruled)) return fail(err, "load_history");
    // P1-P4 only (no statement for a batch without one): the PA each is about, new numbers.
    if (auto err = batch_->load_prior_authorizations(ruled)) return fail(err, "load_prior_authorizations");
  }
  return true;
}

// What the P transactions decided (pending PAs filed, PAs cancelled) goes into the batch's
// transaction before its claims: both commit, or neither, before any answer is sent.
bool batch_pass::record_prior_authorizations() {
  if (rule_count_ == 0) return true;
  const std::span<const store::batch_entry> ruled(entries_.data(), rule_count_);
  if (auto err = batch_->record_prior_authorizations(ruled)) return fail(err, "record_prior_authorizations");
  return true;
}

void batch_pass::adjudicate_all() {
  overlay_.resize(rule_count_);
  for (std::size_t i = 0; i < rule_count_; ++i) {
    // Memory hints two and one claims ahead (rules/adjudicate.h); they never change a decision.
    if (i + 2 < rule_count_) rules::prefetch(*entries_[i + 2].claim, *plans_, 0);
    if (i + 1 < rule_count_) rules::prefetch(*entries_[i + 1].claim, *plans_, 1);
    adjudicate(i);
  }
  for (std::size_t i = rule_count_; i < entries_.size(); ++i) {
    rules::decide_unusable(origins_[i].job->validation, *entries_[i].claim, entries_[i].decision);
  }
}

// Transactions in one batch see each other (README.md, "The claim path"): the member's fills paid earlier in
// the batch go before what the database returned, and what earlier claims of the family applied
// counts toward the plan year's accumulators.
void batch_pass::adjudicate(std::size_t i) {
  auto& e = entries_[i];
  const auto& c = *e.claim;
  auto earlier = earlier_fills(entries_, i);
  rules::member_history history = e.history;
  fold_earlier_accumulators(entries_, i, history.accumulators);
  fold_earlier_prior_authorizations(entries_, i, today_, history);
  if (!earlier.empty()) {
    overlay_[i] = std::move(earlier);
    overlay_[i].insert(overlay_[i].end(), e.history.fills.begin(), e.history.fills.end());
    history.fills = overlay_[i];
  }
  rules::decide_transaction(c, *plans_, history, today_, authorizations_, e.decision);
}

// One response per transmission, all its transactions together.
void batch_pass::respond(transmission& t) {
  codec::response r;
  rules::respond_header(t.message, t.validation, r);
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (origins_[i].job != &t) continue;
    const auto k = origins_[i].index;
    rules::respond_transaction(*entries_[i].claim, entries_[i].decision, k, r);
    t.statuses[k] = entries_[i].decision.status;
  }
  if (!rules::write_response(r, t.response)) {
    // Cannot happen with the 16 KiB buffer; answer something well-formed all the same.
    build_host_reject(t, "99");
  }
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (origins_[i].job == &t) entries_[i].response_bytes = t.response;
}

bool batch_pass::insert() {
  if (entries_.empty()) return true;
  // Insert and commit in one round trip; an entry that lost its key leaves the batch open for
  // settle_conflicts() and commit().
  if (auto err = batch_->insert_and_commit(entries_, committed_)) return fail(err, "insert");
  return true;
}

// Another node committed a paid claim under the same key meanwhile: decide those again against
// what is now in the database, and insert them again.
bool batch_pass::settle_conflicts() {
  for (int round = 0; round < 3; ++round) {
    std::vector<std::size_t> conflicted;
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].conflict) conflicted.push_back(i);
    if (conflicted.empty()) return true;
    if (round == 2) return fail(store::error{store::errc::conflict, "claim key conflicts did not settle"}, "conflict");
    std::vector<store::batch_entry> retry;
    retry.reserve(conflicted.size());
    for (auto i : conflicted) {
      auto& e = retry.emplace_back();
      e.claim = entries_[i].claim;
      e.request_bytes = entries_[i].request_bytes;
      e.source = entries_[i].source;
      e.accumulator_year = entries_[i].accumulator_year;
      e.fill_lookback_days = entries_[i].fill_lookback_days;
    }
    if (auto err = batch_->load_history(retry)) return fail(err, "load_history");
    for (std::size_t k = 0; k < conflicted.size(); ++k) {
      auto& e = entries_[conflicted[k]];
      // The accumulators stay those of the first load: the family lock has kept other batches
      // out since, and a load inside this transaction would count this batch's own rows, which
      // adjudicate() adds from the entries themselves.
      const auto accumulators = e.history.accumulators;
      const auto applied = e.decision.accumulated;
      const auto year = e.decision.accumulator_year;
      e.history = retry[k].history;
      e.history.accumulators = accumulators;
      e.conflict = false;
      e.decision = rules::decision{};
      adjudicate(conflicted[k]);
      retry[k].decision = e.decision;
      if (!(e.decision.accumulated == applied && e.decision.accumulator_year == year) && family_decided_after(conflicted[k]))
        return fail(store::error{store::errc::conflict, "a claim key conflict changed what later claims of its family read"},
                    "conflict");
    }
    std::unordered_set<transmission*> touched;
    for (auto i : conflicted) touched.insert(origins_[i].job);
    for (auto* t : touched) respond(*t);
    for (std::size_t k = 0; k < conflicted.size(); ++k) retry[k].response_bytes = entries_[conflicted[k]].response_bytes;
    if (auto err = batch_->insert(retry)) return fail(err, "insert");
    for (std::size_t k = 0; k < conflicted.size(); ++k) {
      entries_[conflicted[k]].claim_id = retry[k].claim_id;
      entries_[conflicted[k]].conflict = retry[k].conflict;
    }
  }
  return true;
}

// With the family lock (sql/store.h) another node cannot pay or reverse a claim of a family this
// batch holds, so a key conflict comes from a claim of another family under the same key (or a
// lock-hash collision never involved) and leaves the accumulators alone. Should a re-decided
// entry still change what it applied while a later entry of its family and plan year in this
// batch has read it, that later decision (already written) would rest on a wrong sum: the batch
// is failed with a host reject instead, nothing of it is committed, and a retransmit is
// adjudicated afresh.
bool batch_pass::family_decided_after(std::size_t i) const {
  const auto& c = *entries_[i].claim;
  for (std::size_t k = i + 1; k < rule_count_; ++k) {
    const auto& later = entries_[k];
    if (later.history.accumulators.year_start.valid() && same_family(*later.claim, c)) return true;
  }
  return false;
}

bool batch_pass::commit() {
  if (committed_) return true;
  if (auto err = batch_->commit()) return fail(err, "commit");
  return true;
}

// Counters: summed per label set over the batch, then one increment (one lock) per set.
void batch_pass::count_claims() {
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
  for (const auto& e : entries_) {
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

bool batch_pass::fail(const store::error& err, std::string_view stage) {
  const std::string_view code = err.code == store::errc::unavailable ? "92" : "99";
  const char* kind = error_kind(err.code);
  metrics_.db_errors.inc({kind});
  if (!db_failing_) {
    log::error("db_error").str("stage", stage).str("kind", kind).str("message", err.message)
        .num("transactions", static_cast<std::int64_t>(entries_.size()));
  }
  db_failing_ = true;
  for (auto& j : jobs_) {
    j->probe_ok = false;
    if (j->probe) {
      j->probe_error = err.message;
      continue;
    }
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
  return false;
}

}  // namespace rxgate::server
