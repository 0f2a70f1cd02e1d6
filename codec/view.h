// Zero-copy views of an NCPDP Telecommunication D.0 transmission (request or response).
//
// decode() (codec/decode.h) fills a `message` with offsets into the caller's buffer; nothing is
// copied and nothing is allocated. Every string_view handed out points into that buffer, so the
// buffer must outlive the message and every view taken from it. Capacities are fixed: input that
// needs more segments or fields than a message holds is an error, never a reallocation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rxgate::codec {

// Two-character NCPDP field ID ("D2" for 402-D2) packed into 16 bits, first character high.
using field_id = std::uint16_t;

constexpr field_id make_field_id(char a, char b) noexcept {
  return static_cast<field_id>((static_cast<unsigned char>(a) << 8) | static_cast<unsigned char>(b));
}
constexpr field_id make_field_id(std::string_view s) noexcept {
  return s.size() == 2 ? make_field_id(s[0], s[1]) : field_id{0};
}
inline constexpr std::array<char, 2> field_chars(field_id id) noexcept {
  return {static_cast<char>(id >> 8), static_cast<char>(id & 0xFF)};
}

namespace literals {
consteval field_id operator""_fid(const char* s, std::size_t n) {
  if (n != 2) throw "field IDs have two characters";  // consteval: a compile error, never thrown
  return make_field_id(s[0], s[1]);
}
}  // namespace literals

// Segment IDs as sent in 111-AM. Requests use 01-16, responses 20-29; anything else (AMXX,
// AM96-AM99) is a vendor segment that is kept and skipped.
enum class segment_id : std::uint8_t {
  none = 0,
  patient = 1,
  pharmacy_provider = 2,
  prescriber = 3,
  insurance = 4,
  cob = 5,
  workers_comp = 6,
  claim = 7,
  dur_pps = 8,
  coupon = 9,
  compound = 10,
  pricing = 11,
  prior_authorization = 12,
  clinical = 13,
  additional_documentation = 14,
  facility = 15,
  narrative = 16,
  f6_intermediary = 19,  // F6: AM19 Intermediary (kept and read as a segment)
  response_message = 20,
  response_status = 21,
  response_claim = 22,
  response_pricing = 23,
  response_dur = 24,
  response_insurance = 25,
  response_prior_authorization = 26,
  response_insurance_additional = 27,
  response_cob = 28,
  response_patient = 29,
  // F6 adds AM36-AM40; they are kept as segments under their own IDs.
  f6_segment_36 = 36,
  f6_segment_37 = 37,
  f6_segment_38 = 38,
  f6_segment_39 = 39,
  f6_segment_40 = 40,
  vendor = 255,
};

enum class message_kind : std::uint8_t { request, response };

// The Telecommunication Standard version a transmission was sent in (102-A2).
enum class wire_version : std::uint8_t { d0, f6 };

// Fixed capacities of one decoded message.
inline constexpr std::size_t max_transactions = 4;
inline constexpr std::size_t max_segments = 96;
inline constexpr std::size_t max_fields = 1024;

// Header sizes (ncpdp-d0.md §2, §3).
inline constexpr std::size_t request_header_size = 56;
inline constexpr std::size_t response_header_size = 31;
// F6 request header: 102-A2 version first, an 8-character 101-A1 IIN (codec/f6_frame.h).
inline constexpr std::size_t f6_request_header_size = 58;

struct field_ref {
  field_id id = 0;
  std::uint16_t length = 0;  // bytes of value as sent (untrimmed)
  std::uint32_t offset = 0;  // offset of the value in message::bytes (after the 2-char ID)
};

struct segment_ref {
  segment_id id = segment_id::none;
  std::uint8_t group = 0;  // 0 = transmission level, 1..4 = transaction group
  std::uint16_t first_field = 0;
  std::uint16_t field_count = 0;  // fields after the AM field
  std::uint32_t offset = 0;       // offset of the segment separator in message::bytes
  std::array<char, 2> raw_id{};   // as sent after "AM" (e.g. "07", "XX")
};

class message;

// Value of a field with trailing blanks trimmed (ncpdp-d0.md §8.4); leading characters are kept.
std::string_view trim_value(std::string_view raw) noexcept;

// A range of fields: a whole segment, or one repetition of a repeating group inside it.
class field_range {
 public:
  field_range() = default;
  field_range(const message* m, std::uint16_t first, std::uint16_t count) noexcept
      : msg_(m), first_(first), count_(count) {}

  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  const field_ref& ref(std::size_t i) const noexcept;
  std::string_view raw(std::size_t i) const noexcept;      // value as sent
  std::string_view value(std::size_t i) const noexcept;    // trailing blanks trimmed
  field_id id(std::size_t i) const noexcept { return ref(i).id; }

  // First occurrence of `id`, trimmed; nullopt when absent.
  std::optional<std::string_view> get(field_id id) const noexcept;
  // Like get(), but absent -> empty view.
  std::string_view get_or_empty(field_id id) const noexcept;
  bool has(field_id id) const noexcept;
  // Index of the first occurrence, or -1.
  int find(field_id id) const noexcept;
  std::size_t count(field_id id) const noexcept;
  // Byte offset (in message::bytes) of the first occurrence's value, or of the range if absent.
  std::uint32_t offset_of(field_id id) const noexcept;

  // Repetitions of a group that starts at `start` (ncpdp-d0.md §1.4): repetition k runs from the
  // k-th occurrence of `start` up to the next one or the end. Fields before the first start are
  // not part of any repetition. `alt_start` is a second field that may also open a group (the
  // compound segment opens on 488-RE or, when that is omitted, 489-TE).
  std::size_t repetition_count(field_id start, field_id alt_start = 0) const noexcept;
  field_range repetition(std::size_t k, field_id start, field_id alt_start = 0) const noexcept;

  const message* msg() const noexcept { return msg_; }
  std::uint16_t first() const noexcept { return first_; }

 private:
  std::size_t openings(field_id start, field_id alt_start, std::uint16_t* opens,
                       std::size_t cap) const noexcept;
  const message* msg_ = nullptr;
  std::uint16_t first_ = 0;
  std::uint16_t count_ = 0;
};

class segment_view : public field_range {
 public:
  segment_view() = default;
  segment_view(const message* m, const segment_ref* s) noexcept
      : field_range(m, s->first_field, s->field_count), seg_(s) {}
  explicit operator bool() const noexcept { return seg_ != nullptr; }
  using field_range::id;  // id(i): the i-th field's ID; id(): the segment's
  segment_id id() const noexcept { return seg_ ? seg_->id : segment_id::none; }
  const segment_ref* ref() const noexcept { return seg_; }
  std::uint32_t offset() const noexcept { return seg_ ? seg_->offset : 0; }

 private:
  const segment_ref* seg_ = nullptr;
};

// Fixed-width header fields as sent (untrimmed). Request: ncpdp-d0.md §2; response: §3. An F6
// request fills the same fields from its own offsets; `bin` then holds the 8-character IIN.
struct request_header {
  std::string_view bin, version, transaction_code, pcn, count, provider_id_qualifier, provider_id,
      date_of_service, software_id;
};
struct response_header {
  std::string_view version, transaction_code, count, status, provider_id_qualifier, provider_id,
      date_of_service;
};

// One decoded transmission. Large (fixed arrays); keep one per connection or per worker and
// reuse it, or allocate it once.
class message {
 public:
  message_kind kind = message_kind::request;
  wire_version version = wire_version::d0;  // from 102-A2 and the header's shape
  std::string_view bytes;           // the D.0 transmission: header .. last segment (no STX/ETX)
  std::uint32_t base_offset = 0;    // offset of `bytes` inside the buffer given to decode()
  std::string_view batch_reference; // Batch 1.2 detail record transaction reference, if wrapped
  request_header request{};         // valid when kind == request
  response_header response{};       // valid when kind == response
  std::uint8_t group_count = 0;     // GS groups actually present
  std::uint16_t segment_count = 0;
  std::uint16_t field_count = 0;
  std::array<segment_ref, max_segments> segments{};
  std::array<field_ref, max_fields> fields{};

  // Bytes of the fixed header for this kind and version.
  std::size_t header_size() const noexcept;
  // Header transaction count as a number (0 if not a digit).
  int declared_count() const noexcept;
  std::string_view transaction_code() const noexcept {
    return kind == message_kind::request ? request.transaction_code : response.transaction_code;
  }

  // First segment with `id` at transmission level (group 0) or in transaction group g (1-based).
  segment_view find(segment_id id, int group = 0) const noexcept;
  // The segment that holds `id` for transaction group g: the group's segment, or for
  // transmission-level segments (and E1, where everything is at transmission level) group 0.
  segment_view find_for(segment_id id, int group) const noexcept;
  // Number of segments with `id` at that level (duplicates are a validation error).
  int count_segments(segment_id id, int group) const noexcept;

  std::span<const segment_ref> all_segments() const noexcept { return {segments.data(), segment_count}; }
};

}  // namespace rxgate::codec
