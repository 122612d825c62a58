#pragma once
// Runs the causalattn tool as a separate process, as a user or an attacker would, with a wall-clock
// bound (the process is killed when it passes it), an address-space bound (not under the
// sanitizers, whose shadow memory needs terabytes of address space) and its peak resident memory
// measured, so that a test can assert the exit code, the one-line message, the time and the memory.

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "sanitized.hpp"

namespace causalattn::test {

/// What a run of the tool did.
struct ToolRun {
  int exit_code = -1;      ///< the exit status, or -signal when a signal ended it
  bool killed_at_limit = false;  ///< still running at the wall-clock limit (then killed)
  double seconds = 0;      ///< wall time
  long peak_rss_mb = 0;    ///< peak resident memory
  std::string out, err;    ///< standard output and error
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs `tool args...` with at most `seconds` of wall time and (without sanitizers) `memory_mb`
/// of address space; standard input is /dev/null.
inline ToolRun run_tool(const std::string& tool, const std::vector<std::string>& args, double seconds = 60,
                        long memory_mb = 4096) {
  char out_name[] = "/tmp/causalattn_tool_out_XXXXXX", err_name[] = "/tmp/causalattn_tool_err_XXXXXX";
  const int out_fd = ::mkstemp(out_name), err_fd = ::mkstemp(err_name);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("mkstemp failed");
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (!sanitized()) {
      const rlim_t bytes = rlim_t(memory_mb) << 20;
      const rlimit limit{bytes, bytes};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(tool.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(tool.c_str(), argv.data());
    ::_exit(127);
  }
  ToolRun run;
  int status = 0;
  rusage usage{};
  for (;;) {
    const pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > seconds) {
      run.killed_at_limit = true;
      ::kill(pid, SIGKILL);
      ::wait4(pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  run.peak_rss_mb = usage.ru_maxrss / 1024;
  ::close(out_fd);
  ::close(err_fd);
  run.out = slurp(out_name);
  run.err = slurp(err_name);
  std::remove(out_name);
  std::remove(err_name);
  return run;
}

}  // namespace causalattn::test
