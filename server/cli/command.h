// Sub-commands of the `rxgate` executable register themselves here, one file each
// (server/cmd_*.cpp), so that main.cpp stays a dispatcher and no two commands share a file.
#pragma once

#include <functional>
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

}  // namespace rxgate::cli
