// Privilege: dropping it in every thread (privilege.cc) and receiving sockets opened by the
// privileged helper (helper-client.cc). The JavaScript bindings are in privilege-binding.cc.
#pragma once
#include <napi.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace netdiag {

/**
 * In every thread: no_new_privs, the ambient set cleared, the bounding set cut to `keep`, the
 * user switched when `switchUser` (groups, gid, uid), then permitted = effective = `keep`.
 * Returns "" or what failed.
 */
std::string DropPrivilegesEverywhere(uint64_t keep, bool switchUser, uid_t uid, gid_t gid,
                                     const std::vector<gid_t>& groups);

/** A system call that failed while reading the threads' status (errno 0: none did). */
struct ThreadReadFailure {
  int err = 0;
  const char* syscall = "";
  std::string path;
};

/**
 * Reads every thread's status in /proc/self/task, as the kernel keeps it: each must hold `want`
 * as its permitted and effective sets, an empty ambient set and no_new_privs, and, when
 * `checkUid`, `uid` as all four uids. Returns "" (with `count` the threads read) or the first
 * thread that does not, in one line; where the files cannot be read (no descriptor left, say),
 * returns "" with `failure` set.
 */
std::string CheckThreads(uint64_t want, bool checkUid, uid_t uid, int& count, ThreadReadFailure& failure);

/**
 * Runs the helper at `path` with one end of a socket pair as its standard input, asks it for a
 * socket(domain, type, protocol), and returns the descriptor it passed back (SCM_RIGHTS), or -1
 * with `error` set (an errno name and text from the helper, or what failed here).
 */
int OpenThroughHelper(const std::string& path, int domain, int type, int protocol, std::string& error, int& errnum);

/**
 * Whether `fd` is a socket(domain, type, protocol). Packet sockets report no SO_PROTOCOL: their
 * EtherType (network order, as given to socket()) is read from getsockname's sll_protocol.
 */
bool SocketIs(int fd, int domain, int type, int protocol);

/** Adds dropPrivileges, checkThreads and helperOpen to the addon's exports. */
void DefinePrivilege(Napi::Env env, Napi::Object exports);

}  // namespace netdiag
