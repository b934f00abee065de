#include "util/process.h"

#include "util/error.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
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
  int release(int i) {
    int f = fd[i];
    fd[i] = -1;
    return f;
  }
};

struct OwnedFd {
  int fd = -1;
  OwnedFd() = default;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// Starts argv with its stdin, stdout and stderr on pipes; returns the pid and
// our ends of the pipes (stdin's write end, stdout's and stderr's read ends).
pid_t spawn(const std::vector<std::string>& argv, const ProcessOptions& options, int& in_w, int& out_r, int& err_r) {
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
  in_w = in.release(1);
  out_r = out.release(0);
  err_r = err.release(0);
  return pid;
}
}  // namespace

void LineSplitter::feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    std::size_t nl = chunk.find('\n', pos);
    if (nl == std::string_view::npos) {
      pending_.append(chunk.substr(pos));
      return;
    }
    if (!pending_.empty()) {
      pending_.append(chunk.substr(pos, nl + 1 - pos));
      on_line(pending_);
      pending_.clear();
    } else {
      on_line(chunk.substr(pos, nl + 1 - pos));
    }
    pos = nl + 1;
  }
}

void LineSplitter::flush(const std::function<void(std::string_view)>& on_line) {
  if (!pending_.empty()) on_line(pending_);
  pending_.clear();
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options,
                          const std::function<void(std::string_view)>& on_stdout) {
  OwnedFd in, out, err;
  pid_t pid = spawn(argv, options, in.fd, out.fd, err.fd);

  ProcessResult result;
  std::size_t written = 0;
  if (options.input.empty()) in.close();
  else fcntl(in.fd, F_SETFL, O_NONBLOCK);
  char buf[1 << 16];
  while (out.fd >= 0 || err.fd >= 0) {
    pollfd fds[3];
    int n = 0;
    int idx_out = -1, idx_err = -1, idx_in = -1;
    if (out.fd >= 0) { fds[n] = {out.fd, POLLIN, 0}; idx_out = n++; }
    if (err.fd >= 0) { fds[n] = {err.fd, POLLIN, 0}; idx_err = n++; }
    if (in.fd >= 0) { fds[n] = {in.fd, POLLOUT, 0}; idx_in = n++; }
    if (poll(fds, nfds_t(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (idx_in >= 0 && fds[idx_in].revents) {
      ssize_t w = write(in.fd, options.input.data() + written, options.input.size() - written);
      if (w > 0) written += std::size_t(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = options.input.size();
      if (written >= options.input.size()) in.close();
    }
    if (idx_out >= 0 && fds[idx_out].revents) {
      ssize_t r = read(out.fd, buf, sizeof buf);
      if (r > 0) {
        if (on_stdout) on_stdout(std::string_view(buf, std::size_t(r)));
        else result.out.append(buf, std::size_t(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        out.close();
      }
    }
    if (idx_err >= 0 && fds[idx_err].revents) {
      ssize_t r = read(err.fd, buf, sizeof buf);
      if (r > 0) result.err.append(buf, std::size_t(r));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) err.close();
    }
  }
  in.close();
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

}  // namespace beaver

namespace beaver {

Child::~Child() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    finish();
  }
}

void Child::start(const std::vector<std::string>& argv, const ProcessOptions& options) {
  pid_ = spawn(argv, options, in_, out_, errfd_);
  fcntl(in_, F_SETFL, O_NONBLOCK);
  lines_ = LineSplitter();
  err_.clear();
}

bool Child::exchange(std::string_view input, std::string_view until,
                     const std::function<void(std::string_view)>& on_line) {
  std::size_t written = 0;
  char buf[1 << 16];
  for (;;) {
    pollfd fds[3];
    int n = 0, iw = -1, io = -1, ie = -1;
    if (in_ >= 0 && written < input.size()) { fds[n] = {in_, POLLOUT, 0}; iw = n++; }
    if (out_ >= 0) { fds[n] = {out_, POLLIN, 0}; io = n++; }
    if (errfd_ >= 0) { fds[n] = {errfd_, POLLIN, 0}; ie = n++; }
    if (io < 0) return false;
    if (poll(fds, nfds_t(n), -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (iw >= 0 && fds[iw].revents) {
      ssize_t w = write(in_, input.data() + written, input.size() - written);
      if (w > 0) written += std::size_t(w);
      else if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // the reader is gone
    }
    if (ie >= 0 && fds[ie].revents) {
      ssize_t r = read(errfd_, buf, sizeof buf);
      if (r > 0) err_.append(buf, std::size_t(r));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(errfd_);
        errfd_ = -1;
      }
    }
    if (io >= 0 && fds[io].revents) {
      ssize_t r = read(out_, buf, sizeof buf);
      if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
        close(out_);
        out_ = -1;
        return false;
      }
      if (r < 0) continue;
      bool marked = false;
      lines_.feed(std::string_view(buf, std::size_t(r)), [&](std::string_view line) {
        if (marked) return;  // nothing follows the marker until the next request
        if (line.size() == until.size() + 1 && line.substr(0, until.size()) == until) marked = true;
        else on_line(line);
      });
      if (marked) return true;
    }
  }
}

std::size_t Child::resident_bytes() const {
  if (pid_ <= 0) return 0;
  std::FILE* f = std::fopen(fmt::format("/proc/{}/statm", pid_).c_str(), "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? std::size_t(resident) * std::size_t(sysconf(_SC_PAGESIZE)) : 0;
}

int Child::finish() {
  if (in_ >= 0) close(in_);
  in_ = -1;
  char buf[4096];
  if (out_ >= 0) {
    while (read(out_, buf, sizeof buf) > 0) {
    }
    close(out_);
    out_ = -1;
  }
  if (errfd_ >= 0) {
    ssize_t r;
    while ((r = read(errfd_, buf, sizeof buf)) > 0) err_.append(buf, std::size_t(r));
    close(errfd_);
    errfd_ = -1;
  }
  int status = 0, code = -1;
  if (pid_ > 0) {
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  pid_ = -1;
  return code;
}

}  // namespace beaver
