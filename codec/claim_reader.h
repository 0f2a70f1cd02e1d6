// Internal to codec/ (not a public header): the reader that turns one transaction's segments
// into a typed claim with its rejects. claim.cpp drives it (validate()), claim_segments.cpp and
// claim_cob.cpp hold its per-segment readers. Nothing here allocates or throws.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/claim.h"

namespace rxgate::codec::detail {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

inline bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// Where the request header's fields start: D.0 (ncpdp-d0.md §2) and F6 (codec/f6_frame.h) put
// them at different offsets, and a header reject points at the field it names.
struct header_offsets {
  std::uint32_t bin, version, transaction_code, count, provider_id_qualifier, provider_id, date_of_service;
};
inline constexpr header_offsets d0_header_offsets{0, 6, 8, 20, 21, 23, 38};
inline constexpr header_offsets f6_header_offsets{4, 0, 2, 22, 23, 25, 40};
constexpr const header_offsets& offsets_of(wire_version v) noexcept {
  return v == wire_version::f6 ? f6_header_offsets : d0_header_offsets;
}

// 101-A1 as a payer reads it: D.0 carries a 6-digit BIN; F6 an 8-character IIN field holding an
// 8-digit IIN or a 6-digit BIN followed by two blanks. Anything else is 01 (M/I BIN/IIN).
inline bool usable_bin(std::string_view raw, wire_version v) noexcept {
  if (v == wire_version::d0) return raw.size() == 6 && all_digits(raw);
  if (raw.size() != 8) return false;
  if (all_digits(raw)) return true;
  return all_digits(raw.substr(0, 6)) && raw.substr(6) == "  ";
}

// The M/I reject code for a field (ncpdp-d0.md §10.3); most D.0 M/I codes reuse the field ID.
std::string_view missing_code(field_id id) noexcept;

// A text field of a segment and the member of T that takes its value (views, never rejected).
template <class T>
struct text_field {
  field_id id;
  std::string_view T::*member;
};

class claim_reader {
 public:
  claim_reader(const message& m, claim& c) noexcept : m_(m), c_(c) {}

  void reject(std::string_view code, field_id field, std::uint8_t occurrence, std::uint32_t offset) {
    c_.rejects.push(code, field, occurrence, m_.base_offset + offset);
  }
  void reject_field(const field_range& seg, field_id id, std::uint8_t occurrence = 0) {
    const auto code = missing_code(id);
    reject(code.empty() ? std::string_view{"85"} : code, id, occurrence, seg.offset_of(id));
  }

  std::string_view text(const field_range& seg, field_id id) { return seg.get_or_empty(id); }

  template <class T, std::size_t N>
  static void texts(const field_range& seg, const text_field<T> (&fields)[N], T& out) {
    for (const auto& f : fields) out.*f.member = seg.get_or_empty(f.id);
  }

  std::string_view required_text(const field_range& seg, field_id id, std::uint8_t occ = 0) {
    auto v = seg.get_or_empty(id);
    if (v.empty() || std::all_of(v.begin(), v.end(), [](char ch) { return ch == ' '; }))
      reject_field(seg, id, occ);
    return v;
  }

  // The value of `id` read by `parse` (nullopt = unreadable) and judged by `acceptable`; an empty
  // or absent value rejects only when required, an unreadable or unacceptable one always does.
  template <class Parse, class Acceptable>
  auto checked(const field_range& seg, field_id id, bool required, std::uint8_t occ, Parse parse,
               Acceptable acceptable) -> decltype(parse(std::string_view{})) {
    const auto v = seg.get(id);
    if (!v || v->empty()) {
      if (required) reject_field(seg, id, occ);
      return std::nullopt;
    }
    const auto n = parse(*v);
    if (!n || !acceptable(*n)) {
      reject_field(seg, id, occ);
      return std::nullopt;
    }
    return n;
  }

  std::optional<int> number(const field_range& seg, field_id id, int lo, int hi,
                            bool required = false, std::uint8_t occ = 0) {
    const auto n = checked(seg, id, required, occ, [](std::string_view v) { return parse_unsigned(v); },
                           [&](std::int64_t x) { return x >= lo && x <= hi; });
    return n ? std::optional<int>(static_cast<int>(*n)) : std::nullopt;
  }

  std::optional<std::int64_t> quantity(const field_range& seg, field_id id, bool required,
                                       std::uint8_t occ = 0) {
    return checked(seg, id, required, occ, [](std::string_view v) { return parse_unsigned(v); },
                   [&](std::int64_t x) { return !required || x != 0; });
  }

  std::optional<std::int64_t> money(const field_range& seg, field_id id, bool required = false,
                                    std::uint8_t occ = 0) {
    return checked(seg, id, required, occ, [](std::string_view v) { return parse_overpunch(v); },
                   [](std::int64_t) { return true; });
  }


  std::optional<date> date_of(const field_range& seg, field_id id, bool required = false) {
    const auto v = seg.get(id);
    if (!v || v->empty()) {
      if (required) reject_field(seg, id);
      return std::nullopt;
    }
    const auto d = parse_date(*v);
    if (!d) reject_field(seg, id);
    return d;
  }

  // A count field against the repetitions actually sent; returns the repetitions (all kept).
  std::size_t counted(const field_range& seg, field_id count_field, field_id start,
                      std::string_view mismatch_code, std::size_t max_supported,
                      std::string_view over_code, field_id alt_start = 0) {
    const std::size_t reps = seg.repetition_count(start, alt_start);
    const auto declared = seg.get(count_field);
    if (declared) {
      const auto n = parse_unsigned(*declared);
      if (!n) {
        reject_field(seg, count_field);
      } else if (static_cast<std::size_t>(*n) > max_supported && !over_code.empty()) {
        reject(over_code, count_field, 0, seg.offset_of(count_field));
      } else if (static_cast<std::size_t>(*n) != reps) {
        reject(mismatch_code, count_field, 0, seg.offset_of(count_field));
      }
    } else if (reps > 0) {
      reject_field(seg, count_field);
    }
    return reps;
  }

  // counted(), then `read(repetition, occurrence)` for each repetition kept (at most `max_supported`,
  // occurrences from 1); returns the repetitions sent.
  template <class Read>
  std::size_t each_counted(const field_range& seg, field_id count_field, field_id start,
                           std::string_view mismatch_code, std::size_t max_supported,
                           std::string_view over_code, field_id alt_start, Read read) {
    const std::size_t reps = counted(seg, count_field, start, mismatch_code, max_supported, over_code, alt_start);
    for (std::size_t k = 0; k < reps && k < max_supported; ++k)
      read(seg.repetition(k, start, alt_start), static_cast<std::uint8_t>(k + 1));
    return reps;
  }

  void read_header();
  void read_insurance(const segment_view& s);
  void read_patient(const segment_view& s);
  void read_claim(const segment_view& s, bool billing);
  void read_prescriber(const segment_view& s);
  void read_pharmacy_provider(const segment_view& s);
  void read_pricing(const segment_view& s, bool billing);
  void read_dur(const segment_view& s);
  void read_compound(const segment_view& s);
  void read_cob(const segment_view& s);
  void read_clinical(const segment_view& s);
  // AM12: a request (P1/P4) needs 498-PA, PB, PC and PD; P2/P3 need 498-PY.
  void read_prior_authorization(const segment_view& s, bool request);

 private:
  const message& m_;
  claim& c_;
};

}  // namespace rxgate::codec::detail
