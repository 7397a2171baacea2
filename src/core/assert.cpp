#include "core/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace livechain {
void assert_failed(const char* expression, const char* file, int line, const char* message) {
  std::fprintf(stderr, "livechain: invariant violated: %s at %s:%d%s%s\n", expression, file, line,
               message ? ": " : "", message ? message : "");
  std::fflush(stderr);
  std::abort();
}
}  // namespace livechain
