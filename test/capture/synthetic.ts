import { internetChecksum, pseudoHeaderSum } from '../../packages/icmp/src/index.js';

/**
 * Frames the lab does not send on its own (ICMP redirects and parameter problems, packet too big,
 * router advertisements, TCP SACK, URG and ECN, IPv4 ECN marks, UDP without a checksum, an
 * unknown EtherType, IPv6 addresses of every shape; ports chosen where tcpdump has no dissector of its own), built here so that tcpdump -r and netdiag can be compared on them too.
 */
const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];
const V4_A = [192, 0, 2, 1];
const V4_B = [192, 0, 2, 6];
const V4_R = [192, 0, 2, 2];
const V6_A = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_B = [0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const V6_LL = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0, 0x0b];
const V6_ALL = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function ether(type: number, payload: number[]): Uint8Array {
  return Uint8Array.from([...MAC_B, ...MAC_A, ...u16(type), ...payload]);
}

function ipv4(
  protocol: number,
  payload: number[],
  o: { src?: number[]; dst?: number[]; tos?: number; ttl?: number } = {},
): number[] {
  const h = [
    0x45,
    o.tos ?? 0,
    ...u16(20 + payload.length),
    0x12,
    0x34,
    0x40,
    0,
    o.ttl ?? 64,
    protocol,
    0,
    0,
    ...(o.src ?? V4_A),
    ...(o.dst ?? V4_B),
  ];
  const sum = internetChecksum(Uint8Array.from(h));
  h[10] = sum >> 8;
  h[11] = sum & 0xff;
  return [...h, ...payload];
}

function ipv6(
  next: number,
  payload: number[],
  o: { src?: number[]; dst?: number[]; hlim?: number } = {},
): number[] {
  return [
    0x60,
    0,
    0,
    0,
    ...u16(payload.length),
    next,
    o.hlim ?? 64,
    ...(o.src ?? V6_A),
    ...(o.dst ?? V6_B),
    ...payload,
  ];
}

/** Fills in an ICMP, ICMPv6, UDP or TCP checksum at `at` (offset in `segment`). */
function withChecksum(segment: number[], at: number, pseudo = 0): number[] {
  const sum = internetChecksum(Uint8Array.from(segment), pseudo);
  segment[at] = sum >> 8;
  segment[at + 1] = sum & 0xff;
  return segment;
}

function icmp(type: number, code: number, rest: number[]): number[] {
  return withChecksum([type, code, 0, 0, ...rest], 2);
}

function icmp6(type: number, code: number, rest: number[], src = V6_A, dst = V6_B): number[] {
  const m = [type, code, 0, 0, ...rest];
  return withChecksum(m, 2, pseudoHeaderSum(Uint8Array.from(src), Uint8Array.from(dst), 58, m.length));
}

function tcp(
  flags: number,
  options: number[],
  payload: number[],
  o: { urg?: number; src?: number[]; dst?: number[] } = {},
): number[] {
  const hl = 20 + options.length;
  const seg = [
    ...u16(40000),
    ...u16(9000),
    ...u32(1000),
    ...u32(2000),
    (hl / 4) << 4,
    flags,
    ...u16(501),
    0,
    0,
    ...u16(o.urg ?? 0),
    ...options,
    ...payload,
  ];
  return withChecksum(
    seg,
    16,
    pseudoHeaderSum(Uint8Array.from(o.src ?? V4_A), Uint8Array.from(o.dst ?? V4_B), 6, seg.length),
  );
}

/** A UDP datagram quoted in an ICMP error: its IP header and first 8 bytes. */
const quotedUdp = ipv4(17, [...u16(40000), ...u16(33434), ...u16(40), 0, 0], { ttl: 1 }).slice(0, 28);
const quotedUdp6 = ipv6(17, [...u16(40000), ...u16(33434), ...u16(40), 0, 0, ...new Array(32).fill(0x40)]);

export function syntheticFrames(): Uint8Array[] {
  const frames: number[][] = [];
  const v4 = (p: number, payload: number[], o?: Parameters<typeof ipv4>[2]) =>
    frames.push([...ether(0x0800, ipv4(p, payload, o))]);
  const v6 = (n: number, payload: number[], o?: Parameters<typeof ipv6>[2]) =>
    frames.push([...ether(0x86dd, ipv6(n, payload, o))]);
  // ICMPv4: every unreachable code, need-frag with an MTU, redirect, parameter problem, source quench, timestamps.
  for (let code = 0; code <= 15; code++)
    v4(1, icmp(3, code, [0, 0, ...(code === 4 ? u16(1400) : [0, 0]), ...quotedUdp]), {
      src: V4_R,
      dst: V4_A,
    });
  v4(1, icmp(5, 1, [...V4_R, ...quotedUdp]), { src: V4_R, dst: V4_A });
  v4(1, icmp(12, 0, [20, 0, 0, 0, ...quotedUdp]), { src: V4_R, dst: V4_A });
  v4(1, icmp(4, 0, [0, 0, 0, 0, ...quotedUdp]), { src: V4_R, dst: V4_A });
  v4(1, icmp(11, 1, [0, 0, 0, 0, ...quotedUdp]), { src: V4_R, dst: V4_A });
  v4(1, icmp(13, 0, [...u16(7), ...u16(1), ...u32(1000), 0, 0, 0, 0, 0, 0, 0, 0]));
  v4(
    1,
    icmp(8, 0, [...u16(7), ...u16(1)]).map((b, i) => (i === 2 ? b ^ 0xff : b)),
  ); // a bad ICMP checksum
  // IPv4 ECN marks and an unknown protocol (IGMP), UDP without a checksum.
  for (const tos of [1, 2, 3, 0xb8]) v4(1, icmp(8, 0, [...u16(9), ...u16(tos)]), { tos });
  v4(17, [...u16(40001), ...u16(9999), ...u16(12), 0, 0, 1, 2, 3, 4]);
  v4(17, [...u16(40001), ...u16(53), ...u16(12), 0, 0, 1, 2, 3, 4]);
  // TCP: SACK, URG, ECE/CWR, a window probe, an unknown option, data to port 80.
  v4(6, tcp(0x10, [1, 1, 5, 10, ...u32(3000), ...u32(4000)], []));
  v4(6, tcp(0x30 | 0x08, [], [0x41, 0x42], { urg: 1 }));
  v4(6, tcp(0xc2, [2, 4, ...u16(1460), 4, 2, 3, 3, 7, 1], []));
  v4(6, tcp(0x18, [1, 1, 99, 4, 0xab, 0xcd], [0x47, 0x45, 0x54, 0x20, 0x2f, 0x0d, 0x0a]));
  v4(6, tcp(0x18, [1, 1, 30, 4, 0, 0], [0x47, 0x45, 0x54]));
  v4(6, tcp(0x04, [], []));
  v4(6, tcp(0x11, [], [1, 2, 3]));
  // ICMPv6: packet too big, parameter problem, router solicitation and advertisement, redirect, MLD query.
  v6(58, icmp6(2, 0, [...u32(1280), ...quotedUdp6.slice(0, 48)], V6_LL, V6_A), { src: V6_LL, dst: V6_A });
  for (const code of [0, 1, 2])
    v6(58, icmp6(4, code, [...u32(6), ...quotedUdp6.slice(0, 48)], V6_B, V6_A), { src: V6_B, dst: V6_A });
  for (const code of [0, 1, 2, 3, 5, 6])
    v6(58, icmp6(1, code, [0, 0, 0, 0, ...quotedUdp6.slice(0, 48)], V6_LL, V6_A), { src: V6_LL, dst: V6_A });
  v6(58, icmp6(133, 0, [0, 0, 0, 0, 1, 1, ...MAC_A], V6_A, V6_ALL), { src: V6_A, dst: V6_ALL, hlim: 255 });
  const ra = [
    64,
    0xc0,
    ...u16(1800),
    ...u32(30000),
    ...u32(1000),
    1,
    1,
    ...MAC_B,
    5,
    1,
    0,
    0,
    ...u32(1500),
    3,
    4,
    64,
    0xc0,
    ...u32(86400),
    ...u32(14400),
    0,
    0,
    0,
    0,
    ...V6_A.slice(0, 8),
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  v6(58, icmp6(134, 0, ra, V6_LL, V6_ALL), { src: V6_LL, dst: V6_ALL, hlim: 255 });
  v6(58, icmp6(137, 0, [0, 0, 0, 0, ...V6_LL, ...V6_B, 2, 1, ...MAC_B], V6_LL, V6_A), {
    src: V6_LL,
    dst: V6_A,
    hlim: 255,
  });
  // Destination options then UDP; an EtherType tcpdump does not know (local experimental) and an 802.3 length.
  v6(60, [
    17,
    0,
    1,
    4,
    0,
    0,
    0,
    0,
    ...withChecksum(
      [...u16(40000), ...u16(9999), ...u16(10), 0, 0, 1, 2],
      6,
      pseudoHeaderSum(Uint8Array.from(V6_A), Uint8Array.from(V6_B), 17, 10),
    ),
  ]);
  // A routing header (type 2, one address) before UDP; MLD query, report and done; an IPv6 AH-less ESP.
  v6(43, [17, 2, 2, 1, 0, 0, 0, 0, ...V6_B, ...u16(40000), ...u16(9999), ...u16(10), 0, 0, 1, 2]);
  v6(58, icmp6(130, 0, [...u16(10000), 0, 0, ...new Array(16).fill(0)], V6_LL, V6_ALL), {
    src: V6_LL,
    dst: V6_ALL,
    hlim: 1,
  });
  v6(58, icmp6(130, 0, [...u16(10000), 0, 0, ...new Array(16).fill(0), 2, 125, 0, 0], V6_LL, V6_ALL), {
    src: V6_LL,
    dst: V6_ALL,
    hlim: 1,
  });
  v6(58, icmp6(131, 0, [0, 0, 0, 0, ...V6_ALL], V6_LL, V6_ALL), { src: V6_LL, dst: V6_ALL, hlim: 1 });
  v6(58, icmp6(132, 0, [0, 0, 0, 0, ...V6_ALL], V6_LL, V6_ALL), { src: V6_LL, dst: V6_ALL, hlim: 1 });
  v6(50, [0, 0, 1, 0, 0, 0, 0, 1, 9, 9, 9, 9]);
  // A DNS query for every record type code 0 to 261 and a few above: tcpdump names some, numbers the rest.
  for (const t of [...Array.from({ length: 262 }, (_, i) => i), 32768, 32769, 65535]) {
    const q = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, ...u16(t), 0, 1];
    v4(17, [...u16(40000), ...u16(53), ...u16(8 + q.length), 0, 0, ...q]);
  }
  frames.push([...ether(0x88b5, [2, 7, 4, ...MAC_A, 4, 3, 5, 0x65, 0x30, 0, 0])]);
  // IPv6 addresses of every shape tcpdump's addrtostr6 distinguishes (zero runs, ties, embedded
  // IPv4), in packets with no next header: a fixed pseudo-random sequence.
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < 300; i++) {
    const address = () => {
      const a: number[] = [];
      for (let k = 0; k < 8; k++) {
        const r = random();
        a.push(...u16(r < 0.5 ? 0 : r < 0.6 ? 0xffff : r < 0.7 ? 1 : Math.floor(random() * 65536)));
      }
      if (i % 10 === 0) a.splice(0, 12, ...new Array(10).fill(0), 0xff, 0xff); // ::ffff:a.b.c.d
      if (i % 10 === 1) a.splice(0, 12, ...new Array(12).fill(0)); // ::a.b.c.d
      return a;
    };
    frames.push([...ether(0x86dd, ipv6(59, [], { src: address(), dst: address() }))]);
  }
  return frames.map((f) => Uint8Array.from(f));
}
