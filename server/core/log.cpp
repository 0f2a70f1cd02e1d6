// JSON-lines logging on spdlog: the pattern supplies time and level, line supplies the fields.
#include "server/core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

namespace rxgate::server::log {
namespace {

void append_escaped(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::once_flag g_init;

}  // namespace

void init(std::string_view level) {
  std::call_once(g_init, [] {
    auto logger = spdlog::stderr_logger_mt("rxgate");
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    spdlog::flush_on(spdlog::level::warn);
  });
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
}

line::line(spdlog::level::level_enum lvl, std::string_view event) : level_(lvl) {
  if (!spdlog::should_log(level_)) return;
  text_.reserve(160);
  text_ += "\"event\":";
  append_escaped(text_, event);
}

line::~line() {
  if (!spdlog::should_log(level_)) return;
  // The pattern opens and closes the object around these fields.
  spdlog::log(level_, "{}", text_);
}

line& line::str(std::string_view key, std::string_view value) {
  if (!spdlog::should_log(level_)) return *this;
  text_ += ',';
  append_escaped(text_, key);
  text_ += ':';
  append_escaped(text_, value);
  return *this;
}

line& line::num(std::string_view key, std::int64_t value) {
  if (!spdlog::should_log(level_)) return *this;
  text_ += ',';
  append_escaped(text_, key);
  text_ += ':';
  text_ += std::to_string(value);
  return *this;
}

line& line::num(std::string_view key, double value) {
  if (!spdlog::should_log(level_)) return *this;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  text_ += ',';
  append_escaped(text_, key);
  text_ += ':';
  text_ += buf;
  return *this;
}

line& line::flag(std::string_view key, bool value) {
  if (!spdlog::should_log(level_)) return *this;
  text_ += ',';
  append_escaped(text_, key);
  text_ += value ? ":true" : ":false";
  return *this;
}

void flush() {
  if (auto l = spdlog::default_logger()) l->flush();
}

}  // namespace rxgate::server::log
