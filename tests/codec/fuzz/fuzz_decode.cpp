// libFuzzer entry: decode, then validate (or validate_decode_failure) and build the answer.
#include "tests/codec/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rxgate::fuzz::fuzz_decode_one(data, size);
}
