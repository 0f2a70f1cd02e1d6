// `rxgate accumulators import|show`: amounts a member brings from a prior carrier, and an
// operator's audited view of a member's plan-year accumulators (sql/accumulator_imports.h).
//
//   rxgate accumulators import FILE [--source NAME] [--dry-run]
//       FILE is CSV with the header bin,cardholder_id,person_code,plan_year_start,deductible,
//       out_of_pocket,benefit (any order); dates YYYY-MM-DD or YYYYMMDD, the first day of the
//       member's plan year under the BIN's plan; amounts in dollars with at most 2 decimals.
//       All rows or none; the same file imported again changes nothing; --source (default: the
//       file's base name) tells carriers apart: a changed amount of one source replaces its row.
//   rxgate accumulators show --bin B --cardholder C [--person P] [--date YYYYMMDD] [--json]
//       the plan year containing the date (default today, UTC), audited as cli:<OS user>.
// Both load the plans and the DSN from --config (default config/rxgate.toml) like `serve`;
// --plans DIR and --dsn (or $RXGATE_DSN) override it, and with --plans the file is not read.
// Exit codes: 0 done, 1 database, configuration or plan failure, 2 bad input (every problem of
// an import file as FILE:LINE: message, never a member's value) or an unknown BIN.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "rules/plan.h"
#include "server/cli/command.h"
#include "server/core/config.h"
#include "server/status/member_accumulators.h"
#include "sql/accumulator_imports.h"

namespace rxgate::cli {
namespace {

struct common_args {
  std::string config = "config/rxgate.toml", plans, dsn;
};

struct import_args : common_args {
  std::string file, source;
  bool dry_run = false;
};

struct show_args : common_args {
  std::string bin, cardholder, person, date;
  bool json = false;
};

// The plans and the database, the way `serve` finds them. Prints why and sets the exit code
// when they cannot be had.
struct environment {
  std::shared_ptr<const rules::plan_set> plans;
  std::unique_ptr<store::accumulator_store> store;
};

bool open_environment(const common_args& a, const char* command, environment& out) {
  std::string plans_dir = a.plans, dsn = a.dsn;
  try {
    if (plans_dir.empty()) {
      const auto cfg = server::load_config(a.config);
      plans_dir = cfg.plans_dir.string();
      if (dsn.empty()) dsn = cfg.dsn;
    }
    if (!resolve_dsn(dsn, (std::string("accumulators ") + command).c_str())) return false;
    out.plans = rules::load_plans(plans_dir);
  } catch (const rules::plan_error& e) {
    std::fprintf(stderr, "rxgate accumulators %s: plans in %s failed to load:\n", command, plans_dir.c_str());
    for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.c_str());
    set_exit_code(1);
    return false;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rxgate accumulators %s: %s\n", command, e.what());
    set_exit_code(1);
    return false;
  }
  store::access_options o;
  o.dsn = dsn;
  o.pool_size = 1;
  out.store = store::open_accumulator_store(o);
  return true;
}

void run_import(const import_args& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "rxgate accumulators import: cannot read %s\n", a.file.c_str());
    return set_exit_code(2);
  }
  std::stringstream text;
  text << in.rdbuf();
  environment env;
  if (!open_environment(a, "import", env)) return;
  std::vector<store::accumulator_import_row> rows;
  std::vector<std::string> problems;
  if (!store::read_import_file(a.file, text.str(), *env.plans, rows, problems)) {
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    std::fprintf(stderr, "%zu problem(s); nothing imported\n", problems.size());
    return set_exit_code(2);
  }
  const std::string source = a.source.empty() ? std::filesystem::path(a.file).filename().string() : a.source;
  store::import_summary summary;
  if (auto e = env.store->import(rows, source, a.dry_run, summary)) {
    std::fprintf(stderr, "rxgate accumulators import: %s; nothing imported\n", e.message.c_str());
    return set_exit_code(1);
  }
  std::printf("%s%zu row(s) from %s as source \"%s\": %zu inserted, %zu replaced, %zu unchanged\n",
              a.dry_run ? "dry run, nothing written: " : "", rows.size(), a.file.c_str(), source.c_str(),
              summary.inserted, summary.replaced, summary.unchanged);
  set_exit_code(0);
}

codec::date today_utc() {
  const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  return codec::date{static_cast<std::int16_t>(static_cast<int>(d.year())),
                     static_cast<std::uint8_t>(static_cast<unsigned>(d.month())),
                     static_cast<std::uint8_t>(static_cast<unsigned>(d.day()))};
}

void run_show(const show_args& a) {
  codec::date on = today_utc();
  if (!a.date.empty()) {
    const auto parsed = store::parse_day(a.date);
    if (!parsed) {
      std::fprintf(stderr, "rxgate accumulators show: --date must be YYYYMMDD or YYYY-MM-DD\n");
      return set_exit_code(2);
    }
    on = *parsed;
  }
  environment env;
  if (!open_environment(a, "show", env)) return;
  store::reader_identity who;
  who.actor = cli_actor();
  who.remote = "cli";
  server::member_accumulators view;
  store::error why;
  switch (server::read_member_accumulators(*env.store, *env.plans, who, {a.bin, a.cardholder, a.person}, on, view,
                                           why)) {
    case server::member_view_status::ok:
      std::fputs(a.json ? (server::member_accumulators_json(view) + "\n").c_str()
                        : server::member_accumulators_text(view).c_str(),
                 stdout);
      return set_exit_code(0);
    case server::member_view_status::unknown_bin:
      std::fprintf(stderr, "rxgate accumulators show: no loaded plan has this BIN\n");
      return set_exit_code(2);
    case server::member_view_status::no_accumulators:
      std::fprintf(stderr, "rxgate accumulators show: plan %s keeps no accumulators\n",
                   std::string(view.plan->id).c_str());
      return set_exit_code(2);
    case server::member_view_status::store_failed:
      std::fprintf(stderr, "rxgate accumulators show: %s; nothing shown\n", why.message.c_str());
      return set_exit_code(1);
  }
}

void add_common(CLI::App* cmd, common_args& a) {
  cmd->add_option("--config", a.config, "TOML configuration file (plans and database, as serve reads them)")
      ->capture_default_str();
  cmd->add_option("--plans", a.plans, "plan folder(s) instead of the configuration's plans.dir");
  cmd->add_option("--dsn", a.dsn, "PostgreSQL connection string (default: the configuration, then $RXGATE_DSN)");
}

const command_registrar reg{[](CLI::App& app) {
  auto* acc = app.add_subcommand("accumulators", "Import prior-carrier accumulator amounts, or show a member's");
  acc->require_subcommand(1);

  auto im = std::make_shared<import_args>();
  auto* import = acc->add_subcommand(
      "import",
      "Import a CSV of prior-carrier amounts: header bin,cardholder_id,person_code,plan_year_start,deductible,"
      "out_of_pocket,benefit; plan_year_start YYYY-MM-DD or YYYYMMDD (first day of the member's plan year); amounts "
      "in dollars with at most 2 decimals (read as integer cents, no floating point; empty = 0). All rows or none "
      "(exit 2 with FILE:LINE: message); importing the same file again changes nothing");
  import->add_option("file", im->file, "the CSV file")->required();
  import->add_option("--source", im->source, "where the amounts come from (default: the file's base name)");
  import->add_flag("--dry-run", im->dry_run, "check and count, write nothing");
  add_common(import, *im);
  import->callback([im] { run_import(*im); });

  auto sh = std::make_shared<show_args>();
  auto* show = acc->add_subcommand("show", "A member's plan-year accumulators, limits and what remains (audited read)");
  show->add_option("--bin", sh->bin, "BIN (101-A1)")->required();
  show->add_option("--cardholder", sh->cardholder, "cardholder ID (302-C2)")->required();
  show->add_option("--person", sh->person, "person code (303-C3)");
  show->add_option("--date", sh->date, "a day of the plan year, YYYYMMDD (default: today, UTC)");
  show->add_flag("--json", sh->json, "print the status API's JSON");
  add_common(show, *sh);
  show->callback([sh] { run_show(*sh); });
}};

}  // namespace
}  // namespace rxgate::cli
