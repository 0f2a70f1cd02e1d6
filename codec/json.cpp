#include "codec/json.h"

#include "codec/json_writer.h"

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <vector>

#include "codec/decode.h"
#include "codec/writer.h"

namespace rxgate::codec {
namespace {

// ---------------------------------------------------------------------------------------------
// Writing

struct header_key {
  std::string_view key;
  std::size_t width;
};

// Fixed-header layouts (ncpdp-d0.md §2, §3), in wire order.
constexpr std::array<header_key, 9> k_request_header{{
    {"A1", 6}, {"A2", 2}, {"A3", 2}, {"A4", 10}, {"A9", 1}, {"B2", 2}, {"B1", 15}, {"D1", 8}, {"AK", 10}}};
// F6 request (codec/f6_frame.h): version first, an 8-character IIN; an F6 response keeps D.0's.
constexpr std::array<header_key, 9> k_f6_request_header{{
    {"A2", 2}, {"A3", 2}, {"A1", 8}, {"A4", 10}, {"A9", 1}, {"B2", 2}, {"B1", 15}, {"D1", 8}, {"AK", 10}}};
constexpr std::array<header_key, 7> k_response_header{{
    {"A2", 2}, {"A3", 2}, {"A9", 1}, {"F1", 1}, {"B2", 2}, {"B1", 15}, {"D1", 8}}};

void append_segment(std::string& out, const message& m, const segment_ref& ref) {
  out.append("{\"id\":");
  append_json_string(out, std::string_view(ref.raw_id.data(), ref.raw_id.size()));
  out.append(",\"fields\":[");
  const field_range seg(&m, ref.first_field, ref.field_count);
  for (std::size_t i = 0; i < seg.size(); ++i) {
    if (i) out.push_back(',');
    const auto id = field_chars(seg.id(i));
    out.push_back('[');
    append_json_string(out, std::string_view(id.data(), id.size()));
    out.push_back(',');
    append_json_string(out, seg.value(i));
    out.push_back(']');
  }
  out.append("]}");
}

void append_segments_of_group(std::string& out, const message& m, std::uint8_t group) {
  out.append("\"segments\":[");
  bool first = true;
  for (const auto& ref : m.all_segments()) {
    if (ref.group != group) continue;
    if (!first) out.push_back(',');
    first = false;
    append_segment(out, m, ref);
  }
  out.push_back(']');
}

template <std::size_t N>
void append_header(std::string& out, const std::array<header_key, N>& keys,
                   const std::array<std::string_view, N>& values) {
  out.append("\"header\":{");
  for (std::size_t i = 0; i < N; ++i) {
    if (i) out.push_back(',');
    append_json_string(out, keys[i].key);
    out.push_back(':');
    append_json_string(out, trim_value(values[i]));
  }
  out.push_back('}');
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace od = simdjson::ondemand;

struct parsed_field {
  std::string_view id, value;
};
struct parsed_segment {
  std::string_view id;
  std::uint8_t group = 0;
  std::size_t first_field = 0, field_count = 0;
};
struct parsed_header_value {
  std::string_view key, value;
  std::size_t offset = 0;
};

constexpr std::size_t k_max_header_values = 16;

bool is_wire_text(std::string_view s) noexcept {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// One parse: the JSON text, where values sit in it, what was read so far, and the first error.
class reader {
 public:
  reader(const char* text, std::size_t size, std::vector<parsed_field>& field_store,
         std::vector<parsed_segment>& segment_store)
      : fields(field_store), segments(segment_store), base_(text), size_(size) {
    fields.clear();
    segments.clear();
  }

  json_error error;
  std::string_view kind = "request";
  bool kind_seen = false;
  std::array<parsed_header_value, k_max_header_values> header{};
  std::size_t header_count = 0;
  std::vector<parsed_field>& fields;
  std::vector<parsed_segment>& segments;
  std::uint8_t group_count = 0;

  bool fail(std::size_t offset, std::string message) {
    if (!error) error = json_error{std::move(message), offset};
    return false;
  }
  // A structural JSON error: simdjson's description at the parser's current place.
  bool fail_json(simdjson::error_code code, od::document& doc) {
    const char* at = nullptr;
    std::size_t offset = size_;
    if (doc.current_location().get(at) == simdjson::SUCCESS) offset = offset_of(at);
    return fail(offset, std::string("malformed JSON: ") + simdjson::error_message(code));
  }
  std::size_t offset_of(const char* p) const noexcept {
    return (p >= base_ && p <= base_ + size_) ? static_cast<std::size_t>(p - base_) : size_;
  }
  std::size_t offset_of(od::value& v) noexcept { return offset_of(v.raw_json_token().data()); }

  bool read_root(od::document& doc) {
    od::object root;
    if (auto e = doc.get_object().get(root)) {
      if (e == simdjson::INCORRECT_TYPE) return fail(0, "the document must be a JSON object");
      return fail_json(e, doc);
    }
    bool header_seen = false, segments_seen = false, transactions_seen = false;
    for (auto member : root) {
      std::string_view key;
      od::value v;
      if (auto e = member.unescaped_key().get(key)) return fail_json(e, doc);
      // The key view lives in the parser's string buffer only until the value is read: copy the
      // decision, not the view.
      enum { k_kind, k_header, k_segments, k_transactions, k_other } which =
          key == "kind" ? k_kind : key == "header" ? k_header : key == "segments" ? k_segments
          : key == "transactions" ? k_transactions : k_other;
      if (auto e = member.value().get(v)) return fail_json(e, doc);
      const std::size_t at = offset_of(v);
      switch (which) {
        case k_kind: {
          if (kind_seen) return fail(at, "\"kind\" given twice");
          kind_seen = true;
          std::string_view s;
          if (v.get_string().get(s) || (s != "request" && s != "response"))
            return fail(at, "\"kind\" must be \"request\" or \"response\"");
          kind = s == "request" ? "request" : "response";
          break;
        }
        case k_header:
          if (header_seen) return fail(at, "\"header\" given twice");
          header_seen = true;
          if (!read_header(v, doc)) return false;
          break;
        case k_segments:
          if (segments_seen) return fail(at, "\"segments\" given twice");
          segments_seen = true;
          if (!read_segments(v, 0, doc)) return false;
          break;
        case k_transactions:
          if (transactions_seen) return fail(at, "\"transactions\" given twice");
          transactions_seen = true;
          if (!read_transactions(v, doc)) return false;
          break;
        case k_other:
          return fail(at, "unknown key at top level (expected kind, header, segments, transactions)");
      }
    }
    if (error) return false;
    // simdjson 3.0's document has no at_end(): a location still in bounds means bytes follow.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS)
      return fail(offset_of(rest), "malformed JSON: content after the top-level object");
    if (!header_seen) return fail(0, "\"header\" is missing");
    return true;
  }

  bool read_header(od::value& v, od::document& doc) {
    od::object obj;
    if (v.get_object().get(obj)) return fail(offset_of(v), "\"header\" must be an object");
    for (auto member : obj) {
      std::string_view key_view;
      od::value value;
      if (auto e = member.unescaped_key().get(key_view)) return fail_json(e, doc);
      // The key view is only good until the value is read: keep a copy of its 2 characters.
      const bool key_ok = key_view.size() == 2;
      const std::array<char, 2> key{key_ok ? key_view[0] : ' ', key_ok ? key_view[1] : ' '};
      if (auto e = member.value().get(value)) return fail_json(e, doc);
      const std::size_t at = offset_of(value);
      if (!key_ok) return fail(at, "header keys are two-character field IDs");
      std::string_view s;
      if (value.get_string().get(s)) return fail(at, "header values must be strings");
      if (header_count == header.size()) return fail(at, "too many header keys");
      const std::size_t slot = header_count++;
      key_store_[slot] = key;
      header[slot] = {std::string_view(key_store_[slot].data(), 2), s, at};
    }
    return !error;
  }

  bool read_transactions(od::value& v, od::document& doc) {
    od::array arr;
    if (v.get_array().get(arr)) return fail(offset_of(v), "\"transactions\" must be an array");
    for (auto item : arr) {
      od::value t;
      if (auto e = item.get(t)) return fail_json(e, doc);
      const std::size_t at = offset_of(t);
      if (group_count == max_transactions) return fail(at, "more than 4 transactions");
      const auto group = static_cast<std::uint8_t>(++group_count);
      od::object obj;
      if (t.get_object().get(obj)) return fail(at, "each transaction must be an object");
      bool segments_seen = false;
      for (auto member : obj) {
        std::string_view key;
        od::value sv;
        if (auto e = member.unescaped_key().get(key)) return fail_json(e, doc);
        const bool is_segments = key == "segments";
        if (auto e = member.value().get(sv)) return fail_json(e, doc);
        if (!is_segments) return fail(offset_of(sv), "unknown key in a transaction (expected segments)");
        if (segments_seen) return fail(offset_of(sv), "\"segments\" given twice");
        segments_seen = true;
        if (!read_segments(sv, group, doc)) return false;
      }
      if (error) return false;
      if (!segments_seen) return fail(at, "a transaction needs \"segments\"");
    }
    return !error;
  }

  bool read_segments(od::value& v, std::uint8_t group, od::document& doc) {
    od::array arr;
    if (v.get_array().get(arr)) return fail(offset_of(v), "\"segments\" must be an array");
    std::size_t in_group = 0;
    for (auto item : arr) {
      od::value sv;
      if (auto e = item.get(sv)) return fail_json(e, doc);
      const std::size_t seg_at = offset_of(sv);
      od::object obj;
      if (sv.get_object().get(obj)) return fail(seg_at, "each segment must be an object");
      parsed_segment seg;
      seg.group = group;
      seg.first_field = fields.size();
      bool id_seen = false, fields_seen = false;
      for (auto member : obj) {
        std::string_view key;
        od::value mv;
        if (auto e = member.unescaped_key().get(key)) return fail_json(e, doc);
        const bool is_id = key == "id", is_fields = key == "fields";
        if (auto e = member.value().get(mv)) return fail_json(e, doc);
        const std::size_t at = offset_of(mv);
        if (is_id) {
          if (id_seen) return fail(at, "segment \"id\" given twice");
          id_seen = true;
          if (mv.get_string().get(seg.id) || seg.id.size() != 2 || !is_wire_text(seg.id))
            return fail(at, "a segment \"id\" is two printable characters, e.g. \"07\"");
        } else if (is_fields) {
          if (fields_seen) return fail(at, "segment \"fields\" given twice");
          fields_seen = true;
          if (!read_fields(mv, doc)) return false;
        } else {
          return fail(at, "unknown key in a segment (expected id, fields)");
        }
      }
      if (error) return false;
      if (!id_seen) return fail(seg_at, "a segment needs an \"id\"");
      seg.field_count = fields.size() - seg.first_field;
      segments.push_back(seg);
      ++in_group;
    }
    if (error) return false;
    if (group != 0 && in_group == 0) return fail(offset_of(v), "a transaction needs at least one segment");
    return true;
  }

  bool read_fields(od::value& v, od::document& doc) {
    od::array arr;
    if (v.get_array().get(arr)) return fail(offset_of(v), "\"fields\" must be an array");
    for (auto item : arr) {
      od::value pair_value;
      if (auto e = item.get(pair_value)) return fail_json(e, doc);
      const std::size_t pair_at = offset_of(pair_value);
      od::array pair;
      if (pair_value.get_array().get(pair)) return fail(pair_at, "each field is [\"ID\",\"value\"]");
      parsed_field f;
      std::size_t n = 0;
      for (auto element : pair) {
        od::value ev;
        if (auto e = element.get(ev)) return fail_json(e, doc);
        const std::size_t at = offset_of(ev);
        std::string_view s;
        if (ev.get_string().get(s)) return fail(at, "each field is [\"ID\",\"value\"] with two strings");
        if (n == 0) {
          if (s.size() != 2 || !is_wire_text(s))
            return fail(at, "a field ID is two printable characters, e.g. \"D2\"");
          f.id = s;
        } else if (n == 1) {
          if (!is_wire_text(s))
            return fail(at, "field value holds a character D.0 cannot carry (control, separator or non-ASCII)");
          if (s.size() > max_field_length) return fail(at, "field value longer than 500 bytes");
          f.value = s;
        } else {
          return fail(at, "each field is [\"ID\",\"value\"]: too many elements");
        }
        ++n;
      }
      if (error) return false;
      if (n != 2) return fail(pair_at, "each field is [\"ID\",\"value\"]");
      fields.push_back(f);
    }
    return !error;
  }

 private:
  const char* base_;
  std::size_t size_;
  std::array<std::array<char, 2>, k_max_header_values> key_store_{};
};

template <std::size_t N>
bool write_header(reader& r, const std::array<header_key, N>& layout, writer& w) {
  std::array<std::string_view, N> values{};
  std::array<bool, N> seen{};
  for (std::size_t h = 0; h < r.header_count; ++h) {
    const auto& hv = r.header[h];
    std::size_t i = 0;
    while (i < N && layout[i].key != hv.key) ++i;
    if (i == N)
      return r.fail(hv.offset, std::string("header key ") + std::string(hv.key) + " is not a " +
                                   std::string(r.kind) + " header field");
    if (seen[i]) return r.fail(hv.offset, std::string("header key ") + std::string(hv.key) + " given twice");
    seen[i] = true;
    if (!is_wire_text(hv.value))
      return r.fail(hv.offset, std::string("header ") + std::string(hv.key) +
                                   " holds a character D.0 cannot carry");
    if (hv.value.size() > layout[i].width)
      return r.fail(hv.offset, std::string("header ") + std::string(hv.key) + " is longer than " +
                                   std::to_string(layout[i].width) + " bytes");
    values[i] = hv.value;
  }
  for (std::size_t i = 0; i < N; ++i) w.fixed(values[i], layout[i].width);
  return true;
}

}  // namespace

void to_json(const message& m, std::string& out) {
  out.reserve(out.size() + 2 * m.bytes.size() + 64 * m.segment_count + 256);
  const bool request = m.kind == message_kind::request;
  out.append(request ? "{\"kind\":\"request\"," : "{\"kind\":\"response\",");
  if (request) {
    const auto& h = m.request;
    append_header(out, k_request_header,
                  std::array<std::string_view, 9>{h.bin, h.version, h.transaction_code, h.pcn, h.count,
                                                  h.provider_id_qualifier, h.provider_id,
                                                  h.date_of_service, h.software_id});
  } else {
    const auto& h = m.response;
    append_header(out, k_response_header,
                  std::array<std::string_view, 7>{h.version, h.transaction_code, h.count, h.status,
                                                  h.provider_id_qualifier, h.provider_id,
                                                  h.date_of_service});
  }
  out.push_back(',');
  append_segments_of_group(out, m, 0);
  out.append(",\"transactions\":[");
  for (std::uint8_t g = 1; g <= m.group_count; ++g) {
    if (g > 1) out.push_back(',');
    out.push_back('{');
    append_segments_of_group(out, m, g);
    out.push_back('}');
  }
  out.append("]}");
}

void response_to_json(const message& decoded_response, std::string& out) { to_json(decoded_response, out); }

json_error from_json(std::string_view json, std::string& out_wire) {
  out_wire.clear();
  // Per thread, reused between calls: the parser, a padded copy of the text (simdjson reads a
  // little past the end) and the parsed fields. They grow to the largest document seen.
  thread_local od::parser parser;
  thread_local std::string padded;
  thread_local std::vector<parsed_field> field_store;
  thread_local std::vector<parsed_segment> segment_store;
  padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(json);
  const simdjson::padded_string_view text(padded.data(), json.size(), padded.capacity());
  reader r(padded.data(), json.size(), field_store, segment_store);
  od::document doc;
  if (auto e = parser.iterate(text).get(doc)) {
    r.fail(0, std::string("malformed JSON: ") + simdjson::error_message(e));
    return std::move(r.error);
  }
  if (!r.read_root(doc)) return std::move(r.error);

  const bool request = r.kind == "request";
  // "A2":"F6" writes the F6 form: its request header, no group separator, one transaction.
  bool f6 = false;
  for (std::size_t h = 0; h < r.header_count; ++h) f6 |= r.header[h].key == "A2" && r.header[h].value == "F6";
  if (f6 && r.group_count > 1) {
    r.fail(0, "an F6 transmission carries one transaction");
    return std::move(r.error);
  }
  std::size_t size = request ? (f6 ? f6_request_header_size : request_header_size) : response_header_size;
  size += 6 * r.segments.size();  // RS FS "AM" id
  for (const auto& f : r.fields) size += 3 + f.value.size();  // FS id value
  size += r.group_count;  // GS
  out_wire.resize(size);
  writer w(std::span<char>(out_wire.data(), out_wire.size()));

  const bool header_written = !request ? write_header(r, k_response_header, w)
                              : f6      ? write_header(r, k_f6_request_header, w)
                                        : write_header(r, k_request_header, w);
  if (!header_written) {
    out_wire.clear();
    return std::move(r.error);
  }
  auto write_segment = [&](const parsed_segment& s) {
    w.segment_raw(s.id);
    for (std::size_t i = 0; i < s.field_count; ++i) {
      const auto& f = r.fields[s.first_field + i];
      w.field_always(make_field_id(f.id), f.value);
    }
  };
  for (const auto& s : r.segments)
    if (s.group == 0) write_segment(s);
  for (std::uint8_t g = 1; g <= r.group_count; ++g) {
    if (!f6) w.group();
    for (const auto& s : r.segments)
      if (s.group == g) write_segment(s);
  }
  if (!w.ok()) {  // the size above is exact; this guards a future change to the writer
    out_wire.clear();
    return json_error{"internal: D.0 output larger than computed", 0};
  }
  out_wire.resize(w.size());
  return {};
}

}  // namespace rxgate::codec
