// `rxgate decode [--json] FILE|-` and `rxgate encode FILE.json|-`.
//
// Input files: a raw D.0 transmission (request or response, bare, ending in ETX, or in a Batch 1.2
// detail record), optionally preceded by comment lines that start with "# " (the layout of the
// test vectors: source and separator notes, then the payload). Those leading lines are skipped,
// and so are CR/LF bytes at the very end (an editor's final newline; D.0 data never holds them).
//
// decode prints one line per segment and field, named from the field dictionary, with money,
// quantities, rates and dates decoded, then what payer validation finds in a request. With --json
// it prints exactly the JSON object of codec/json.h and nothing else.
// encode reads that JSON and writes the D.0 bytes to stdout, with no newline added.
//
// Exit codes: 0 done; 1 the file cannot be read; 2 the input cannot be decoded (or encoded), with
// the problem and its byte offset on stderr.
#include <CLI/CLI.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "codec/claim.h"
#include "codec/decode.h"
#include "codec/dictionary.h"
#include "codec/json.h"
#include "codec/numeric.h"
#include "server/cli/command.h"

namespace rxgate::cli {
namespace {

using namespace rxgate::codec;

struct input_file {
  std::string bytes;
  std::size_t payload_offset = 0;  // bytes of leading "# " lines skipped
  std::string_view payload() const { return std::string_view(bytes).substr(payload_offset); }
};

std::optional<input_file> read_input(const std::string& path) {
  input_file in;
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  std::array<char, 64 * 1024> chunk;
  std::size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) > 0) in.bytes.append(chunk.data(), n);
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) return std::nullopt;
  while (in.bytes.compare(in.payload_offset, 2, "# ") == 0) {
    const auto eol = in.bytes.find('\n', in.payload_offset);
    in.payload_offset = eol == std::string::npos ? in.bytes.size() : eol + 1;
  }
  while (in.bytes.size() > in.payload_offset && (in.bytes.back() == '\n' || in.bytes.back() == '\r'))
    in.bytes.pop_back();
  return in;
}

std::string where(const std::string& path) { return path == "-" ? std::string("stdin") : path; }

// Integer in units of 10^-decimals as a decimal number: 1455, 2 -> "14.55"; -50, 2 -> "-0.50".
std::string decimal_text(std::int64_t v, int decimals) {
  const bool negative = v < 0;
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  std::uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string frac = std::to_string(magnitude % scale);
  frac.insert(0, static_cast<std::size_t>(decimals) - frac.size(), '0');
  return (negative ? "-" : "") + std::to_string(magnitude / scale) + "." + frac;
}

// The value as a person reads it; a value that does not fit its format is shown as sent, flagged.
std::string readable_value(const field_info* info, std::string_view value) {
  if (value.empty()) return "(blank)";
  const std::string as_sent(value);
  if (!info) return as_sent;
  switch (info->format) {
    case field_format::money:
    case field_format::rate:
      if (auto v = parse_overpunch(value)) return decimal_text(*v, info->implied_decimals);
      return as_sent + "  (not a valid signed overpunch number)";
    case field_format::quantity:
    case field_format::percent:
      if (auto v = parse_unsigned(value)) return decimal_text(*v, info->implied_decimals);
      return as_sent + "  (not a valid number)";
    case field_format::date:
      if (auto d = parse_date(value)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d->year, unsigned{d->month}, unsigned{d->day});
        return buf;
      }
      return as_sent + "  (not a valid CCYYMMDD date)";
    case field_format::time:
      if (value.size() == 4 && parse_unsigned(value)) return as_sent.substr(0, 2) + ":" + as_sent.substr(2);
      return as_sent;
    case field_format::numeric:
    case field_format::alphanumeric:
      return as_sent;
  }
  return as_sent;
}

std::string field_label(segment_id seg, field_id id, const field_info** info_out = nullptr) {
  const auto chars = field_chars(id);
  std::string label(chars.data(), chars.size());
  const field_info* info = find_field(seg, id);
  if (info_out) *info_out = info;
  label += ' ';
  label += info ? std::string(info->name) : std::string("(vendor or unknown field)");
  return label;
}

void print_field(std::ostream& out, segment_id seg, field_id id, std::string_view value) {
  const field_info* info = nullptr;
  const std::string label = field_label(seg, id, &info);
  out << "  " << label << " = " << readable_value(info, value) << '\n';
}

void print_header(std::ostream& out, const message& m) {
  struct item {
    const char* id;
    std::string_view value;
  };
  out << "Header\n";
  if (m.kind == message_kind::request) {
    const auto& h = m.request;
    for (const item& i : {item{"A1", h.bin}, item{"A2", h.version}, item{"A3", h.transaction_code},
                          item{"A4", h.pcn}, item{"A9", h.count}, item{"B2", h.provider_id_qualifier},
                          item{"B1", h.provider_id}, item{"D1", h.date_of_service}, item{"AK", h.software_id}})
      print_field(out, segment_id::none, make_field_id(i.id), trim_value(i.value));
  } else {
    const auto& h = m.response;
    for (const item& i : {item{"A2", h.version}, item{"A3", h.transaction_code}, item{"A9", h.count},
                          item{"F1", h.status}, item{"B2", h.provider_id_qualifier},
                          item{"B1", h.provider_id}, item{"D1", h.date_of_service}})
      print_field(out, segment_id::none, make_field_id(i.id), trim_value(i.value));
  }
}

void print_segment(std::ostream& out, const message& m, const segment_ref& ref) {
  const std::string_view name = segment_name(ref.id);
  out << "AM" << ref.raw_id[0] << ref.raw_id[1] << ' '
      << (name.empty() ? std::string_view("(vendor segment)") : name) << '\n';
  const field_range fields(&m, ref.first_field, ref.field_count);
  for (std::size_t i = 0; i < fields.size(); ++i) print_field(out, ref.id, fields.id(i), fields.value(i));
}

void print_rejects(std::ostream& out, const reject_list& rejects, const char* indent) {
  for (const reject& r : rejects) {
    out << indent << "reject " << r.code_view();
    if (r.field != 0) {
      const auto chars = field_chars(r.field);
      const field_info* info = find_field(r.field);
      out << "  field ";
      if (info) out << info->number << '-';
      out << chars[0] << chars[1];
      if (info) out << " (" << info->name << ')';
    }
    if (r.occurrence != 0) out << "  occurrence " << unsigned{r.occurrence};
    out << '\n';
  }
  if (rejects.dropped) out << indent << "(" << unsigned{rejects.dropped} << " more not listed: 510-FA holds 5)\n";
}

void print_validation(std::ostream& out, const message& m) {
  auto v = std::make_unique<validation>();
  validate(m, *v);
  out << "Validation\n";
  if (v->transmission_rejected) {
    out << "  transmission rejected (501-F1 = R)\n";
    print_rejects(out, v->transmission_rejects, "    ");
  }
  for (std::size_t i = 0; i < v->claim_count; ++i) {
    const claim& c = v->claims[i];
    out << "  transaction " << (i + 1) << ": ";
    if (c.rejects.empty()) {
      out << "no rejects\n";
      continue;
    }
    out << unsigned{c.rejects.count} << (c.rejects.count == 1 ? " reject\n" : " rejects\n");
    print_rejects(out, c.rejects, "    ");
  }
  if (!v->transmission_rejected && v->claim_count == 0) out << "  no transactions\n";
}

void print_plain(std::ostream& out, const message& m) {
  out << (m.kind == message_kind::request ? "D.0 request " : "D.0 response ") << m.transaction_code()
      << ", " << unsigned{m.group_count} << (m.group_count == 1 ? " transaction group\n" : " transaction groups\n");
  print_header(out, m);
  for (const auto& ref : m.all_segments())
    if (ref.group == 0) print_segment(out, m, ref);
  for (std::uint8_t g = 1; g <= m.group_count; ++g) {
    out << "Transaction " << unsigned{g} << '\n';
    for (const auto& ref : m.all_segments())
      if (ref.group == g) print_segment(out, m, ref);
  }
  if (m.kind == message_kind::request) print_validation(out, m);
}

int run_decode(const std::string& path, bool json) {
  const auto in = read_input(path);
  if (!in) {
    std::fprintf(stderr, "rxgate decode: cannot read %s\n", where(path).c_str());
    return 1;
  }
  auto m = std::make_unique<message>();
  const std::string_view payload = in->payload();
  if (const decode_error e = decode(payload, *m)) {
    std::array<char, 256> buf{};
    const std::string_view why = describe(e, buf);
    std::fprintf(stderr, "rxgate decode: %s: %.*s", where(path).c_str(), static_cast<int>(why.size()), why.data());
    if (in->payload_offset != 0)
      std::fprintf(stderr, " (byte %zu of the file; comment lines skipped)", in->payload_offset + e.offset);
    std::fputc('\n', stderr);
    return 2;
  }
  if (json) {
    std::string out;
    to_json(*m, out);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::ostringstream out;
    print_plain(out, *m);
    const std::string text = out.str();
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_encode(const std::string& path) {
  const auto in = read_input(path);
  if (!in) {
    std::fprintf(stderr, "rxgate encode: cannot read %s\n", where(path).c_str());
    return 1;
  }
  std::string wire;
  if (const json_error e = from_json(in->payload(), wire)) {
    std::fprintf(stderr, "rxgate encode: %s: %s at byte %zu\n", where(path).c_str(), e.message.c_str(),
                 in->payload_offset + e.offset);
    return 2;
  }
  // What is written must decode: the JSON may describe more segments or fields than a message holds.
  auto m = std::make_unique<message>();
  if (const decode_error e = decode(wire, *m)) {
    std::array<char, 256> buf{};
    const std::string_view why = describe(e, buf);
    std::fprintf(stderr, "rxgate encode: %s: the D.0 result would not decode: %.*s\n", where(path).c_str(),
                 static_cast<int>(why.size()), why.data());
    return 2;
  }
  std::fwrite(wire.data(), 1, wire.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

struct decode_options {
  std::string path;
  bool json = false;
};

const command_registrar decode_registration{[](CLI::App& app) {
  auto opts = std::make_shared<decode_options>();
  auto* sub = app.add_subcommand("decode", "Print a D.0 request or response, field by field or as JSON");
  sub->add_flag("--json", opts->json, "Print the transmission as one JSON object keyed by NCPDP field IDs (codec/json.h) instead");
  sub->add_option("input", opts->path,
                  "D.0 file, or - for stdin; leading lines starting with \"# \" are skipped")
      ->required();
  sub->callback([opts] { set_exit_code(run_decode(opts->path, opts->json)); });
}};

const command_registrar encode_registration{[](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("encode", "Write the D.0 bytes of a JSON transmission (rxgate decode --json shape)");
  sub->add_option("input", *path, "JSON file, or - for stdin")->required();
  sub->callback([path] { set_exit_code(run_encode(*path)); });
}};

}  // namespace
}  // namespace rxgate::cli
