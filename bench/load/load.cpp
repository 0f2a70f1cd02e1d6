#include "bench/load/load.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include <sys/resource.h>

#include "codec/decode.h"
#include "codec/response.h"
#include "codec/writer.h"
#include "rules/plan.h"
#include "rules/plan_model.h"
#include "bench/load/histogram.h"
#include "bench/load/tls_client.h"

// Expected outcomes
// -----------------
// Every claim carries its expected answer by construction (a scenario table), derived once from
// the plan snapshot the server also loads:
//   * "plain" members are covered on the date of service, have no other coverage and no
//     allergies; "plain" products are covered, on formulary, need no PA or step therapy, have no
//     quantity, days-supply, age, gender or daily-dose limit, are not specialty, have a copay
//     tier, and belong to a therapeutic class that no DUR interaction or duplicate-therapy rule
//     names; "plain" pharmacies are retail and in network. A plain claim can only pay.
//   * Paid claims (paid, multi, rebill) carry submission clarification code 420-DK set to the
//     plan's first refill-too-soon override. Their outcome then does not depend on fills the
//     database already holds (earlier runs, other connections, the order of a batch): a member
//     may get the same drug twice in flight and both pay. Without it the outcome of concurrent
//     claims for one member would depend on the order the server commits them.
//   * Follow-ups refer to a paid claim whose P answer already arrived (so it is committed), and
//     each paid claim gets at most one follow-up: a retransmit of the same bytes -> D with the
//     same authorization number; the same member and drug under a new Rx number without the
//     override -> 79; a B2 -> A; a B3 -> P.
//   * Each reject family uses a member/product/pharmacy whose only fault is that family's:
//     unknown cardholder 52, ended coverage 69/68, excluded product 70, off formulary MR, PA
//     required 75, over the quantity limit 76, allergy class 88, out of network 40, missing
//     cardholder 07. A reject answer matches when its status is R and one of the expected codes
//     is among its reject codes (others may accompany it).
// A kind the plan has no data for (no terminated member, say) is dropped from the mix with a
// notice. Rx numbers are <5-digit run id><7-digit sequence>, so reruns on the same day do not
// collide with earlier claim keys; the run id defaults to the second of the day.

namespace rxgate::server::load {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::array<std::string_view, kind_count> kind_names = {
    "paid",       "multi",       "retransmit",       "refill-too-soon", "reversal", "rebill",
    "e1",         "unknown-member", "terminated",    "not-covered",     "not-on-formulary",
    "prior-auth", "plan-limit",  "dur",              "network",         "syntax"};

}  // namespace

std::string_view to_string(claim_kind k) noexcept { return kind_names[static_cast<std::size_t>(k)]; }

std::optional<claim_kind> kind_from_string(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kind_count; ++i)
    if (kind_names[i] == name) return static_cast<claim_kind>(i);
  return std::nullopt;
}

claim_mix default_mix() noexcept {
  //   paid multi retx 79 B2 B3 E1 52 69 70 MR 75 76 88 40 07
  return {55, 5, 6, 3, 4, 3, 4, 2, 2, 2, 2, 3, 3, 2, 2, 2};
}

bool parse_mix(std::string_view spec, claim_mix& out, std::string& why) {
  claim_mix m{};
  std::size_t pos = 0;
  bool any = false;
  while (pos < spec.size()) {
    auto end = spec.find_first_of(",\n", pos);
    if (end == std::string_view::npos) end = spec.size();
    auto item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (auto hash = item.find('#'); hash != std::string_view::npos) item = item.substr(0, hash);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t' || item.front() == '\r')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t' || item.back() == '\r')) item.remove_suffix(1);
    if (item.empty()) continue;
    auto sep = item.find_first_of("= \t");
    if (sep == std::string_view::npos) {
      why = "mix entry '" + std::string(item) + "' needs kind=weight";
      return false;
    }
    auto name = item.substr(0, sep);
    auto value = item.substr(sep + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t' || value.front() == '=')) value.remove_prefix(1);
    auto kind = kind_from_string(name);
    if (!kind) {
      why = "unknown claim kind '" + std::string(name) + "' (kinds:";
      for (auto n : kind_names) why += " " + std::string(n);
      why += ")";
      return false;
    }
    unsigned w = 0;
    if (value.empty() || value.size() > 6) {
      why = "bad weight for " + std::string(name);
      return false;
    }
    for (char c : value) {
      if (c < '0' || c > '9') {
        why = "bad weight for " + std::string(name);
        return false;
      }
      w = w * 10 + static_cast<unsigned>(c - '0');
    }
    m[static_cast<std::size_t>(*kind)] = w;
    any = any || w > 0;
  }
  if (!any) {
    why = "the mix has no kind with a weight above 0";
    return false;
  }
  out = m;
  return true;
}

namespace {

using namespace codec::literals;

// ---------------------------------------------------------------------------------------------
// What the plan offers to each scenario (built once, read by every io thread).

struct scenario {
  const rules::plan* plan = nullptr;
  codec::date dos;
  std::array<char, 8> dos_text{};
  std::string override_scc;  // 420-DK value that lifts refill-too-soon
  std::string unknown_cardholder = "NOMEMBER99";
  std::vector<std::uint32_t> plain_members, ended_members;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> allergy_pairs;  // member, product
  std::vector<std::uint32_t> plain_products, excluded_products, off_formulary_products, pa_products, ql_products;
  std::vector<std::uint32_t> plain_pharmacies, oon_pharmacies;

  bool supports(claim_kind k) const noexcept {
    const bool base = !plain_members.empty() && !plain_products.empty() && !plain_pharmacies.empty();
    switch (k) {
      case claim_kind::multi: return base && plain_products.size() >= 4;
      case claim_kind::terminated: return base && !ended_members.empty();
      case claim_kind::not_covered: return base && !excluded_products.empty();
      case claim_kind::not_on_formulary: return base && !off_formulary_products.empty();
      case claim_kind::prior_auth: return base && !pa_products.empty();
      case claim_kind::plan_limit: return base && !ql_products.empty();
      case claim_kind::dur: return base && !allergy_pairs.empty();
      case claim_kind::network: return base && !oon_pharmacies.empty();
      case claim_kind::paid:
      case claim_kind::retransmit:
      case claim_kind::reversal:
      case claim_kind::rebill:
        return base && !override_scc.empty();
      case claim_kind::refill_too_soon: return base && !override_scc.empty();
      default: return base;
    }
  }
};

bool covered_on(const rules::member& m, codec::date dos) {
  if (!m.coverage_from.valid() || m.coverage_from > dos) return false;
  if (m.coverage_to.valid() && dos > m.coverage_to) return false;
  if (m.terminated_on.valid() && dos > m.terminated_on) return false;
  return true;
}

bool in_groups(const rules::plan& p, std::string_view g) {
  return std::find(p.groups.begin(), p.groups.end(), g) != p.groups.end();
}

scenario build_scenario(const rules::plan& p, codec::date dos) {
  scenario s;
  s.plan = &p;
  s.dos = dos;
  codec::format_date(dos, s.dos_text);
  if (!p.refill_override_scc.empty()) s.override_scc = std::to_string(p.refill_override_scc.front());
  while (p.first_person(s.unknown_cardholder)) s.unknown_cardholder.back() = static_cast<char>(s.unknown_cardholder.back() - 1);

  std::unordered_set<std::string_view> dur_classes;
  for (const auto& i : p.interactions) dur_classes.insert(i.class_a), dur_classes.insert(i.class_b);
  for (const auto& d : p.duplicates) dur_classes.insert(d.therapeutic_class);

  for (std::uint32_t i = 0; i < p.products.size(); ++i) {
    const auto& d = p.products[i];
    const bool restricted = d.min_age || d.max_age || d.gender || d.specialty || !d.step_prerequisites.empty() ||
                            (d.max_days_supply && d.max_days_supply < 30) || !p.copay_for_tier(d.tier) ||
                            p.find_dose_limit(d.ndc) || (!d.awp_unit && !d.mac_unit && !d.wac_unit);
    if (!d.covered) {
      if (!d.specialty) s.excluded_products.push_back(i);
      continue;
    }
    if (restricted) continue;
    if (!d.on_formulary) {
      s.off_formulary_products.push_back(i);
      continue;
    }
    if (d.pa_required) {
      if (!d.quantity_limit) s.pa_products.push_back(i);
      continue;
    }
    if (d.quantity_limit) {
      if (d.quantity_limit_days > 0) s.ql_products.push_back(i);
      continue;
    }
    if (!dur_classes.contains(d.therapeutic_class)) s.plain_products.push_back(i);
  }

  // Products a plain member may be allergic to: otherwise plain apart from their class.
  std::vector<std::pair<std::string_view, std::uint32_t>> by_class;
  for (std::uint32_t i = 0; i < p.products.size(); ++i) {
    const auto& d = p.products[i];
    if (d.covered && d.on_formulary && !d.pa_required && !d.quantity_limit && !d.min_age && !d.max_age &&
        !d.gender && !d.specialty && d.step_prerequisites.empty() && (!d.max_days_supply || d.max_days_supply >= 10) &&
        p.copay_for_tier(d.tier))
      by_class.emplace_back(d.therapeutic_class, i);
  }
  std::sort(by_class.begin(), by_class.end());

  for (std::uint32_t i = 0; i < p.members.size(); ++i) {
    const auto& m = p.members[i];
    if (!in_groups(p, m.group) || m.cardholder_id.empty()) continue;
    if (!covered_on(m, dos)) {
      if (m.coverage_from.valid() && m.coverage_from <= dos) s.ended_members.push_back(i);
      continue;
    }
    if (m.other_coverage_index >= 0) continue;
    if (!m.allergy_classes.empty()) {
      if (s.allergy_pairs.size() < 4096) {
        for (auto cls : m.allergy_classes) {
          auto it = std::lower_bound(by_class.begin(), by_class.end(), std::pair<std::string_view, std::uint32_t>{cls, 0});
          if (it != by_class.end() && it->first == cls) {
            s.allergy_pairs.emplace_back(i, it->second);
            break;
          }
        }
      }
      continue;
    }
    if (!m.date_of_birth.valid()) continue;
    s.plain_members.push_back(i);
  }

  for (std::uint32_t i = 0; i < p.pharmacies.size(); ++i) {
    const auto& ph = p.pharmacies[i];
    if (!ph.in_network) s.oon_pharmacies.push_back(i);
    else if (!ph.specialty && !ph.mail_order) s.plain_pharmacies.push_back(i);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// One claim to send and the answer it must get.

struct claim_spec {
  claim_kind kind = claim_kind::paid;
  char transaction[2] = {'B', '1'};
  std::uint8_t count = 1;
  bool with_override = false;
  bool omit_cardholder = false;
  bool unknown_cardholder = false;
  std::uint32_t member = 0, pharmacy = 0;
  std::array<std::uint32_t, 4> product{};
  std::array<std::uint64_t, 4> rx{};
  std::array<std::int64_t, 4> quantity{};  // thousandths
  std::array<int, 4> days{};
};

struct expectation {
  char status = 'P';
  std::uint8_t transactions = 1;
  std::array<std::array<char, 2>, 2> codes{};  // one of these reject codes must be present
  std::uint8_t code_count = 0;
  std::array<char, 20> authorization{};        // a retransmit must get the original's
  std::uint8_t authorization_length = 0;
};

struct paid_claim {  // the pool of follow-up candidates
  claim_spec spec;
  std::array<char, 20> authorization{};
  std::uint8_t authorization_length = 0;
};

std::string_view gender_code(int g) {
  return g == 1 ? "1" : g == 2 ? "2" : "0";
}

// Builds the D.0 body of `c` into `out`; returns its size (0 if it did not fit).
std::size_t build_body(const scenario& s, const claim_spec& c, std::span<char> out) {
  const auto& p = *s.plan;
  codec::writer w(out);
  const auto& m = p.members[c.member];
  const auto& ph = p.pharmacies[c.pharmacy];
  codec::request_header_values h;
  h.bin = p.bin;
  h.transaction_code = {c.transaction, 2};
  h.pcn = p.pcn;
  h.count = c.count;
  h.provider_id = ph.npi;
  h.date_of_service = s.dos;
  h.software_id = "RXGLOAD";
  codec::write_request_header(w, h);

  const std::string_view cardholder = c.unknown_cardholder ? std::string_view(s.unknown_cardholder) : m.cardholder_id;
  w.segment(codec::segment_id::insurance);
  if (!c.omit_cardholder) w.field("C2"_fid, cardholder);
  w.field("C1"_fid, c.unknown_cardholder ? p.groups.front() : m.group);
  w.field("C3"_fid, m.person_code);
  char rel = static_cast<char>('0' + std::clamp(m.relationship, 0, 9));
  w.field("C6"_fid, std::string_view(&rel, 1));

  const bool reversal = c.transaction[1] == '2';
  if (!reversal) {
    w.segment(codec::segment_id::patient);
    w.date_field("C4"_fid, m.date_of_birth);
    w.field("C5"_fid, gender_code(m.gender));
    w.field("CA"_fid, m.first_name);
    w.field("CB"_fid, m.last_name);
  }
  if (c.transaction[0] == 'E') return w.ok() ? w.size() : 0;

  for (std::size_t i = 0; i < c.count; ++i) {
    const auto& d = p.products[c.product[i]];
    w.group();
    w.segment(codec::segment_id::claim);
    w.field("EM"_fid, "1");
    w.number("D2"_fid, c.rx[i], 12);
    w.field("E1"_fid, "03");
    w.field("D7"_fid, d.ndc);
    if (reversal) {
      w.field("D3"_fid, "0");
      continue;
    }
    w.number("E7"_fid, static_cast<std::uint64_t>(c.quantity[i]));
    w.field("D3"_fid, "0");
    w.number("D5"_fid, static_cast<std::uint64_t>(c.days[i]));
    w.field("D6"_fid, "1");
    w.field("D8"_fid, "0");
    w.field_always("DE"_fid, {s.dos_text.data(), 8});
    w.field("DF"_fid, "5");
    w.field("DJ"_fid, "1");
    if (c.with_override) {
      w.field("NX"_fid, "1");
      w.field("DK"_fid, s.override_scc);
    }
    w.segment(codec::segment_id::prescriber);
    w.field("EZ"_fid, "01");
    w.field("DB"_fid, "1234567893");
    // Submitted pricing: a plausible ingredient cost from the plan's unit price, and a U&C
    // above it so the plan's own price decides.
    const std::int64_t unit = d.awp_unit ? d.awp_unit : (d.wac_unit ? d.wac_unit : d.mac_unit);
    std::int64_t ingredient = unit * (c.quantity[i] / 1000) / 1000;
    ingredient = std::clamp<std::int64_t>(ingredient, 100, 99'999'999);
    w.segment(codec::segment_id::pricing);
    w.money("D9"_fid, ingredient);
    w.money("DC"_fid, 175);
    w.money("DQ"_fid, ingredient + 175 + 1000);
    w.money("DU"_fid, ingredient + 175);
    w.field("DN"_fid, "01");
  }
  return w.ok() ? w.size() : 0;
}

// ---------------------------------------------------------------------------------------------

std::uint64_t now_ns(steady::time_point t0) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - t0).count());
}

struct splitmix {
  std::uint64_t s;
  std::uint64_t next() noexcept {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::size_t n) noexcept { return static_cast<std::uint32_t>(next() % n); }
};

struct shared_state {
  const options* opt = nullptr;
  const scenario* sc = nullptr;
  url_parts url;
  std::string request_head;  // "POST /path HTTP/1.1\r\nHost: ...\r\n...Content-Length: "
  std::string raw_request;   // raw mode: the whole request
  steady::time_point start{};
  std::uint64_t warmup_ns = 0, duration_ns = 0;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> answered{0}, in_flight{0}, mismatches{0}, errors{0};
  std::mutex examples_mutex;
  std::vector<std::string> examples;
  std::array<std::uint32_t, kind_count> cumulative{};  // mix as cumulative weights
  std::uint32_t total_weight = 0;
  unsigned run_id = 0;
};

class worker;

// One keep-alive TLS connection: up to `pipeline` requests in flight, answered in order.
class connection {
 public:
  connection(worker& w, asio::io_context& io, ssl::context& tls) : w_(w), stream_(io, tls) {}

  bool connect(const tcp::resolver::results_type& endpoints, const std::string& host, std::string& why);
  bool can_take() const noexcept { return open_ && in_flight_ < slots_.size(); }
  // Queue one request (already in the worker's scratch) for `intended` (ns since start).
  void send(std::string_view bytes, const claim_spec& spec, const expectation& e, std::uint64_t intended);
  void start_reading();
  void close();
  std::size_t in_flight() const noexcept { return in_flight_; }
  bool open() const noexcept { return open_; }
  bool ready_listed = false;

  struct slot {
    claim_spec spec;
    expectation expect;
    std::uint64_t intended = 0;  // ns since start: latency is measured from here
  };
  void init(std::size_t pipeline) { slots_.resize(pipeline); }

 private:
  void write_next();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void fail(const boost::system::error_code& ec);

  worker& w_;
  ssl::stream<tcp::socket> stream_;
  std::vector<slot> slots_;
  std::size_t head_ = 0, in_flight_ = 0;
  std::vector<char> writing_, pending_;
  bool write_busy_ = false, open_ = false;
  std::array<char, 64 * 1024> in_{};
  std::size_t in_used_ = 0;
};

class worker {
 public:
  worker(shared_state& s, unsigned index, unsigned threads, unsigned connections)
      : s_(s), index_(index), threads_(threads), tls_(ssl::context::tls_client), timer_(io_),
        message_(std::make_unique<codec::message>()), response_(std::make_unique<codec::response>()) {
    rng_.s = (static_cast<std::uint64_t>(s.run_id) << 20) ^ (index * 0x9E37ull) ^ 0x5EEDull;
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (s.opt->verify) {
      if (s.opt->ca_file.empty()) tls_.set_default_verify_paths();
      else tls_.load_verify_file(s.opt->ca_file);
      tls_.set_verify_mode(ssl::verify_peer);
    } else {
      tls_.set_verify_mode(ssl::verify_none);
    }
    for (unsigned i = 0; i < connections; ++i) {
      conns_.push_back(std::make_unique<connection>(*this, io_, tls_));
      conns_.back()->init(std::max(1u, s.opt->pipeline));
    }
    if (s.opt->rate > 0) rate_per_ns_ = s.opt->rate / threads / 1e9;
    if (s.opt->count) {
      limit_ = s.opt->count / threads + (index < s.opt->count % threads ? 1 : 0);
    }
    pool_.resize(1 << 14);
  }

  void connect_all(std::string& why) {
    tcp::resolver resolver(io_);
    boost::system::error_code ec;
    auto endpoints = resolver.resolve(s_.url.host, s_.url.port, ec);
    if (ec) {
      why = s_.url.host + ":" + s_.url.port + ": " + ec.message();
      return;
    }
    for (auto& c : conns_)
      if (!c->connect(endpoints, s_.url.host, why)) return;
  }

  void run() {
    for (auto& c : conns_) c->start_reading();
    for (auto& c : conns_) mark_ready(*c);
    pump();
    io_.run();
  }

  // Called by a connection that can take another request.
  void mark_ready(connection& c) {
    if (!c.ready_listed && c.can_take()) {
      c.ready_listed = true;
      ready_.push_back(&c);
    }
  }

  // Hand due requests to ready connections.
  void pump() {
    while (!done_issuing_) {
      const auto now = now_ns(s_.start);
      if (now >= s_.duration_ns && s_.duration_ns) {
        finish_issuing();
        break;
      }
      if (limit_ && issued_ >= limit_) {
        finish_issuing();
        break;
      }
      std::uint64_t intended = now;
      if (rate_per_ns_ > 0) {
        intended = static_cast<std::uint64_t>(static_cast<double>(issued_) / rate_per_ns_);
        if (intended > now) {
          arm_timer(intended);
          break;
        }
      }
      connection* c = take_ready();
      if (!c) break;
      issue(*c, intended);
    }
    maybe_finish();
  }

  void connection_closed() { maybe_finish(); }

  void on_answer(connection::slot& sl, unsigned http_status, std::string_view body, std::uint64_t done_ns);
  void on_lost(const connection::slot& sl) {
    ++unanswered_;
    s_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    (void)sl;
  }
  void transport_error() {
    ++transport_errors_;
    s_.errors.fetch_add(1, std::memory_order_relaxed);
  }

  shared_state& shared() { return s_; }

  // results
  latency_histogram histogram;
  std::array<kind_stats, kind_count> kinds{};
  std::uint64_t sent = 0, answered = 0, measured = 0, mismatches = 0, http_errors = 0, transport_errors_ = 0,
                unanswered_ = 0, paid_transactions = 0, claim_transactions = 0;
  std::string paid_log;

 private:
  connection* take_ready() {
    while (!ready_.empty()) {
      connection* c = ready_.back();
      ready_.pop_back();
      c->ready_listed = false;
      if (c->can_take()) return c;
    }
    return nullptr;
  }

  void arm_timer(std::uint64_t at_ns) {
    if (timer_armed_ && timer_at_ <= at_ns) return;
    timer_armed_ = true;
    timer_at_ = at_ns;
    timer_.expires_at(s_.start + std::chrono::nanoseconds(at_ns));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      timer_armed_ = false;
      if (!ec) pump();
    });
  }

  void finish_issuing() {
    if (done_issuing_) return;
    done_issuing_ = true;
    timer_.cancel();
    // In-flight answers may take a while; give them `drain` and then close regardless.
    drain_timer_ = std::make_unique<asio::steady_timer>(io_);
    drain_timer_->expires_after(s_.opt->drain);
    drain_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      for (auto& c : conns_) c->close();
    });
  }

  void maybe_finish() {
    if (!done_issuing_ || closing_) return;
    for (auto& c : conns_)
      if (c->open() && c->in_flight()) return;
    closing_ = true;
    if (drain_timer_) drain_timer_->cancel();
    for (auto& c : conns_) c->close();
  }

  void issue(connection& c, std::uint64_t intended);
  bool next_claim(claim_spec& spec, expectation& e);

  shared_state& s_;
  unsigned index_, threads_;
  asio::io_context io_{1};
  ssl::context tls_;
  asio::steady_timer timer_;
  std::unique_ptr<asio::steady_timer> drain_timer_;
  bool timer_armed_ = false, done_issuing_ = false, closing_ = false;
  std::uint64_t timer_at_ = 0;
  std::vector<std::unique_ptr<connection>> conns_;
  std::vector<connection*> ready_;
  double rate_per_ns_ = 0;
  std::uint64_t issued_ = 0, limit_ = 0;
  splitmix rng_{0};
  std::uint64_t rx_sequence_ = 0;
  // Paid claims waiting for a follow-up (FIFO ring; the oldest are dropped when it is full).
  std::vector<paid_claim> pool_;
  std::size_t pool_head_ = 0, pool_size_ = 0;
  std::array<char, 8192> body_{};
  std::vector<char> request_;
  std::unique_ptr<codec::message> message_;
  std::unique_ptr<codec::response> response_;
  std::array<char, 4096> scratch_{};
};

// ----- connection -----------------------------------------------------------------------------

bool connection::connect(const tcp::resolver::results_type& endpoints, const std::string& host, std::string& why) {
  boost::system::error_code ec;
  asio::connect(stream_.next_layer(), endpoints, ec);
  if (ec) {
    why = "connect " + host + ": " + ec.message();
    return false;
  }
  stream_.next_layer().set_option(tcp::no_delay(true), ec);
  // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
  if (!SSL_ctrl(stream_.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                const_cast<char*>(host.c_str()))) {
    why = "cannot set SNI";
    return false;
  }
  if (w_.shared().opt->verify) stream_.set_verify_callback(ssl::host_name_verification(host));
  stream_.handshake(ssl::stream_base::client, ec);
  if (ec) {
    why = "TLS handshake with " + host + ": " + ec.message();
    return false;
  }
  open_ = true;
  writing_.reserve(64 * 1024);
  pending_.reserve(64 * 1024);
  return true;
}

void connection::send(std::string_view bytes, const claim_spec& spec, const expectation& e, std::uint64_t intended) {
  auto& sl = slots_[(head_ + in_flight_) % slots_.size()];
  sl.spec = spec;
  sl.expect = e;
  sl.intended = intended;
  ++in_flight_;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  if (!write_busy_) write_next();
}

void connection::write_next() {
  if (pending_.empty() || !open_) return;
  std::swap(writing_, pending_);
  write_busy_ = true;
  asio::async_write(stream_, asio::buffer(writing_), [this](const boost::system::error_code& ec, std::size_t) {
    write_busy_ = false;
    writing_.clear();
    if (ec) return fail(ec);
    write_next();
  });
}

void connection::start_reading() {
  if (!open_) return;
  stream_.async_read_some(asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
                          [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); });
}

namespace {
bool iequals_prefix(std::string_view line, std::string_view lower_name) {
  if (line.size() < lower_name.size()) return false;
  for (std::size_t i = 0; i < lower_name.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_name[i]) return false;
  }
  return true;
}
}  // namespace

void connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec) return fail(ec);
  in_used_ += n;
  std::size_t consumed = 0;
  // Parse every complete response in the buffer (HTTP/1.1 with Content-Length).
  while (true) {
    std::string_view avail(in_.data() + consumed, in_used_ - consumed);
    const auto head_end = avail.find("\r\n\r\n");
    if (head_end == std::string_view::npos) break;
    const auto head = avail.substr(0, head_end + 2);
    unsigned status = 0;
    if (head.size() >= 12 && head.substr(0, 5) == "HTTP/") {
      const auto sp = head.find(' ');
      if (sp != std::string_view::npos && sp + 3 < head.size())
        status = static_cast<unsigned>((head[sp + 1] - '0') * 100 + (head[sp + 2] - '0') * 10 + (head[sp + 3] - '0'));
    }
    std::size_t length = 0;
    bool have_length = false;
    for (std::size_t pos = head.find("\r\n"); pos != std::string_view::npos && pos + 2 < head.size();) {
      const auto next = head.find("\r\n", pos + 2);
      const auto line = head.substr(pos + 2, next - pos - 2);
      if (iequals_prefix(line, "content-length:")) {
        have_length = true;
        for (char c : line.substr(15))
          if (c >= '0' && c <= '9') length = length * 10 + static_cast<std::size_t>(c - '0');
      }
      pos = next;
    }
    if (!status || !have_length || length > in_.size() / 2) return fail(boost::asio::error::invalid_argument);
    if (avail.size() < head_end + 4 + length) break;
    const auto body = avail.substr(head_end + 4, length);
    consumed += head_end + 4 + length;
    if (in_flight_ == 0) return fail(boost::asio::error::invalid_argument);  // an answer nobody asked for
    auto& sl = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --in_flight_;
    w_.on_answer(sl, status, body, now_ns(w_.shared().start));
  }
  if (consumed) {
    std::memmove(in_.data(), in_.data() + consumed, in_used_ - consumed);
    in_used_ -= consumed;
  }
  if (in_used_ == in_.size()) return fail(boost::asio::error::message_size);
  w_.mark_ready(*this);
  w_.pump();
  start_reading();
}

void connection::fail(const boost::system::error_code& ec) {
  if (!open_) return;
  if (ec != asio::error::operation_aborted) w_.transport_error();
  open_ = false;
  while (in_flight_) {
    w_.on_lost(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --in_flight_;
  }
  boost::system::error_code ignored;
  stream_.next_layer().close(ignored);
  w_.connection_closed();
}

void connection::close() {
  if (!open_) return;
  open_ = false;
  while (in_flight_) {
    w_.on_lost(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --in_flight_;
  }
  boost::system::error_code ignored;
  stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.next_layer().close(ignored);
}

// ----- worker -----------------------------------------------------------------------------------

bool worker::next_claim(claim_spec& c, expectation& e) {
  const auto& sc = *s_.sc;
  const auto& p = *sc.plan;
  const auto pick = rng_.below(s_.total_weight);
  std::size_t k = 0;
  while (s_.cumulative[k] <= pick) ++k;
  auto kind = static_cast<claim_kind>(k);

  const bool follow_up = kind == claim_kind::retransmit || kind == claim_kind::refill_too_soon ||
                         kind == claim_kind::reversal || kind == claim_kind::rebill;
  paid_claim earlier;
  if (follow_up) {
    if (pool_size_ == 0) {
      kind = claim_kind::paid;  // nothing answered yet to follow up on
    } else {
      earlier = pool_[pool_head_];
      pool_head_ = (pool_head_ + 1) % pool_.size();
      --pool_size_;
    }
  }
  const auto new_rx = [&] {
    const std::uint64_t seq = rx_sequence_++ * threads_ + index_;
    return static_cast<std::uint64_t>(s_.run_id) * 10'000'000ull + seq;
  };
  if (rx_sequence_ * threads_ >= 10'000'000ull) return false;  // this run's Rx numbers are used up

  c = claim_spec{};
  e = expectation{};
  c.kind = kind;
  const auto plain_member = [&] { return sc.plain_members[rng_.below(sc.plain_members.size())]; };
  const auto plain_product = [&] { return sc.plain_products[rng_.below(sc.plain_products.size())]; };
  const auto plain_pharmacy = [&] { return sc.plain_pharmacies[rng_.below(sc.plain_pharmacies.size())]; };
  const auto one = [&](std::uint32_t member, std::uint32_t product, std::uint32_t pharmacy) {
    c.member = member;
    c.pharmacy = pharmacy;
    c.product[0] = product;
    c.rx[0] = new_rx();
    const auto& d = p.products[product];
    c.days[0] = d.max_days_supply && d.max_days_supply < 30 ? d.max_days_supply : 30;
    c.quantity[0] = 30'000;
  };
  const auto reject = [&](std::string_view a, std::string_view b = {}) {
    e.status = 'R';
    e.codes[0] = {a[0], a[1]};
    e.code_count = 1;
    if (!b.empty()) e.codes[1] = {b[0], b[1]}, e.code_count = 2;
  };

  switch (kind) {
    case claim_kind::paid:
      one(plain_member(), plain_product(), plain_pharmacy());
      c.with_override = true;
      break;
    case claim_kind::multi: {
      one(plain_member(), plain_product(), plain_pharmacy());
      c.count = 4;
      c.with_override = true;
      for (std::size_t i = 1; i < 4; ++i) {
        std::uint32_t prod;
        do prod = plain_product();
        while (std::find(c.product.begin(), c.product.begin() + static_cast<std::ptrdiff_t>(i), prod) !=
               c.product.begin() + static_cast<std::ptrdiff_t>(i));
        c.product[i] = prod;
        c.rx[i] = new_rx();
        c.days[i] = 30;
        c.quantity[i] = 30'000;
      }
      e.transactions = 4;
      break;
    }
    case claim_kind::retransmit:
      c = earlier.spec;
      e.status = 'D';
      e.authorization = earlier.authorization;
      e.authorization_length = earlier.authorization_length;
      break;
    case claim_kind::refill_too_soon:
      c = earlier.spec;
      c.rx[0] = new_rx();
      c.with_override = false;
      reject("79");
      break;
    case claim_kind::reversal:
      c = earlier.spec;
      c.transaction[1] = '2';
      e.status = 'A';
      break;
    case claim_kind::rebill:
      c = earlier.spec;
      c.transaction[1] = '3';
      c.quantity[0] += 30'000;
      c.days[0] = std::min(c.days[0], 30);
      break;
    case claim_kind::eligibility_check:
      c.member = plain_member();
      c.pharmacy = plain_pharmacy();
      c.transaction[0] = 'E';
      e.status = 'A';
      break;
    case claim_kind::unknown_member:
      one(plain_member(), plain_product(), plain_pharmacy());
      c.unknown_cardholder = true;
      reject("52");
      break;
    case claim_kind::terminated:
      one(sc.ended_members[rng_.below(sc.ended_members.size())], plain_product(), plain_pharmacy());
      reject("69", "68");
      break;
    case claim_kind::not_covered:
      one(plain_member(), sc.excluded_products[rng_.below(sc.excluded_products.size())], plain_pharmacy());
      reject("70");
      break;
    case claim_kind::not_on_formulary:
      one(plain_member(), sc.off_formulary_products[rng_.below(sc.off_formulary_products.size())], plain_pharmacy());
      reject("MR");
      break;
    case claim_kind::prior_auth:
      one(plain_member(), sc.pa_products[rng_.below(sc.pa_products.size())], plain_pharmacy());
      reject("75");
      break;
    case claim_kind::plan_limit: {
      const auto prod = sc.ql_products[rng_.below(sc.ql_products.size())];
      one(plain_member(), prod, plain_pharmacy());
      const auto& d = p.products[prod];
      c.quantity[0] = d.quantity_limit + 1000;
      c.days[0] = std::min(30, d.quantity_limit_days);
      reject("76");
      break;
    }
    case claim_kind::dur: {
      const auto [member, prod] = sc.allergy_pairs[rng_.below(sc.allergy_pairs.size())];
      one(member, prod, plain_pharmacy());
      reject("88");
      break;
    }
    case claim_kind::network:
      one(plain_member(), plain_product(), sc.oon_pharmacies[rng_.below(sc.oon_pharmacies.size())]);
      reject("40");
      break;
    case claim_kind::syntax:
      one(plain_member(), plain_product(), plain_pharmacy());
      c.omit_cardholder = true;
      reject("07");
      break;
  }
  c.kind = kind;
  return true;
}

void worker::issue(connection& c, std::uint64_t intended) {
  ++issued_;
  claim_spec spec;
  expectation e;
  std::size_t n = 0;
  if (s_.opt->raw) {
    c.send(s_.raw_request, spec, e, intended);
  } else {
    if (!next_claim(spec, e) || (n = build_body(*s_.sc, spec, body_)) == 0) {
      finish_issuing();
      return;
    }
    request_.assign(s_.request_head.begin(), s_.request_head.end());
    char len[24];
    const int l = std::snprintf(len, sizeof len, "%zu\r\n\r\n", n);
    request_.insert(request_.end(), len, len + l);
    request_.insert(request_.end(), body_.data(), body_.data() + n);
    c.send({request_.data(), request_.size()}, spec, e, intended);
    ++kinds[static_cast<std::size_t>(spec.kind)].sent;
  }
  ++sent;
  s_.in_flight.fetch_add(1, std::memory_order_relaxed);
  mark_ready(c);
}

void worker::on_answer(connection::slot& sl, unsigned http_status, std::string_view body, std::uint64_t done_ns) {
  ++answered;
  s_.answered.fetch_add(1, std::memory_order_relaxed);
  s_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  const std::uint64_t latency = done_ns > sl.intended ? done_ns - sl.intended : 0;
  const bool in_window = sl.intended >= s_.warmup_ns && (!s_.duration_ns || done_ns <= s_.duration_ns + 0);
  if (sl.intended >= s_.warmup_ns) histogram.record(latency);
  if (in_window) ++measured;

  auto mismatch = [&](const char* what) {
    ++mismatches;
    s_.mismatches.fetch_add(1, std::memory_order_relaxed);
    if (!s_.opt->raw) ++kinds[static_cast<std::size_t>(sl.spec.kind)].mismatches;
    std::lock_guard lock(s_.examples_mutex);
    if (s_.examples.size() < s_.opt->max_examples) s_.examples.emplace_back(what);
  };

  if (http_status != 200) {
    ++http_errors;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%s: HTTP %u", s_.opt->raw ? "raw" : std::string(to_string(sl.spec.kind)).c_str(),
                  http_status);
    mismatch(buf);
    return;
  }
  if (s_.opt->raw) return;
  auto& kst = kinds[static_cast<std::size_t>(sl.spec.kind)];
  ++kst.answered;

  auto& m = *message_;
  auto& r = *response_;
  if (auto err = codec::decode(body, m); err || m.kind != codec::message_kind::response) {
    mismatch((std::string(to_string(sl.spec.kind)) + ": the answer is not a D.0 response").c_str());
    return;
  }
  codec::read_response(m, r, scratch_);  // resets `r` itself
  claim_transactions += r.transaction_count;
  for (std::size_t i = 0; i < r.transaction_count; ++i)
    if (r.transactions[i].status == 'P') {
      ++paid_transactions;
      paid_log.append(r.transactions[i].authorization_number);
      paid_log.push_back('\n');
    }

  const auto& e = sl.expect;
  bool ok = r.transaction_count == e.transactions;
  for (std::size_t i = 0; ok && i < r.transaction_count; ++i) {
    const auto& t = r.transactions[i];
    if (t.status != e.status) ok = false;
    if (e.code_count) {
      bool found = false;
      for (std::size_t k = 0; k < e.code_count; ++k)
        found = found || t.rejects.contains({e.codes[k].data(), 2});
      ok = ok && found;
    }
    if ((e.status == 'P' || e.status == 'D') && t.authorization_number.empty()) ok = false;
    if (e.authorization_length &&
        t.authorization_number != std::string_view(e.authorization.data(), e.authorization_length))
      ok = false;
  }
  if (!ok) {
    // Kind, expected and received status and codes only: never a field value of the claim.
    std::string what(to_string(sl.spec.kind));
    what += ": expected ";
    what += std::to_string(e.transactions) + "x " + e.status;
    for (std::size_t k = 0; k < e.code_count; ++k) what += (k ? "|" : " ") + std::string(e.codes[k].data(), 2);
    if (e.authorization_length) what += " (original authorization)";
    what += ", got header " + std::string(1, r.header_status) + " " + std::to_string(r.transaction_count) + "x";
    for (std::size_t i = 0; i < r.transaction_count; ++i) {
      const auto& t = r.transactions[i];
      what += " " + std::string(1, t.status);
      for (const auto& rej : t.rejects) what += (&rej == &*t.rejects.begin() ? " " : ",") + std::string(rej.code_view());
      if (e.authorization_length && t.status == 'D') what += " (other authorization)";
    }
    mismatch(what.c_str());
    return;
  }
  // A single paid claim may be followed up on later.
  if (e.status == 'P' && e.transactions == 1 && sl.spec.kind == claim_kind::paid) {
    auto& slot = pool_[(pool_head_ + pool_size_) % pool_.size()];
    if (pool_size_ == pool_.size()) pool_head_ = (pool_head_ + 1) % pool_.size();
    else ++pool_size_;
    slot.spec = sl.spec;
    const auto auth = r.transactions[0].authorization_number.substr(0, 20);
    std::memcpy(slot.authorization.data(), auth.data(), auth.size());
    slot.authorization_length = static_cast<std::uint8_t>(auth.size());
  }
}

std::string format_latency(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.3f" : "%.1f", ms);
  return buf;
}

codec::date today_utc() {
  const auto secs = static_cast<std::int64_t>(std::time(nullptr));
  return codec::date::from_days(static_cast<std::int32_t>(secs / 86400));
}

}  // namespace

report run(const options& o) {
  shared_state s;
  s.opt = &o;
  if (!parse_https_url(o.url, s.url)) throw std::runtime_error("--url must be https://host:port/path");
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
  if (!o.raw) {
    plans = rules::load_plans(o.plans_dir);  // throws plan_error with every problem
    const rules::plan* chosen = nullptr;
    for (const auto& p : plans->plans()) {
      if (!o.plan_id.empty() ? p->id == o.plan_id : p->id == "demo") chosen = p.get();
    }
    if (!chosen && o.plan_id.empty() && !plans->plans().empty()) chosen = plans->plans().front().get();
    if (!chosen) throw std::runtime_error("no plan '" + o.plan_id + "' in " + o.plans_dir.string());
    codec::date dos = today_utc();
    if (!o.date_of_service.empty()) {
      auto d = codec::parse_date(o.date_of_service);
      if (!d) throw std::runtime_error("--date-of-service must be CCYYMMDD");
      dos = *d;
    }
    sc = build_scenario(*chosen, dos);
    s.sc = &sc;
    r.plan_id = std::string(chosen->id);
    r.date_of_service.assign(sc.dos_text.data(), 8);
    claim_mix mix = o.mix;
    for (std::size_t k = 0; k < kind_count; ++k) {
      if (mix[k] && !sc.supports(static_cast<claim_kind>(k))) {
        std::fprintf(stderr, "rxgate load: plan %s has no data for '%s' claims; left out of the mix\n",
                     r.plan_id.c_str(), std::string(kind_names[k]).c_str());
        mix[k] = 0;
      }
      s.total_weight += mix[k];
      s.cumulative[k] = s.total_weight;
    }
    if (s.total_weight == 0) throw std::runtime_error("nothing to send: no kind of the mix fits plan " + r.plan_id);
    if (o.run_id) {
      s.run_id = *o.run_id % 100000;
    } else {
      s.run_id = static_cast<unsigned>(std::time(nullptr) % 86400);
    }
    r.run_id = s.run_id;
    char prefix[8];
    std::snprintf(prefix, sizeof prefix, "%05u", s.run_id);
    r.rx_prefix = prefix;
    s.request_head = "POST " + s.url.target + " HTTP/1.1\r\nHost: " + s.url.host +
                     "\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
  } else {
    if (o.body_size == 0) {
      s.raw_request = "GET " + s.url.target + " HTTP/1.1\r\nHost: " + s.url.host + "\r\n\r\n";
    } else {
      s.raw_request = "POST " + s.url.target + " HTTP/1.1\r\nHost: " + s.url.host +
                      "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(o.body_size) +
                      "\r\n\r\n" + std::string(o.body_size, 'x');
    }
    s.total_weight = 1;
  }

  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<worker>(s, t, threads, o.connections / threads + (t < o.connections % threads ? 1 : 0)));
  for (auto& w : workers) {
    std::string why;
    w->connect_all(why);
    if (!why.empty()) throw std::runtime_error(why);
  }

  s.warmup_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(o.warmup).count());
  s.duration_ns = o.count && o.duration.count() == 0
                      ? 0
                      : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(o.duration).count());
  const auto cpu_now = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  const double cpu_before = cpu_now();  // after the plan load and the handshakes
  s.start = steady::now();
  std::vector<std::thread> io;
  std::atomic<unsigned> running{threads};
  for (auto& w : workers)
    io.emplace_back([&, wp = w.get()] {
      wp->run();
      running.fetch_sub(1);
    });

  // Progress, once a second, and the per-second series.
  std::uint64_t last = 0;
  auto next_tick = s.start + std::chrono::seconds(1);
  while (running.load() > 0) {
    std::this_thread::sleep_until(std::min(next_tick, steady::now() + std::chrono::milliseconds(50)));
    if (steady::now() < next_tick) continue;
    const auto answered = s.answered.load(std::memory_order_relaxed);
    r.per_second.push_back(answered - last);
    if (o.progress) {
      std::fprintf(stderr, "[%4zus] %8llu/s  answered %10llu  in flight %5llu  mismatches %llu  errors %llu\n",
                   r.per_second.size(), static_cast<unsigned long long>(answered - last),
                   static_cast<unsigned long long>(answered),
                   static_cast<unsigned long long>(s.in_flight.load(std::memory_order_relaxed)),
                   static_cast<unsigned long long>(s.mismatches.load(std::memory_order_relaxed)),
                   static_cast<unsigned long long>(s.errors.load(std::memory_order_relaxed)));
    }
    last = answered;
    next_tick += std::chrono::seconds(1);
  }
  for (auto& t : io) t.join();
  r.cpu_seconds = cpu_now() - cpu_before;
  if (o.rate > 0 && s.duration_ns) {
    r.scheduled = static_cast<std::uint64_t>(o.rate * static_cast<double>(s.duration_ns) / 1e9);
    if (o.count) r.scheduled = std::min(r.scheduled, o.count);
  }
  const double elapsed_s = std::chrono::duration<double>(steady::now() - s.start).count();

  latency_histogram all;
  std::string paid_log;
  for (auto& w : workers) {
    all.merge(w->histogram);
    for (std::size_t k = 0; k < kind_count; ++k) {
      r.kinds[k].sent += w->kinds[k].sent;
      r.kinds[k].answered += w->kinds[k].answered;
      r.kinds[k].mismatches += w->kinds[k].mismatches;
    }
    r.sent += w->sent;
    r.answered += w->answered;
    r.measured += w->measured;
    r.mismatches += w->mismatches;
    r.http_errors += w->http_errors;
    r.transport_errors += w->transport_errors_;
    r.unanswered += w->unanswered_;
    r.paid_transactions += w->paid_transactions;
    r.claim_transactions += w->claim_transactions;
    paid_log += w->paid_log;
  }
  r.examples = s.examples;
  const double window = s.duration_ns ? (static_cast<double>(s.duration_ns - std::min(s.duration_ns, s.warmup_ns)) / 1e9)
                                      : std::max(1e-9, elapsed_s - static_cast<double>(s.warmup_ns) / 1e9);
  r.seconds = window;
  r.throughput = window > 0 ? static_cast<double>(r.measured) / window : 0;
  r.latency.count = all.count();
  r.latency.mean_ms = all.mean() / 1e6;
  r.latency.p50_ms = static_cast<double>(all.percentile(50)) / 1e6;
  r.latency.p90_ms = static_cast<double>(all.percentile(90)) / 1e6;
  r.latency.p99_ms = static_cast<double>(all.percentile(99)) / 1e6;
  r.latency.p999_ms = static_cast<double>(all.percentile(99.9)) / 1e6;
  r.latency.max_ms = static_cast<double>(all.max()) / 1e6;

  if (!o.paid_log.empty()) {
    std::ofstream f(o.paid_log, std::ios::binary | std::ios::trunc);
    f << paid_log;
    if (!f) throw std::runtime_error("cannot write " + o.paid_log);
  }
  return r;
}

void print_table(const report& r, std::FILE* out) {
  std::fprintf(out, "\nrxgate load: %s, %s, %u connections on %u io thread(s), pipeline %u, %s\n",
               r.raw ? "raw" : "claims", r.open_loop ? "open loop" : "closed loop", r.connections, r.threads,
               r.pipeline, r.url.c_str());
  if (r.open_loop) {
    std::fprintf(out, "  target rate      %.0f/s (latency from the intended send time)\n", r.target_rate);
    if (r.scheduled > r.sent)
      std::fprintf(out, "  fell behind      %llu requests were due but not sent when the run ended (not in the figures)\n",
                   static_cast<unsigned long long>(r.scheduled - r.sent));
  }
  if (!r.raw)
    std::fprintf(out, "  plan             %s, date of service %s, run id %u (Rx numbers %s.......)\n", r.plan_id.c_str(),
                 r.date_of_service.c_str(), r.run_id, r.rx_prefix.c_str());
  std::fprintf(out, "  sent %llu  answered %llu  unanswered %llu  transport errors %llu  HTTP errors %llu  mismatches %llu\n",
               static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.answered),
               static_cast<unsigned long long>(r.unanswered), static_cast<unsigned long long>(r.transport_errors),
               static_cast<unsigned long long>(r.http_errors), static_cast<unsigned long long>(r.mismatches));
  std::fprintf(out, "  throughput       %.0f requests/s over %.1f s measured\n", r.throughput, r.seconds);
  std::fprintf(out, "  latency (ms)     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s  (%llu samples)\n",
               format_latency(r.latency.p50_ms).c_str(), format_latency(r.latency.p90_ms).c_str(),
               format_latency(r.latency.p99_ms).c_str(), format_latency(r.latency.p999_ms).c_str(),
               format_latency(r.latency.max_ms).c_str(), format_latency(r.latency.mean_ms).c_str(),
               static_cast<unsigned long long>(r.latency.count));
  std::fprintf(out, "  generator CPU    %.2f s (%.1f us per answer)\n", r.cpu_seconds,
               r.answered ? r.cpu_seconds * 1e6 / static_cast<double>(r.answered) : 0.0);
  if (!r.raw) {
    std::fprintf(out, "  transactions     %llu answered, %llu paid (P)\n",
                 static_cast<unsigned long long>(r.claim_transactions), static_cast<unsigned long long>(r.paid_transactions));
    std::fprintf(out, "  %-18s %10s %10s %10s\n", "kind", "sent", "answered", "mismatch");
    for (std::size_t k = 0; k < kind_count; ++k) {
      const auto& s = r.kinds[k];
      if (!s.sent) continue;
      std::fprintf(out, "  %-18s %10llu %10llu %10llu\n", std::string(kind_names[k]).c_str(),
                   static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.answered),
                   static_cast<unsigned long long>(s.mismatches));
    }
  }
  for (const auto& e : r.examples) std::fprintf(out, "  mismatch: %s\n", e.c_str());
  std::fprintf(out, "  result           %s\n", r.ok() ? "OK (every answer as predicted)" : "FAILED");
}

std::string to_json(const report& r) {
  std::string j;
  char buf[512];
  auto esc = [](std::string_view s) {
    std::string o;
    for (char c : s) {
      if (c == '"' || c == '\\') o.push_back('\\');
      if (static_cast<unsigned char>(c) < 0x20) continue;
      o.push_back(c);
    }
    return o;
  };
  std::snprintf(buf, sizeof buf,
                "{\"mode\":\"%s\",\"loop\":\"%s\",\"url\":\"%s\",\"connections\":%u,\"threads\":%u,\"pipeline\":%u,"
                "\"target_rate\":%.0f,",
                r.raw ? "raw" : "claims", r.open_loop ? "open" : "closed", esc(r.url).c_str(), r.connections, r.threads,
                r.pipeline, r.target_rate);
  j += buf;
  if (!r.raw) {
    std::snprintf(buf, sizeof buf, "\"plan\":\"%s\",\"date_of_service\":\"%s\",\"run_id\":%u,\"rx_prefix\":\"%s\",",
                  esc(r.plan_id).c_str(), r.date_of_service.c_str(), r.run_id, r.rx_prefix.c_str());
    j += buf;
  }
  std::snprintf(buf, sizeof buf,
                "\"seconds\":%.3f,\"scheduled\":%llu,\"sent\":%llu,\"answered\":%llu,\"measured\":%llu,\"throughput\":%.1f,"
                "\"latency_ms\":{\"count\":%llu,\"mean\":%.4f,\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p999\":%.4f,\"max\":%.4f},",
                r.seconds, static_cast<unsigned long long>(r.scheduled), static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.answered),
                static_cast<unsigned long long>(r.measured), r.throughput,
                static_cast<unsigned long long>(r.latency.count), r.latency.mean_ms, r.latency.p50_ms, r.latency.p90_ms,
                r.latency.p99_ms, r.latency.p999_ms, r.latency.max_ms);
  j += buf;
  std::snprintf(buf, sizeof buf,
                "\"mismatches\":%llu,\"http_errors\":%llu,\"transport_errors\":%llu,\"unanswered\":%llu,"
                "\"claim_transactions\":%llu,\"paid_transactions\":%llu,\"generator_cpu_s\":%.3f,\"ok\":%s,",
                static_cast<unsigned long long>(r.mismatches), static_cast<unsigned long long>(r.http_errors),
                static_cast<unsigned long long>(r.transport_errors), static_cast<unsigned long long>(r.unanswered),
                static_cast<unsigned long long>(r.claim_transactions),
                static_cast<unsigned long long>(r.paid_transactions), r.cpu_seconds, r.ok() ? "true" : "false");
  j += buf;
  j += "\"kinds\":{";
  bool first = true;
  for (std::size_t k = 0; k < kind_count; ++k) {
    const auto& s = r.kinds[k];
    if (!s.sent) continue;
    std::snprintf(buf, sizeof buf, "%s\"%s\":{\"sent\":%llu,\"answered\":%llu,\"mismatches\":%llu}", first ? "" : ",",
                  std::string(kind_names[k]).c_str(), static_cast<unsigned long long>(s.sent),
                  static_cast<unsigned long long>(s.answered), static_cast<unsigned long long>(s.mismatches));
    j += buf;
    first = false;
  }
  j += "},\"examples\":[";
  for (std::size_t i = 0; i < r.examples.size(); ++i) j += (i ? ",\"" : "\"") + esc(r.examples[i]) + "\"";
  j += "],\"per_second\":[";
  for (std::size_t i = 0; i < r.per_second.size(); ++i) j += (i ? "," : "") + std::to_string(r.per_second[i]);
  j += "]}";
  return j;
}

}  // namespace rxgate::server::load
