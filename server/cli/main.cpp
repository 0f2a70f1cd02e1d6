// The `rxgate` command line: serve, decode, encode, adjudicate, migrate, submit, load ...
// Each sub-command lives in its own server/cli/*.cpp and registers itself (server/cli/command.h).
#include <CLI/CLI.hpp>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "server/cli/command.h"

namespace rxgate::cli {

std::vector<command_setup>& registered_commands() {
  static std::vector<command_setup> commands;
  return commands;
}
command_registrar::command_registrar(command_setup setup) { registered_commands().push_back(setup); }

namespace {
int g_exit_code = 0;
}
void set_exit_code(int code) { g_exit_code = code; }
int exit_code() { return g_exit_code; }

bool resolve_dsn(std::string& dsn, const char* command) {
  if (dsn.empty())
    if (const char* env = std::getenv("RXGATE_DSN")) dsn = env;
  if (!dsn.empty()) return true;
  std::fprintf(stderr, "rxgate %s: no --dsn given and RXGATE_DSN is not set\n", command);
  set_exit_code(2);
  return false;
}

std::string cli_actor() {
  const passwd* pw = getpwuid(geteuid());
  if (pw && pw->pw_name) return std::string("cli:") + pw->pw_name;
  return "cli:uid" + std::to_string(geteuid());
}

}  // namespace rxgate::cli

int main(int argc, char** argv) {
  CLI::App app{"rxgate: NCPDP D.0 pharmacy claims adjudication gateway"};
  app.require_subcommand(1);
  for (auto setup : rxgate::cli::registered_commands()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the message (or the help); a command line it refuses is bad input, exit 2 as
    // every command documents, not CLI11's own codes (105 for a value out of range ...).
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    // Start-up and configuration failures end here with their reason.
    std::fprintf(stderr, "rxgate: %s\n", e.what());
    return 1;
  }
  return rxgate::cli::exit_code();
}
