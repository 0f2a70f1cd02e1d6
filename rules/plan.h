// Plan snapshots: every plan rxgate serves, immutable once loaded (DESIGN.md §5).
//
// load_plans() reads a folder of plan folders (config/plans/<plan-id>/plan.toml + CSV tables),
// checks everything and either returns a complete snapshot or throws plan_error listing each
// problem with file, line and column; nothing half-loaded ever serves. A snapshot is shared
// (std::shared_ptr<const plan_set>) and swapped atomically on reload; readers keep the one they
// started with for as long as they hold it.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "codec/numeric.h"

namespace rxgate::rules {

struct plan;          // one plan version (defined in rules/plan_model.h)
class plan_set;       // all plans and versions, indexed for routing

// A load failure: what() lists every problem, one per line, as "file:line:column: message".
class plan_error : public std::runtime_error {
 public:
  explicit plan_error(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// Load `dir` when it is a plan folder (holds plan.toml), else every plan folder under it
// (start-up and reload only: throws plan_error).
std::shared_ptr<const plan_set> load_plans(const std::filesystem::path& dir);

// Summary for logs, /readyz and the CLI: plan ids, versions, table sizes.
std::string describe(const plan_set& plans);

}  // namespace rxgate::rules
