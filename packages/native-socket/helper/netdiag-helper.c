/*
 * netdiag-helper: the only part of netdiag that holds a privilege, as mtr-packet is for mtr.
 *
 * Installed with the file capability cap_net_raw+ep, owned by root and a group (mode 0750), so
 * that only members of the group can run it. netdiag runs it with one end of a SOCK_SEQPACKET
 * socket pair as standard input and asks, one record per request, for a socket; the helper opens
 * it and passes it back (SCM_RIGHTS), or answers with an errno. It opens only the sockets netdiag
 * uses: raw ICMP, ICMPv6, UDP and TCP sockets for probes, and AF_PACKET raw sockets for ARP and
 * capture. It holds no other logic: it never sends or reads a packet, never binds, never reads a
 * file. It ends at end of file, on any error of its own socket, and never on a bad request.
 *
 * Build and install: scripts/install-helper.sh (npm run install-helper).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../src/helper-protocol.h"

/* The kinds of socket netdiag opens, and no others. */
static int allowed(int32_t domain, int32_t type, int32_t protocol) {
  if (type != SOCK_RAW) return 0;
  switch (domain) {
    case AF_INET:
      return protocol == IPPROTO_ICMP || protocol == IPPROTO_UDP || protocol == IPPROTO_TCP;
    case AF_INET6:
      return protocol == IPPROTO_ICMPV6 || protocol == IPPROTO_UDP || protocol == IPPROTO_TCP;
    case AF_PACKET:
      return protocol == (int32_t)htons(ETH_P_ARP) || protocol == (int32_t)htons(ETH_P_ALL);
    default:
      return 0;
  }
}

/* Whether the user who ran the helper belongs to the group that owns it (root always may). */
static int caller_in_group(void) {
  struct stat self;
  if (getuid() == 0) return 1;
  if (stat("/proc/self/exe", &self) != 0) return 0;
  if (getgid() == self.st_gid || getegid() == self.st_gid) return 1;
  gid_t groups[NGROUPS_MAX];
  int n = getgroups(NGROUPS_MAX, groups);
  for (int i = 0; i < n; i++)
    if (groups[i] == self.st_gid) return 1;
  return 0;
}

/* Keeps CAP_NET_RAW alone, and no way to gain anything by exec. */
static int keep_net_raw_only(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  data[0].permitted = data[0].effective = 1u << CAP_NET_RAW;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  /* Run by root without the file capability in effect, CAP_NET_RAW may be missing: then the
   * socket() calls fail with EPERM, which is the honest answer. */
  if (syscall(SYS_capset, &header, data) != 0 && errno != EPERM) return -1;
  return 0;
}

static int reply(int conn, int32_t status, int fd) {
  struct netdiag_helper_reply r = {NETDIAG_HELPER_MAGIC, status};
  struct iovec iov = {&r, sizeof r};
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (fd >= 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  ssize_t n;
  do {
    n = sendmsg(conn, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == (ssize_t)sizeof r ? 0 : -1;
}

int main(void) {
  const int conn = 0;
  /* Nothing of the caller's but the socket pair (and stderr): no descriptor leaks in by accident. */
  syscall(SYS_close_range, 3, ~0u, 0);
  if (!caller_in_group()) return NETDIAG_HELPER_NOT_IN_GROUP;
  if (keep_net_raw_only() != 0) return 2;
  /* Standard input must be the socket pair netdiag made; anything else is not a caller. */
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(conn, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET) return 2;
  for (;;) {
    /* One byte more than a request, so that a longer record is seen as malformed, not cut. */
    unsigned char buf[sizeof(struct netdiag_helper_request) + 1];
    ssize_t n;
    do {
      n = recv(conn, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return 2;
    if (n == 0) {
      /* End of file, or an empty record: only a hung-up peer ends the helper. */
      struct pollfd p = {conn, POLLRDHUP, 0};
      if (poll(&p, 1, 0) != 0) return 0;
      if (reply(conn, EINVAL, -1) != 0) return 2;
      continue;
    }
    struct netdiag_helper_request req;
    if ((size_t)n != sizeof req) {
      if (reply(conn, EINVAL, -1) != 0) return 2;
      continue;
    }
    memcpy(&req, buf, sizeof req);
    if (req.magic != NETDIAG_HELPER_MAGIC) {
      if (reply(conn, EINVAL, -1) != 0) return 2;
      continue;
    }
    if (!allowed(req.domain, req.type, req.protocol)) {
      if (reply(conn, EPERM, -1) != 0) return 2;
      continue;
    }
    int fd = socket(req.domain, req.type | SOCK_CLOEXEC, req.protocol);
    if (fd < 0) {
      if (reply(conn, errno, -1) != 0) return 2;
      continue;
    }
    int sent = reply(conn, 0, fd);
    close(fd);
    if (sent != 0) return 2;
  }
}
