// A small JSON writer for the status API's answers: appends to one std::string, places commas
// itself, escapes every string. Not validating: the caller nests begin/end correctly (the API's
// code paths are fixed, and the OpenAPI test parses every answer).
//
// Numbers that are money (cents) or quantities (thousandths) are written as decimals with their
// implied places ("12.34", "30.5"), exactly, without going through floating point.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rxgate::server {

class json_writer {
 public:
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }

  json_writer& key(std::string_view k) {
    comma();
    string_literal(k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  json_writer& value(std::string_view v) {
    comma();
    string_literal(v);
    return *this;
  }
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(std::int64_t v) {
    comma();
    out_ += std::to_string(v);
    return *this;
  }
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(bool v) {
    comma();
    out_ += v ? "true" : "false";
    return *this;
  }
  json_writer& null() {
    comma();
    out_ += "null";
    return *this;
  }
  // A fixed-point number: `units` in 10^-places (money: places 2, quantities: places 3);
  // trailing zeros of the fraction are dropped ("30", "30.5", "12.34").
  json_writer& decimal(std::int64_t units, int places) {
    comma();
    std::int64_t scale = 1;
    for (int i = 0; i < places; ++i) scale *= 10;
    const bool negative = units < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
    if (negative) out_.push_back('-');
    out_ += std::to_string(magnitude / static_cast<std::uint64_t>(scale));
    std::uint64_t fraction = magnitude % static_cast<std::uint64_t>(scale);
    if (fraction) {
      std::string digits = std::to_string(fraction);
      digits.insert(0, static_cast<std::size_t>(places) - digits.size(), '0');
      while (!digits.empty() && digits.back() == '0') digits.pop_back();
      out_.push_back('.');
      out_ += digits;
    }
    return *this;
  }
  // Already valid JSON (e.g. codec::to_json output) inserted as one value.
  json_writer& raw(std::string_view json) {
    comma();
    out_ += json;
    return *this;
  }

  // Shorthands for "key": value pairs.
  json_writer& field(std::string_view k, std::string_view v) { return key(k).value(v); }
  json_writer& field(std::string_view k, const char* v) { return key(k).value(std::string_view(v)); }
  json_writer& field(std::string_view k, const std::string& v) { return key(k).value(std::string_view(v)); }
  json_writer& field(std::string_view k, std::int64_t v) { return key(k).value(v); }
  json_writer& field(std::string_view k, int v) { return key(k).value(v); }
  json_writer& field(std::string_view k, bool v) { return key(k).value(v); }
  // "key": value or "key": null.
  json_writer& field_or_null(std::string_view k, std::string_view v) {
    return v.empty() ? key(k).null() : key(k).value(v);
  }
  json_writer& money_or_null(std::string_view k, const std::optional<std::int64_t>& cents) {
    return cents ? key(k).decimal(*cents, 2) : key(k).null();
  }

  const std::string& str() const& noexcept { return out_; }
  std::string str() && noexcept { return std::move(out_); }

 private:
  json_writer& open(char c) {
    comma();
    out_.push_back(c);
    first_.push_back(true);
    return *this;
  }
  json_writer& close(char c) {
    out_.push_back(c);
    if (!first_.empty()) first_.pop_back();
    return *this;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  void string_literal(std::string_view v) {
    out_.push_back('"');
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        out_.push_back('\\');
        out_.push_back(ch);
      } else if (c < 0x20 || c >= 0x7F) {
        // D.0 data is ASCII; anything else is shown, not trusted, as \u00XX (read as Latin-1).
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out_ += buf;
      } else {
        out_.push_back(ch);
      }
    }
    out_.push_back('"');
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace rxgate::server
