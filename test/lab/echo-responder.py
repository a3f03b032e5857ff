#!/usr/bin/env python3
"""Echo responder of the netdiag lab: a delayed target.

Answers ICMP and ICMPv6 echo requests arriving at this network namespace after a fixed delay plus
a uniform jitter in [-jitter, +jitter] (netem's model), from the address they were sent to. The
kernel's own echo replies must be off (icmp_echo_ignore_all) or the sender sees both.

Precision: each reply is due at the kernel's receive timestamp (SO_TIMESTAMPNS) plus the delay,
so time spent queued in the socket or in this loop does not add to it. select() sleeps until
SPIN_NS before that instant (with 1 ns timer slack, at real-time priority) and a short busy-wait
covers the rest, since a sleeping process wakes tens of microseconds late. Python's sendmsg then
takes some 50 us before the packet reaches the device: the kernel's transmit timestamp
(SO_TIMESTAMPING) of each reply measures that lead, and later replies start that much early, so
each leaves at its deadline. NETDIAG_ECHO_DEBUG=1 prints every reply's error on stderr.

Raw sockets are used directly because the lab is test infrastructure: netdiag's own code opens
raw sockets only through packages/probe-socket.
"""

import argparse
import collections
import ctypes
import heapq
import itertools
import os
import random
import select
import signal
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
ICMP6_FILTER = 1  # <netinet/icmp6.h>, level IPPROTO_ICMPV6
PR_SET_PDEATHSIG = 1
PR_SET_TIMERSLACK = 29
SO_TIMESTAMPING = 37  # also SCM_TIMESTAMPING
SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11
SOF_TIMESTAMPING_TX_SCHED = 1 << 8
MSG_ERRQUEUE = 0x2000
SPIN_NS = 400_000
# The lead is learned from transmit timestamps; never trust a sample beyond this.
MAX_LEAD_NS = 300_000
DEBUG = bool(os.environ.get("NETDIAG_ECHO_DEBUG"))


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def rx_time(ancillary) -> int:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("qq", data[:16])
            return sec * 1_000_000_000 + nsec
    return time.time_ns()


def tx_time(sock):
    """Drains the socket's error queue; returns the last transmit timestamp found, or None."""
    found = None
    while True:
        try:
            _, ancillary, _, _ = sock.recvmsg(0, 512, MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except OSError:  # BlockingIOError when empty
            return found
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING:
                sec, nsec = struct.unpack("qq", data[:16])
                if sec or nsec:
                    found = sec * 1_000_000_000 + nsec


def read_v4(sock):
    """Yields (received_ns, reply, ancillary, address) for each queued echo request."""
    while True:
        try:
            packet, ancillary, _, _ = sock.recvmsg(65535, 512)
        except BlockingIOError:
            return
        ihl = (packet[0] & 0x0F) * 4
        icmp = packet[ihl:]
        src, dst = packet[12:16], packet[16:20]
        if len(icmp) < 8 or icmp[0] != 8 or icmp[1] != 0 or checksum(icmp) != 0:
            continue
        if dst[0] >= 224 or dst == b"\xff\xff\xff\xff":
            continue  # multicast or broadcast: a host's kernel would not answer either
        body = b"\0\0\0\0" + icmp[4:]
        reply = bytes([0, 0]) + struct.pack("!H", checksum(body)) + icmp[4:]
        source = [(socket.IPPROTO_IP, IP_PKTINFO, struct.pack("=I4s4s", 0, dst, b"\0\0\0\0"))]
        yield rx_time(ancillary), reply, source, (socket.inet_ntop(socket.AF_INET, src), 0)


def read_v6(sock):
    while True:
        try:
            icmp, ancillary, _, address = sock.recvmsg(65535, 512)
        except BlockingIOError:
            return
        if len(icmp) < 8 or icmp[0] != 128 or icmp[1] != 0:
            continue
        dst, ifindex = None, 0
        for level, kind, data in ancillary:
            if level == socket.IPPROTO_IPV6 and kind == IPV6_PKTINFO:
                dst, ifindex = struct.unpack("=16sI", data[:20])
        if dst is None or dst[0] == 0xFF:
            continue
        # The kernel fills in the ICMPv6 checksum (it covers the pseudo-header) for raw ICMPv6 sockets.
        reply = bytes([129, 0, 0, 0]) + icmp[4:]
        source = [(socket.IPPROTO_IPV6, IPV6_PKTINFO, struct.pack("=16sI", dst, ifindex))]
        yield rx_time(ancillary), reply, source, (address[0], 0, 0, address[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--outlive-parent", action="store_true", help="keep running when the parent exits")
    args = parser.parse_args()
    delay_ns = int(args.delay_ms * 1e6)
    jitter_ns = int(args.jitter_ms * 1e6)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)
    if not args.outlive_parent:
        # Never outlive the lab that started us: a leftover process would keep the namespace alive.
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    try:
        # A reply that waits for a busy CPU is a late reply: run ahead of ordinary processes. The
        # spin before each reply lasts at most SPIN_NS, so this takes little from anyone.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (OSError, AttributeError) as e:
        print(f"no real-time priority ({e}): replies may be late under load", file=sys.stderr, flush=True)

    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    for s in (s4, s6):
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.setblocking(False)
        # Transmit timestamps: when did the reply really leave? (TX_SCHED at the device queue,
        # TX_SOFTWARE in the driver where it has one; the first that arrives is used.)
        s.setsockopt(
            socket.SOL_SOCKET,
            SO_TIMESTAMPING,
            SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY,
        )
    s6.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
    # Linux's ICMP6_FILTER: a set bit blocks that type. Pass only echo requests (128).
    blocked = [0xFFFFFFFF] * 8
    blocked[128 >> 5] &= ~(1 << (128 & 31))
    s6.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("=8I", *blocked))

    readers = {s4: read_v4, s6: read_v6}
    due = []  # heap of (deadline_ns, tiebreak, sock, reply, ancillary, address)
    order = itertools.count()
    lead = 0
    leads = collections.deque(maxlen=15)
    print("ready", flush=True)
    while True:
        timeout = None
        if due:
            timeout = max(0, due[0][0] - lead - time.time_ns() - SPIN_NS) / 1e9
        ready, _, _ = select.select([s4, s6], [], [], timeout)
        for sock in ready:
            tx_time(sock)  # a stray timestamp would keep select() waking us
            for received, reply, ancillary, address in readers[sock](sock):
                offset = random.randint(-jitter_ns, jitter_ns) if jitter_ns else 0
                deadline = received + max(0, delay_ns + offset)
                heapq.heappush(due, (deadline, next(order), sock, reply, ancillary, address))
        while due and due[0][0] - lead - time.time_ns() <= SPIN_NS:
            deadline, _, sock, reply, ancillary, address = heapq.heappop(due)
            fire = deadline - lead
            start = time.time_ns()
            while start < fire:
                start = time.time_ns()
            try:
                sock.sendmsg([reply], ancillary, 0, address)
            except OSError as e:  # e.g. no route back: the request is lost, as in a real host
                print(f"send to {address[0]}: {e}", file=sys.stderr, flush=True)
                continue
            sent = tx_time(sock)
            if sent is not None and 0 <= sent - start <= MAX_LEAD_NS:
                # Python and the syscall take tens of microseconds before the packet reaches the
                # device: learn that lead, so the reply leaves at the deadline itself. The median
                # of recent sends ignores the odd slow one (a neighbour to resolve, a preemption).
                leads.append(sent - start)
                lead = sorted(leads)[len(leads) // 2]
            if DEBUG:
                print(f"deadline {deadline} left {sent} error {None if sent is None else sent - deadline} lead {lead}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
