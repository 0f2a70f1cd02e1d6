// Test support for the pipeline tests (see pipeline_support.h).
#include "tests/server/pipeline/pipeline_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <ctime>

#include "codec/writer.h"

namespace rxgate::test {

using namespace codec::literals;

namespace {

codec::date today() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return codec::date{static_cast<std::int16_t>(tm.tm_year + 1900), static_cast<std::uint8_t>(tm.tm_mon + 1),
                     static_cast<std::uint8_t>(tm.tm_mday)};
}

struct demo_person {
  std::string_view cardholder, dob, gender, first, last;
};

demo_person person(std::string_view member) {
  if (member == "DEMO1002") return {member, "19581130", "2", "MORGAN", "EXAMPLE"};
  if (member == "DEMO1003") return {member, "19851212", "1", "RILEY", "TESTCASE"};
  return {member, "19700315", "1", "ALEX", "SAMPLE"};
}

void write_header(codec::writer& w, std::string_view code, std::string_view member, bool with_patient) {
  codec::request_header_values h;
  h.bin = "610999";
  h.transaction_code = code;
  h.pcn = "RXGDEMO";
  h.count = 1;
  h.provider_id = "1111111112";
  h.date_of_service = today();
  codec::write_request_header(w, h);
  const auto p = person(member);
  w.segment(codec::segment_id::insurance)
      .field("C2"_fid, p.cardholder)
      .field("C1"_fid, "DEMO01")
      .field("C3"_fid, "001")
      .field("C6"_fid, "1");
  if (with_patient)
    w.segment(codec::segment_id::patient)
        .field("C4"_fid, p.dob)
        .field("C5"_fid, p.gender)
        .field("CA"_fid, p.first)
        .field("CB"_fid, p.last);
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
  const bool billing = code == "B1";
  std::string buf(4096, '\0');
  codec::writer w(buf);
  write_header(w, code, member, billing);
  w.group();
  w.segment(codec::segment_id::claim).field("EM"_fid, "1").field("D2"_fid, rx).field("E1"_fid, "03").field("D7"_fid, ndc);
  if (!billing) {
    w.field("D3"_fid, "0");
  } else {
    w.number("E7"_fid, 30000)
        .field("D3"_fid, "0")
        .number("D5"_fid, 30)
        .field("D6"_fid, "1")
        .field("D8"_fid, "0")
        .date_field("DE"_fid, today())
        .field("DF"_fid, "5")
        .field("DJ"_fid, "1");
    w.segment(codec::segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1234567893");
    w.segment(codec::segment_id::pricing)
        .money("D9"_fid, 300)
        .money("DC"_fid, 175)
        .money("DQ"_fid, 1475)
        .money("DU"_fid, 475)
        .field("DN"_fid, "01");
  }
  EXPECT_TRUE(w.ok());
  return std::string(w.view());
}

}  // namespace

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
      for (const auto& r : tx.rejects) {
        if (!d.rejects.empty()) d.rejects += ' ';
        d.rejects += r.code_view();
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

std::vector<std::size_t> answers::arrival() const {
  std::lock_guard lock(mutex_);
  return order_;
}

}  // namespace rxgate::test
