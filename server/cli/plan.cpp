// `rxgate plan check DIR`, `rxgate plan diff [--json] OLD NEW` and
// `rxgate plan generate --out DIR --products N --members N [--seed S]`.
//
// check loads every plan folder under DIR (or DIR itself when it is a plan folder) the way the
// server does and prints rules::describe(), or every problem as file:line:column and exits 2.
// diff loads both sides the same way and prints what changed (plan_tools/plan_diff.h); like diff(1) it
// exits 0 when nothing changed, 1 when something did, 2 when a side does not load. generate
// writes a synthetic plan folder (for benchmarks and load tests) that check and the server accept.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "rules/plan.h"
#include "plan_tools/plan_diff.h"
#include "plan_tools/plan_generate.h"
#include "server/cli/command.h"

namespace rxgate::cli {
namespace {

struct diff_args {
  std::string before, after;
  bool json = false;
};

struct generate_args {
  std::string out;
  rules::generate_options options;
};

const command_registrar reg{[](CLI::App& app) {
  auto* plan = app.add_subcommand("plan", "Check plan folders, compare two versions, or generate a large synthetic plan");
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

  auto d = std::make_shared<diff_args>();
  auto* diff = plan->add_subcommand("diff", "What changed between two plan folders (or folders of plans); exit 1 when anything did");
  diff->add_option("old", d->before, "plans before (a plan folder or a folder of them)")->required();
  diff->add_option("new", d->after, "plans after")->required();
  diff->add_flag("--json", d->json, "print JSON instead of text");
  diff->callback([d] {
    std::shared_ptr<const rules::plan_set> before, after;
    for (auto [path, out] : {std::pair{&d->before, &before}, std::pair{&d->after, &after}}) {
      try {
        *out = rules::load_plans(*path);
      } catch (const rules::plan_error& e) {
        for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.c_str());
        std::fprintf(stderr, "%s: %zu problem(s); nothing compared\n", path->c_str(), e.problems().size());
        set_exit_code(2);
        return;
      }
    }
    const auto changes = rules::diff_plans(*before, *after);
    const auto text = d->json ? rules::diff_json(changes) : rules::diff_text(changes);
    std::fwrite(text.data(), 1, text.size(), stdout);
    set_exit_code(changes.empty() ? 0 : 1);
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
  gen->add_flag("!--no-accumulators", g->options.accumulators,
                "leave out the [accumulators] table (deductible 500/1000, out-of-pocket 3000/6000)");
  gen->callback([g] {
    rules::generate_plan(g->out, g->options);
    std::printf("wrote %s: %zu products, %zu members, %zu pharmacies (BIN %s PCN %s group %s)\n", g->out.c_str(),
                g->options.products, g->options.members, g->options.pharmacies, g->options.bin.c_str(),
                g->options.pcn.c_str(), g->options.group.c_str());
  });
}};

}  // namespace
}  // namespace rxgate::cli
