#include "bench/load/claim.h"

#include <algorithm>
#include <cstring>

#include "codec/writer.h"
#include "rules/plan_model.h"

namespace rxgate::load {

using namespace codec::literals;

namespace {

std::string_view gender_code(int g) { return g == 1 ? "1" : g == 2 ? "2" : "0"; }

void write_patient(codec::writer& w, const scenario& s, const claim_spec& c) noexcept {
  const auto& p = *s.plan;
  const auto& m = p.members[c.member];
  const std::string_view cardholder = c.unknown_cardholder ? std::string_view(s.unknown_cardholder) : m.cardholder_id;
  w.segment(codec::segment_id::insurance);
  if (!c.omit_cardholder) w.field("C2"_fid, cardholder);
  w.field("C1"_fid, c.unknown_cardholder ? p.groups.front() : m.group);
  w.field("C3"_fid, m.person_code);
  const char rel = static_cast<char>('0' + std::clamp(m.relationship, 0, 9));
  w.field("C6"_fid, std::string_view(&rel, 1));
  if (c.transaction[1] == '2') return;  // a reversal has no patient segment
  w.segment(codec::segment_id::patient);
  w.date_field("C4"_fid, m.date_of_birth);
  w.field("C5"_fid, gender_code(m.gender));
  w.field("CA"_fid, m.first_name);
  w.field("CB"_fid, m.last_name);
}

// Prescriber and pricing segments of a billing transaction.
void write_prescriber_and_pricing(codec::writer& w, const rules::product& d, std::int64_t quantity) noexcept {
  w.segment(codec::segment_id::prescriber);
  w.field("EZ"_fid, "01");
  w.field("DB"_fid, "1234567893");
  // Submitted pricing: a plausible ingredient cost from the plan's unit price, and a U&C above it
  // so the plan's own price decides.
  const std::int64_t unit = d.awp_unit ? d.awp_unit : (d.wac_unit ? d.wac_unit : d.mac_unit);
  std::int64_t ingredient = unit * (quantity / 1000) / 1000;
  ingredient = std::clamp<std::int64_t>(ingredient, 100, 99'999'999);
  w.segment(codec::segment_id::pricing);
  w.money("D9"_fid, ingredient);
  w.money("DC"_fid, 175);
  w.money("DQ"_fid, ingredient + 175 + 1000);
  w.money("DU"_fid, ingredient + 175);
  w.field("DN"_fid, "01");
}

void write_transaction(codec::writer& w, const scenario& s, const claim_spec& c, std::size_t i) noexcept {
  const auto& d = s.plan->products[c.product[i]];
  if (!c.f6) w.group();  // F6: the one transaction follows without a group separator
  w.segment(codec::segment_id::claim);
  w.field("EM"_fid, "1");
  w.number("D2"_fid, c.rx[i], 12);
  w.field("E1"_fid, "03");
  w.field("D7"_fid, d.ndc);
  if (c.transaction[1] == '2') {
    w.field("D3"_fid, "0");
    return;
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
  write_prescriber_and_pricing(w, d, c.quantity[i]);
}

}  // namespace

std::size_t build_body(const scenario& s, const claim_spec& c, std::span<char> out) noexcept {
  const auto& p = *s.plan;
  codec::writer w(out);
  codec::request_header_values h;
  h.bin = p.bin;
  h.version = c.f6 ? "F6" : "D0";
  h.transaction_code = {c.transaction, 2};
  h.pcn = p.pcn;
  h.count = c.count;
  h.provider_id = p.pharmacies[c.pharmacy].npi;
  h.date_of_service = s.dos;
  h.software_id = "RXGLOAD";
  codec::write_request_header(w, h);
  write_patient(w, s, c);
  if (c.transaction[0] != 'E')
    for (std::size_t i = 0; i < c.count; ++i) write_transaction(w, s, c, i);
  return w.ok() ? w.size() : 0;
}

// ----- claim_source ---------------------------------------------------------------------------

std::uint64_t claim_source::splitmix::next() noexcept {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

claim_source::claim_source(const scenario& sc, const claim_mix& mix, unsigned run_id, unsigned index, unsigned threads,
                           unsigned f6_percent, std::size_t pool_capacity)
    : sc_(sc), run_id_(run_id), index_(index), threads_(std::max(1u, threads)), f6_percent_(std::min(f6_percent, 100u)),
      pool_(std::max<std::size_t>(1, pool_capacity)) {
  for (std::size_t k = 0; k < kind_count; ++k) {
    total_weight_ += mix[k];
    cumulative_[k] = total_weight_;
  }
  rng_.s = (static_cast<std::uint64_t>(run_id) << 20) ^ (index * 0x9E37ull) ^ 0x5EEDull;
}

claim_kind claim_source::pick_kind() noexcept {
  const auto pick = rng_.below(std::max<std::uint32_t>(1, total_weight_));
  std::size_t k = 0;
  while (k + 1 < kind_count && cumulative_[k] <= pick) ++k;
  return static_cast<claim_kind>(k);
}

std::uint64_t claim_source::new_rx() noexcept {
  const std::uint64_t seq = rx_sequence_++ * threads_ + index_;
  return static_cast<std::uint64_t>(run_id_) * 10'000'000ull + seq;
}

std::uint32_t claim_source::pick(const std::vector<std::uint32_t>& from) noexcept { return from[rng_.below(from.size())]; }

void claim_source::single(claim_spec& c, std::uint32_t member, std::uint32_t product, std::uint32_t pharmacy) noexcept {
  c.member = member;
  c.pharmacy = pharmacy;
  c.product[0] = product;
  c.rx[0] = new_rx();
  const auto& d = sc_.plan->products[product];
  c.days[0] = d.max_days_supply && d.max_days_supply < 30 ? d.max_days_supply : 30;
  c.quantity[0] = 30'000;
}

// Four different plain products for one member.
void claim_source::fill_multi(claim_spec& c) noexcept {
  single(c, pick(sc_.plain_members), pick(sc_.plain_products), pick(sc_.plain_pharmacies));
  c.count = 4;
  c.with_override = true;
  for (std::size_t i = 1; i < 4; ++i) {
    const auto taken = c.product.begin() + static_cast<std::ptrdiff_t>(i);
    std::uint32_t prod;
    do prod = pick(sc_.plain_products);
    while (std::find(c.product.begin(), taken, prod) != taken);
    c.product[i] = prod;
    c.rx[i] = new_rx();
    c.days[i] = 30;
    c.quantity[i] = 30'000;
  }
}

void claim_source::fill_new(claim_kind kind, claim_spec& c, expectation& e) noexcept {
  const auto& p = *sc_.plan;
  const auto plain_member = [&] { return pick(sc_.plain_members); };
  const auto plain_product = [&] { return pick(sc_.plain_products); };
  const auto plain_pharmacy = [&] { return pick(sc_.plain_pharmacies); };
  switch (kind) {
    case claim_kind::multi:
      fill_multi(c);
      e.transactions = 4;
      break;
    case claim_kind::eligibility_check:
      c.member = plain_member();
      c.pharmacy = plain_pharmacy();
      c.transaction[0] = 'E';
      e.status = 'A';
      break;
    case claim_kind::unknown_member:
      single(c, plain_member(), plain_product(), plain_pharmacy());
      c.unknown_cardholder = true;
      e = expect_reject("52");
      break;
    case claim_kind::terminated:
      single(c, pick(sc_.ended_members), plain_product(), plain_pharmacy());
      e = expect_reject("69", "68");
      break;
    case claim_kind::not_covered:
      single(c, plain_member(), pick(sc_.excluded_products), plain_pharmacy());
      e = expect_reject("70");
      break;
    case claim_kind::not_on_formulary:
      single(c, plain_member(), pick(sc_.off_formulary_products), plain_pharmacy());
      e = expect_reject("MR");
      break;
    case claim_kind::prior_auth:
      single(c, plain_member(), pick(sc_.pa_products), plain_pharmacy());
      e = expect_reject("75");
      break;
    case claim_kind::plan_limit: {
      const auto prod = pick(sc_.ql_products);
      single(c, plain_member(), prod, plain_pharmacy());
      const auto& d = p.products[prod];
      c.quantity[0] = d.quantity_limit + 1000;
      c.days[0] = std::min(30, d.quantity_limit_days);
      e = expect_reject("76");
      break;
    }
    case claim_kind::dur: {
      const auto [member, prod] = sc_.allergy_pairs[rng_.below(sc_.allergy_pairs.size())];
      single(c, member, prod, plain_pharmacy());
      e = expect_reject("88");
      break;
    }
    case claim_kind::network:
      single(c, plain_member(), plain_product(), pick(sc_.oon_pharmacies));
      e = expect_reject("40");
      break;
    case claim_kind::syntax:
      single(c, plain_member(), plain_product(), plain_pharmacy());
      c.omit_cardholder = true;
      e = expect_reject("07");
      break;
    default:  // paid (follow-ups are never new)
      single(c, plain_member(), plain_product(), plain_pharmacy());
      c.with_override = true;
      break;
  }
}

void claim_source::fill_follow_up(claim_kind kind, const paid_claim& earlier, claim_spec& c, expectation& e) noexcept {
  c = earlier.spec;
  switch (kind) {
    case claim_kind::retransmit:
      e = expect_duplicate_of({earlier.authorization.data(), earlier.authorization_length});
      break;
    case claim_kind::refill_too_soon:
      c.rx[0] = new_rx();
      c.with_override = false;
      e = expect_reject("79");
      break;
    case claim_kind::reversal:
      c.transaction[1] = '2';
      e.status = 'A';
      break;
    default:  // rebill
      c.transaction[1] = '3';
      c.quantity[0] += 30'000;
      c.days[0] = std::min(c.days[0], 30);
      break;
  }
}

bool claim_source::next(claim_spec& c, expectation& e) {
  auto kind = pick_kind();
  paid_claim earlier;
  if (is_follow_up(kind)) {
    if (pool_size_ == 0) {
      kind = claim_kind::paid;  // nothing answered yet to follow up on
    } else {
      earlier = pool_[pool_head_];
      pool_head_ = (pool_head_ + 1) % pool_.size();
      --pool_size_;
    }
  }
  if (rx_sequence_ * threads_ >= 10'000'000ull) return false;  // this run's Rx numbers are used up
  c = claim_spec{};
  e = expectation{};
  if (is_follow_up(kind)) {
    fill_follow_up(kind, earlier, c, e);
  } else {
    fill_new(kind, c, e);
    c.f6 = c.count == 1 && f6_percent_ && rng_.below(100) < f6_percent_;
  }
  e.f6 = c.f6;
  c.kind = kind;
  return true;
}

void claim_source::paid(const claim_spec& c, std::string_view authorization) noexcept {
  auto& slot = pool_[(pool_head_ + pool_size_) % pool_.size()];
  if (pool_size_ == pool_.size()) pool_head_ = (pool_head_ + 1) % pool_.size();
  else ++pool_size_;
  slot.spec = c;
  const auto auth = authorization.substr(0, slot.authorization.size());
  std::memcpy(slot.authorization.data(), auth.data(), auth.size());
  slot.authorization_length = static_cast<std::uint8_t>(auth.size());
}

}  // namespace rxgate::load
