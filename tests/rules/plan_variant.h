// The demo plans with plan.toml edited, for rules tests that need a setting the demo plan does
// not have (a scratch copy, loaded once per name and removed again), and readers of a decision's
// approved messages and message lines.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "tests/rules/support.h"

namespace rxgate::rules::test {

// `edits`: (text in the demo plan.toml, its replacement); a text that is missing fails the test.
inline const plan_set& demo_variant(const std::string& name,
                                    const std::vector<std::pair<std::string, std::string>>& edits) {
  namespace fs = std::filesystem;
  static std::map<std::string, std::shared_ptr<const plan_set>> loaded;
  auto& slot = loaded[name];
  if (slot) return *slot;
  const auto root = fs::temp_directory_path() / ("rxgate-variant-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  fs::copy(plans_dir() + "/demo", root / "demo", fs::copy_options::recursive);
  std::stringstream text;
  text << std::ifstream(root / "demo/plan.toml").rdbuf();
  std::string toml = text.str();
  for (const auto& [from, to] : edits) {
    const auto at = toml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) toml.replace(at, from.size(), to);
  }
  std::ofstream(root / "demo/plan.toml") << toml;
  slot = load_plans(root);
  fs::remove_all(root);
  return *slot;
}

inline decision decide_on(const plan_set& plans, const scenario& s) {
  member_history h;
  h.fills = s.fills;
  h.authorizations = s.auths;
  h.same_key = s.key;
  decision d;
  adjudicate(s.claim, plans, h, ymd(s.today), d);
  return d;
}

inline std::string messages(const decision& d) {
  std::string out;
  for (std::size_t i = 0; i < d.approved_message_count; ++i) out += (out.empty() ? "" : " ") + std::string(d.approved_messages[i]);
  return out;
}

// The decision's message lines, each followed by '|'.
inline std::string all_text(const decision& d) {
  std::string out;
  for (std::size_t i = 0; i < d.text_count; ++i) out += std::string(d.text(i)) + "|";
  return out;
}

}  // namespace rxgate::rules::test
