// One claim's raw bytes as they crossed the wire (sql/claim_dictionaries.h):
//   rxgate claims raw --id ID [--response] [--out FILE] [--dsn DSN]
// Writes the request as received (or, with --response, the response as sent) byte for byte to
// FILE or stdout, unpacked when stored packed, for `rxgate decode`, `rxgate submit` (a
// retransmit) or a payer's dispute. Refuses to write to a terminal: the bytes are patient data and
// hold separators. Each read is audited in claim_reads as cli:<OS user>. --dsn defaults to
// $RXGATE_DSN. Exit codes: 0 written, 1 database failure, 2 bad arguments or no such claim.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "server/cli/command.h"
#include "sql/claim_dictionaries.h"

namespace {

struct arguments {
  std::string dsn, out;
  std::int64_t id = 0;
  bool response = false;
};

void run(const arguments& a) {
  std::string dsn = a.dsn;
  if (!rxgate::cli::resolve_dsn(dsn, "claims raw")) return;
  if (a.out.empty() && isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "rxgate claims raw: stdout is a terminal; redirect it or give --out FILE "
                         "(pipe it to `rxgate decode -` to read it)\n");
    return rxgate::cli::set_exit_code(2);
  }
  rxgate::store::raw_claim_read in;
  in.dsn = dsn;
  in.claim_id = a.id;
  in.response = a.response;
  in.who.actor = rxgate::cli::cli_actor();
  std::string bytes;
  if (auto e = rxgate::store::read_raw_claim_bytes(in, bytes)) {
    std::fprintf(stderr, "rxgate claims raw: %s\n", e.message.c_str());
    const bool bad_input = e.code == rxgate::store::errc::not_found || e.code == rxgate::store::errc::invalid;
    return rxgate::cli::set_exit_code(bad_input ? 2 : 1);
  }
  if (!a.out.empty()) {
    std::ofstream f(a.out, std::ios::binary | std::ios::trunc);
    if (!f.write(bytes.data(), static_cast<std::streamsize>(bytes.size())) || !f.flush()) {
      std::fprintf(stderr, "rxgate claims raw: cannot write %s\n", a.out.c_str());
      return rxgate::cli::set_exit_code(1);
    }
  } else if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "rxgate claims raw: cannot write to stdout\n");
    return rxgate::cli::set_exit_code(1);
  }
  rxgate::cli::set_exit_code(0);
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("claims", "Stored claims, for an operator");
  cmd->require_subcommand(1);
  auto a = std::make_shared<arguments>();
  auto* raw = cmd->add_subcommand("raw", "Write one claim's request (or response) byte for byte as it crossed the "
                                         "wire; audited");
  raw->add_option("--id", a->id, "the claim's id (as the status API and the logs give it)")
      ->required();
  raw->add_flag("--response", a->response, "the response rxgate sent instead of the request it received");
  raw->add_option("--out", a->out, "write to FILE instead of stdout");
  raw->add_option("--dsn", a->dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  raw->callback([a] { run(*a); });
}

const rxgate::cli::command_registrar registrar{setup};

}  // namespace
