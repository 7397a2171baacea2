// tests/support/temp_dir.hpp — shared by the test binaries.
//
// A fresh directory under /tmp for one test, removed with everything in it when the
// object goes out of scope, so tests never share or leave files behind.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace livechain::test_support {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/livechain-test-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    path_ = made != nullptr ? made : "/tmp";
  }
  ~TempDir() {
    if (path_ != "/tmp") std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace livechain::test_support
