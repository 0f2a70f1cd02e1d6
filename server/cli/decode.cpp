// `rxgate decode [--json [--decoded]] FILE|-` and `rxgate encode FILE.json|-`.
//
// Input files: a raw D.0 transmission (request or response, bare, ending in ETX, or in a Batch 1.2
// detail record), optionally preceded by comment lines that start with "# " (the layout of the
// test vectors: source and separator notes, then the payload). Those leading lines are skipped,
// and so are CR/LF bytes at the very end (an editor's final newline; D.0 data never holds them).
//
// decode prints the transmission for a person (server/cli/decode_text.h): one line per field with
// its number, ID and name, values decoded (money, quantities, dates, code names, reject texts),
// then what payer validation finds in a request or what is inconsistent in a response. With
// --json it prints exactly the JSON object of codec/json.h and nothing else; --json --decoded adds
// a "decoded" member to that object.
// encode reads that JSON and writes the D.0 bytes to stdout, with no newline added.
//
// Exit codes: 0 done; 1 the file cannot be read (the system's reason on stderr); 2 the input cannot
// be decoded (or encoded), with the problem and its byte offset on stderr.
#include <CLI/CLI.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "codec/decode.h"
#include "codec/json.h"
#include "server/cli/command.h"
#include "server/cli/decode_text.h"
#include "server/cli/input_file.h"

namespace rxgate::cli {
namespace {

using namespace rxgate::codec;

struct decode_options {
  std::string path;
  bool json = false;
  bool decoded = false;
};

int run_decode(const decode_options& opts) {
  const std::string& path = opts.path;
  const auto in = std::make_unique<input_file>();
  if (std::string why; !read_input(path, *in, why)) {
    std::fprintf(stderr, "rxgate decode: %s\n", why.c_str());
    return 1;
  }
  auto m = std::make_unique<message>();
  const std::string_view payload = in->payload();
  if (const decode_error e = decode(payload, *m)) {
    std::array<char, 256> buf{};
    const std::string_view why = describe(e, buf);
    std::fprintf(stderr, "rxgate decode: %s: %.*s", input_name(path).c_str(), static_cast<int>(why.size()), why.data());
    if (in->payload_offset != 0)
      std::fprintf(stderr, " (byte %zu of the file; comment lines skipped)", in->payload_offset + e.offset);
    std::fputc('\n', stderr);
    return 2;
  }
  if (opts.json) {
    std::string out;
    if (opts.decoded)
      write_decoded_json(*m, out);
    else
      to_json(*m, out);
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  } else {
    std::ostringstream out;
    write_text(out, *m);
    const std::string text = out.str();
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_encode(const std::string& path) {
  const auto in = std::make_unique<input_file>();
  if (std::string why; !read_input(path, *in, why)) {
    std::fprintf(stderr, "rxgate encode: %s\n", why.c_str());
    return 1;
  }
  std::string wire;
  if (const json_error e = from_json(in->payload(), wire)) {
    std::fprintf(stderr, "rxgate encode: %s: %s at byte %zu\n", input_name(path).c_str(), e.message.c_str(),
                 in->payload_offset + e.offset);
    return 2;
  }
  // What is written must decode: the JSON may describe more segments or fields than a message holds.
  auto m = std::make_unique<message>();
  if (const decode_error e = decode(wire, *m)) {
    std::array<char, 256> buf{};
    const std::string_view why = describe(e, buf);
    std::fprintf(stderr, "rxgate encode: %s: the D.0 result would not decode: %.*s\n", input_name(path).c_str(),
                 static_cast<int>(why.size()), why.data());
    return 2;
  }
  std::fwrite(wire.data(), 1, wire.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

const command_registrar decode_registration{[](CLI::App& app) {
  auto opts = std::make_shared<decode_options>();
  auto* sub = app.add_subcommand("decode", "Print a D.0 or F6 request or response, field by field or as JSON");
  auto* json = sub->add_flag("--json", opts->json,
                             "Print the transmission as one JSON object keyed by NCPDP field IDs (codec/json.h) instead");
  sub->add_flag("--decoded", opts->decoded,
                "With --json: add a \"decoded\" member (field numbers and names, money as decimals, dates ISO, "
                "code names, findings)")
      ->needs(json);
  sub->add_option("input", opts->path,
                  "D.0 or F6 file, or - for stdin; leading lines starting with \"# \" are skipped")
      ->required();
  sub->callback([opts] { set_exit_code(run_decode(*opts)); });
}};

const command_registrar encode_registration{[](CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("encode", "Write the D.0 bytes of a JSON transmission (rxgate decode --json shape)");
  sub->add_option("input", *path, "JSON file, or - for stdin")->required();
  sub->callback([path] { set_exit_code(run_encode(*path)); });
}};

}  // namespace
}  // namespace rxgate::cli
