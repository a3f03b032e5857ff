// The addon's side of the privileged helper (helper/netdiag-helper.c): run it on one end of a
// socket pair, ask for a socket, take the descriptor it passes back. Synchronous: the helper is a
// few system calls away, and the caller opens its sockets before anything else happens.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <string.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "helper-protocol.h"
#include "privilege.h"

namespace netdiag {

namespace {

constexpr int kReplyTimeoutMs = 5000;

struct Spawned {
  int socket = -1;
  pid_t pid = -1;
  ~Spawned() {
    if (socket >= 0) close(socket);
    if (pid > 0) {
      int status;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  /** Closes our end (the helper reads end of file and leaves), then its exit status. */
  int Finish() {
    if (socket >= 0) close(socket);
    socket = -1;
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    return status;
  }
};

}  // namespace

bool SocketIs(int fd, int domain, int type, int protocol) {
  int got[3];
  const int names[3] = {SO_DOMAIN, SO_TYPE, SO_PROTOCOL};
  for (int i = 0; i < 3; i++) {
    socklen_t len = sizeof got[i];
    if (getsockopt(fd, SOL_SOCKET, names[i], &got[i], &len) != 0) return false;
  }
  if (got[0] != domain || got[1] != type) return false;
  if (domain != AF_PACKET) return got[2] == protocol;
  sockaddr_ll ll{};
  socklen_t len = sizeof ll;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ll), &len) != 0) return false;
  return ll.sll_protocol == uint16_t(protocol);
}

int OpenThroughHelper(const std::string& path, int domain, int type, int protocol, std::string& error, int& errnum) {
  errnum = 0;
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    errnum = errno;
    error = std::string("socketpair: ") + strerror(errno);
    return -1;
  }
  Spawned helper;
  helper.socket = pair[0];
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pair[1], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  char* envp[] = {nullptr};
  int rc = posix_spawn(&helper.pid, path.c_str(), &actions, nullptr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  close(pair[1]);
  if (rc != 0) {
    helper.pid = -1;
    errnum = rc;
    error = "cannot run the helper " + path + ": " + strerror(rc) +
            (rc == EACCES ? " (only members of its group may)" : "");
    return -1;
  }
  netdiag_helper_request request{NETDIAG_HELPER_MAGIC, domain, type, protocol};
  if (send(helper.socket, &request, sizeof request, MSG_NOSIGNAL) != ssize_t(sizeof request)) {
    errnum = errno;
    int status = helper.Finish();
    error = WIFEXITED(status) && WEXITSTATUS(status) == NETDIAG_HELPER_NOT_IN_GROUP
                ? "the helper " + path + " serves only members of its group"
                : std::string("the helper did not take the request: ") + strerror(errnum);
    if (WIFEXITED(status) && WEXITSTATUS(status) == NETDIAG_HELPER_NOT_IN_GROUP) errnum = EACCES;
    return -1;
  }
  pollfd p{helper.socket, POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, kReplyTimeoutMs);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) {
    errnum = ready == 0 ? ETIMEDOUT : errno;
    error = "the helper did not answer";
    kill(helper.pid, SIGKILL);
    return -1;
  }
  netdiag_helper_reply reply{};
  iovec iov{&reply, sizeof reply};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = recvmsg(helper.socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
    }
  }
  int status = helper.Finish();
  if (n != ssize_t(sizeof reply) || reply.magic != NETDIAG_HELPER_MAGIC) {
    if (fd >= 0) close(fd);
    bool outsider = WIFEXITED(status) && WEXITSTATUS(status) == NETDIAG_HELPER_NOT_IN_GROUP;
    errnum = outsider ? EACCES : EPROTO;
    error = outsider ? "the helper " + path + " serves only members of its group" : "the helper gave no answer";
    return -1;
  }
  if (reply.status != 0) {
    if (fd >= 0) close(fd);
    errnum = reply.status;
    error = std::string("the helper refused: ") + strerror(reply.status);
    return -1;
  }
  // Check what came is what was asked for: the helper is trusted, but not blindly.
  if (fd < 0 || !SocketIs(fd, domain, type, protocol)) {
    if (fd >= 0) close(fd);
    errnum = EPROTO;
    error = "the helper passed back a different socket than asked for";
    return -1;
  }
  return fd;
}

}  // namespace netdiag
