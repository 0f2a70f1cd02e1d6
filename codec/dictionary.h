// The field dictionary: every field of the fixed headers and of the request and response segments
// of D.0 (ncpdp-d0.md §2-§5) and the fields F6 adds (codec/f6_fields.csv), with NCPDP number,
// name, format class and maximum length, and the names of the segments (F6's AM19, AM36-AM40 too).
//
// F6 fields. The public F6 sources give IDs and names but no NCPDP field numbers, so an F6 field
// that D.0 does not define has an empty `number` (none is made up) and the maximum length the
// generator's docstring explains; `f6_only` marks every listing that exists only from F6 on (a
// D.0 field F6 adds to another segment, such as 331-CX in AM29, keeps its D.0 number). People see
// a field without a number as "RR Patient ID Count (F6)" where others read "302-C2 Cardholder ID"
// (`rxgate decode`), and its JSON has no "number".
//
// The table is compiled in (codec/dictionary.cpp, generated from the digest and the F6 table by
// codec/dictionary_gen.py) and immutable: every pointer and view returned here has static storage
// duration. Lookups are binary searches over sorted constant arrays; nothing allocates.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "codec/view.h"

namespace rxgate::codec {

// How a field's value is written on the wire (ncpdp-d0.md §8).
enum class field_format : std::uint8_t {
  alphanumeric,  // x(n): trailing blanks are padding
  numeric,       // 9(n): unsigned digits, leading zeros optional (counts, codes, Rx numbers)
  money,         // s9(n)v99: signed overpunch, 2 implied decimals (cents)
  quantity,      // 9(7)v999: unsigned, 3 implied decimals
  rate,          // s9(3)v9999: signed overpunch, 4 implied decimals (percentage tax rates)
  percent,       // 9(3)v99: unsigned, 2 implied decimals (379-4D)
  date,          // 9(8) CCYYMMDD
  time,          // 9(4) HHMM (495-H1)
};

// Stable lower-case name of a format ("money").
std::string_view to_string(field_format f) noexcept;

struct field_info {
  field_id id = 0;                        // "D2" packed (codec/view.h)
  segment_id segment = segment_id::none;  // segment_id::none for the fixed-header fields
  field_format format = field_format::alphanumeric;
  std::uint8_t implied_decimals = 0;      // 2 money/percent, 3 quantity, 4 rate, else 0
  std::uint16_t max_length = 0;           // maximum length in bytes (F6-only fields: see above)
  std::string_view number;                // NCPDP field number, "402"; empty for F6-only IDs
  std::string_view name;                  // "Prescription/Service Reference Number"
  bool f6_only = false;                   // this segment lists the field only from F6 on
};

// The field `id` as listed for segment `seg`; when that segment does not list it (vendor
// segments, segment_id::none, a field sent in an unexpected segment), the entry for the same ID
// in another segment or the header (IDs mean the same thing wherever they occur: C1 in AM04 and
// AM25). nullptr for IDs neither D.0 nor F6 defines (vendor fields such as "*1"). The lookup does
// not know the transmission's version: an F6 ID found in a D.0 transmission is named all the same
// (its entry says f6_only).
const field_info* find_field(segment_id seg, field_id id) noexcept;
// The entry for `id` without a segment: the header's, else the first segment's that lists it.
const field_info* find_field(field_id id) noexcept;

// "Patient", "Claim", ..., "Narrative", "Intermediary" (F6 AM19), "Response Message", ...,
// "Response Patient", "Response Intermediary" ... "Response Provider" (F6 AM36-AM40).
// Empty for segment_id::none, segment_id::vendor and numbers neither version defines.
std::string_view segment_name(segment_id seg) noexcept;

// Every entry, sorted by (segment, field id); header fields (segment_id::none) first.
std::span<const field_info> all_fields() noexcept;

}  // namespace rxgate::codec
