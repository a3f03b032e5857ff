// Generated Ethernet frames for the filter equivalence test: every field a pcap-filter primitive
// looks at, varied (MACs incl. broadcast and multicast, 802.1Q and QinQ tags, IPv4 with options
// and fragments, IPv6 with extension headers, TCP flags and ports, UDP, ICMP, ICMPv6, ARP, GRE,
// short and cut frames), from a seeded generator so that a failure can be replayed.
// Addresses are documentation and benchmarking ones only.

/** A small, fast, seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MACS = [
  [2, 0, 0, 0, 0, 1],
  [2, 0, 0, 0, 0, 2],
  [0xaa, 0xbb, 0xcc, 0, 0, 3],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x01, 0x00, 0x5e, 0, 0, 0xfb],
  [0x33, 0x33, 0, 0, 0, 1],
];
const V4 = [
  [192, 0, 2, 1],
  [192, 0, 2, 9],
  [192, 0, 2, 200],
  [198, 51, 100, 7],
  [203, 0, 113, 50],
  [198, 18, 3, 4],
  [224, 0, 0, 251],
  [255, 255, 255, 255],
];
const V6 = ['2001:db8::1', '2001:db8::2', '2001:db8:1::53', 'fe80::1', 'ff02::1', 'ff02::1:ff00:2'];
const PORTS = [53, 80, 443, 22, 123, 1000, 1500, 2000, 2001, 33434, 33440, 5353, 8080, 65535, 0];

function v6bytes(text: string): number[] {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

export interface GeneratedFrame {
  readonly data: Uint8Array;
  readonly originalLength: number;
}

/** `count` frames from `seed`; about one in eight is cut short as a small snap length would. */
export function generateFrames(count: number, seed: number): GeneratedFrame[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const bytes = (n: number) => Array.from({ length: n }, () => int(256));
  const frames: GeneratedFrame[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r();
    const frame: number[] = [...pick(MACS), ...pick(MACS.slice(0, 3))];
    // 802.1Q tags: none mostly, sometimes one, rarely QinQ.
    const tags = r() < 0.15 ? (r() < 0.2 ? 2 : 1) : 0;
    for (let t = 0; t < tags; t++) {
      const id = pick([100, 200, 4095, 1]);
      frame.push(
        ...(tags === 2 && t === 0 ? [0x88, 0xa8] : [0x81, 0x00]),
        (int(8) << 5) | (id >> 8),
        id & 0xff,
      );
    }
    let l3: number[];
    if (kind < 0.45) {
      const proto = pick([6, 6, 17, 17, 1, 47, 89]);
      const ihl = r() < 0.1 ? 6 + int(3) : 5;
      const fragment = r() < 0.1 ? pick([0x2000, 0x00b9, 0x20b9, 0x4000]) : r() < 0.5 ? 0x4000 : 0;
      let l4: number[];
      if (proto === 6) {
        const off = r() < 0.2 ? 6 + int(4) : 5;
        l4 = [
          ...(() => {
            const s = pick(PORTS);
            const d = pick(PORTS);
            return [s >> 8, s & 0xff, d >> 8, d & 0xff];
          })(),
          ...bytes(8),
          (off << 4) | int(2),
          pick([0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01, 0xc2, int(256)]),
          ...bytes(6),
          ...bytes((off - 5) * 4),
          ...(r() < 0.3 ? [0x47, 0x45, 0x54, 0x20] : []),
          ...bytes(int(60)),
        ];
      } else if (proto === 17) {
        const s = pick(PORTS);
        const d = pick(PORTS);
        const payload = bytes(int(80));
        l4 = [s >> 8, s & 0xff, d >> 8, d & 0xff, 0, 8 + payload.length, 0, 0, ...payload];
      } else if (proto === 1) {
        l4 = [pick([0, 3, 8, 11, 5, 13]), int(4), 0, 0, ...bytes(4), ...bytes(int(56))];
      } else {
        l4 = bytes(int(40));
      }
      const total = ihl * 4 + l4.length;
      l3 = [
        0x40 | ihl,
        int(256),
        total >> 8,
        total & 0xff,
        ...bytes(2),
        fragment >> 8,
        fragment & 0xff,
        pick([1, 2, 63, 64, 128, 255]),
        proto,
        0,
        0,
        ...pick(V4),
        ...pick(V4),
        ...bytes((ihl - 5) * 4),
        ...l4,
      ];
      frame.push(0x08, 0x00, ...l3);
    } else if (kind < 0.8) {
      let next = pick([6, 17, 58, 58, 0, 44]);
      const ext: number[] = [];
      const first = next;
      if (next === 0 || next === 44) {
        next = pick([6, 17, 58]);
        ext.push(next, 0, ...bytes(6));
      }
      let l4: number[];
      if (next === 58)
        l4 = [pick([128, 129, 135, 136, 1, 3, 133, 134]), int(3), 0, 0, ...bytes(4), ...bytes(int(40))];
      else {
        const s = pick(PORTS);
        const d = pick(PORTS);
        l4 =
          next === 6
            ? [
                s >> 8,
                s & 0xff,
                d >> 8,
                d & 0xff,
                ...bytes(8),
                0x50,
                pick([0x02, 0x12, 0x10, 0x11]),
                ...bytes(6),
                ...bytes(int(30)),
              ]
            : [s >> 8, s & 0xff, d >> 8, d & 0xff, 0, 8, 0, 0, ...bytes(int(30))];
      }
      const payload = ext.length + l4.length;
      l3 = [
        0x60,
        0,
        0,
        0,
        payload >> 8,
        payload & 0xff,
        first,
        pick([1, 64, 255]),
        ...v6bytes(pick(V6)),
        ...v6bytes(pick(V6)),
        ...ext,
        ...l4,
      ];
      frame.push(0x86, 0xdd, ...l3);
    } else if (kind < 0.92) {
      frame.push(
        0x08,
        0x06,
        0,
        1,
        8,
        0,
        6,
        4,
        0,
        pick([1, 2]),
        ...pick(MACS),
        ...pick(V4),
        ...pick(MACS),
        ...pick(V4),
      );
    } else {
      // Anything else: another EtherType, an 802.3 length, or noise.
      frame.push(
        ...pick([[0x88, 0xcc], [0x00, 0x40], [0x81, 0x37], [0x88, 0x47], bytes(2)]),
        ...bytes(int(60)),
      );
    }
    const data = Uint8Array.from(frame);
    const cut = r() < 0.12 ? Math.min(data.length, 14 + int(60)) : data.length;
    frames.push({ data: data.subarray(0, cut), originalLength: data.length });
  }
  return frames;
}

/** Primitives of the pcap-filter language with operands from the generated traffic. */
const PRIMITIVES = [
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'arp',
  'rarp',
  'ip',
  'ip6',
  'vlan',
  'vlan 100',
  'vlan 200',
  'ether broadcast',
  'ether multicast',
  'ip multicast',
  'ip6 multicast',
  'host 192.0.2.1',
  'src host 192.0.2.9',
  'dst host 198.51.100.7',
  'host 2001:db8::1',
  'dst host 2001:db8:1::53',
  'net 192.0.2.0/24',
  'src net 198.18.0.0/15',
  'dst net 203.0.113.0/24',
  'net 2001:db8::/32',
  'net 192.0.2.128/25',
  'port 53',
  'port 80',
  'src port 443',
  'dst port 22',
  'tcp port 80',
  'udp port 53',
  'udp dst port 5353',
  'portrange 1000-2000',
  'tcp portrange 33434-33440',
  'ether host 02:00:00:00:00:01',
  'ether src aa:bb:cc:00:00:03',
  'ether dst ff:ff:ff:ff:ff:ff',
  'tcp[tcpflags] & tcp-syn != 0',
  'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn',
  'tcp[tcpflags] & tcp-fin != 0',
  'tcp[tcpflags] & tcp-rst != 0',
  'tcp[13] == 0x18',
  'icmp[icmptype] == icmp-echo',
  'icmp[icmptype] == icmp-echoreply',
  'icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply',
  'icmp6 and ip6[40] == 135',
  'icmp6[icmp6type] == icmp6-echo',
  'ip[6:2] & 0x1fff != 0',
  'ip[6] & 0x20 != 0',
  'ip[8] < 64',
  'ip[0] & 0xf > 5',
  'greater 100',
  'less 80',
  'len > 120',
  'len <= 60',
  'ip proto 47',
  'ip proto \\udp',
  'ip6 proto 58',
  'ip6 protochain 17',
  'udp[8:2] = 0x4745',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'arp[6:2] = 1',
  'ether proto 0x88cc',
  'ether[12:2] = 0x8847',
  'link[0] & 1 = 1',
  'ip[2:2] - ((ip[0] & 0xf) << 2) > 40',
  'ip[1] & 0xfc = 0xb8',
  'ip host 192.0.2.1 and ip host 192.0.2.9',
  'inbound',
];

/** At least `n` expressions: the primitives, then and/or/not combinations of them (seeded). */
export function filterExpressions(n: number, seed: number): string[] {
  const r = prng(seed);
  const pick = () => PRIMITIVES[Math.floor(r() * PRIMITIVES.length)]!;
  const out = [...PRIMITIVES, ''];
  while (out.length < n) {
    const shape = Math.floor(r() * 6);
    const a = pick();
    const b = pick();
    const c = pick();
    out.push(
      [
        `${a} and ${b}`,
        `${a} or ${b}`,
        `not ${a}`,
        `(${a} or ${b}) and not ${c}`,
        `${a} and (${b} or ${c})`,
        `vlan and ${a}`,
      ][shape]!,
    );
  }
  return out;
}
