// Loading plan folders into a plan_set: each folder's plan.toml (plan_settings.cpp) and CSV
// tables (plan_tables.cpp). Every problem is collected (not just the first) so a plan
// administrator fixes a file in one pass.
#include <algorithm>

#include "rules/plan_load_support.h"
#include "rules/plan_model.h"

namespace rxgate::rules {

namespace fs = std::filesystem;
using loading::date_text;

plan_error::plan_error(std::vector<std::string> problems)
    : std::runtime_error([&] {
        std::string all;
        for (const auto& p : problems) {
          if (!all.empty()) all += '\n';
          all += p;
        }
        return all.empty() ? std::string("plan error") : all;
      }()),
      problems_(std::move(problems)) {}

std::unique_ptr<plan> load_plan_folder(const fs::path& folder, std::vector<std::string>& problems) {
  loading::reporter rep{problems};
  auto p = std::make_unique<plan>();
  std::string shown = folder.filename().string();
  p->folder = p->strings.intern(shown);
  const auto settings = loading::load_settings(folder / "plan.toml", shown + "/plan.toml", *p, rep);
  if (!settings.parsed) return nullptr;
  loading::load_formulary(folder, shown, *p, settings, rep);
  loading::load_members(folder, shown, *p, settings, rep);
  loading::load_pharmacies(folder, shown, *p, rep);
  loading::load_dur(folder, shown, *p, rep);
  if (rep.failed()) return nullptr;
  p->index_classes();
  p->index_drugs();
  return p;
}

std::shared_ptr<const plan_set> load_plans(const fs::path& dir) {
  std::vector<std::string> problems;
  std::vector<std::unique_ptr<plan>> plans;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw plan_error({dir.string() + ":1:1: not a folder of plans"});
  std::vector<fs::path> folders;
  if (fs::exists(dir / "plan.toml")) {
    folders.push_back(dir);  // one plan folder
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory() && fs::exists(e.path() / "plan.toml")) folders.push_back(e.path());
  }
  std::sort(folders.begin(), folders.end());
  if (folders.empty()) throw plan_error({dir.string() + ":1:1: no plan folder (a folder with plan.toml) found"});
  for (const auto& f : folders)
    if (auto p = load_plan_folder(f, problems)) plans.push_back(std::move(p));
  if (!problems.empty()) throw plan_error(std::move(problems));
  return std::make_shared<const plan_set>(std::move(plans));
}

std::string describe(const plan_set& plans) {
  std::string out;
  for (const auto& p : plans.plans()) {
    out += std::string(p->id) + " v" + std::to_string(p->version) + " (" + std::string(p->folder) + ")";
    if (p->demo) out += " [synthetic demo]";
    out += ": BIN " + std::string(p->bin) + " PCN " + std::string(p->pcn) + " groups";
    for (auto g : p->groups) out += " " + std::string(g);
    out += ", " + date_text(p->effective_from) + ".." + date_text(p->effective_to);
    out += ", " + std::to_string(p->products.size()) + " products, " + std::to_string(p->members.size()) +
           " members, " + std::to_string(p->pharmacies.size()) + " pharmacies, " +
           std::to_string(p->interactions.size() + p->duplicates.size() + p->dose_limits.size()) +
           " DUR rules\n";
  }
  return out;
}

}  // namespace rxgate::rules