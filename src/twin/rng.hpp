// src/twin/rng.hpp — the twin's own PRNG (splitmix64 seeding xoshiro256**).
//
// Every random draw of the simulator comes from a Rng built from the run's seed and a
// stream id, so a run is a pure function of (scenario, parameters, seed). No
// std::random_device and no std::*_distribution (their output differs between
// standard libraries): the distributions below are written out.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/assert.hpp"

namespace livechain::twin {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // One independent stream per (seed, stream): changing how often one part of the
  // model draws does not shift the draws of the others.
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ULL);
    for (auto& word : s_) word = splitmix64(state);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t below(uint64_t n) {
    LC_ASSERT(n > 0);
    return next() % n;
  }
  bool chance(double p) { return uniform() < p; }
  // Standard normal (Box-Muller, one value per call: simple and deterministic).
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double lognormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }
  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }
  // Poisson: exact (Knuth) below 30, normal approximation above.
  int64_t poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      const double limit = std::exp(-lambda);
      double product = uniform();
      int64_t count = 0;
      while (product > limit && count < 1000) {
        product *= uniform();
        ++count;
      }
      return count;
    }
    const double value = std::round(lambda + std::sqrt(lambda) * normal());
    return value < 0 ? 0 : static_cast<int64_t>(value);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace livechain::twin
