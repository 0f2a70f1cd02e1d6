// `rxgate plan check DIR` and `rxgate plan generate --out DIR --products N --members N [--seed S]`.
//
// check loads DIR (one plan folder, or every plan folder under it) the way the server does and
// prints rules::describe(), or every problem as file:line:column and exits 2. generate writes a synthetic plan folder (for
// benchmarks and load tests) that check and the server accept; load it from its parent folder.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "rules/plan.h"
#include "rules/plan_generate.h"
#include "server/cli/command.h"

namespace rxgate::cli {
namespace {

struct generate_args {
  std::string out;
  rules::generate_options options;
};

const command_registrar reg{[](CLI::App& app) {
  auto* plan = app.add_subcommand("plan", "Check plan folders or generate a large synthetic plan");
  plan->require_subcommand(1);

  auto dir = std::make_shared<std::string>();
  auto* check = plan->add_subcommand("check", "Load the plan folder DIR, or every plan under DIR, and summarise it, or list the problems (exit 2)");
  check->add_option("dir", *dir, "a plan folder or a folder of plan folders (e.g. config/plans)")->required();
  check->callback([dir] {
    const auto start = std::chrono::steady_clock::now();
    try {
      auto plans = rules::load_plans(*dir);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      std::printf("%s", rules::describe(*plans).c_str());
      std::printf("loaded in %lld ms\n", static_cast<long long>(ms.count()));
    } catch (const rules::plan_error& e) {
      for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.c_str());
      std::fprintf(stderr, "%zu problem(s); nothing loaded\n", e.problems().size());
      set_exit_code(2);
    }
  });

  auto g = std::make_shared<generate_args>();
  auto* gen = plan->add_subcommand("generate", "Write a synthetic plan folder (plan.toml + CSV tables) for benchmarks");
  gen->add_option("--out", g->out, "plan folder to write (created; load it with --plans on its parent)")->required();
  gen->add_option("--products", g->options.products, "formulary rows")->capture_default_str();
  gen->add_option("--members", g->options.members, "member rows")->capture_default_str();
  gen->add_option("--pharmacies", g->options.pharmacies, "pharmacy rows")->capture_default_str();
  gen->add_option("--seed", g->options.seed, "random seed (same seed, same files)")->capture_default_str();
  gen->add_option("--id", g->options.id, "plan id")->capture_default_str();
  gen->add_option("--bin", g->options.bin, "BIN the plan serves")->capture_default_str();
  gen->add_option("--pcn", g->options.pcn, "PCN the plan serves")->capture_default_str();
  gen->add_option("--group", g->options.group, "group the plan serves")->capture_default_str();
  gen->callback([g] {
    rules::generate_plan(g->out, g->options);
    std::printf("wrote %s: %zu products, %zu members, %zu pharmacies (BIN %s PCN %s group %s)\n", g->out.c_str(),
                g->options.products, g->options.members, g->options.pharmacies, g->options.bin.c_str(),
                g->options.pcn.c_str(), g->options.group.c_str());
  });
}};

}  // namespace
}  // namespace rxgate::cli
