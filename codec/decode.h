// Framing: split a D.0 transmission into segments and fields (ncpdp-d0.md §1).
//
// decode() reads requests (56-byte header starting with the BIN) and responses (31-byte header
// starting with "D0"), and F6 requests (58-byte header starting with "F6", one transaction, no
// GS) and responses (31 bytes, "F6"); message::version says which (codec/f6_frame.h). It reads
// them with or without a trailing ETX, bare or inside a Batch 1.2 detail record
// (STX "G1" ref(10) ... ETX). It checks structure only; what a payer would reject (version,
// transaction code, counts, mandatory fields) is validate()'s job (codec/claim.h). It never
// allocates and never reads outside `input`.
#pragma once

#include <cstdint>
#include <string_view>

#include "codec/view.h"

namespace rxgate::codec {

enum class errc : std::uint8_t {
  ok = 0,
  empty,                // 0 bytes
  short_header,         // fewer bytes than the fixed header
  bad_header,           // header bytes that cannot be a D.0 header (not ASCII, separators inside)
  unknown_kind,         // not the kind the caller expects (decode() itself never returns it)
  bad_batch_record,     // STX without a G1 detail record, or no closing ETX
  missing_segment_separator,  // data after the header that does not start with RS or GS
  missing_field_separator,    // a segment that does not start with FS
  missing_segment_identification,  // FS present, but not followed by "AM" (111-AM)
  bad_segment_id,       // "AM" not followed by two characters
  bad_field_id,         // a field shorter than its 2-character ID
  control_character,    // a control byte other than the separators (NUL, STX inside data ...)
  non_ascii,            // a byte >= 0x80
  field_too_long,       // a value longer than any D.0 field (500 bytes)
  too_many_segments,
  too_many_fields,
  too_many_groups,      // more than 4 GS groups
  empty_group,          // GS with no segment after it
  // F6 (codec/f6_frame.h)
  f6_iin_first_header,  // an 8-digit IIN before "F6": a header shape F6 does not have (version comes first)
  f6_group_separator,   // a GS (0x1D) in an F6 request or response: F6 carries one transaction, no GS
  f6_second_transaction,  // a second AM07 in an F6 request, a second AM21 in an F6 response
  f6_repetition_count,  // a count field (RR, KR) that disagrees with the repetitions after it
};

// Stable lower-case name of an error ("short_header").
std::string_view to_string(errc e) noexcept;

struct decode_error {
  errc code = errc::ok;
  std::uint32_t offset = 0;  // byte offset in the input given to decode()
  field_id field = 0;        // the field the error is about, when one is (f6_repetition_count)
  explicit operator bool() const noexcept { return code != errc::ok; }
};

// The longest value any D.0 field may carry (498-PP supporting documentation).
inline constexpr std::size_t max_field_length = 500;

// Decode `input` into `out`. On error `out` holds what was framed before the error (its header is
// valid when the error is past the header; on a header error of a request, the header fields that
// lie wholly before the error are set and the rest are empty), which lets a server still echo
// what it read in a transmission reject.
decode_error decode(std::string_view input, message& out) noexcept;

// Human-readable one-line description of an error, e.g.
// "missing_field_separator at byte 57: a segment must start with FS (0x1C) \"AM\"; ...". Writes into `buf`
// and returns the used part. Never includes data bytes, only offsets and IDs.
std::string_view describe(const decode_error& e, std::span<char> buf) noexcept;

}  // namespace rxgate::codec
