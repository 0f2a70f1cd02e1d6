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
  loading::load_mac_lists(folder, shown, *p, settings, rep);
  p->resolve_benefits();
  loading::check_benefits(shown, *p, settings, rep);
  if (rep.failed()) return nullptr;
  p->index_classes();
  p->index_drugs();
  p->resolve_fill_lookback();
  return p;
}

namespace loading {

void check_benefits(const std::string& shown, const plan& p, const settings_outcome& settings, reporter& rep) {
  const std::string file = shown + "/plan.toml";
  if (!p.specialty_pharmacy_npi.empty()) {
    const pharmacy* sp = p.find_pharmacy(p.specialty_pharmacy_npi);
    if (!sp)
      rep.at(file, settings.specialty_pharmacy_line, 1,
             "specialty_pharmacy " + std::string(p.specialty_pharmacy_npi) + " is not in pharmacies.csv");
    else if (!sp->specialty || !sp->in_network)
      rep.at(file, settings.specialty_pharmacy_line, 1,
             "specialty_pharmacy " + std::string(p.specialty_pharmacy_npi) +
                 " is not an in-network specialty pharmacy (specialty = Y or a specialty network)");
  }
  // Bands that stop short of the days supply a network pays would leave those claims without a
  // band, silently paying the unbanded copay.
  const std::size_t groups = std::max<std::size_t>(p.groups.size(), 1);
  for (std::size_t n = 0; n < p.networks.size() && n < settings.networks.size(); ++n) {
    const network& net = p.networks[n];
    if (net.bands.empty()) continue;
    int widest = 0;
    std::string group;
    for (std::size_t g = 0; g < groups; ++g) {
      const int max = p.benefits[g * p.networks.size() + n].max_days_supply;
      if (max > widest) widest = max, group = g < p.groups.size() ? std::string(p.groups[g]) : std::string();
    }
    const int last = net.bands.back().to_days;
    if (last < widest)
      rep.at(file, settings.networks[n].last_band_line, 1,
             "copay bands of network " + std::string(net.name) + " end at day " + std::to_string(last) +
                 " but the network pays up to " + std::to_string(widest) + " days" +
                 (group.empty() ? std::string() : " (group " + group + ")"));
  }
}

}  // namespace loading

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