// tests/support/seed.hpp — shared by the test binaries.
//
// Every randomised test takes its seed from here and prints it, so a failure replays
// with LIVECHAIN_TEST_SEED=<seed>.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace livechain::test_support {

// LIVECHAIN_TEST_SEED when set, else `fallback`; printed as "SEED=<n>".
inline uint64_t test_seed(uint64_t fallback) {
  const char* text = std::getenv("LIVECHAIN_TEST_SEED");
  const uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : fallback;
  std::printf("SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace livechain::test_support
