#include "codec/decode.h"

#include <array>
#include <bit>
#include <cstdio>
#include <cstring>

#include "codec/f6_frame.h"
#include "codec/plain_mask.h"
#include "codec/writer.h"

namespace rxgate::codec {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::empty: return "empty";
    case errc::unknown_kind: return "unknown_kind";
    case errc::short_header: return "short_header";
    case errc::bad_header: return "bad_header";
    case errc::bad_batch_record: return "bad_batch_record";
    case errc::missing_segment_separator: return "missing_segment_separator";
    case errc::missing_field_separator: return "missing_field_separator";
    case errc::missing_segment_identification: return "missing_segment_identification";
    case errc::bad_segment_id: return "bad_segment_id";
    case errc::bad_field_id: return "bad_field_id";
    case errc::control_character: return "control_character";
    case errc::non_ascii: return "non_ascii";
    case errc::field_too_long: return "field_too_long";
    case errc::too_many_segments: return "too_many_segments";
    case errc::too_many_fields: return "too_many_fields";
    case errc::too_many_groups: return "too_many_groups";
    case errc::empty_group: return "empty_group";
    case errc::f6_iin_first_header: return "f6_iin_first_header";
    case errc::f6_group_separator: return "f6_group_separator";
    case errc::f6_second_transaction: return "f6_second_transaction";
    case errc::f6_repetition_count: return "f6_repetition_count";
  }
  return "unknown";
}

namespace {

std::string_view explain(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::empty: return "the input is empty";
    case errc::unknown_kind: return "not the kind of transmission expected here (a response where a request belongs)";
    case errc::short_header: return "the input ends or a separator appears inside the fixed header";
    case errc::bad_header: return "the fixed header holds a byte that is not printable ASCII";
    case errc::bad_batch_record: return "a Batch 1.2 record without a G1 detail record or without its closing ETX";
    case errc::missing_segment_separator: return "expected a segment separator (0x1E) or a group separator (0x1D)";
    case errc::missing_field_separator: return "a segment must start with FS (0x1C) \"AM\"; the field separator is missing";
    case errc::missing_segment_identification:
      return "a segment must start with FS (0x1C) \"AM\"; the field separator is there, \"AM\" (111-AM) is not";
    case errc::bad_segment_id: return "\"AM\" must be followed by a two-character segment ID";
    case errc::bad_field_id: return "a field must start with a two-character field ID";
    case errc::control_character: return "a control byte inside data (only 0x1C, 0x1D, 0x1E separate data)";
    case errc::non_ascii: return "a byte outside 7-bit ASCII";
    case errc::field_too_long: return "a field value longer than any D.0 field (500 bytes)";
    case errc::too_many_segments: return "more segments than one transmission can carry";
    case errc::too_many_fields: return "more fields than one transmission can carry";
    case errc::too_many_groups: return "more than 4 transaction groups";
    case errc::empty_group: return "a group separator not followed by a segment";
    case errc::f6_iin_first_header:
      return "an 8-digit IIN before \"F6\": an F6 request header starts with its version (102-A2) then the "
             "transaction code and the IIN; this other shape is refused, not guessed";
    case errc::f6_group_separator:
      return "a group separator (0x1D) in an F6 transmission: F6 carries one transaction and no group separator";
    case errc::f6_second_transaction:
      return "a second Claim segment (AM07) in an F6 request or a second Status segment (AM21) in an F6 "
             "response: F6 carries one transaction per transmission";
    case errc::f6_repetition_count:
      return "a count field disagrees with the qualifier/ID repetitions after it (RR over CX/CY, KR over J7/J8)";
  }
  return "unknown error";
}

constexpr bool is_separator(unsigned char c) noexcept {
  return c == 0x1C || c == 0x1D || c == 0x1E;
}
// Printable ASCII 0x20..0x7E is data; everything else needs a closer look.
constexpr bool is_plain(unsigned char c) noexcept {
  return static_cast<unsigned char>(c - 0x20) <= 0x5E;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

segment_id classify_segment(char a, char b) noexcept {
  if (!is_digit(a) || !is_digit(b)) return segment_id::vendor;
  const int n = (a - '0') * 10 + (b - '0');
  if ((n >= 1 && n <= 16) || (n >= 20 && n <= 29)) return static_cast<segment_id>(n);
  return segment_id::vendor;
}

// make_field_id() of the two bytes at `at`, as one 16-bit load (the ID is big-endian on the wire).
field_id load_field_id(const char* at) noexcept {
  std::uint16_t v;
  std::memcpy(&v, at, 2);
  if constexpr (std::endian::native == std::endian::little) v = static_cast<std::uint16_t>((v >> 8) | (v << 8));
  return static_cast<field_id>(v);
}

decode_error fail(errc code, std::size_t offset) noexcept {
  return decode_error{code, static_cast<std::uint32_t>(offset)};
}

// Unwraps a Batch 1.2 file or detail record. On success `body` is the D.0 transmission and
// `body_offset` its offset in `input`.
decode_error unwrap_batch(std::string_view input, std::string_view& body, std::size_t& body_offset,
                          std::string_view& reference) noexcept {
  std::size_t p = 0;
  while (p < input.size() && input[p] == stx) {
    // Record type: "00" header, "G1" detail, "99" trailer.
    if (input.size() - p < 3) return fail(errc::bad_batch_record, p);
    const auto type = input.substr(p + 1, 2);
    const auto close = input.find(etx, p + 1);
    if (type == "G1") {
      constexpr std::size_t ref_len = 10;
      const std::size_t start = p + 3 + ref_len;
      if (start > input.size()) return fail(errc::bad_batch_record, p);
      if (close == std::string_view::npos) return fail(errc::bad_batch_record, input.size());
      // An ETX inside the reference closes the record before any transmission.
      if (close < start) return fail(errc::bad_batch_record, close);
      reference = input.substr(p + 3, ref_len);
      for (std::size_t i = 0; i < ref_len; ++i)
        if (!is_plain(static_cast<unsigned char>(reference[i])))
          return fail(errc::bad_batch_record, p + 3 + i);
      body = input.substr(start, close - start);
      body_offset = start;
      return {};
    }
    if (close == std::string_view::npos) return fail(errc::bad_batch_record, input.size());
    p = close + 1;
    while (p < input.size() && (input[p] == '\r' || input[p] == '\n')) ++p;
  }
  return fail(errc::bad_batch_record, p);
}

// The request header fields that lie wholly inside the first `readable` bytes of `body` (all of
// them for a complete header); the others stay empty. A transmission reject echoes what was read.
void read_request_header(std::string_view body, std::size_t readable, request_header& h) noexcept {
  const auto at = [&](std::size_t offset, std::size_t length) {
    return offset + length <= readable ? body.substr(offset, length) : std::string_view{};
  };
  h = request_header{at(0, 6),   at(6, 2),   at(8, 2),  at(10, 10), at(20, 1),
                     at(21, 2),  at(23, 15), at(38, 8), at(46, 10)};
}

bool looks_like_response(std::string_view s) noexcept {
  // Response: version ("D0") then transaction code; request: a 6-digit BIN first.
  if (s.size() < 4 || !is_upper(s[0]) || !is_digit(s[1])) return false;
  if (is_upper(s[2]) && (is_digit(s[3]) || is_upper(s[3]))) return true;
  // The code is an echo of whatever the request carried ("b1", blanks after an unreadable
  // header): a separator right after the 31-byte header still makes it a response.
  return s.size() > response_header_size &&
         (s[response_header_size] == segment_separator || s[response_header_size] == group_separator);
}

// Frames the segments and fields after the header. One instance per framing, so D.0 pays no
// branch for what only F6 checks: the group separator, the place of each segment in the one
// transaction, and the segments whose repetition counts must be checked after framing.
template <bool F6>
decode_error frame_segments(std::string_view body, std::size_t base, std::size_t header_size,
                            detail::not_plain_scanner& scan, message& out) noexcept {
  const char* const data = body.data();
  const std::size_t n = body.size();
  std::size_t p = header_size;
  std::uint8_t group = 0;
  [[maybe_unused]] std::array<std::uint8_t, max_segments> counted_segments;
  [[maybe_unused]] std::size_t counted_count = 0;
  while (p < n) {
    const char c = data[p];
    if (c == group_separator) {
      if constexpr (F6) return fail(errc::f6_group_separator, base + p);
      if (group == max_transactions) return fail(errc::too_many_groups, base + p);
      ++group;
      ++p;
      if (p >= n || data[p] != segment_separator) return fail(errc::empty_group, base + p);
      continue;
    }
    if (c != segment_separator) return fail(errc::missing_segment_separator, base + p);
    const std::size_t seg_offset = p;
    ++p;
    if (p >= n || data[p] != field_separator) return fail(errc::missing_field_separator, base + p);
    if (p + 3 > n || data[p + 1] != 'A' || data[p + 2] != 'M')
      return fail(errc::missing_segment_identification, base + p + 1);
    p += 3;
    if (p + 2 > n || is_separator(static_cast<unsigned char>(data[p])) ||
        is_separator(static_cast<unsigned char>(data[p + 1])))
      return fail(errc::bad_segment_id, base + p);
    if (!is_plain(static_cast<unsigned char>(data[p])) ||
        !is_plain(static_cast<unsigned char>(data[p + 1])))
      return fail(errc::bad_segment_id, base + p);
    if (out.segment_count == max_segments) return fail(errc::too_many_segments, base + seg_offset);
    segment_ref& seg = out.segments[out.segment_count];
    seg.raw_id = {data[p], data[p + 1]};
    seg.group = group;
    seg.offset = static_cast<std::uint32_t>(seg_offset);
    seg.first_field = out.field_count;
    seg.field_count = 0;
    p += 2;
    // Anything after the segment ID up to the next separator would be a malformed AM field.
    if (p < n && !is_separator(static_cast<unsigned char>(data[p])))
      return fail(errc::bad_segment_id, base + p);
    if constexpr (F6) {
      seg.id = f6::classify(seg.raw_id[0], seg.raw_id[1]);
      if (auto e = f6::place_segment(out, seg, base)) return e;
    } else {
      seg.id = classify_segment(seg.raw_id[0], seg.raw_id[1]);
    }
    ++out.segment_count;

    // The counts live in registers while the fields are framed: stores into out.fields could
    // alias them, and reloading them from memory would put a store-to-load round trip on every
    // field. Every return writes them back, so on error `out` holds what was framed.
    std::uint16_t field_count = out.field_count;
    const auto stop = [&](errc code, std::size_t offset) noexcept {
      out.field_count = field_count;
      seg.field_count = static_cast<std::uint16_t>(field_count - seg.first_field);
      return fail(code, base + offset);
    };
    [[maybe_unused]] bool counted = false;
    if (p < n && data[p] == field_separator) {
      // p is at a field separator; the byte that ends the field decides whether another follows.
      for (;;) {
        const std::size_t field_start = p + 1;
        p = scan.next(field_start);
        const auto b = p < n ? static_cast<unsigned char>(data[p]) : static_cast<unsigned char>(segment_separator);
        // ETX at the very end is unreachable after the ETX strip; kept for safety.
        if (!is_separator(b) && !(b == 0x03 && p + 1 == n)) [[unlikely]]
          return stop(b >= 0x80 ? errc::non_ascii : errc::control_character, p);
        const std::size_t len = p - field_start;
        // One compare for both limits: a field shorter than its ID wraps around to a huge length.
        if (len - 2 > max_field_length) [[unlikely]]
          return stop(len < 2 ? errc::bad_field_id : errc::field_too_long, field_start);
        if (field_count == max_fields) [[unlikely]]
          return stop(errc::too_many_fields, field_start);
        const field_id id = load_field_id(data + field_start);
        out.fields[field_count++] =
            field_ref{id, static_cast<std::uint16_t>(len - 2), static_cast<std::uint32_t>(field_start + 2)};
        if constexpr (F6) counted |= f6::may_be_counted(id);
        if (b != field_separator) break;
      }
    }
    out.field_count = field_count;
    seg.field_count = static_cast<std::uint16_t>(field_count - seg.first_field);
    if constexpr (F6)
      if (counted) counted_segments[counted_count++] = static_cast<std::uint8_t>(out.segment_count - 1);
  }
  if constexpr (F6) {
    // place_segment() counted the one transaction. Counts are checked in requests and responses
    // alike: F6 repeats patient IDs in AM01 and AM29 and payer IDs in AM25.
    return f6::check_repetition_counts(out, {counted_segments.data(), counted_count});
  }
  out.group_count = group;
  return {};
}

}  // namespace

std::string_view describe(const decode_error& e, std::span<char> buf) noexcept {
  const auto name = to_string(e.code);
  const auto why = explain(e.code);
  const auto fid = field_chars(e.field);
  const int n = e.field != 0
                    ? std::snprintf(buf.data(), buf.size(), "%.*s at byte %u (field %c%c): %.*s",
                                    static_cast<int>(name.size()), name.data(), e.offset, fid[0], fid[1],
                                    static_cast<int>(why.size()), why.data())
                    : std::snprintf(buf.data(), buf.size(), "%.*s at byte %u: %.*s",
                                    static_cast<int>(name.size()), name.data(), e.offset,
                                    static_cast<int>(why.size()), why.data());
  if (n < 0) return {};
  return {buf.data(), std::min(buf.size() ? buf.size() - 1 : 0, static_cast<std::size_t>(n))};
}

decode_error decode(std::string_view input, message& out) noexcept {
  // A decode leaves set only the header of the kind it read (the other stays empty). The request
  // header is written whole, or cleared, on every path below, so only a response header left by
  // the last call needs clearing here: clearing both whole structs on every call cost as much as
  // framing a segment.
  const bool last_was_response = out.kind == message_kind::response;
  if (last_was_response) out.response = {};
  const auto before_header = [&out](decode_error e) noexcept {
    out.request = {};
    return e;
  };
  out.kind = message_kind::request;
  out.version = wire_version::d0;
  out.bytes = {};
  out.base_offset = 0;
  out.batch_reference = {};
  out.group_count = 0;
  out.segment_count = 0;
  out.field_count = 0;
  if (input.empty()) return before_header(fail(errc::empty, 0));

  std::string_view body = input;
  std::size_t base = 0;
  if (input.front() == stx) {
    if (auto e = unwrap_batch(input, body, base, out.batch_reference)) return before_header(e);
  } else if (body.back() == etx) {
    body.remove_suffix(1);  // switch framings end a real-time message with ETX
  }
  out.bytes = body;
  out.base_offset = static_cast<std::uint32_t>(base);
  if (body.empty()) return before_header(fail(errc::empty, base));

  const f6::shape f6_shape = f6::detect(body);
  if (f6_shape == f6::shape::iin_first) return before_header(fail(errc::f6_iin_first_header, base + 8));
  const bool f6_request = f6_shape == f6::shape::request;
  const bool f6_framing = f6_shape == f6::shape::request || f6_shape == f6::shape::response;
  const bool response = f6_shape == f6::shape::response || (!f6_request && looks_like_response(body));
  if (response && !last_was_response) out.request = {};
  out.kind = response ? message_kind::response : message_kind::request;
  out.version = f6_shape == f6::shape::not_f6 ? wire_version::d0 : wire_version::f6;
  const std::size_t header_size = out.header_size();
  const auto read_header = [&](std::size_t readable) {
    if (f6_request)
      f6::read_request_header(body, readable, out.request);
    else
      read_request_header(body, readable, out.request);
  };

  // The fixed header: printable ASCII only, no separators.
  const std::size_t header_scan = std::min(header_size, body.size());
  detail::not_plain_scanner scan(body.data(), body.size());
  if (const std::size_t i = scan.next(0); i < header_scan) {
    if (!response) read_header(i);
    const bool separator = is_separator(static_cast<unsigned char>(body[i]));
    return fail(separator ? errc::short_header : errc::bad_header, base + i);
  }
  if (body.size() < header_size) {
    if (!response) read_header(body.size());
    return fail(errc::short_header, base + body.size());
  }
  if (response) {
    out.response = response_header{body.substr(0, 2),  body.substr(2, 2),  body.substr(4, 1),
                                   body.substr(5, 1),  body.substr(6, 2),  body.substr(8, 15),
                                   body.substr(23, 8)};
  } else {
    read_header(header_size);
  }

  if (f6_framing) return frame_segments<true>(body, base, header_size, scan, out);
  return frame_segments<false>(body, base, header_size, scan, out);
}

}  // namespace rxgate::codec
