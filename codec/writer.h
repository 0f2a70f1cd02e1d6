// A bounded writer of D.0 bytes: fixed headers, segments, fields, group separators. Used by the
// response builder and to build requests (load generator, tests, `rxgate encode`). It writes into
// a caller buffer and never allocates; once the buffer is full every further call is a no-op and
// ok() turns false.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "codec/numeric.h"
#include "codec/view.h"

namespace rxgate::codec {

inline constexpr char segment_separator = '\x1E';
inline constexpr char field_separator = '\x1C';
inline constexpr char group_separator = '\x1D';
inline constexpr char stx = '\x02';
inline constexpr char etx = '\x03';

class writer {
 public:
  explicit writer(std::span<char> out) noexcept : out_(out) {}

  // Raw bytes.
  writer& raw(std::string_view s) noexcept;
  writer& raw(char c) noexcept;
  // `s` left-justified in `width` bytes, blank filled (cut if longer): fixed-header fields.
  writer& fixed(std::string_view s, std::size_t width) noexcept;

  // RS FS "AM" + 2-digit id.
  writer& segment(segment_id id) noexcept;
  writer& segment_raw(std::string_view two_chars) noexcept;
  writer& group() noexcept { return raw(group_separator); }

  // FS + id + value (value cut to max_len when max_len > 0). Empty values are skipped, as D.0
  // senders do not send blank fields.
  writer& field(field_id id, std::string_view value, std::size_t max_len = 0) noexcept;
  // Same, but sent even when empty.
  writer& field_always(field_id id, std::string_view value) noexcept;
  writer& money(field_id id, std::int64_t cents) noexcept;  // overpunched
  writer& number(field_id id, std::uint64_t v, std::size_t min_digits = 1) noexcept;
  writer& date_field(field_id id, date d) noexcept;

  bool ok() const noexcept { return ok_; }
  std::size_t size() const noexcept { return used_; }
  std::string_view view() const noexcept { return {out_.data(), used_}; }

 private:
  std::span<char> out_;
  std::size_t used_ = 0;
  bool ok_ = true;
};

// The request header: 56 bytes for D.0; with version "F6" the 58-byte F6 header (102-A2 first,
// `bin` written as the 8-character 101-A1 IIN). An F6 request then carries its one transaction
// without a group separator: callers do not call group() (decode() refuses a 0x1D in F6).
struct request_header_values {
  std::string_view bin, version = "D0", transaction_code = "B1", pcn;
  int count = 1;
  std::string_view provider_id_qualifier = "01", provider_id;
  date date_of_service;
  std::string_view software_id;
};
writer& write_request_header(writer& w, const request_header_values& h) noexcept;

}  // namespace rxgate::codec
