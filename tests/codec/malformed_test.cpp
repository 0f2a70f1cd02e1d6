// Malformed transmissions: each input of the table has the decode error (code and byte offset) it
// must produce and, because a server answers every input with a transmission-level reject, the
// reject codes validate() or validate_decode_failure() give every transaction. The same inputs
// and the 20 vectors are then decoded flush against a PROT_NONE page, so that any read past the
// end of the input is a segfault rather than a silent bug.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/response.h"
#include "codec/writer.h"
#include "tests/codec/vector_util.h"

using namespace rxgate::codec;
using namespace rxgate::codec::literals;

namespace {

const std::string RS = "\x1E", FS = "\x1C", GS = "\x1D", STX = "\x02", ETX = "\x03";

// A small well-formed B1: 56-byte header, AM04 at transmission level, one group with AM07 and
// AM11. Offsets used below: AM04 segment at 56 (its first field at 63), GS at 86, AM07 at 87.
std::string header(std::string_view version = "D0", std::string_view code = "B1", char count = '1') {
  std::string h = "610014";
  h += version;
  h += code;
  h += "PCN1234567";
  h += count;
  h += "01";
  h += "1234567893     ";
  h += "20240115";
  h += "SOFTWARE01";
  return h;
}
const std::string insurance = RS + FS + "AM04" + FS + "C2CARDHOLDER01" + FS + "C1GROUP1";  // 30
const std::string claim_segment = RS + FS + "AM07" + FS + "EM1" + FS + "D2123456" + FS + "E103" +
                                  FS + "D700002322730" + FS + "E730000" + FS + "D30" + FS + "D530" +
                                  FS + "D60" + FS + "D81";  // 63
const std::string pricing_segment =
    RS + FS + "AM11" + FS + "D9500{" + FS + "DC100{" + FS + "DU600{" + FS + "DN01";

std::string b1(std::string_view version = "D0", std::string_view code = "B1", char count = '1') {
  return header(version, code, count) + insurance + GS + claim_segment + pricing_segment;
}
std::string with_byte(std::string s, std::size_t at, char c) {
  s[at] = c;
  return s;
}
std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}
// Deterministic noise (a linear congruential generator), first byte forced.
std::string garbage(std::size_t n, char first) {
  std::string out(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  out[0] = first;
  return out;
}

struct malformed_case {
  const char* name;
  std::string input;
  errc code;               // errc::ok: decodes, and validate() rejects it
  std::uint32_t offset;    // of the decode error
  std::vector<std::string> rejects;  // transmission rejects every transaction carries
  int transactions;        // transactions the answer describes
};

std::vector<malformed_case> table() {
  constexpr std::size_t mib = 1 << 20;
  const std::string b = b1();
  return {
      {"zero bytes", "", errc::empty, 0, {"01"}, 1},
      {"only an ETX", ETX, errc::empty, 0, {"01"}, 1},
      {"short header", b.substr(0, 30), errc::short_header, 30, {"01"}, 1},
      {"short header with version D1", "610014D1B1PCN", errc::short_header, 13, {"1R"}, 1},
      {"segment separator inside the header", with_byte(b, 30, '\x1E'), errc::short_header, 30, {"01"}, 1},
      {"header 6 bytes short", b.substr(0, 50) + b.substr(56), errc::short_header, 50, {"01"}, 1},
      {"control byte in the header", with_byte(b, 12, '\x01'), errc::bad_header, 12, {"01"}, 1},
      {"non-ASCII in the header", with_byte(b, 40, '\xC3'), errc::bad_header, 40, {"01"}, 1},
      {"NUL first", with_byte(b, 0, '\0'), errc::bad_header, 0, {"01"}, 1},
      {"response header cut short", "D0B11A01", errc::short_header, 8, {"01"}, 1},
      // Header fine, body broken: the code names the problem. A segment without FS "AM" and its
      // ID is AM (M/I Segment Identification); groups that cannot match the count are 1U; any
      // other break of the syntax is R8 (Syntax Error).
      {"missing segment separator", header() + "X" + b.substr(57), errc::missing_segment_separator, 56, {"R8"}, 1},
      {"missing field separator", header() + RS + "AM04", errc::missing_field_separator, 57, {"AM"}, 1},
      {"segment without its AM", header() + RS + FS + "04" + FS + "C2X", errc::missing_segment_identification, 58,
       {"AM"}, 1},
      {"segment with AX for AM", header() + RS + FS + "AX04", errc::missing_segment_identification, 58, {"AM"}, 1},
      {"segment cut after FS A", header() + RS + FS + "A", errc::missing_segment_identification, 58, {"AM"}, 1},
      {"segment ID cut short", header() + RS + FS + "AM0", errc::bad_segment_id, 60, {"AM"}, 1},
      {"segment ID too long", header() + RS + FS + "AM04X", errc::bad_segment_id, 62, {"AM"}, 1},
      {"field shorter than its ID", header() + RS + FS + "AM04" + FS + "C", errc::bad_field_id, 63, {"R8"}, 1},
      {"overlong field (501 bytes)", header() + RS + FS + "AM04" + FS + "C2" + std::string(501, 'X'),
       errc::field_too_long, 63, {"R8"}, 1},
      {"non-ASCII in a field", header() + RS + FS + "AM01" + FS + "CAJOS\xC9", errc::non_ascii, 68, {"R8"}, 1},
      {"embedded NUL", header() + RS + FS + "AM01" + FS + std::string("CAJO\0E", 6), errc::control_character,
       67, {"R8"}, 1},
      {"STX inside a field", header() + RS + FS + "AM01" + FS + "CA" + STX, errc::control_character, 65, {"R8"}, 1},
      {"five groups", header("D0", "B1", '4') + insurance + repeat(GS + claim_segment, 5), errc::too_many_groups,
       86 + 4 * 64, {"1U"}, 4},
      {"group separator at the end", header() + insurance + GS, errc::empty_group, 87, {"1U"}, 1},
      {"two group separators", header() + insurance + GS + GS + claim_segment, errc::empty_group, 87, {"1U"}, 1},
      {"97 segments", header() + repeat(insurance, 97), errc::too_many_segments, 56 + 96 * 30, {"R8"}, 1},
      {"1025 fields", header() + RS + FS + "AM04" + repeat(FS + "C1X", 1025), errc::too_many_fields,
       63 + 4 * 1024, {"R8"}, 1},
      // An unreadable header is answered 1R only when it reads as a BIN and another version.
      {"1 MiB of garbage", garbage(mib, '\xFF'), errc::bad_header, 0, {"01"}, 1},
      // A readable header whose count byte is '7': every transaction it could describe gets R8.
      {"1 MiB of digits", std::string(mib, '7'), errc::missing_segment_separator, 56, {"R8"}, 4},
      {"STX alone", STX, errc::bad_batch_record, 0, {"01"}, 1},
      {"batch header record without ETX", STX + "00", errc::bad_batch_record, 3, {"01"}, 1},
      // A broken batch record has no readable header: 01, like any unusable BIN.
      {"detail record without ETX", STX + "G1REF0000001" + b, errc::bad_batch_record,
       static_cast<std::uint32_t>(13 + b.size()), {"01"}, 1},
      {"ETX inside the detail record reference", STX + "G1REF" + ETX + "000001" + b + ETX,
       errc::bad_batch_record, 6, {"01"}, 1},
      {"STX inside the detail record reference", STX + "G1REF" + STX + "000001" + b + ETX,
       errc::bad_batch_record, 6, {"01"}, 1},
      // Decodes; validate() rejects the transmission.
      {"count 2 with one group", b1("D0", "B1", '2'), errc::ok, 0, {"1U"}, 2},
      {"count 0", b1("D0", "B1", '0'), errc::ok, 0, {"A9"}, 1},
      {"count X", b1("D0", "B1", 'X'), errc::ok, 0, {"A9"}, 1},
      {"count 5", b1("D0", "B1", '5'), errc::ok, 0, {"A9"}, 4},
      {"header only", header(), errc::ok, 0, {"1U"}, 1},
      {"E1 with count 2", header("D0", "E1", '2') + insurance, errc::ok, 0, {"A9"}, 2},
      {"version D1", b1("D1"), errc::ok, 0, {"1R"}, 1},
      {"transaction code ZZ", b1("D0", "ZZ"), errc::ok, 0, {"03"}, 1},
      {"transaction code S1 (not answered)", b1("D0", "S1"), errc::ok, 0, {"1S"}, 1},
      {"BIN not numeric", "61A014" + b.substr(6), errc::ok, 0, {"01"}, 1},
  };
}

std::vector<std::string> codes(const reject_list& l) {
  std::vector<std::string> out;
  for (const auto& r : l) out.emplace_back(r.code_view());
  return out;
}

// decode(), then what a server runs before answering: validate() when it decoded,
// validate_decode_failure() when it did not.
struct outcome {
  decode_error error;
  std::unique_ptr<message> msg = std::make_unique<message>();
  std::unique_ptr<validation> val = std::make_unique<validation>();
};
std::unique_ptr<outcome> run(std::string_view input) {
  auto o = std::make_unique<outcome>();
  o->error = decode(input, *o->msg);
  if (o->error) validate_decode_failure(*o->msg, o->error, input, *o->val);
  else if (o->msg->kind == message_kind::request) validate(*o->msg, *o->val);
  return o;
}

void expect_case(const malformed_case& c, const outcome& o) {
  EXPECT_EQ(to_string(o.error.code), to_string(c.code)) << c.name;
  EXPECT_EQ(o.error.offset, c.offset) << c.name;
  EXPECT_TRUE(o.val->transmission_rejected) << c.name;
  EXPECT_EQ(codes(o.val->transmission_rejects), c.rejects) << c.name;
  ASSERT_EQ(o.val->claim_count, c.transactions) << c.name;
  for (std::size_t i = 0; i < o.val->claim_count; ++i)
    EXPECT_EQ(codes(o.val->claims[i].rejects), c.rejects) << c.name << " transaction " << i;
}

}  // namespace

TEST(Malformed, EachInputHasItsErrorAndItsTransmissionReject) {
  for (const auto& c : table()) {
    const auto o = run(c.input);
    expect_case(c, *o);
  }
}

TEST(Malformed, RejectsPointAtTheHeaderField) {
  {
    const auto o = run(b1("D0", "B1", '2'));
    ASSERT_EQ(o->val->transmission_rejects.count, 1);
    EXPECT_EQ(o->val->transmission_rejects.items[0].field, "A9"_fid);
    EXPECT_EQ(o->val->transmission_rejects.items[0].offset, 20u);
  }
  {
    const auto o = run(b1("D1"));
    EXPECT_EQ(o->val->transmission_rejects.items[0].field, "A2"_fid);
    EXPECT_EQ(o->val->transmission_rejects.items[0].offset, 6u);
  }
  {
    const auto o = run(b1("D0", "ZZ"));
    EXPECT_EQ(o->val->transmission_rejects.items[0].field, "A3"_fid);
    EXPECT_EQ(o->val->transmission_rejects.items[0].offset, 8u);
  }
  {
    // A body error is reported where the framing broke; R8 names no field.
    const auto o = run(header() + "X" + b1().substr(57));
    EXPECT_EQ(o->val->transmission_rejects.items[0].field, 0);
    EXPECT_EQ(o->val->transmission_rejects.items[0].offset, 56u);
  }
  {
    // A segment without FS "AM": AM points at 111-AM where the "AM" should be.
    const auto o = run(header() + RS + FS + "04" + FS + "C2X");
    EXPECT_EQ(o->val->transmission_rejects.items[0].field, "AM"_fid);
    EXPECT_EQ(o->val->transmission_rejects.items[0].offset, 58u);
  }
}

TEST(Malformed, DescribeNamesTheMissingPartOfASegmentStart) {
  std::array<char, 256> buf{};
  auto o = run(header() + RS + "AM04");
  EXPECT_EQ(to_string(o->error.code), "missing_field_separator");
  EXPECT_NE(describe(o->error, buf).find("the field separator is missing"), std::string_view::npos);
  o = run(header() + RS + FS + "XM04");
  EXPECT_EQ(to_string(o->error.code), "missing_segment_identification");
  EXPECT_NE(describe(o->error, buf).find("the field separator is there"), std::string_view::npos);
}

// The response header a transmission reject sends for `input` (what a server echoes).
std::string answered_header(std::string_view input) {
  const auto o = run(input);
  auto r = std::make_unique<response>();
  echo_header(*o->msg, *r);
  r->header_status = 'R';
  r->transaction_count = o->val->claim_count;
  for (std::size_t i = 0; i < o->val->claim_count; ++i) r->transactions[i].rejects = o->val->claims[i].rejects;
  std::array<char, 8192> buf{};
  const auto used = build_response(*r, buf);
  if (!used) return {};
  return std::string(buf.data(), std::min<std::size_t>(*used, response_header_size));
}

TEST(Malformed, HeaderRejectEchoesTheHeaderFieldsThatWereRead) {
  // 103-A3 at 8, 202-B2 at 21, 201-B1 at 23 (15), 401-D1 at 38 (8), 110-AK at 46 (10): every field
  // that lies wholly before the error is echoed, the others are blank (NCPDPSerDe refuses a blank
  // 103-A3 when the request carried one).
  const std::string h = header();
  EXPECT_EQ(answered_header(h.substr(0, 55)), "D0B11R011234567893     20240115");  // AK cut short
  EXPECT_EQ(answered_header(with_byte(h, 46, '\x01') + insurance), "D0B11R011234567893     20240115");
  EXPECT_EQ(answered_header(h.substr(0, 46)), "D0B11R011234567893     20240115");  // D1 just fits
  EXPECT_EQ(answered_header(h.substr(0, 45)), "D0B11R011234567893             ");  // D1 one byte short
  EXPECT_EQ(answered_header(h.substr(0, 38)), "D0B11R011234567893             ");
  EXPECT_EQ(answered_header(h.substr(0, 37)), "D0B11R01                       ");  // B1 one byte short
  EXPECT_EQ(answered_header(h.substr(0, 23)), "D0B11R01                       ");
  EXPECT_EQ(answered_header(h.substr(0, 22)), "D0B11R                         ");  // B2 one byte short
  EXPECT_EQ(answered_header(h.substr(0, 10)), "D0B11R                         ");  // A3 just fits
  EXPECT_EQ(answered_header(h.substr(0, 9)), "D0  1R                         ");
  EXPECT_EQ(answered_header(with_byte(h, 9, '\x1E')), "D0  1R                         ");
}

TEST(Malformed, BrokenBodyStillEchoesTheHeader) {
  const std::string input = header() + insurance + GS + GS + claim_segment;  // the views' buffer
  const auto o = run(input);
  ASSERT_EQ(o->error.code, errc::empty_group);
  const claim& c = o->val->claims[0];
  EXPECT_EQ(c.bin, "610014");
  EXPECT_EQ(c.transaction_code, "B1");
  EXPECT_EQ(c.pcn, "PCN1234567");
  EXPECT_EQ(c.provider_id, "1234567893");
  EXPECT_EQ(c.date_of_service, (date{2024, 1, 15}));
}

TEST(Malformed, LimitsAreInclusive) {
  // 500 bytes is the longest legal value, 96 segments and 1024 fields the capacities.
  EXPECT_FALSE(run(header() + RS + FS + "AM04" + FS + "C2" + std::string(500, 'X'))->error);
  EXPECT_FALSE(run(header() + repeat(insurance, 96))->error);
  EXPECT_FALSE(run(header() + RS + FS + "AM04" + repeat(FS + "C1X", 1024))->error);
  EXPECT_FALSE(run(header("D0", "B1", '4') + insurance + repeat(GS + claim_segment, 4))->error);
  const auto valid = run(b1());
  EXPECT_FALSE(valid->error);
  EXPECT_FALSE(valid->val->transmission_rejected);
}

TEST(Malformed, EveryBadByteAtEveryPositionOfAField) {
  // decode() tests eight bytes at a time; the first bad byte must be found wherever it falls in
  // the word, whatever follows it (0xFF carries, 0x00 borrows into the next byte).
  const std::string prefix = header() + RS + FS + "AM01" + FS + "CA";  // value starts at 65
  for (const int bad : {0x00, 0x01, 0x02, 0x1F, 0x7F, 0x80, 0xC3, 0xFF}) {
    const errc want = bad >= 0x80 ? errc::non_ascii : errc::control_character;
    for (std::size_t at = 0; at < 41; ++at) {
      std::string value(41, 'A');
      for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(' ' + (i * 7) % 95);
      value[at] = static_cast<char>(bad);
      if (at + 1 < value.size()) value[at + 1] = static_cast<char>(at % 2 ? 0xFF : 0x00);
      const auto o = run(prefix + value + RS + FS + "AM04" + FS + "C2X");
      EXPECT_EQ(o->error.code, want) << bad << " at " << at;
      EXPECT_EQ(o->error.offset, 65 + at) << bad << " at " << at;
    }
  }
  // The edges of printable ASCII are data.
  std::string edges;
  for (int i = 0; i < 40; ++i) edges += i % 2 ? '\x7E' : ' ';
  EXPECT_FALSE(run(prefix + edges)->error);
}

TEST(Malformed, EveryBadByteAtEveryPositionOfTheHeader) {
  const std::string b = b1();
  for (std::size_t at = 0; at < request_header_size; ++at) {
    for (const int bad : {0x00, 0x1F, 0x7F, 0x80, 0xFF}) {
      const auto o = run(with_byte(b, at, static_cast<char>(bad)));
      EXPECT_EQ(o->error.code, errc::bad_header) << bad << " at " << at;
      EXPECT_EQ(o->error.offset, at) << bad << " at " << at;
    }
    const auto o = run(with_byte(b, at, '\x1D'));
    EXPECT_EQ(o->error.code, errc::short_header) << "GS at " << at;
    EXPECT_EQ(o->error.offset, at) << "GS at " << at;
  }
}

TEST(Malformed, DescribeNamesTheErrorAndOffsetOnly) {
  std::array<char, 160> buf{};
  const auto text = describe(decode_error{errc::non_ascii, 68}, buf);
  EXPECT_EQ(text.substr(0, 21), "non_ascii at byte 68:");
  std::array<char, 10> small{};
  const auto cut = describe(decode_error{errc::field_too_long, 63}, small);
  EXPECT_EQ(cut, "field_too");
}

// ---- Over-read: inputs flush against a PROT_NONE page --------------------------------------

namespace {

// `size` usable bytes that end exactly where a PROT_NONE page begins.
class guarded_bytes {
 public:
  explicit guarded_bytes(std::size_t size) : size_(size) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    const std::size_t data_pages = (size + page - 1) / page;
    mapped_ = (data_pages + 1) * page;
    void* p = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<char*>(p);
    guard_ = base_ + data_pages * page;
    if (mprotect(guard_, page, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
  }
  guarded_bytes(const guarded_bytes&) = delete;
  guarded_bytes& operator=(const guarded_bytes&) = delete;
  ~guarded_bytes() { munmap(base_, mapped_); }

  char* data() { return guard_ - size_; }
  std::size_t size() const { return size_; }
  std::span<char> span() { return {data(), size_}; }
  std::string_view copy_in(std::string_view s) {
    std::memcpy(data(), s.data(), s.size());
    return {data(), s.size()};
  }

 private:
  std::size_t size_;
  std::size_t mapped_ = 0;
  char* base_ = nullptr;
  char* guard_ = nullptr;
};

// The answer a server gives to what validation found: echo the header, one transaction per
// claim with its rejects (or accepted).
void reply_to(const message& request, const validation& v, response& r) {
  echo_header(request, r);
  r.header_status = v.transmission_rejected ? 'R' : 'A';
  r.transaction_count = v.claim_count;
  for (std::size_t i = 0; i < v.claim_count; ++i) {
    auto& t = r.transactions[i];
    t.rejects = v.claims[i].rejects;
    t.status = t.rejects.empty() ? 'P' : 'R';
    t.rx_qualifier = v.claims[i].rx_qualifier;
    t.rx_number = v.claims[i].rx_number;
  }
}

// Decodes `input` flush against the guard page, answers it into an output buffer flush against
// another guard page (exactly as large as the answer, and one byte too small), then decodes the
// answer flush against a guard page and checks its statuses and codes.
void guarded_round_trip(const std::string& name, std::string_view original) {
  guarded_bytes in(original.size());
  const auto input = in.copy_in(original);
  auto unguarded = std::make_unique<message>();
  const auto expected_error = decode(original, *unguarded);
  const auto o = run(input);
  EXPECT_EQ(o->error.code, expected_error.code) << name;
  EXPECT_EQ(o->error.offset, expected_error.offset) << name;
  if (!o->error && o->msg->kind == message_kind::response) {
    // Walk every value of a response; nothing else reads it.
    std::size_t blanks = 0;
    for (const auto& seg : o->msg->all_segments()) {
      const segment_view s{o->msg.get(), &seg};
      for (std::size_t i = 0; i < s.size(); ++i)
        for (char c : s.raw(i)) blanks += c == ' ';
    }
    EXPECT_LE(blanks, original.size()) << name;
    return;
  }

  auto r = std::make_unique<response>();
  reply_to(*o->msg, *o->val, *r);
  std::array<char, 8192> roomy{};
  const auto used = build_response(*r, roomy);
  ASSERT_TRUE(used) << name;
  {
    guarded_bytes too_small(*used - 1);
    EXPECT_FALSE(build_response(*r, too_small.span())) << name;
  }
  guarded_bytes out(*used);
  ASSERT_EQ(build_response(*r, out.span()), used) << name;
  EXPECT_EQ(std::string_view(out.data(), *used), std::string_view(roomy.data(), *used)) << name;

  guarded_bytes answer(*used);
  auto decoded = std::make_unique<message>();
  const auto err = decode(answer.copy_in({out.data(), *used}), *decoded);
  ASSERT_FALSE(err) << name << ": " << to_string(err.code) << " at " << err.offset;
  ASSERT_EQ(decoded->kind, message_kind::response) << name;
  EXPECT_EQ(decoded->response.status, std::string(1, r->header_status)) << name;
  ASSERT_EQ(decoded->group_count, r->transaction_count) << name;
  for (std::size_t i = 0; i < r->transaction_count; ++i) {
    const auto status = decoded->find(segment_id::response_status, static_cast<int>(i + 1));
    ASSERT_TRUE(status) << name;
    EXPECT_EQ(status.get_or_empty("AN"_fid), std::string(1, r->transactions[i].status)) << name;
    std::vector<std::string> fb;
    for (std::size_t f = 0; f < status.size(); ++f)
      if (status.id(f) == "FB"_fid) fb.emplace_back(status.value(f));
    EXPECT_EQ(fb, codes(r->transactions[i].rejects)) << name;
  }
}

}  // namespace

TEST(OverRead, MalformedInputsFlushAgainstAGuardPage) {
  for (const auto& c : table()) guarded_round_trip(c.name, c.input);
}

TEST(OverRead, VectorsFlushAgainstAGuardPage) {
  const auto names = rxgate::testing::vector_names();
  ASSERT_EQ(names.size(), 20u);
  for (const auto& name : names) {
    const auto payload = rxgate::testing::load_vector(name);
    guarded_round_trip(name, payload);
    // Every prefix too: each one ends in a different place of the framing.
    for (std::size_t n = 0; n < payload.size(); ++n) {
      guarded_bytes in(n);
      auto m = std::make_unique<message>();
      const auto input = in.copy_in(std::string_view(payload).substr(0, n));
      const auto err = decode(input, *m);
      EXPECT_LE(err.offset, n) << name << " prefix " << n;
      auto v = std::make_unique<validation>();
      if (err) validate_decode_failure(*m, err, input, *v);
      else if (m->kind == message_kind::request) validate(*m, *v);
    }
  }
}

TEST(OverRead, EmptyInputAtTheGuardPage) {
  guarded_bytes in(0);
  auto m = std::make_unique<message>();
  const auto err = decode(std::string_view(in.data(), 0), *m);
  EXPECT_EQ(err.code, errc::empty);
  EXPECT_EQ(err.offset, 0u);
}

namespace {

bool request_header_empty(const request_header& h) {
  return h.bin.empty() && h.version.empty() && h.transaction_code.empty() && h.pcn.empty() && h.count.empty() &&
         h.provider_id_qualifier.empty() && h.provider_id.empty() && h.date_of_service.empty() &&
         h.software_id.empty();
}
bool response_header_empty(const response_header& h) {
  return h.version.empty() && h.transaction_code.empty() && h.count.empty() && h.status.empty() &&
         h.provider_id_qualifier.empty() && h.provider_id.empty() && h.date_of_service.empty();
}

// decode() clears only the header a previous call can have left set (it is the hot path of every
// claim); one message reused across kinds, versions and errors must still never show a stale one.
TEST(DecodeReuse, OneMessageAcrossKindsAndErrorsKeepsNoStaleHeader) {
  const std::string response = "D0B11A011234567893     20240115" + RS + FS + "AM20" + FS + "F4OK" + GS + RS + FS +
                               "AM21" + FS + "ANP";
  const std::string request = b1();
  std::string f6_request = "F6B1610014  " + request.substr(10, 46);  // 58-byte F6 header
  for (char c : request.substr(56))
    if (c != GS[0]) f6_request += c;
  auto m = std::make_unique<message>();

  ASSERT_FALSE(decode(response, *m));
  EXPECT_EQ(m->kind, message_kind::response);
  EXPECT_EQ(m->response.status, "A");
  EXPECT_TRUE(request_header_empty(m->request));

  ASSERT_FALSE(decode(request, *m));  // a request after a response
  EXPECT_EQ(m->request.bin, "610014");
  EXPECT_TRUE(response_header_empty(m->response));

  ASSERT_FALSE(decode(f6_request, *m));  // F6 after D.0: every field rewritten
  EXPECT_EQ(m->version, wire_version::f6);
  EXPECT_EQ(m->request.bin, "610014  ");
  EXPECT_EQ(m->request.version, "F6");
  EXPECT_TRUE(response_header_empty(m->response));

  ASSERT_FALSE(decode(response, *m));  // a response after a request
  EXPECT_TRUE(request_header_empty(m->request));
  ASSERT_FALSE(decode(response, *m));  // and after a response
  EXPECT_EQ(m->response.transaction_code, "B1");
  EXPECT_TRUE(request_header_empty(m->request));

  // Errors before any header byte is read leave both empty, whatever came before.
  for (const std::string& before : {request, response}) {
    for (const std::string& bad : {std::string{}, STX + "G1", std::string("12345678F6B1"), ETX}) {
      ASSERT_FALSE(decode(before, *m));
      EXPECT_TRUE(decode(bad, *m)) << bad.size();
      EXPECT_TRUE(request_header_empty(m->request)) << bad.size();
      EXPECT_TRUE(response_header_empty(m->response)) << bad.size();
    }
  }

  // A short request after a full one: the fields past the readable bytes are empty, not stale.
  // (The views point into the input, so each input outlives the checks of its views.)
  ASSERT_FALSE(decode(request, *m));
  const std::string short_request = request.substr(0, 12);
  EXPECT_EQ(decode(short_request, *m).code, errc::short_header);
  EXPECT_EQ(m->request.bin, "610014");
  EXPECT_EQ(m->request.transaction_code, "B1");
  EXPECT_TRUE(m->request.pcn.empty());
  EXPECT_TRUE(m->request.software_id.empty());
  // A short response after a request: nothing of the request is left.
  const std::string short_response = response.substr(0, 20);
  EXPECT_EQ(decode(short_response, *m).code, errc::short_header);
  EXPECT_TRUE(request_header_empty(m->request));
}

}  // namespace
