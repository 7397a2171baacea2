// tests/support/process.hpp — shared by the test binaries.
//
// Runs a program the way a user would (the real binary, real exit code) and captures
// its output through files, so a test can check stdout, stderr and the exit status.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
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

// A program left running in the background (a server under test). stdout and stderr
// go to files so the test can wait for a line such as "listening on …". The child dies
// with the thread that started it (PR_SET_PDEATHSIG) and the destructor kills and
// reaps it if it is still running, so a failing test never leaks a process.
class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  ~BackgroundProcess() { kill_and_reap(); }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Starts `binary args…` with stdin from /dev/null. False when it cannot be started.
  bool start(const std::string& binary, const std::vector<std::string>& args,
             const std::string& out_path, const std::string& err_path) {
    if (running()) return false;
    std::vector<std::string> argv_text = {binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {  // only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || out < 0 || err < 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    exit_code_.reset();
    return true;
  }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !exit_code_; }

  // Sends `signal_number` to the child. False when it is not running.
  bool signal(int signal_number) const { return running() && ::kill(pid_, signal_number) == 0; }

  // Waits up to `timeout` for the child to exit: its exit status (128 + signal when
  // killed by one), or nullopt while it still runs.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0 || exit_code_) return exit_code_;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      if (done < 0) {
        exit_code_ = -1;
        return exit_code_;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // SIGKILL and reap; a no-op when the child already exited.
  void kill_and_reap() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    wait_for_exit(std::chrono::seconds(10));
  }

  std::optional<int> exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Polls the file at `path` until it contains `needle` or `timeout` passes; returns the
// file's text from the start of the line holding `needle` (to the end of that line),
// or nullopt. `alive` is polled too: when it returns false the wait ends early.
template <class Alive>
std::optional<std::string> wait_for_line(const std::string& path, const std::string& needle,
                                         std::chrono::milliseconds timeout, Alive alive) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string text = read_file(path);
    size_t at = text.find(needle);
    if (at != std::string::npos) {
      size_t end = text.find('\n', at);
      if (end != std::string::npos) {
        size_t begin = text.rfind('\n', at);
        begin = begin == std::string::npos ? 0 : begin + 1;
        return text.substr(begin, end - begin);
      }
    }
    if (!alive() || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace livechain::test_support
