// JSON-lines logging on spdlog: the pattern supplies time and level, line supplies the fields,
// escaped by the one JSON escaper (codec/json_writer.h).
#include "server/core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include "codec/json_writer.h"

namespace rxgate::server::log {
namespace {

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
  codec::append_json_string(text_, event);
}

line::~line() {
  if (!spdlog::should_log(level_)) return;
  // The pattern opens and closes the object around these fields.
  spdlog::log(level_, "{}", text_);
}

line& line::str(std::string_view key, std::string_view value) {
  if (!spdlog::should_log(level_)) return *this;
  text_ += ',';
  codec::append_json_string(text_, key);
  text_ += ':';
  codec::append_json_string(text_, value);
  return *this;
}

line& line::num(std::string_view key, std::int64_t value) {
  if (!spdlog::should_log(level_)) return *this;
  text_ += ',';
  codec::append_json_string(text_, key);
  text_ += ':';
  text_ += std::to_string(value);
  return *this;
}

line& line::num(std::string_view key, double value) {
  if (!spdlog::should_log(level_)) return *this;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  text_ += ',';
  codec::append_json_string(text_, key);
  text_ += ':';
  text_ += buf;
  return *this;
}

line& line::flag(std::string_view key, bool value) {
  if (!spdlog::should_log(level_)) return *this;
  text_ += ',';
  codec::append_json_string(text_, key);
  text_ += value ? ":true" : ":false";
  return *this;
}

void flush() {
  if (auto l = spdlog::default_logger()) l->flush();
}

}  // namespace rxgate::server::log
