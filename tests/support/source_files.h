// Test support: reading and editing files of the source tree and of scratch folders.
// Header-only; every function throws nothing the test does not see (gtest failures are added where
// an edit cannot be made). Scratch folders are named by the running test and the process, so tests
// of one binary and parallel ctest runs never share one.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace rxgate::test_support {

namespace fs = std::filesystem;

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// Replaces the first `from` in the file; a missing `from` fails the test (the edit would be silently lost).
inline void replace_once(const fs::path& p, const std::string& from, const std::string& to) {
  std::string s = read_file(p);
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << p.filename().string() << ": " << from;
  s.replace(at, from.size(), to);
  write_file(p, s);
}

// An empty folder under the temp directory for the running test: `<tag>-<pid>-<test name>`.
inline fs::path scratch_folder(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto root = fs::temp_directory_path() /
              ("rxgate-" + tag + "-" + std::to_string(::getpid()) + "-" + (info ? info->name() : "none"));
  fs::remove_all(root);
  fs::create_directories(root);
  return root;
}

// Copies the demo plan of the source tree (config/plans/demo) to `plans_folder`/demo.
inline void copy_demo_plan(const fs::path& source_dir, const fs::path& plans_folder) {
  fs::create_directories(plans_folder);
  fs::copy(source_dir / "config/plans/demo", plans_folder / "demo", fs::copy_options::recursive);
}

// ENGINE_CODES of rules/reject_catalog_gen.py: every reject code the engine or the codec can emit,
// the list the catalog generator insists has an explanation and a fix. One list for every test.
inline std::set<std::string> engine_reject_codes(const fs::path& source_dir) {
  const auto text = read_file(source_dir / "rules/reject_catalog_gen.py");
  const std::string open = "ENGINE_CODES = \"\"\"";
  const auto begin = text.find(open);
  const auto end = begin == std::string::npos ? begin : text.find("\"\"\"", begin + open.size());
  std::set<std::string> out;
  if (end == std::string::npos) return out;
  std::istringstream words(text.substr(begin + open.size(), end - begin - open.size()));
  for (std::string w; words >> w;) out.insert(w);
  return out;
}

}  // namespace rxgate::test_support
