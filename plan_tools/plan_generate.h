// Synthetic large plans for benchmarks and load tests: writes a plan folder (plan.toml + CSV
// tables) that load_plans() accepts. Deterministic for a given seed. Everything it writes is
// made up and says so. Start-up/tooling only: throws std::runtime_error on I/O failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace rxgate::rules {

struct generate_options {
  std::size_t products = 100000;
  std::size_t members = 1000000;
  std::size_t pharmacies = 1000;
  std::uint64_t seed = 1;
  std::string id = "bench";
  std::string bin = "610900", pcn = "RXGBENCH", group = "BENCH01";
  bool accumulators = true;  // an [accumulators] table, as a commercial plan has (deductible, OOP max)
};

// Identifiers the generator uses, so that benches and the load generator can build claims that
// hit the plan: product i, cardholder i (person code "001"), pharmacy i.
std::string generated_ndc(std::size_t i);
std::string generated_cardholder(std::size_t i);
std::string generated_npi(std::size_t i);

void generate_plan(const std::filesystem::path& folder, const generate_options& options);

}  // namespace rxgate::rules
