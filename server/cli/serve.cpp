// `rxgate serve --config config/rxgate.toml`: run the gateway in the foreground until SIGTERM.
// Configuration problems exit 1 with the key at fault on stderr (server/config.h).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "server/cli/command.h"
#include "server/core/config.h"
#include "server/net/gateway.h"

namespace rxgate::cli {
namespace {

int run_serve(const std::string& path) {
  try {
    auto cfg = server::load_config(path);
    server::gateway g(std::move(cfg));
    g.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rxgate serve: %s\n", e.what());
    return 1;
  }
}

const command_registrar serve_registration{[](CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Run the claims gateway (HTTPS: /ncpdp, /v1/claims, /metrics ...)");
  auto path = std::make_shared<std::string>("config/rxgate.toml");
  cmd->add_option("--config", *path, "TOML configuration file")->capture_default_str();
  cmd->callback([path] { set_exit_code(run_serve(*path)); });
}};

}  // namespace
}  // namespace rxgate::cli
