#include "codec/json_writer.h"

#include <charconv>

namespace rxgate::codec {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

bool needs_escape(unsigned char c) noexcept { return c < 0x20 || c >= 0x7F || c == '"' || c == '\\'; }

void append_unsigned(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.append(s.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + plain_from, s.size() - plain_from);
  out.push_back('"');
}

void append_json_decimal(std::string& out, std::int64_t units, int places) {
  std::uint64_t scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  const bool negative = units < 0;
  // Magnitude through unsigned arithmetic so that INT64_MIN does not overflow.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
  if (negative) out.push_back('-');
  append_unsigned(out, magnitude / scale);
  std::uint64_t fraction = magnitude % scale;
  if (fraction == 0) return;
  int digits = places;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  out.push_back('.');
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, fraction);
  const auto written = static_cast<int>(r.ptr - buf);
  out.append(static_cast<std::size_t>(digits - written), '0');
  out.append(buf, r.ptr);
}

json_writer& json_writer::key(std::string_view k) {
  comma();
  append_json_string(*out_, k);
  out_->push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view v) {
  comma();
  append_json_string(*out_, v);
  return *this;
}

json_writer& json_writer::value(std::int64_t v) {
  comma();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::value(bool v) {
  comma();
  out_->append(v ? "true" : "false");
  return *this;
}

json_writer& json_writer::null() {
  comma();
  out_->append("null");
  return *this;
}

json_writer& json_writer::decimal(std::int64_t units, int places) {
  comma();
  append_json_decimal(*out_, units, places);
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  comma();
  out_->append(json);
  return *this;
}

json_writer& json_writer::open(char c) {
  comma();
  out_->push_back(c);
  if (depth_ < 64) has_items_ &= ~(std::uint64_t{1} << depth_);
  ++depth_;
  return *this;
}

json_writer& json_writer::close(char c) {
  out_->push_back(c);
  if (depth_ > 0) --depth_;
  return *this;
}

void json_writer::comma() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0 || depth_ > 64) return;
  const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
  if (has_items_ & bit) out_->push_back(',');
  has_items_ |= bit;
}

}  // namespace rxgate::codec
