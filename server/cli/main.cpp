// The `rxgate` command line: serve, decode, encode, adjudicate, migrate, submit, load ...
// Each sub-command lives in its own server/cmd_*.cpp and registers itself (server/command.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

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

}  // namespace rxgate::cli

int main(int argc, char** argv) {
  CLI::App app{"rxgate: NCPDP D.0 pharmacy claims adjudication gateway"};
  app.require_subcommand(1);
  for (auto setup : rxgate::cli::registered_commands()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    // Start-up and configuration failures end here with their reason.
    std::fprintf(stderr, "rxgate: %s\n", e.what());
    return 1;
  }
  return rxgate::cli::exit_code();
}
