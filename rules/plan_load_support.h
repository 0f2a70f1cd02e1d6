// Pieces shared by the plan loaders (plan_load.cpp, plan_settings.cpp, plan_tables.cpp): the
// problem reporter, value parsers and the per-file loaders. Load time only: these allocate and
// never run on the claim path. Not a public header; plan.h and plan_model.h are.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "codec/numeric.h"
#include "rules/plan_model.h"

namespace rxgate::rules::loading {

// Collects problems as "file:line:column: message".
struct reporter {
  std::vector<std::string>& problems;
  std::size_t before = problems.size();
  void at(const std::string& file, std::uint32_t line, std::uint32_t column, const std::string& msg) {
    problems.push_back(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + msg);
  }
  bool failed() const { return problems.size() > before; }
};

bool read_file(const std::filesystem::path& p, std::string& out);
// Decimal text with up to `scale` decimals -> integer in units of 10^-scale.
bool parse_decimal(std::string_view s, int scale, std::int64_t& out);
bool parse_int(std::string_view s, int& out);
bool parse_bool(std::string_view s, bool& out);  // Y/N, true/false, 1/0, yes/no; empty is N
// A ';' separated cell -> trimmed, non-empty items interned in `pool`.
std::vector<std::string_view> split_list(std::string_view s, string_pool& pool);
// CCYYMMDD, or "open" for an invalid (open-ended) date.
std::string date_text(codec::date d);

// What the tables need to know of plan.toml. A setting that is itself in error is reported once;
// the checks of the tables that lean on it are skipped rather than repeated on every row.
struct settings_outcome {
  bool parsed = false;         // false: the file could not be read as TOML at all
  bool groups_usable = true;   // members.csv group_id is checked against [plan] groups
  bool copays_usable = true;   // formulary.csv tier is checked against [[copay]]
  // Where the [[network]] tables (in plan::networks order) and [benefit] specialty_pharmacy
  // stand in plan.toml, for the checks that need the CSV tables too (check_benefits()).
  struct network_source {
    std::uint32_t line = 0, mac_list_line = 0, last_band_line = 0;
  };
  std::vector<network_source> networks;
  std::uint32_t specialty_pharmacy_line = 0;
};

// plan.toml (plan_settings.cpp): unknown keys, wrong types and bad values are reported with
// their line; when the file cannot be parsed, nothing else of the folder is worth reading.
settings_outcome load_settings(const std::filesystem::path& file, const std::string& shown, plan& p, reporter& rep);

// The CSV tables (plan_tables.cpp); `shown` is the folder name used in messages.
void load_formulary(const std::filesystem::path& folder, const std::string& shown, plan& p,
                    const settings_outcome& settings, reporter& rep);
void load_members(const std::filesystem::path& folder, const std::string& shown, plan& p,
                  const settings_outcome& settings, reporter& rep);
void load_pharmacies(const std::filesystem::path& folder, const std::string& shown, plan& p, reporter& rep);
void load_dur(const std::filesystem::path& folder, const std::string& shown, plan& p, reporter& rep);
// The MAC lists named by [[network]] mac_list (after the formulary): CSV ndc,mac_unit.
void load_mac_lists(const std::filesystem::path& folder, const std::string& shown, plan& p,
                    const settings_outcome& settings, reporter& rep);
// After plan::resolve_benefits(): the specialty pharmacy named by [benefit] exists and is a
// specialty pharmacy; every network's copay bands reach its days-supply maximum for every group.
void check_benefits(const std::string& shown, const plan& p, const settings_outcome& settings, reporter& rep);

}  // namespace rxgate::rules::loading
