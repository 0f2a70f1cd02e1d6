// The one JSON writer of rxgate: every JSON text the project writes (decode --json, the claim
// detail stored with each claim, the status API, the dashboard, the logs, the load report, error
// bodies) goes through it, so there is one escaping policy.
//
// Contract:
// - Appends to a std::string owned by the caller; reusing that string (clear() between uses) means
//   no allocation once it has grown, so the writer is fit for the claim path.
// - Places commas itself; the caller nests begin/end correctly (not validated beyond a depth of 64).
// - Strings are escaped by append_json_string(): `"` and `\` with a backslash, \n \r \t as such,
//   any other byte below 0x20 or from 0x7F up as \u00XX (read as Latin-1, so the output is valid
//   UTF-8 whatever the input bytes are; D.0 data is ASCII).
// - Money (cents) and quantities (thousandths) are written as exact decimals without floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rxgate::codec {

// Appends `s` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view s);

// Appends `units` in 10^-places as a JSON number, trailing zeros of the fraction dropped:
// (3050, 2) -> 30.5, (3000, 2) -> 30, (-5, 2) -> -0.05. places is 0..18.
void append_json_decimal(std::string& out, std::int64_t units, int places);

class json_writer {
 public:
  explicit json_writer(std::string& out) noexcept : out_(&out) {}

  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }

  json_writer& key(std::string_view k);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(const std::string& v) { return value(std::string_view(v)); }
  json_writer& value(std::int64_t v);
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(std::uint32_t v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(bool v);
  json_writer& null();
  // A fixed-point number: `units` in 10^-places (money: 2, quantities: 3).
  json_writer& decimal(std::int64_t units, int places);
  // Already valid JSON (e.g. codec::to_json output) inserted as one value.
  json_writer& raw(std::string_view json);

  // "key": value shorthands.
  template <class T>
  json_writer& field(std::string_view k, const T& v) {
    return key(k).value(v);
  }
  json_writer& field(std::string_view k, const char* v) { return key(k).value(std::string_view(v)); }
  // "key": value, or "key": null when v is empty.
  json_writer& field_or_null(std::string_view k, std::string_view v) { return v.empty() ? key(k).null() : key(k).value(v); }
  // "key": value, only when v is not empty.
  json_writer& field_if(std::string_view k, std::string_view v) { return v.empty() ? *this : key(k).value(v); }
  // "key": 12.34 or "key": null.
  json_writer& money_or_null(std::string_view k, const std::optional<std::int64_t>& cents) {
    return cents ? key(k).decimal(*cents, 2) : key(k).null();
  }

  std::string& out() noexcept { return *out_; }

 private:
  json_writer& open(char c);
  json_writer& close(char c);
  void comma();

  std::string* out_;
  std::uint64_t has_items_ = 0;  // bit d: the container at depth d already holds an item
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace rxgate::codec
