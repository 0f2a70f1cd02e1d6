// F6 framing facts behind decode() (internal to rxgate_codec).
//
// An F6 request starts with its version: 102-A2 "F6" (0,2), 103-A3 (2,2), 101-A1 IIN (4,8),
// 104-A4 (12,10), 109-A9 (22,1), 202-B2 (23,2), 201-B1 (25,15), 401-D1 (40,8), 110-AK (48,10): 58
// bytes, the layout of transactrx/NCPDPSerDe. An F6 response keeps D.0's 31-byte header; both start
// with "F6", so the header length tells them apart (a separator right after byte 31 is a
// response). An 8-digit IIN before "F6" is a shape other codecs guess without a spec licence: it
// is refused, not guessed. An F6 request carries one transaction and no group separator; the
// transaction starts at the first transaction-level segment.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "codec/decode.h"
#include "codec/view.h"

namespace rxgate::codec::f6 {

enum class shape : std::uint8_t { not_f6, request, response, iin_first };

// What the first bytes of a transmission (no STX/ETX) say about F6.
shape detect(std::string_view body) noexcept;

// The F6 request header fields that lie wholly inside the first `readable` bytes of `body`.
void read_request_header(std::string_view body, std::size_t readable, request_header& h) noexcept;

// Segment ID of "AMnn" in an F6 transmission: D.0's IDs plus 19 and 36-40.
segment_id classify(char a, char b) noexcept;

// Places the segment being framed (out.segments[out.segment_count], not yet counted) at
// transmission level (group 0) or in the one transaction (group 1) and refuses a second
// transaction: a second Claim segment (AM07) in a request, a second Status segment (AM21) in a
// response. A response keeps AM20, AM25 and AM29 at transmission level, as D.0 does. `base` is the offset of message::bytes in decode()'s input.
decode_error place_segment(message& out, segment_ref& seg, std::size_t base) noexcept;

// Whether a field may belong to a counted repetition: a count (RR patient IDs, KR payer IDs) or
// one of the qualifier/ID pairs it counts (CX/CY, J7/J8). Framing asks this of every F6 field,
// so it is a one-word filter (a multiplicative hash to one of 64 bits) rather than six compares:
// it is never false for those six IDs, and true for few others (of the IDs in tests/data only
// J9), which cost no more than a segment that check_repetition_counts() reads for nothing.
constexpr std::uint32_t counted_hash_multiplier = 0x7F9AFEADu;
constexpr unsigned counted_hash(field_id f) noexcept {
  return static_cast<unsigned>((static_cast<std::uint32_t>(f) * counted_hash_multiplier) >> 26);
}
constexpr std::uint64_t counted_filter =
    (std::uint64_t{1} << counted_hash(make_field_id('R', 'R'))) | (std::uint64_t{1} << counted_hash(make_field_id('C', 'X'))) |
    (std::uint64_t{1} << counted_hash(make_field_id('C', 'Y'))) | (std::uint64_t{1} << counted_hash(make_field_id('K', 'R'))) |
    (std::uint64_t{1} << counted_hash(make_field_id('J', '7'))) | (std::uint64_t{1} << counted_hash(make_field_id('J', '8')));
constexpr bool may_be_counted(field_id f) noexcept { return (counted_filter >> counted_hash(f)) & 1u; }

// Every count field (RR patient IDs over CX/CY, KR payer IDs over J7/J8) must equal the number of
// qualifier/ID repetitions that follow it in its segment up to the next count field; without a
// count at most one pair may appear. The error names the count field. Only the segments listed in
// `counted` (indexes into m.segments, those holding a may_be_counted() field, in order) are read:
// framing lists them as it goes, so a claim without repetitions costs nothing here.
decode_error check_repetition_counts(const message& m, std::span<const std::uint8_t> counted) noexcept;

}  // namespace rxgate::codec::f6
