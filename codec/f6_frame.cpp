#include "codec/f6_frame.h"

namespace rxgate::codec::f6 {

namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) noexcept {
  for (const char c : s)
    if (!is_digit(c)) return false;
  return !s.empty();
}

bool is_segment_or_group_separator(char c) noexcept { return c == 0x1E || c == 0x1D; }

decode_error fail(errc code, std::size_t offset, field_id field = 0) noexcept {
  return decode_error{code, static_cast<std::uint32_t>(offset), field};
}

// A repeating qualifier/ID pair and the count field that announces its repetitions.
struct counted_pair {
  field_id count, qualifier, id;
};
constexpr counted_pair counted_pairs[] = {
    {make_field_id('R', 'R'), make_field_id('C', 'X'), make_field_id('C', 'Y')},  // patient IDs
    {make_field_id('K', 'R'), make_field_id('J', '7'), make_field_id('J', '8')},  // payer IDs
};

// Closes one window of a segment: the fields after a count field (or from the segment's start
// when `count_index` < 0) up to the next count field.
decode_error check_window(const field_range& s, const counted_pair& p, int count_index,
                          std::size_t qualifiers, std::size_t ids, std::size_t first_extra,
                          std::size_t base) noexcept {
  if (count_index < 0) {
    if (qualifiers <= 1 && ids <= 1) return {};
    return fail(errc::f6_repetition_count, base + first_extra, p.count);
  }
  const auto i = static_cast<std::size_t>(count_index);
  const std::string_view v = s.value(i);
  std::size_t declared = 0;
  for (const char c : v) declared = declared * 10 + static_cast<std::size_t>(c - '0');
  if (all_digits(v) && v.size() <= 2 && declared == qualifiers && declared == ids) return {};
  return fail(errc::f6_repetition_count, base + s.ref(i).offset, p.count);
}

}  // namespace

shape detect(std::string_view body) noexcept {
  if (body.size() >= 10 && all_digits(body.substr(0, 8)) && body.substr(8, 2) == "F6")
    return shape::iin_first;
  if (body.size() < 2 || body.substr(0, 2) != "F6") return shape::not_f6;
  if (body.size() == response_header_size) return shape::response;
  if (body.size() > response_header_size && is_segment_or_group_separator(body[response_header_size]))
    return shape::response;
  return shape::request;
}

void read_request_header(std::string_view body, std::size_t readable, request_header& h) noexcept {
  const auto at = [&](std::size_t offset, std::size_t length) {
    return offset + length <= readable ? body.substr(offset, length) : std::string_view{};
  };
  h.version = at(0, 2);
  h.transaction_code = at(2, 2);
  h.bin = at(4, 8);
  h.pcn = at(12, 10);
  h.count = at(22, 1);
  h.provider_id_qualifier = at(23, 2);
  h.provider_id = at(25, 15);
  h.date_of_service = at(40, 8);
  h.software_id = at(48, 10);
}

segment_id classify(char a, char b) noexcept {
  if (!is_digit(a) || !is_digit(b)) return segment_id::vendor;
  const int n = (a - '0') * 10 + (b - '0');
  if ((n >= 1 && n <= 16) || n == 19 || (n >= 20 && n <= 29) || (n >= 36 && n <= 40))
    return static_cast<segment_id>(n);
  return segment_id::vendor;
}

decode_error place_segment(message& out, segment_ref& seg, std::size_t base) noexcept {
  const bool response = out.kind == message_kind::response;
  // E1 carries everything at transmission level, as in D.0.
  if (!response && out.request.transaction_code == "E1") {
    seg.group = 0;
    return {};
  }
  // Request: patient, insurance, intermediary; response: message, insurance, patient (the
  // segments D.0 sends before the first group separator).
  const bool transmission_level =
      response ? seg.id == segment_id::response_message || seg.id == segment_id::response_insurance ||
                     seg.id == segment_id::response_patient
               : seg.id == segment_id::patient || seg.id == segment_id::insurance ||
                     seg.id == segment_id::f6_intermediary;
  const bool started = out.group_count != 0;
  if (transmission_level || (!started && seg.id == segment_id::vendor)) {
    seg.group = 0;
    return {};
  }
  // The segment that opens a transaction: Claim (07) in a request, Status (21) in a response.
  const segment_id opener = response ? segment_id::response_status : segment_id::claim;
  if (seg.id == opener && started)
    for (std::size_t i = 0; i < out.segment_count; ++i)
      if (out.segments[i].id == opener) return fail(errc::f6_second_transaction, base + seg.offset);
  seg.group = 1;
  out.group_count = 1;
  return {};
}

decode_error check_repetition_counts(const message& m, std::span<const std::uint8_t> counted) noexcept {
  // One window per counted pair, both walked in one pass over the segment's fields.
  struct window {
    int count_index = -1;
    std::size_t qualifiers = 0, ids = 0, first_extra = 0;
  };
  for (const std::uint8_t index : counted) {
    const segment_ref& ref = m.segments[index];
    const field_ref* const first = m.fields.data() + ref.first_field;
    const segment_view seg{&m, &ref};
    const field_range& s = seg;  // field access by index
    window windows[std::size(counted_pairs)];
    for (std::size_t i = 0; i < s.size(); ++i) {
      const field_id f = first[i].id;
      if (!may_be_counted(f)) continue;
      for (std::size_t k = 0; k < std::size(counted_pairs); ++k) {
        const counted_pair& p = counted_pairs[k];
        window& w = windows[k];
        if (f == p.count) {
          if (auto e = check_window(s, p, w.count_index, w.qualifiers, w.ids, w.first_extra, m.base_offset)) return e;
          w.count_index = static_cast<int>(i);
          w.qualifiers = w.ids = 0;
        } else if (f == p.qualifier || f == p.id) {
          std::size_t& n = f == p.qualifier ? w.qualifiers : w.ids;
          if (++n == 2 && w.count_index < 0 && w.first_extra == 0) w.first_extra = first[i].offset;
        }
      }
    }
    for (std::size_t k = 0; k < std::size(counted_pairs); ++k) {
      const window& w = windows[k];
      if (auto e = check_window(s, counted_pairs[k], w.count_index, w.qualifiers, w.ids, w.first_extra, m.base_offset))
        return e;
    }
  }
  return {};
}

}  // namespace rxgate::codec::f6
