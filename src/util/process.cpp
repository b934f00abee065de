#include "util/process.h"

#include "util/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace beaver {

namespace {
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe2(fd, O_CLOEXEC) != 0) throw Error("cannot create a pipe: {}", std::strerror(errno));
  }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void close_end(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};
}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                          const std::function<void(std::string_view)>& on_stdout) {
  Pipe in, out, err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (auto& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  // A reader that went away must not kill us: a closed stdin is reported by write().
  signal(SIGPIPE, SIG_IGN);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error("cannot run {}: {}", argv[0], std::strerror(rc));
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);

  ProcessResult result;
  std::size_t written = 0;
  if (options.input.empty()) in.close_end(1);
  else fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
  char buf[1 << 16];
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out.fd[0] >= 0) { fds[n] = {out.fd[0], POLLIN, 0}; idx_out = n++; }
    if (err.fd[0] >= 0) { fds[n] = {err.fd[0], POLLIN, 0}; idx_err = n++; }
    if (in.fd[1] >= 0) { fds[n] = {in.fd[1], POLLOUT, 0}; idx_in = n++; }
    if (poll(fds, nfds_t(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (idx_in >= 0 && fds[idx_in].revents) {
      ssize_t w = write(in.fd[1], options.input.data() + written, options.input.size() - written);
      if (w > 0) written += std::size_t(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = options.input.size();
      if (written >= options.input.size()) in.close_end(1);
    }
    if (idx_out >= 0 && fds[idx_out].revents) {
      ssize_t r = read(out.fd[0], buf, sizeof buf);
      if (r > 0) {
        if (on_stdout) on_stdout(std::string_view(buf, std::size_t(r)));
        else result.out.append(buf, std::size_t(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        out.close_end(0);
      }
    }
    if (idx_err >= 0 && fds[idx_err].revents) {
      ssize_t r = read(err.fd[0], buf, sizeof buf);
      if (r > 0) result.err.append(buf, std::size_t(r));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) err.close_end(0);
    }
  }
  in.close_end(1);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

}  // namespace beaver
