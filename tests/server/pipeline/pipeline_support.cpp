// Test support for the pipeline tests (see pipeline_support.h).
#include "tests/server/pipeline/pipeline_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>

#include "codec/writer.h"

namespace rxgate::test {

using namespace codec::literals;

codec::date today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return codec::date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

namespace {

struct demo_person {
  std::string_view cardholder, dob, gender, first, last;
};

demo_person person(std::string_view member) {
  if (member == "DEMO1002") return {member, "19581130", "2", "MORGAN", "EXAMPLE"};
  if (member == "DEMO1003") return {member, "19851212", "1", "RILEY", "TESTCASE"};
  return {member, "19700315", "1", "ALEX", "SAMPLE"};
}

}  // namespace

std::shared_ptr<server::transmission> keyed(std::vector<keyed_claim> claims) {
  auto t = std::make_shared<server::transmission>();
  t->validation.claim_count = static_cast<std::uint8_t>(claims.size());
  for (std::size_t i = 0; i < claims.size(); ++i) {
    auto& c = t->validation.claims[i];
    c.bin = claims[i].bin;
    c.pcn = "PCN";
    c.transaction_code = claims[i].code;
    c.provider_id_qualifier = "01";
    c.provider_id = "1111111112";
    c.rx_number = claims[i].rx;
    c.fill_number = 0;
    c.date_of_service = codec::date{2026, 12, 1};
    c.cardholder_id = claims[i].cardholder;
  }
  return t;
}

namespace {

// One claim segment (B1: with quantity, fill and pricing; B2: what identifies the claim).
std::string claim_transmission(std::string_view code, std::string_view member, std::string_view rx,
                               std::string_view ndc) {
  const auto p = person(member);
  claim_spec spec;
  spec.code = code;
  spec.cardholder = p.cardholder;
  spec.date_of_birth = p.dob;
  spec.gender = p.gender;
  spec.first_name = p.first;
  spec.last_name = p.last;
  spec.rx = rx;
  spec.ndc = ndc;
  return claim_d0(spec);
}

}  // namespace

std::string claim_d0(const claim_spec& spec) {
  const bool billing = spec.code == "B1" || spec.code == "B3";
  const codec::date dos = spec.date_of_service.valid() ? spec.date_of_service : today_utc();
  std::string buf(4096, '\0');
  codec::writer w(buf);
  codec::request_header_values h;
  h.bin = spec.bin;
  h.transaction_code = spec.code;
  h.pcn = spec.pcn;
  h.count = 1;
  h.provider_id = "1111111112";
  h.date_of_service = dos;
  codec::write_request_header(w, h);
  w.segment(codec::segment_id::insurance)
      .field("C2"_fid, spec.cardholder)
      .field("C1"_fid, spec.group)
      .field("C3"_fid, spec.person_code)
      .field("C6"_fid, spec.relationship);
  if (billing)
    w.segment(codec::segment_id::patient)
        .field("C4"_fid, spec.date_of_birth)
        .field("C5"_fid, spec.gender)
        .field("CA"_fid, spec.first_name)
        .field("CB"_fid, spec.last_name);
  w.group();
  w.segment(codec::segment_id::claim).field("EM"_fid, "1").field("D2"_fid, spec.rx).field("E1"_fid, "03").field("D7"_fid, spec.ndc);
  if (!billing) {
    w.field("D3"_fid, "0");
  } else {
    w.number("E7"_fid, spec.quantity)
        .field("D3"_fid, "0")
        .number("D5"_fid, spec.days_supply)
        .field("D6"_fid, "1")
        .field("D8"_fid, "0")
        .date_field("DE"_fid, dos)
        .field("DF"_fid, "5")
        .field("DJ"_fid, "1");
    w.segment(codec::segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1234567893");
    w.segment(codec::segment_id::pricing)
        .money("D9"_fid, spec.ingredient_cost)
        .money("DC"_fid, 175)
        .money("DQ"_fid, spec.usual_customary)
        .money("DU"_fid, spec.gross_amount_due)
        .field("DN"_fid, "01");
  }
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

std::string b1(std::string_view member, std::string_view rx, std::string_view ndc) {
  return claim_transmission("B1", member, rx, ndc);
}

std::string b2(std::string_view member, std::string_view rx, std::string_view ndc) {
  return claim_transmission("B2", member, rx, ndc);
}

std::string next_rx() {
  static std::atomic<std::uint64_t> n{700000};
  return std::to_string(n.fetch_add(1));
}

std::shared_ptr<server::transmission> answers::make(std::string d0) {
  auto t = std::make_shared<server::transmission>();
  t->request = std::move(d0);
  server::prepare(*t, server::provider_scope{});
  std::size_t slot = 0;
  {
    std::lock_guard lock(mutex_);
    slot = answers_.size();
    answers_.emplace_back();
  }
  t->done = [this, slot](std::shared_ptr<server::transmission> done) {
    decoded d;
    d.bytes = done->response;
    auto message = std::make_unique<codec::message>();
    auto response = std::make_unique<codec::response>();
    std::array<char, 4096> scratch{};
    if (!codec::decode(d.bytes, *message) && codec::read_response(*message, *response, scratch)) {
      const auto& tx = response->transactions[0];
      d.status = tx.status;
      d.authorization = std::string(tx.authorization_number);
      if (tx.prior_authorization) d.pa_number = std::string(tx.prior_authorization->number);
      for (const auto& r : tx.rejects) {
        if (!d.rejects.empty()) d.rejects += ' ';
        d.rejects += r.code_view();
      }
      if (tx.price) {
        const auto& p = *tx.price;
        d.amounts = {p.patient_pay, p.total_paid, p.deductible_applied, p.accumulated_deductible,
                     p.remaining_deductible, p.remaining_benefit, p.coinsurance, p.copay};
      }
    }
    // Notified under the lock: once the waiter sees the answer, this thread no longer touches
    // `*this`, which the test may then destroy.
    std::lock_guard lock(mutex_);
    answers_[slot] = std::move(d);
    order_.push_back(slot);
    arrived_.notify_all();
  };
  return t;
}

void answers::wait_for(std::size_t n) {
  std::unique_lock lock(mutex_);
  arrived_.wait(lock, [&] { return order_.size() >= n; });
}

std::string answers::pa_number(std::size_t i) const {
  std::lock_guard lock(mutex_);
  return answers_.at(i).pa_number;
}

char answers::status(std::size_t i) const {
  std::lock_guard lock(mutex_);
  return answers_.at(i).status;
}

std::string answers::authorization(std::size_t i) const {
  std::lock_guard lock(mutex_);
  return answers_.at(i).authorization;
}

std::string answers::rejects(std::size_t i) const {
  std::lock_guard lock(mutex_);
  return answers_.at(i).rejects;
}

answered_amounts answers::amounts(std::size_t i) const {
  std::lock_guard lock(mutex_);
  return answers_.at(i).amounts;
}

std::vector<std::size_t> answers::arrival() const {
  std::lock_guard lock(mutex_);
  return order_;
}

}  // namespace rxgate::test
