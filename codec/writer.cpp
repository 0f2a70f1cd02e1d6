#include "codec/writer.h"

#include <array>
#include <cstring>

namespace rxgate::codec {

writer& writer::raw(std::string_view s) noexcept {
  if (!ok_ || s.empty()) return *this;
  if (s.size() > out_.size() - used_) {
    ok_ = false;
    return *this;
  }
  std::memcpy(out_.data() + used_, s.data(), s.size());
  used_ += s.size();
  return *this;
}

writer& writer::raw(char c) noexcept {
  if (!ok_) return *this;
  if (used_ == out_.size()) {
    ok_ = false;
    return *this;
  }
  out_[used_++] = c;
  return *this;
}

writer& writer::fixed(std::string_view s, std::size_t width) noexcept {
  if (s.size() > width) s = s.substr(0, width);
  raw(s);
  for (std::size_t i = s.size(); i < width && ok_; ++i) raw(' ');
  return *this;
}

writer& writer::segment(segment_id id) noexcept {
  const auto n = static_cast<unsigned>(id);
  const char two[2] = {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  return segment_raw({two, 2});
}

writer& writer::segment_raw(std::string_view two_chars) noexcept {
  raw(segment_separator);
  raw(field_separator);
  raw("AM");
  return raw(two_chars.substr(0, 2));
}

writer& writer::field_always(field_id id, std::string_view value) noexcept {
  const auto c = field_chars(id);
  raw(field_separator);
  raw(c[0]);
  raw(c[1]);
  return raw(value);
}

writer& writer::field(field_id id, std::string_view value, std::size_t max_len) noexcept {
  if (value.empty()) return *this;
  if (max_len > 0 && value.size() > max_len) value = value.substr(0, max_len);
  return field_always(id, value);
}

writer& writer::money(field_id id, std::int64_t cents) noexcept {
  std::array<char, 24> buf{};
  return field_always(id, format_overpunch(cents, buf));
}

writer& writer::number(field_id id, std::uint64_t v, std::size_t min_digits) noexcept {
  std::array<char, 24> buf{};
  return field_always(id, format_unsigned(v, buf, min_digits));
}

writer& writer::date_field(field_id id, date d) noexcept {
  std::array<char, 8> buf{};
  return field_always(id, format_date(d, buf));
}

writer& write_request_header(writer& w, const request_header_values& h) noexcept {
  std::array<char, 8> dos{};
  const char count = static_cast<char>('0' + (h.count >= 0 && h.count <= 9 ? h.count : 0));
  if (h.version == "F6")  // version first, then the transaction code and an 8-character IIN (codec/f6_frame.h)
    w.fixed(h.version, 2).fixed(h.transaction_code, 2).fixed(h.bin, 8);
  else
    w.fixed(h.bin, 6).fixed(h.version, 2).fixed(h.transaction_code, 2);
  w.fixed(h.pcn, 10)
      .raw(count)
      .fixed(h.provider_id_qualifier, 2)
      .fixed(h.provider_id, 15)
      .raw(format_date(h.date_of_service, dos))
      .fixed(h.software_id, 10);
  return w;
}

}  // namespace rxgate::codec
