// rxgate migrate --dsn DSN: bring the database schema up to this binary's version.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "server/cli/command.h"
#include "sql/store.h"

namespace {

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("migrate", "Apply the missing database migrations (embedded in this binary)");
  auto dsn = std::make_shared<std::string>();
  cmd->add_option("--dsn", *dsn, "PostgreSQL connection string (default: $RXGATE_DSN)");
  cmd->callback([dsn] {
    std::string target = *dsn;
    if (!rxgate::cli::resolve_dsn(target, "migrate")) return;
    std::string report;
    const auto e = rxgate::store::migrate(target, report);
    std::fputs(report.c_str(), stdout);
    if (e) {
      std::fprintf(stderr, "rxgate migrate: %s\n", e.message.c_str());
      rxgate::cli::set_exit_code(1);
      return;
    }
    rxgate::cli::set_exit_code(0);
  });
}

const rxgate::cli::command_registrar registrar{setup};

}  // namespace
