// Loading the D.0 vectors of tests/data/vectors (and the F6 ones of tests/data/f6): two "# "
// comment lines (source, separators),
// then the payload with no newline added at its end.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rxgate::testing {

inline std::filesystem::path vector_dir() { return std::filesystem::path(RXGATE_TEST_DATA) / "vectors"; }

// The payload: every byte after the second '\n'.
inline std::string load_vector(const std::string& name,
                               const std::filesystem::path& dir = vector_dir()) {
  std::ifstream in(dir / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  auto p = all.find('\n');
  p = all.find('\n', p + 1);
  return all.substr(p + 1);
}

inline std::vector<std::string> vector_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(vector_dir()))
    if (e.path().extension() == ".txt") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace rxgate::testing
