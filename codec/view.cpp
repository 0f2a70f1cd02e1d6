#include "codec/view.h"

namespace rxgate::codec {

std::string_view trim_value(std::string_view raw) noexcept {
  while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
  return raw;
}

const field_ref& field_range::ref(std::size_t i) const noexcept { return msg_->fields[first_ + i]; }

std::string_view field_range::raw(std::size_t i) const noexcept {
  const field_ref& f = ref(i);
  return msg_->bytes.substr(f.offset, f.length);
}

std::string_view field_range::value(std::size_t i) const noexcept { return trim_value(raw(i)); }

int field_range::find(field_id id) const noexcept {
  for (std::size_t i = 0; i < count_; ++i)
    if (msg_->fields[first_ + i].id == id) return static_cast<int>(i);
  return -1;
}

std::optional<std::string_view> field_range::get(field_id id) const noexcept {
  const int i = find(id);
  if (i < 0) return std::nullopt;
  return value(static_cast<std::size_t>(i));
}

std::string_view field_range::get_or_empty(field_id id) const noexcept {
  const int i = find(id);
  return i < 0 ? std::string_view{} : value(static_cast<std::size_t>(i));
}

bool field_range::has(field_id id) const noexcept { return find(id) >= 0; }

std::size_t field_range::count(field_id id) const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i) n += msg_->fields[first_ + i].id == id;
  return n;
}

std::uint32_t field_range::offset_of(field_id id) const noexcept {
  const int i = find(id);
  if (i >= 0) return ref(static_cast<std::size_t>(i)).offset;
  return count_ ? ref(0).offset : 0;
}

namespace {
bool starts(field_id f, field_id start, field_id alt) noexcept {
  return f == start || (alt != 0 && f == alt);
}
}  // namespace

// With an alternative start (RE or TE), a TE right after its RE belongs to the same repetition:
// a start field opens a new repetition only when the current one already holds that same field.
// Writes the field index of each opening into `opens` (up to `cap`) and returns how many there are.
std::size_t field_range::openings(field_id start, field_id alt_start, std::uint16_t* opens,
                                  std::size_t cap) const noexcept {
  std::size_t n = 0;
  bool seen_primary = false, seen_alt = false;
  for (std::size_t i = 0; i < count_; ++i) {
    const field_id f = msg_->fields[first_ + i].id;
    if (!starts(f, start, alt_start)) continue;
    const bool primary = f == start;
    if (n == 0 || (primary ? seen_primary : seen_alt)) {
      if (n < cap) opens[n] = static_cast<std::uint16_t>(i);
      ++n;
      seen_primary = seen_alt = false;
    }
    (primary ? seen_primary : seen_alt) = true;
  }
  return n;
}

std::size_t field_range::repetition_count(field_id start, field_id alt_start) const noexcept {
  return openings(start, alt_start, nullptr, 0);
}

field_range field_range::repetition(std::size_t k, field_id start, field_id alt_start) const noexcept {
  std::array<std::uint16_t, max_fields> opens;  // NOLINT: filled up to n below
  const std::size_t n = openings(start, alt_start, opens.data(), opens.size());
  if (k >= n) return {};
  const std::size_t begin = opens[k];
  const std::size_t end = k + 1 < n ? opens[k + 1] : count_;
  return field_range{msg_, static_cast<std::uint16_t>(first_ + begin),
                     static_cast<std::uint16_t>(end - begin)};
}

std::size_t message::header_size() const noexcept {
  if (kind == message_kind::response) return response_header_size;
  return version == wire_version::f6 ? f6_request_header_size : request_header_size;
}

int message::declared_count() const noexcept {
  const auto c = kind == message_kind::request ? request.count : response.count;
  return c.size() == 1 && c[0] >= '0' && c[0] <= '9' ? c[0] - '0' : 0;
}

segment_view message::find(segment_id id, int group) const noexcept {
  for (std::size_t i = 0; i < segment_count; ++i)
    if (segments[i].id == id && segments[i].group == group) return {this, &segments[i]};
  return {};
}

segment_view message::find_for(segment_id id, int group) const noexcept {
  if (auto s = find(id, group)) return s;
  if (group != 0) return find(id, 0);
  return {};
}

int message::count_segments(segment_id id, int group) const noexcept {
  int n = 0;
  for (std::size_t i = 0; i < segment_count; ++i)
    n += segments[i].id == id && segments[i].group == group;
  return n;
}

}  // namespace rxgate::codec
