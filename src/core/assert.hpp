// src/core/assert.hpp
//
// Invariant checks. LC_ASSERT stays on in release builds: a broken invariant in a
// stock ledger must stop the process before it journals a wrong balance. LC_DASSERT is
// for costly checks and compiles away outside debug builds. Never assert on user input:
// user input is validated and rejected with an Error value.
#pragma once

namespace livechain {
[[noreturn]] void assert_failed(const char* expression, const char* file, int line,
                                const char* message);
}  // namespace livechain

#define LC_ASSERT(expression)                                               \
  do {                                                                      \
    if (!(expression)) [[unlikely]]                                         \
      ::livechain::assert_failed(#expression, __FILE__, __LINE__, nullptr); \
  } while (0)

#define LC_ASSERT_MSG(expression, message)                                  \
  do {                                                                      \
    if (!(expression)) [[unlikely]]                                         \
      ::livechain::assert_failed(#expression, __FILE__, __LINE__, message); \
  } while (0)

#ifndef NDEBUG
#define LC_DASSERT(expression) LC_ASSERT(expression)
#else
#define LC_DASSERT(expression) \
  do {                         \
  } while (0)
#endif
