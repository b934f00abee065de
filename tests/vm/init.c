/* /init of the probe's test VM (tests/e2e/probe_vm.sh).
 *
 * Runs as PID 1 from an initramfs: mounts /proc, /sys, /dev and
 * /sys/kernel/config (a failure is printed, not fatal), loads no module, runs
 * `/beaver-probe --format json` (plus the lines of /probe-args, when there is
 * one, as further arguments) with its output on the console between two
 * marker lines, then reboots the machine, which QEMU's -no-reboot makes it exit:
 *
 *   BEAVER-PROBE-JSON-BEGIN
 *   ...what the probe printed...
 *   BEAVER-PROBE-JSON-END exit=<code>
 *
 * <code> is the probe's exit status, or 128+N when signal N killed it (then
 * " signal=N" follows). Only the probe's stdout goes between the markers: its
 * stderr goes to a file printed after the END marker as `probe stderr: ...`
 * lines, and kernel messages are kept off the console while the probe runs
 * (those of level warning or worse logged meanwhile are printed after the END
 * marker as `kmsg: ...` lines), so nothing else lands inside the JSON.
 *
 * Static C, libc only: it must work with nothing else in the initramfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROBE "/beaver-probe"
#define PROBE_STDERR "/probe.stderr"

static int out_fd = 1;

static void write_all(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  write_all(out_fd, buf, (size_t)n);
}

/* Mounts one file system; returns 0 or the errno of the failure. */
static int mount_one(const char* source, const char* target, const char* type) {
  mkdir(target, 0755); /* EEXIST is fine; mount reports anything real. */
  if (mount(source, target, type, MS_NOSUID | MS_NOEXEC, NULL) == 0) return 0;
  return errno;
}

static void report_mount(const char* target, const char* type, int err) {
  if (err == 0 || err == EBUSY) return;
  const char* why = err == ENOENT ? " (no mount point: not built into this kernel?)"
                  : err == ENODEV ? " (not built into this kernel)"
                                  : "";
  say("init: mount %s on %s failed: %s%s\n", type, target, strerror(err), why);
}

/* Opens the console as fds 0, 1 and 2 (the kernel could not when the
 * initramfs has no /dev/console); falls back to whatever fd 1 already is. */
static void open_console(void) {
  int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    /* No devtmpfs: make the node ourselves (we are root in the VM). */
    mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
    fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
  }
  if (fd < 0) return;
  for (int i = 0; i < 3; i++) dup2(fd, i); /* dup2 clears O_CLOEXEC. */
  if (fd > 2) close(fd);
  out_fd = 1;
}

/* The console log level (first field of /proc/sys/kernel/printk), or -1. */
static int console_loglevel(void) {
  char buf[64] = {0};
  int fd = open("/proc/sys/kernel/printk", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  return atoi(buf);
}

/* Prints the /dev/kmsg records after the read position of fd whose level is
 * warning (4) or worse, as "kmsg: <text>" lines. */
static void dump_kmsg(int fd) {
  char rec[4096];
  for (;;) {
    ssize_t n = read(fd, rec, sizeof rec - 1);
    if (n < 0) {
      if (errno == EINTR || errno == EPIPE) continue; /* EPIPE: overwritten records. */
      break;                                          /* EAGAIN: no more. */
    }
    if (n == 0) break;
    rec[n] = '\0';
    /* "<prio>,<seq>,<usec>,<flags>[,...];<text>\n[ KEY=value\n...]" */
    int prio = atoi(rec);
    char* text = strchr(rec, ';');
    if (text == NULL || (prio & 7) > 4) continue;
    text++;
    char* end = strchr(text, '\n');
    if (end != NULL) *end = '\0';
    say("kmsg: %s\n", text);
  }
}

/* Prints what the probe wrote to stderr, one "probe stderr: " line each. */
static void dump_stderr(void) {
  char buf[4096];
  char line[1024];
  size_t len = 0;
  int fd = open(PROBE_STDERR, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] != '\n' && len < sizeof line - 1) line[len++] = buf[i];
      if (buf[i] == '\n') {
        line[len] = '\0';
        say("probe stderr: %s\n", line);
        len = 0;
      }
    }
  }
  if (len > 0) {
    line[len] = '\0';
    say("probe stderr: %s\n", line);
  }
  close(fd);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first field of /proc/uptime ("12.34"), or "?". */
static void uptime(char* buf, size_t size) {
  snprintf(buf, size, "?");
  int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n <= 0) {
    snprintf(buf, size, "?");
    return;
  }
  buf[n] = '\0';
  buf[strcspn(buf, " \n")] = '\0';
}

static int run_probe(void) {
  pid_t pid = fork();
  if (pid < 0) {
    say("init: fork failed: %s\n", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    /* Extra arguments, one per line, from /probe-args when the test put one
     * there (tests/e2e/kernel_build.sh gives a CPUID file). */
    static char args[4096];
    char* argv[24] = {(char*)PROBE, (char*)"--format", (char*)"json", NULL};
    int argc = 3;
    int fd = open("/probe-args", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = read(fd, args, sizeof args - 1);
      close(fd);
      if (n > 0) {
        args[n] = 0;
        for (char* line = strtok(args, "\n"); line && argc < 23; line = strtok(NULL, "\n")) argv[argc++] = line;
        argv[argc] = NULL;
      }
    }
    char* const envp[] = {(char*)"PATH=/", (char*)"HOME=/", (char*)"TERM=dumb", NULL};
    int err = open(PROBE_STDERR, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (err >= 0) {
      dup2(err, 2);
      if (err != 2) close(err);
    }
    execve(PROBE, argv, envp);
    say("init: exec %s failed: %s\n", PROBE, strerror(errno));  /* fd 1: the console. */
    _exit(127);
  }
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, 0);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      say("init: waitpid failed: %s\n", strerror(errno));
      return -1;
    }
  }
  return status;
}

int main(void) {
  /* /dev first: it holds the console, where every later message goes. */
  int dev_err = mount_one("devtmpfs", "/dev", "devtmpfs");
  open_console();
  report_mount("/dev", "devtmpfs", dev_err);
  report_mount("/proc", "proc", mount_one("proc", "/proc", "proc"));
  report_mount("/sys", "sysfs", mount_one("sysfs", "/sys", "sysfs"));
  report_mount("/sys/kernel/config", "configfs", mount_one("configfs", "/sys/kernel/config", "configfs"));

  /* Quiet console while the probe writes; its warnings are shown after. */
  int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (kmsg >= 0) lseek(kmsg, 0, SEEK_END);
  int old_level = console_loglevel();
  if (old_level > 1) klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 1);

  char up[64];
  uptime(up, sizeof up);
  say("init: kernel up %s s, running %s --format json\n", up, PROBE);
  say("BEAVER-PROBE-JSON-BEGIN\n");
  long long start = now_ms();
  int status = run_probe();
  long long took = now_ms() - start;
  if (status < 0) {
    say("BEAVER-PROBE-JSON-END exit=-1\n");
  } else if (WIFEXITED(status)) {
    say("BEAVER-PROBE-JSON-END exit=%d\n", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    say("BEAVER-PROBE-JSON-END exit=%d signal=%d\n", 128 + WTERMSIG(status), WTERMSIG(status));
  } else {
    say("BEAVER-PROBE-JSON-END exit=-1 status=%d\n", status);
  }

  if (old_level > 1) klogctl(8, NULL, old_level);
  say("init: probe ran %lld ms\n", took);
  dump_stderr();
  if (kmsg >= 0) {
    dump_kmsg(kmsg);
    close(kmsg);
  }

  sync();
  /* A reboot, not a power off: both VM tests run QEMU with -no-reboot, which
   * turns a reboot into QEMU exiting, and a reboot needs no ACPI (a kernel
   * without it halts on power off, and QEMU would wait forever). */
  reboot(RB_AUTOBOOT);
  /* Still here: PID 1 exiting panics the kernel; panic=-1 and QEMU's
   * -no-reboot turn that into QEMU exiting too. */
  say("init: reboot failed: %s\n", strerror(errno));
  return 1;
}
