#!/usr/bin/env python3
"""Forging responder of the netdiag lab: answers every echo request with a forgery, then properly.

    forging-responder.py MODE

For each ICMP or ICMPv6 echo request arriving at this network namespace (whose kernel echo
replies must be off, net.ipv4.icmp_echo_ignore_all and net.ipv6.icmp.echo_ignore_all), it sends
first a packet that claims to answer the request but does not check out, then the right reply:

  checksum  an echo reply whose ICMP checksum is wrong (one bit off)
  payload   an echo reply, checksum right, whose payload has one byte changed (byte 20, or the
            last one if shorter)
  quote     a destination unreachable (host unreachable) quoting the request with its sequence
            number plus 1000: a request never sent
  tcp-checksum
            (IPv4 TCP, not echo requests) for each SYN arriving, a SYN-ACK acknowledging it whose
            TCP checksum is one bit off, then a RST acknowledging it, checksum right. Its packets
            carry firewall mark 42, so that the test can drop the kernel's own RSTs, which would
            race the forgery

A prober that counts replies properly sees each request answered once, plus one corrupt packet.
IPv6 packets are written whole (IPPROTO_RAW), so the ICMPv6 checksum is what this script says,
not what the kernel would compute. Prints {"ready": true} once its sockets are open; exits when
its standard input closes.

Raw sockets are used directly because the lab is test infrastructure: netdiag's own code opens
raw sockets only through packages/probe-socket.
"""

import select
import socket
import struct
import sys

MODE = sys.argv[1]
assert MODE in ("checksum", "payload", "quote", "tcp-checksum"), MODE


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def with_checksum(icmp: bytes, pseudo: bytes = b"") -> bytes:
    c = checksum(pseudo + icmp[:2] + b"\0\0" + icmp[4:])
    return icmp[:2] + struct.pack("!H", c) + icmp[4:]


def flip_checksum(icmp: bytes) -> bytes:
    return icmp[:3] + bytes([icmp[3] ^ 0x01]) + icmp[4:]


def change_payload(icmp: bytes) -> bytes:
    if len(icmp) <= 8:
        return icmp
    at = min(8 + 20, len(icmp) - 1)
    return icmp[:at] + bytes([icmp[at] ^ 0xFF]) + icmp[at + 1 :]


def forgeries(echo_reply_type: int, request: bytes, quote_of, unreachable: bytes, seal):
    """The forged packet then the good reply, as ICMP messages; `seal` adds the checksum."""
    good = seal(bytes([echo_reply_type, 0]) + b"\0\0" + request[4:])
    if MODE == "checksum":
        return [flip_checksum(good), good]
    if MODE == "payload":
        return [seal(change_payload(good)), good]
    seq = (struct.unpack("!H", request[6:8])[0] + 1000) & 0xFFFF
    never_sent = request[:6] + struct.pack("!H", seq) + request[8:]
    return [seal(unreachable + quote_of(never_sent)), good]


def ipv4_header(src: bytes, dst: bytes, payload_len: int, proto: int, ident: int = 0) -> bytes:
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:]


def tcp_answers(packet: bytes) -> list[bytes]:
    """For an IPv4 packet carrying a SYN, a SYN-ACK to it whose TCP checksum is one bit off, then
    a right RST (whole, IP headers included); none for anything else."""
    ihl = (packet[0] & 0x0F) * 4
    tcp = packet[ihl:]
    if len(tcp) < 20 or tcp[13] & 0x12 != 0x02:
        return []
    src, dst = packet[12:16], packet[16:20]
    sport, dport, seq = struct.unpack("!HHI", tcp[:8])
    out = []
    for flags, flip in ((0x12, 0x0001), (0x14, 0)):
        segment = struct.pack("!HHIIBBHHH", dport, sport, 0x1234567, (seq + 1) & 0xFFFFFFFF, 0x50, flags, 64240, 0, 0)
        pseudo = dst + src + struct.pack("!HH", 6, len(segment))
        c = checksum(pseudo + segment) ^ flip
        segment = segment[:16] + struct.pack("!H", c) + segment[18:]
        out.append(ipv4_header(dst, src, len(segment), 6) + segment)
    return out


def serve_tcp():
    tcp_in = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    raw_out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw_out.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 42)
    print('{"ready": true}', flush=True)
    while True:
        readable, _, _ = select.select([tcp_in, sys.stdin], [], [])
        if sys.stdin in readable and not sys.stdin.readline():
            return
        if tcp_in in readable:
            packet, (peer, _) = tcp_in.recvfrom(65535)
            for answer in tcp_answers(packet):
                raw_out.sendto(answer, (peer, 0))


def main():
    if MODE == "tcp-checksum":
        return serve_tcp()
    v4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    v6in = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    # Whole IPv6 packets out, so the ICMPv6 checksum is ours and not the kernel's.
    v6out = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    v6in.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    print('{"ready": true}', flush=True)
    while True:
        readable, _, _ = select.select([v4, v6in, sys.stdin], [], [])
        if sys.stdin in readable and not sys.stdin.readline():
            return  # the test closed our stdin: done
        if v4 in readable:
            packet, (peer, _) = v4.recvfrom(65535)
            ihl = (packet[0] & 0x0F) * 4
            icmp = packet[ihl:]
            if icmp[0] != 8:
                continue
            src, dst = packet[12:16], packet[16:20]
            quote_of = lambda req: ipv4_header(src, dst, len(req), 1) + req  # noqa: E731
            for m in forgeries(0, icmp, quote_of, bytes([3, 1, 0, 0, 0, 0, 0, 0]), with_checksum):
                v4.sendto(m, (peer, 0))
        if v6in in readable:
            icmp, ancillary, _, (peer, *_rest) = v6in.recvmsg(65535, 256)
            if icmp[0] != 128:
                continue
            local = None
            for level, kind, data in ancillary:
                if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                    local = data[:16]
            if local is None:
                continue
            remote = socket.inet_pton(socket.AF_INET6, peer.split("%")[0])

            def seal(m: bytes, local=local, remote=remote) -> bytes:
                pseudo = local + remote + struct.pack("!I", len(m)) + b"\0\0\0\x3a"
                return with_checksum(m, pseudo)

            def quote_of(req: bytes, local=local, remote=remote) -> bytes:
                h = struct.pack("!IHBB", 0x60000000, len(req), 58, 64) + remote + local
                return h + req

            for m in forgeries(129, icmp, quote_of, bytes([1, 3, 0, 0, 0, 0, 0, 0]), seal):
                header = struct.pack("!IHBB", 0x60000000, len(m), 58, 64) + local + remote
                v6out.sendto(header + m, (peer, 0))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
