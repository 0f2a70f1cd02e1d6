// The claim path of the codec allocates nothing (README.md, Budgets: 0 heap allocations): decode,
// validate and build_response of a B1, its paid answer and a rejected one. This executable
// replaces the global operator new/delete with counting ones; they count only inside a
// counting_scope, so what GoogleTest allocates around the tests does not matter.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "codec/claim.h"
#include "codec/code_names.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "codec/writer.h"
#include "tests/codec/vector_util.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void* counted_alloc(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(al);
  const std::size_t rounded = ((n == 0 ? 1 : n) + a - 1) / a * a;  // aligned_alloc wants a multiple
  if (void* p = std::aligned_alloc(a, rounded)) return p;
  throw std::bad_alloc();
}

// Counts the allocations made while it is alive (single-threaded use).
class counting_scope {
 public:
  counting_scope() {
    allocations.store(0);
    counting.store(true);
  }
  ~counting_scope() { counting.store(false); }
  long stop() {
    counting.store(false);
    return allocations.load();
  }
};

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

namespace {

// What one worker keeps and reuses: nothing here is created on the claim path.
struct worker_state {
  message request;
  validation checked;
  response answer;
  std::array<char, 4096> out{};
};

// Fill a paid answer for every transaction (AM21 P + F3, AM22, AM23 pricing).
void answer_paid(const message& m, const validation& v, response& r) {
  r = response{};
  echo_header(m, r);
  r.header_status = 'A';
  r.transaction_count = v.claim_count;
  for (std::size_t i = 0; i < v.claim_count; ++i) {
    const claim& c = v.claims[i];
    auto& t = r.transactions[i];
    t.status = 'P';
    t.authorization_number = "AUTH000000123";
    t.rx_qualifier = c.rx_qualifier;
    t.rx_number = c.rx_number;
    pricing p;
    p.ingredient_cost_paid = c.ingredient_cost.value_or(0);
    p.dispensing_fee_paid = c.dispensing_fee.value_or(0);
    p.patient_pay = 600;
    p.copay = 500;
    p.product_selection_brand = 100;  // 134-UK: a brand penalty
    p.total_paid = p.ingredient_cost_paid + p.dispensing_fee_paid - p.patient_pay;
    p.basis_of_reimbursement = "01";
    t.price = p;
    t.help_desk_phone = "8005551212";
  }
}

// A rejected answer with five codes and three 40-character message lines.
void answer_rejected(const message& m, response& r) {
  r = response{};
  echo_header(m, r);
  r.header_status = 'A';
  r.transaction_count = 1;
  auto& t = r.transactions[0];
  t.status = 'R';
  for (std::string_view code : {"75", "79", "88", "MR", "70"}) t.rejects.push(code);
  t.add_text("PRIOR AUTHORIZATION REQUIRED: CALL THE HELP DESK AT THE NUMBER BELOW WITH THE "
             "PRESCRIBER'S NPI AND THE DIAGNOSIS");
  t.rx_qualifier = "1";
  t.rx_number = "123456";
}

std::string retail_b1() {
  std::array<char, 2048> buf{};
  writer w{buf};
  request_header_values h;
  h.bin = "610014";
  h.pcn = "RXGATE";
  h.provider_id = "1234567893";
  h.date_of_service = date{2024, 1, 15};
  write_request_header(w, h);
  w.segment(segment_id::insurance).field("C2"_fid, "ABC123456789").field("C1"_fid, "GROUP01")
      .field("C3"_fid, "01").field("C6"_fid, "1");
  w.segment(segment_id::patient).field("C4"_fid, "19800512").field("C5"_fid, "2")
      .field("CA"_fid, "JANE").field("CB"_fid, "DOE");
  w.group();
  w.segment(segment_id::claim).field("EM"_fid, "1").field("D2"_fid, "000012345678")
      .field("E1"_fid, "03").field("D7"_fid, "00002322730").field("D3"_fid, "0")
      .field("E7"_fid, "30000").field("D5"_fid, "30").field("D6"_fid, "1").field("D8"_fid, "0")
      .field("DE"_fid, "20240110").field("DF"_fid, "5").field("DJ"_fid, "1");
  w.segment(segment_id::prescriber).field("EZ"_fid, "01").field("DB"_fid, "1234567890");
  w.segment(segment_id::pricing).money("D9"_fid, 1250).money("DC"_fid, 150).money("DQ"_fid, 1500)
      .money("DU"_fid, 1400).field("DN"_fid, "01");
  return std::string(w.view());
}

}  // namespace

TEST(Allocations, TheCounterSeesAnAllocation) {
  // The counter must be able to fail the other tests.
  counting_scope scope;
  auto s = std::make_unique<std::string>(100, 'x');
  const long n = scope.stop();
  EXPECT_GE(n, 1);
  EXPECT_EQ(s->size(), 100u);
}

TEST(Allocations, CodeNames) {
  std::size_t named = 0;
  long n = 0;
  {
    counting_scope scope;
    for (const code_value& row : all_code_values()) named += !code_name(row.field, row.code).empty();
    named += !code_label("DK"_fid, "08").empty();  // the numeric fallback
    named += !code_label("AN"_fid, "X").empty();   // "unknown"
    n = scope.stop();
  }
  EXPECT_EQ(n, 0);
  EXPECT_EQ(named, all_code_values().size() + 2);
}

TEST(Allocations, DecodeValidateAndAnswerAB1) {
  const std::string input = retail_b1();
  auto w = std::make_unique<worker_state>();
  std::optional<std::size_t> paid, rejected;
  decode_error err;
  long n = 0;
  {
    counting_scope scope;
    err = decode(input, w->request);
    validate(w->request, w->checked);
    answer_paid(w->request, w->checked, w->answer);
    paid = build_response(w->answer, w->out);
    answer_rejected(w->request, w->answer);
    rejected = build_response(w->answer, w->out);
    n = scope.stop();
  }
  EXPECT_EQ(n, 0);
  ASSERT_FALSE(err);
  EXPECT_FALSE(w->checked.any_rejects()) << w->checked.claims[0].rejects.items[0].code_view();
  ASSERT_TRUE(paid);
  ASSERT_TRUE(rejected);
  // The rejected answer is what was asked for: five codes, three lines.
  auto back = std::make_unique<message>();
  ASSERT_FALSE(decode({w->out.data(), *rejected}, *back));
  const auto status = back->find(segment_id::response_status, 1);
  EXPECT_EQ(status.get_or_empty("FA"_fid), "5");
  EXPECT_EQ(status.get_or_empty("UF"_fid), "3");
  EXPECT_EQ(status.count("FQ"_fid), 3u);
}

// F6 requests and responses decode as views too: every F6 vector, well-formed or not, allocates
// nothing; an F6 response read back into the model and built again allocates nothing either.
TEST(Allocations, DecodeEveryF6Vector) {
  auto m = std::make_unique<message>();
  auto answer = std::make_unique<response>();
  std::array<char, 1024> scratch{};
  std::array<char, 4096> out{};
  int responses = 0;
  const auto dir = std::filesystem::path(RXGATE_TEST_DATA) / "f6";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".txt") continue;
    const std::string input = rxgate::testing::load_vector(e.path().filename().string(), dir);
    long n = 0;
    std::optional<std::size_t> rebuilt;
    bool is_response = false;
    {
      counting_scope scope;
      is_response = !decode(input, *m) && m->kind == message_kind::response;
      if (is_response && read_response(*m, *answer, scratch)) rebuilt = build_response(*answer, out);
      n = scope.stop();
    }
    EXPECT_EQ(n, 0) << e.path().filename();
    if (is_response) {
      ++responses;
      EXPECT_TRUE(rebuilt) << e.path().filename();
    }
  }
  EXPECT_GE(responses, 4);
}

TEST(Allocations, EveryVectorAndItsAnswer) {
  auto w = std::make_unique<worker_state>();
  for (const auto& name : rxgate::testing::vector_names()) {
    const std::string input = rxgate::testing::load_vector(name);
    long n = 0;
    decode_error err;
    std::optional<std::size_t> used;
    {
      counting_scope scope;
      err = decode(input, w->request);
      if (!err && w->request.kind == message_kind::request) {
        validate(w->request, w->checked);
        answer_paid(w->request, w->checked, w->answer);
        used = build_response(w->answer, w->out);
      }
      n = scope.stop();
    }
    EXPECT_EQ(n, 0) << name;
    EXPECT_FALSE(err) << name;
    if (w->request.kind == message_kind::request) {
      EXPECT_TRUE(used) << name;
    }
  }
}

TEST(Allocations, TransmissionRejectOfUndecodableInput) {
  // A broken body after a readable header: AM (a NUL in the segment ID) answered without allocating.
  std::string input = retail_b1();
  input[60] = '\0';
  auto w = std::make_unique<worker_state>();
  long n = 0;
  decode_error err;
  std::optional<std::size_t> used;
  {
    counting_scope scope;
    err = decode(input, w->request);
    validate_decode_failure(w->request, err, input, w->checked);
    w->answer = response{};
    echo_header(w->request, w->answer);
    w->answer.header_status = 'R';
    w->answer.transaction_count = w->checked.claim_count;
    w->answer.transactions[0].rejects = w->checked.claims[0].rejects;
    used = build_response(w->answer, w->out);
    std::array<char, 128> text{};
    (void)describe(err, text);
    n = scope.stop();
  }
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(err);
  EXPECT_TRUE(w->checked.claims[0].rejects.contains("AM"));
  EXPECT_TRUE(used);
}
