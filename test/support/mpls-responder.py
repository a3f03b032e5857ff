#!/usr/bin/env python3
"""Answers datagrams that arrive on IFACE with TTL (hop limit) 1 as an MPLS label switching router
does: an ICMP or ICMPv6 time exceeded quoting 128 bytes of the datagram (RFC 4884 length field)
and an RFC 4950 MPLS label stack object. The kernel's own answer is suppressed by the test
(nftables drops such datagrams in prerouting, after packet sockets saw them). Prints 'ready' once
listening.

usage: mpls-responder.py 4|6 IFACE LABEL,TC,S,TTL [LABEL,TC,S,TTL ...]"""
import socket, struct, sys

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def extension(labels) -> bytes:
    entries = b''.join(struct.pack('!I', (l << 12) | (tc << 9) | (s << 8) | ttl) for l, tc, s, ttl in labels)
    obj = struct.pack('!HBB', 4 + len(entries), 1, 1) + entries  # class 1 (MPLS), c-type 1
    header = bytearray(b'\x20\x00\x00\x00') + obj  # version 2
    struct.pack_into('!H', header, 2, checksum(bytes(header)))
    return bytes(header)


def main() -> None:
    family, iface = int(sys.argv[1]), sys.argv[2]
    labels = [tuple(int(x) for x in a.split(',')) for a in sys.argv[3:]]
    ext = extension(labels)
    proto = ETH_P_IP if family == 4 else ETH_P_IPV6
    listen = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(proto))
    listen.bind((iface, proto))
    if family == 4:
        send = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    else:
        # The kernel computes ICMPv6 checksums on raw ICMPv6 sockets itself.
        send = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    print('ready', flush=True)
    while True:
        pkt, addr = listen.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(pkt) < 40 or pkt[0] >> 4 != family:
            continue
        quote = pkt[:128].ljust(128, b'\0')
        if family == 4:
            if pkt[8] != 1:
                continue
            # type 11 code 0, checksum, unused, length (32-bit words of the quote), unused
            icmp = bytearray(struct.pack('!BBHBBH', 11, 0, 0, 0, len(quote) // 4, 0)) + quote + ext
            struct.pack_into('!H', icmp, 2, checksum(bytes(icmp)))
            send.sendto(bytes(icmp), (socket.inet_ntoa(pkt[12:16]), 0))
        else:
            if pkt[7] != 1:
                continue
            # type 3 code 0, checksum (the kernel's), length (64-bit words of the quote), unused
            icmp = struct.pack('!BBHBBH', 3, 0, 0, len(quote) // 8, 0, 0) + quote + ext
            send.sendto(icmp, (socket.inet_ntop(socket.AF_INET6, pkt[8:24]), 0))


main()
