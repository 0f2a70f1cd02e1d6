// Sub-commands of the `rxgate` executable register themselves here, one file each
// (server/cli/*.cpp), so that main.cpp stays a dispatcher and no two commands share a file.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rxgate::cli {

// Adds a sub-command to `app`. The callback it installs sets the process exit code through
// set_exit_code(): 0 success, 1 runtime failure, 2 bad input (e.g. undecodable claim).
using command_setup = void (*)(CLI::App& app);

struct command_registrar {
  explicit command_registrar(command_setup setup);
};

std::vector<command_setup>& registered_commands();
void set_exit_code(int code);
int exit_code();

// "cli:<OS user>": the audit log's actor for a read of patient data from a command.
std::string cli_actor();

// The database a command talks to: `dsn` as given (--dsn, or the configuration's), else
// $RXGATE_DSN. When neither is set, prints "rxgate <command>: no --dsn given and RXGATE_DSN is
// not set", sets exit code 2 and returns false.
bool resolve_dsn(std::string& dsn, const char* command);

}  // namespace rxgate::cli
