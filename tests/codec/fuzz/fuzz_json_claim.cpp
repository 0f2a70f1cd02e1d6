// libFuzzer entry: JSON claims (POST /v1/claims) through from_json, decode, validate, to_json.
#include "tests/codec/fuzz/json_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rxgate::fuzz::fuzz_json_claim_one(data, size);
}
