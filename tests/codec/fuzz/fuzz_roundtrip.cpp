// libFuzzer entry: decode -> rewrite with codec::writer -> decode must give the same message;
// a request's answer must decode back to the statuses and reject codes put in it.
#include "tests/codec/fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return rxgate::fuzz::fuzz_roundtrip_one(data, size);
}
