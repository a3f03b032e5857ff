import { loadPcapCompiler, type PcapCompiler } from '@netdiag/probe-socket';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mutated } from '../../../../test/support/arbitraries.js';
import { type BpfInstruction, decodeProgram, encodeProgram, runBpf } from './bpf.js';

// The interpreter against libpcap's own bpf_filter, on programs libpcap compiled and on random
// ones, over random and mutated frames.

const EXPRESSIONS = [
  'tcp port 80',
  'udp and (port 53 or port 5353)',
  'icmp[icmptype] == icmp-echo',
  'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn',
  'ip6 and icmp6',
  'vlan 100 and ip',
  'arp or rarp',
  'net 192.0.2.0/24 and not host 192.0.2.1',
  'ip[6:2] & 0x1fff != 0',
  'greater 100 and less 1000',
  'portrange 1000-2000',
  'ip6 net 2001:db8::/32 and tcp dst port 443',
  'ether src 02:00:00:00:00:01',
  'len >= 60 and ip[8] < 64',
  'tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420',
  'ip proto 47 or ip6 proto 47',
  'ip6 protochain 17',
];

const ethernetIpv4 = fc
  .tuple(fc.constantFrom(6, 17, 1, 47), fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.nat(0xffff))
  .map(([proto, payload, ports]) => {
    const f = new Uint8Array(14 + 20 + 8 + payload.length);
    f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], 0);
    f.set([0x45, 0, 0, 20 + 8 + payload.length, 0, 1, 0, 0, 64, proto, 0, 0, 192, 0, 2, 1, 192, 0, 2, 9], 14);
    f.set([ports >> 8, ports & 0xff, 0, 80, 0, 8 + payload.length, 0, 0], 34);
    f.set(payload, 42);
    return f;
  });
const frames = fc.oneof(mutated(ethernetIpv4), fc.uint8Array({ maxLength: 120 }));

// Classic BPF that bpf_filter accepts without reading out of its bounds: scratch memory 0-15,
// shifts under 32, no division by a constant 0, forward jumps that land inside the program.
const LOADS = [0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1, 0x00, 0x01, 0x80, 0x81, 0x60, 0x61, 0x02, 0x03];
const ALU = [
  0x0c, 0x1c, 0x2c, 0x3c, 0x9c, 0x5c, 0x4c, 0xac, 0x6c, 0x7c, 0x04, 0x14, 0x24, 0x34, 0x94, 0x54, 0x44, 0xa4,
  0x64, 0x74, 0x84, 0x07, 0x87,
];
const JUMPS = [0x15, 0x25, 0x35, 0x45, 0x1d, 0x2d, 0x3d, 0x4d, 0x05];

const randomProgram = fc
  .array(
    fc.tuple(
      fc.constantFrom(...LOADS, ...ALU, ...JUMPS),
      fc.nat(255),
      fc.nat(255),
      fc.nat(0xffffffff),
      fc.nat(80),
    ),
    {
      minLength: 1,
      maxLength: 24,
    },
  )
  .map((raw): BpfInstruction[] => {
    const n = raw.length;
    const insns = raw.map(([code, jt, jf, k, small], i): BpfInstruction => {
      const left = n - i - 1; // instructions after this one, before the final ret
      if (code === 0x60 || code === 0x61 || code === 0x02 || code === 0x03)
        return { code, jt: 0, jf: 0, k: k % 16 };
      if (code === 0x64 || code === 0x74) return { code, jt: 0, jf: 0, k: k % 32 };
      if (code === 0x34 || code === 0x94) return { code, jt: 0, jf: 0, k: k === 0 ? 1 : k };
      if (code === 0x05) return { code, jt: 0, jf: 0, k: left === 0 ? 0 : k % (left + 1) };
      if (JUMPS.includes(code))
        return { code, jt: jt % (left + 1), jf: jf % (left + 1), k: small % 2 ? k : small };
      if (code === 0x00 || code === 0x01) return { code, jt: 0, jf: 0, k: small % 3 ? small : k };
      return { code, jt: 0, jf: 0, k: LOADS.includes(code) ? small : k };
    });
    // libpcap's scratch memory starts as whatever its stack held: give every word a value first.
    const init = Array.from({ length: 16 }, (_, k): BpfInstruction => ({ code: 0x02, jt: 0, jf: 0, k }));
    return [...init, ...insns, { code: 0x16, jt: 0, jf: 0, k: 0 }];
  });

describe('classic BPF interpreter', () => {
  let pcap: PcapCompiler;
  beforeAll(async () => {
    pcap = await loadPcapCompiler();
  });

  it('round-trips struct bpf_insn bytes', () => {
    const bytes = pcap.compile('tcp port 80', { linkType: 1, snaplen: 262144 });
    expect(encodeProgram(decodeProgram(bytes).instructions).bytes).toEqual(new Uint8Array(bytes));
  });

  it('judges frames as libpcap does, for programs libpcap compiled', () => {
    const programs = EXPRESSIONS.map((e) => pcap.compile(e, { linkType: 1, snaplen: 262144 }));
    fc.assert(
      fc.property(fc.nat(programs.length - 1), frames, fc.nat(2000), (i, frame, extra) => {
        const bytes = programs[i]!;
        const wire = frame.length + (extra % 3 === 0 ? extra : 0);
        expect(runBpf(decodeProgram(bytes).instructions, frame, wire)).toBe(pcap.run(bytes, frame, wire));
      }),
      { numRuns: 5000 },
    );
  });

  it('computes what libpcap computes, for random programs', () => {
    fc.assert(
      fc.property(randomProgram, frames, (program, frame) => {
        const { bytes } = encodeProgram(program);
        expect(runBpf(program, frame, frame.length)).toBe(pcap.run(bytes, frame, frame.length));
      }),
      { numRuns: 20000 },
    );
  });

  it('accepts everything with an empty program and rejects an unknown opcode', () => {
    expect(runBpf([], new Uint8Array(4), 4)).toBe(0xffffffff);
    expect(runBpf([{ code: 0xff, jt: 0, jf: 0, k: 0 }], new Uint8Array(4), 4)).toBe(0);
  });
});
