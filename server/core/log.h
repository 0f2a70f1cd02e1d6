// The server's one logger: spdlog writing JSON lines to stderr.
//
// Every line is one object: {"ts":"2026-11-23T19:30:00.123456Z","level":"info","event":"...",...}.
// Only claim ids, BIN/PCN, codes, counts and timings go in; never patient or cardholder data
// and never raw claim bytes (README.md, Contracts). Fields are added with a small builder so
// that values are always escaped (codec/json_writer.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <spdlog/common.h>

namespace rxgate::server::log {

// Install the JSON-lines logger as spdlog's default (idempotent). `level` as in log.level.
void init(std::string_view level = "info");

// One log line under construction.
class line {
 public:
  line(spdlog::level::level_enum lvl, std::string_view event);
  ~line();  // writes the line
  line(const line&) = delete;
  line& operator=(const line&) = delete;

  line& str(std::string_view key, std::string_view value);
  line& num(std::string_view key, std::int64_t value);
  line& num(std::string_view key, double value);
  line& flag(std::string_view key, bool value);

 private:
  spdlog::level::level_enum level_;
  std::string text_;
};

inline line info(std::string_view event) { return line(spdlog::level::info, event); }
inline line warn(std::string_view event) { return line(spdlog::level::warn, event); }
inline line error(std::string_view event) { return line(spdlog::level::err, event); }
inline line debug(std::string_view event) { return line(spdlog::level::debug, event); }

void flush();

}  // namespace rxgate::server::log
