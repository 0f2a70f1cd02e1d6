// The zstd dictionaries of the claims' raw request and response (sql/claim_dictionaries.h):
//   rxgate dictionaries train --dsn DSN [--claims 20000] [--max-bytes 32768]
//   rxgate dictionaries list --dsn DSN
// --dsn defaults to $RXGATE_DSN. Exit codes: 0 done, 1 database failure, 2 bad arguments or too
// few claims to learn from.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "server/cli/command.h"
#include "sql/claim_dictionaries.h"

namespace {

struct arguments {
  std::string dsn;
  int claims = 20000;
  std::size_t max_bytes = 32768;
};

void print(const std::vector<rxgate::store::claim_dictionary_listing>& list) {
  std::printf("%-10s %-9s %8s %8s %-22s %s\n", "id", "kind", "bytes", "samples", "created", "held-out ratio");
  for (const auto& d : list) {
    const double ratio = d.held_out_packed > 0 ? double(d.held_out_raw) / double(d.held_out_packed) : 0.0;
    std::printf("%-10u %-9s %8zu %8d %-22s %.2fx (%lld -> %lld bytes)\n", d.id, d.kind.c_str(), d.bytes, d.samples,
                d.created_at.c_str(), ratio, static_cast<long long>(d.held_out_raw),
                static_cast<long long>(d.held_out_packed));
  }
}

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("dictionaries",
                                 "zstd dictionaries that pack the claims' raw request and response (trained on your claims)");
  cmd->require_subcommand(1);
  auto a = std::make_shared<arguments>();

  auto* train = cmd->add_subcommand("train", "Train one request and one response dictionary on the newest claims; "
                                             "running gateways use them within a minute");
  train->add_option("--dsn", a->dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  train->add_option("--claims", a->claims, "how many of the newest claims to learn from")->check(CLI::Range(1000, 1000000));
  train->add_option("--max-bytes", a->max_bytes, "largest dictionary")->check(CLI::Range(1024, 1 << 20));
  train->callback([a] {
    if (!rxgate::cli::resolve_dsn(a->dsn, "dictionaries train")) return;
    rxgate::store::claim_dictionary_training o;
    o.dsn = a->dsn;
    o.claims = a->claims;
    o.max_bytes = a->max_bytes;
    std::vector<rxgate::store::claim_dictionary_listing> made;
    if (auto e = rxgate::store::train_claim_dictionaries(o, made)) {
      std::fprintf(stderr, "rxgate dictionaries train: %s\n", e.message.c_str());
      rxgate::cli::set_exit_code(e.code == rxgate::store::errc::invalid ? 2 : 1);
      return;
    }
    print(made);
    rxgate::cli::set_exit_code(0);
  });

  auto* list = cmd->add_subcommand("list", "Every dictionary, oldest first, with what it saved on claims held out of training");
  list->add_option("--dsn", a->dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  list->callback([a] {
    if (!rxgate::cli::resolve_dsn(a->dsn, "dictionaries list")) return;
    std::vector<rxgate::store::claim_dictionary_listing> all;
    if (auto e = rxgate::store::list_claim_dictionaries(a->dsn, all)) {
      std::fprintf(stderr, "rxgate dictionaries list: %s\n", e.message.c_str());
      rxgate::cli::set_exit_code(1);
      return;
    }
    print(all);
    rxgate::cli::set_exit_code(0);
  });
}

const rxgate::cli::command_registrar registrar{setup};

}  // namespace
