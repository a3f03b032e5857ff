// Dropping privilege in every thread of the process at once.
//
// Linux keeps credentials (uids, gids, groups), the capability sets, the bounding set, the
// ambient set, keep-caps and no_new_privs per thread. By the time a command has opened its
// sockets, libuv's threadpool and V8's platform threads exist, so a capset() or prctl() on the
// main thread leaves them privileged. glibc broadcasts the set*id family to every thread itself
// (SIGSETXID), but not capset or prctl. So, as libpsx does: every thread listed in
// /proc/self/task is sent a signal whose handler makes the same system calls, and acknowledges.
//
// The signal is glibc's SIGSETXID (__SIGRTMIN + 1, 33), borrowed for the broadcast and given back:
// glibc removes it from every mask a thread asks for (pthread_sigmask, sigprocmask), because its
// own broadcast must reach every thread. Node has a thread that blocks every other signal (the
// inspector's SIGUSR1 watchdog, SigBlk fffffffe7ffbfeff here), which a realtime signal of our own
// would never reach. The caller checks the result per thread in /proc/self/task/*/status, with
// CheckThreads below: the kernel's account, read apart from what the handlers reported.
#include "privilege.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <inttypes.h>
#include <cstdio>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace netdiag {

namespace {

/** What every thread does, filled in before the broadcast; read by the handler only. */
struct DropPlan {
  uint64_t keep = 0;      // capabilities kept in the permitted and effective sets
  int lastCap = 40;       // /proc/sys/kernel/cap_last_cap
  bool switchUser = false;
  uid_t uid = 0;
  gid_t gid = 0;
  gid_t groups[64];
  size_t groupCount = 0;
};

DropPlan plan;
std::atomic<int> acknowledged{0};  // a futex word too: lock-free, the size of an int
std::atomic<int> wakeAt{0};        // the count at which the last handler of a round wakes the waiter
static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free);
std::atomic<int> firstError{0};       // errno of the first failed step in any thread
std::atomic<int> firstErrorStep{0};   // which step (see kSteps)
constexpr int kMaxThreads = 4096;
std::atomic<pid_t> ackedTids[kMaxThreads];

/** glibc's SIGSETXID (__SIGRTMIN + 1): never blocked in any thread, as glibc sees to it. */
constexpr int kBroadcastSignal = 33;
constexpr unsigned long kSaRestorer = 0x04000000;

/** The kernel's struct sigaction (rt_sigaction), which differs from glibc's. */
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

const char* const kSteps[] = {"none", "prctl(PR_SET_NO_NEW_PRIVS)", "prctl(PR_CAP_AMBIENT_CLEAR_ALL)",
                              "prctl(PR_CAPBSET_DROP)", "prctl(PR_SET_KEEPCAPS)", "setgroups",
                              "setresgid", "setresuid", "capset", "prctl(PR_SET_SECUREBITS)"};

/** uid 0 is no key to capabilities at exec, nor can a capability be made ambient; both locked. */
constexpr unsigned long kSecurebits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                                      SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

void Fail(int step, int err) {
  int expected = 0;
  if (firstError.compare_exchange_strong(expected, err)) firstErrorStep.store(step);
}

/**
 * The calling thread's drop: only raw system calls, as it runs in a signal handler. `bound` cuts
 * the bounding set too, one prctl per capability (41 here): only the thread that runs JavaScript
 * does, as it is the one that forks and execs (child_process); every thread gets no_new_privs and
 * the locked securebits, which already keep any exec from gaining a capability (the kernel
 * intersects an exec's permitted set with the old one under no_new_privs, and SECBIT_NOROOT
 * stops uid 0 from meaning "every capability" at exec), in one call each. Measured: the drop
 * across Node's 7 threads went from 308 prctl calls to about 60.
 */
void DropThisThread(bool bound) {
  const DropPlan& p = plan;
  if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(1, errno);
  // Ambient capabilities survive execve of an unprivileged program; none may.
  if (syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) Fail(2, errno);
  // Securebits need CAP_SETPCAP, as the bounding set does: a user without it has neither to set.
  // Set before the user switch, which takes the effective set (and CAP_SETPCAP with it); keep-caps
  // is left unlocked, as the switch below needs it.
  if (syscall(SYS_prctl, PR_SET_SECUREBITS, kSecurebits, 0, 0, 0) != 0 && errno != EPERM && errno != EINVAL)
    Fail(9, errno);
  for (int cap = 0; bound && cap <= p.lastCap; cap++) {
    if (p.keep & (uint64_t(1) << cap)) continue;
    if (syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM && errno != EINVAL) {
      Fail(3, errno);
      break;
    }
  }
  if (p.switchUser) {
    // Leaving uid 0 clears the permitted set unless keep-caps says otherwise: what is kept must be.
    if (syscall(SYS_prctl, PR_SET_KEEPCAPS, p.keep != 0 ? 1 : 0, 0, 0, 0) != 0) Fail(4, errno);
    if (syscall(SYS_setgroups, p.groupCount, p.groups) != 0) Fail(5, errno);
    if (syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) Fail(6, errno);
    if (syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) Fail(7, errno);
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  data[0].permitted = data[0].effective = uint32_t(p.keep);
  data[1].permitted = data[1].effective = uint32_t(p.keep >> 32);
  if (syscall(SYS_capset, &header, data) != 0) Fail(8, errno);
  if (p.switchUser && syscall(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) Fail(4, errno);
}

void OnBroadcast(int, siginfo_t*, void*) {
  int saved = errno;
  DropThisThread(false);
  int slot = acknowledged.fetch_add(1);
  if (slot < kMaxThreads) ackedTids[slot].store(pid_t(syscall(SYS_gettid)));
  // The last one wakes the broadcasting thread, which waits on the count (futex is
  // async-signal-safe); each waking it was two context switches more for every thread.
  if (slot + 1 >= wakeAt.load())
    syscall(SYS_futex, reinterpret_cast<int*>(&acknowledged), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  errno = saved;
}

/** This process's threads, from /proc/self/task; none, with `err` set, where it cannot be read. */
std::set<pid_t> Threads(int* err = nullptr) {
  std::set<pid_t> tids;
  DIR* dir = opendir("/proc/self/task");
  if (!dir) {
    if (err != nullptr) *err = errno;
    return tids;
  }
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    tids.insert(pid_t(std::atoi(e->d_name)));
  }
  closedir(dir);
  return tids;
}

bool Acked(pid_t tid) {
  int n = std::min(acknowledged.load(), kMaxThreads);
  for (int i = 0; i < n; i++)
    if (ackedTids[i].load() == tid) return true;
  return false;
}

bool Exists(pid_t tid) { return access(("/proc/self/task/" + std::to_string(tid)).c_str(), F_OK) == 0; }

int LastCap() {
  FILE* f = fopen("/proc/sys/kernel/cap_last_cap", "r");
  int last = 40;
  if (f) {
    if (fscanf(f, "%d", &last) != 1) last = 40;
    fclose(f);
  }
  return last > 63 ? 63 : last;
}

/** The value after "\n<field>:" in a /proc status text, or nullptr. */
const char* Field(const char* text, const char* field) {
  size_t n = std::strlen(field);
  for (const char* p = text; (p = std::strstr(p, field)) != nullptr; p += n)
    if ((p == text || p[-1] == '\n') && p[n] == ':') return p + n + 1;
  return nullptr;
}

}  // namespace

std::string CheckThreads(uint64_t want, bool checkUid, uid_t uid, int& count, ThreadReadFailure& failure) {
  count = 0;
  failure = {};
  int listErr = 0;
  std::set<pid_t> tids = Threads(&listErr);
  if (listErr != 0) {
    failure = {listErr, "opendir", "/proc/self/task"};
    return "";
  }
  for (pid_t tid : tids) {
    std::string path = "/proc/self/task/" + std::to_string(tid) + "/status";
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // the thread ended meanwhile
      failure = {errno, "open", path};
      return "";
    }
    char text[8192];
    size_t length = 0;
    for (ssize_t got; length < sizeof(text) - 1 && (got = read(fd, text + length, sizeof(text) - 1 - length)) != 0;) {
      if (got < 0) {
        if (errno == EINTR) continue;
        break;
      }
      length += size_t(got);
    }
    close(fd);
    text[length] = '\0';
    const char* eff = Field(text, "CapEff");
    const char* prm = Field(text, "CapPrm");
    const char* amb = Field(text, "CapAmb");
    const char* nnp = Field(text, "NoNewPrivs");
    const char* uids = Field(text, "Uid");
    if (!eff || !prm || !amb || !nnp || !uids) {
      if (length == 0) continue;  // an exited thread reads empty
      return "thread " + std::to_string(tid) + ": its status lacks a capability, NoNewPrivs or Uid line";
    }
    uint64_t effective = std::strtoull(eff, nullptr, 16);
    uint64_t permitted = std::strtoull(prm, nullptr, 16);
    uint64_t ambient = std::strtoull(amb, nullptr, 16);
    bool noNewPrivs = std::strtol(nnp, nullptr, 10) == 1;
    unsigned long ids[4] = {0, 0, 0, 0};
    std::sscanf(uids, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]);
    bool wrongUser = checkUid && (ids[0] != uid || ids[1] != uid || ids[2] != uid || ids[3] != uid);
    if (effective != want || permitted != want || ambient != 0 || !noNewPrivs || wrongUser) {
      char line[200];
      std::snprintf(line, sizeof(line),
                    "thread %d kept privilege after the drop (CapEff %" PRIx64 ", CapPrm %" PRIx64
                    ", CapAmb %" PRIx64 ", NoNewPrivs %d, uid %lu %lu %lu %lu)",
                    int(tid), effective, permitted, ambient, noNewPrivs ? 1 : 0, ids[0], ids[1], ids[2], ids[3]);
      return line;
    }
    count++;
  }
  if (count == 0) return "no thread of this process could be read in /proc/self/task";
  return "";
}

std::string DropPrivilegesEverywhere(uint64_t keep, bool switchUser, uid_t uid, gid_t gid,
                                     const std::vector<gid_t>& groups) {
  if (groups.size() > sizeof(plan.groups) / sizeof(plan.groups[0])) return "at most 64 supplementary groups";
  plan.keep = keep;
  plan.lastCap = LastCap();
  plan.switchUser = switchUser;
  plan.uid = uid;
  plan.gid = gid;
  plan.groupCount = groups.size();
  std::copy(groups.begin(), groups.end(), plan.groups);
  acknowledged.store(0);
  firstError.store(0);
  firstErrorStep.store(0);
  // The plan is plain memory the handlers read on other threads: publish it before any signal.
  std::atomic_thread_fence(std::memory_order_seq_cst);

#ifndef __GLIBC__
  return "dropping privilege in every thread needs glibc's SIGSETXID broadcast signal";
#endif
  const int sig = kBroadcastSignal;
  // Raw rt_sigaction: glibc refuses to let a program handle its internal signals. The kernel's
  // struct takes the signal-return trampoline (sa_restorer) explicitly: take glibc's, by setting
  // an action through glibc (SIGUSR2's own, unchanged) and reading back what the kernel holds.
  struct sigaction current {};
  sigaction(SIGUSR2, nullptr, &current);
  sigaction(SIGUSR2, &current, nullptr);
  KernelSigaction glibcs{};
  if (syscall(SYS_rt_sigaction, SIGUSR2, nullptr, &glibcs, sizeof(uint64_t)) != 0)
    return std::string("rt_sigaction: ") + strerror(errno);
  KernelSigaction ours{OnBroadcast, SA_SIGINFO | SA_RESTART | (glibcs.flags & kSaRestorer), glibcs.restorer,
                       ~uint64_t(0)};
  KernelSigaction saved{};
  if (syscall(SYS_rt_sigaction, sig, &ours, &saved, sizeof(uint64_t)) != 0)
    return std::string("rt_sigaction: ") + strerror(errno);

  pid_t pid = getpid();
  pid_t self = pid_t(syscall(SYS_gettid));
  std::set<pid_t> signalled;
  std::string problem;
  // Until no thread is left that has not dropped: a thread that was still privileged may have
  // started another meanwhile (one started by a thread that dropped inherits the drop).
  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int round = 0; round < 100 && problem.empty(); round++) {
    std::set<pid_t> fresh;
    for (pid_t tid : Threads())
      if (tid != self && !signalled.count(tid)) fresh.insert(tid);
    if (fresh.empty()) break;
    wakeAt.store(acknowledged.load() + int(fresh.size()));
    for (pid_t tid : fresh) {
      signalled.insert(tid);
      if (syscall(SYS_tgkill, pid, tid, sig) != 0 && errno != ESRCH) {
        problem = std::string("tgkill: ") + strerror(errno);
        break;
      }
    }
    // Every signalled thread acknowledges, or is gone. Five seconds is far beyond a signal's delivery.
    for (;;) {
      // Read before looking, so that an acknowledgement in between makes the wait below return
      // at once (the count no longer matches).
      int count = acknowledged.load();
      bool waiting = false;
      for (pid_t tid : signalled)
        if (!Acked(tid) && Exists(tid)) waiting = true;
      if (!waiting) break;
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec - start.tv_sec > 5) {
        problem = "a thread did not take the privilege drop within 5 s";
        break;
      }
      // Until the next acknowledgement, or 1 ms at most (a thread that ended never acknowledges):
      // a fixed sleep cost every drop a timer's slack beyond it, 0.1 ms, when the threads answer
      // in microseconds.
      timespec most{0, 1000000};
      syscall(SYS_futex, reinterpret_cast<int*>(&acknowledged), FUTEX_WAIT_PRIVATE, count, &most, nullptr, 0);
    }
  }
  // A thread that never answered may still take the signal: then it must find our handler (glibc's
  // would read a command it never set, and the default action ends the process). The run fails anyway.
  if (problem.empty()) syscall(SYS_rt_sigaction, sig, &saved, nullptr, sizeof(uint64_t));
  if (!problem.empty()) return problem;
  // This thread last: it needed its privilege to signal the others (tgkill to threads of a
  // process whose credentials are changing mid-way).
  DropThisThread(true);
  if (int err = firstError.load()) return std::string(kSteps[firstErrorStep.load()]) + ": " + strerror(err);
  return "";
}

}  // namespace netdiag
