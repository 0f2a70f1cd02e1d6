// Replays the committed fuzz corpora (tests/data/fuzz/decode, roundtrip, json_claim) through
// the same target code the libFuzzer binaries run (tests/codec/fuzz/targets.h), so that every
// input the fuzzers kept, including past crashes, is checked by CI under the ordinary compiler.
// A broken property aborts the test binary and names the input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/codec/fuzz/json_target.h"
#include "tests/codec/fuzz/targets.h"
#include "tests/codec/vector_util.h"

namespace {

std::filesystem::path corpus_dir(const char* name) {
  return std::filesystem::path(RXGATE_TEST_DATA) / "fuzz" / name;
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string bytes(std::filesystem::file_size(p), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

// Runs both targets on every file of `dir`; returns how many files there were.
std::size_t replay(const char* dir) {
  const auto files = files_in(corpus_dir(dir));
  for (const auto& f : files) {
    const std::string bytes = read_bytes(f);
    const std::string name = f.filename().string();
    rxgate::fuzz::current_input() = name.c_str();
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    EXPECT_EQ(rxgate::fuzz::fuzz_decode_one(data, bytes.size()), 0) << name;
    EXPECT_EQ(rxgate::fuzz::fuzz_roundtrip_one(data, bytes.size()), 0) << name;
  }
  rxgate::fuzz::current_input() = nullptr;
  return files.size();
}

}  // namespace

TEST(CorpusReplay, DecodeCorpus) {
  // Seeded with the 20 vectors and the malformed inputs; a near-empty folder means a bad checkout.
  EXPECT_GE(replay("decode"), 40u);
}

TEST(CorpusReplay, RoundTripCorpus) { EXPECT_GE(replay("roundtrip"), 40u); }

TEST(CorpusReplay, VectorsPassBothTargets) {
  // Straight from tests/data/vectors, whatever the corpora hold.
  const auto names = rxgate::testing::vector_names();
  ASSERT_EQ(names.size(), 20u);
  for (const auto& name : names) {
    const std::string bytes = rxgate::testing::load_vector(name);
    rxgate::fuzz::current_input() = name.c_str();
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    EXPECT_EQ(rxgate::fuzz::fuzz_decode_one(data, bytes.size()), 0) << name;
    EXPECT_EQ(rxgate::fuzz::fuzz_roundtrip_one(data, bytes.size()), 0) << name;
  }
  rxgate::fuzz::current_input() = nullptr;
}

// JSON claims as POST /v1/claims takes them: from_json, decode, validate, answer, to_json and back.
TEST(CorpusReplay, JsonClaimCorpus) {
  const auto files = files_in(corpus_dir("json_claim"));
  for (const auto& f : files) {
    const std::string bytes = read_bytes(f);
    const std::string name = f.filename().string();
    rxgate::fuzz::current_input() = name.c_str();
    EXPECT_EQ(rxgate::fuzz::fuzz_json_claim_one(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0)
        << name;
  }
  rxgate::fuzz::current_input() = nullptr;
  // Seeded with the 20 vectors as JSON and the malformed inputs.
  EXPECT_GE(files.size(), 28u);
}
