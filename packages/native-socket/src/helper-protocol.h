/*
 * The privileged helper's wire format, shared by the helper (netdiag-helper.c) and the addon
 * (helper-client.cc). One request per SOCK_SEQPACKET record on the helper's standard input;
 * one reply record per request, carrying the socket as SCM_RIGHTS when `status` is 0.
 */
#ifndef NETDIAG_HELPER_PROTOCOL_H
#define NETDIAG_HELPER_PROTOCOL_H
#include <stdint.h>

#define NETDIAG_HELPER_MAGIC 0x4e444831u /* "NDH1" */

struct netdiag_helper_request {
  uint32_t magic;
  int32_t domain;   /* AF_INET, AF_INET6, AF_PACKET */
  int32_t type;     /* SOCK_RAW, no flags */
  int32_t protocol; /* IPPROTO_ICMP, ... ; for AF_PACKET the EtherType in network order */
};

struct netdiag_helper_reply {
  uint32_t magic;
  int32_t status; /* 0, or the errno: EPERM for a socket the helper does not open, EINVAL for a malformed request */
};

/* Exit status of a helper run by a user outside its group. */
#define NETDIAG_HELPER_NOT_IN_GROUP 77

#endif
