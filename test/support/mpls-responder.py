#!/usr/bin/env python3
"""Answers IPv4 datagrams that arrive on IFACE with TTL 1 as an MPLS label switching router does:
an ICMP time exceeded (RFC 792) quoting 128 bytes of the datagram (RFC 4884 length field) and an
RFC 4950 MPLS label stack object. The kernel's own answer is suppressed by the test (nftables drops
TTL-1 datagrams in prerouting, after packet sockets saw them). Prints 'ready' once listening.

usage: mpls-responder.py IFACE LABEL,TC,S,TTL [LABEL,TC,S,TTL ...]"""
import socket, struct, sys

ETH_P_IP = 0x0800
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
    iface = sys.argv[1]
    labels = [tuple(int(x) for x in a.split(',')) for a in sys.argv[2:]]
    ext = extension(labels)
    listen = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    listen.bind((iface, ETH_P_IP))
    send = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    print('ready', flush=True)
    while True:
        pkt, addr = listen.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING or len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[8] != 1:
            continue
        quote = pkt[:128].ljust(128, b'\0')
        # type 11 code 0, checksum, unused, length (32-bit words of the quote), unused
        icmp = bytearray(struct.pack('!BBHBBH', 11, 0, 0, 0, len(quote) // 4, 0)) + quote + ext
        struct.pack_into('!H', icmp, 2, checksum(bytes(icmp)))
        send.sendto(bytes(icmp), (socket.inet_ntoa(pkt[12:16]), 0))


main()
