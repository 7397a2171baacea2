// tests/support/process.hpp — shared by the test binaries.
//
// Runs a program the way a user would (the real binary, real exit code) and captures
// its output through files, so a test can check stdout, stderr and the exit status.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace livechain::test_support {

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `binary args…` with `input` on stdin and waits for it. stdin, stdout and stderr
// go through files in `dir` (which must exist), overwritten by the next call.
inline RunResult run_program(const std::string& binary, const std::vector<std::string>& args,
                             const std::string& dir, const std::string& input = "") {
  std::string in_path = dir + "/run.stdin";
  std::string out_path = dir + "/run.stdout";
  std::string err_path = dir + "/run.stderr";
  std::ofstream(in_path, std::ios::binary | std::ios::trunc) << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<std::string> argv_text = {binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  RunResult result;
  int spawned = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(spawned, 0) << "cannot run " << binary;
  if (spawned == 0) {
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

}  // namespace livechain::test_support
