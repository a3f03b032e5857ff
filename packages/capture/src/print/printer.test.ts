import { describe, expect, it } from 'vitest';
import { ETHERNET_FRAMES, SLL2_FRAMES } from '../../../../test/fixtures/capture-frames.js';
import { decode } from '../decode/decode.js';
import type { CapturedPacket } from '../pcap/packet.js';
import type { PrintOptions } from './options.js';
import { PacketPrinter } from './printer.js';

const frames = ETHERNET_FRAMES.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const packet = (data: Uint8Array, linkType = 1): CapturedPacket => ({
  seconds: 1_700_000_000,
  nanos: 0,
  originalLength: data.length,
  data,
  linkType,
});
const line = (data: Uint8Array, options: PrintOptions, linkType = 1) =>
  new PacketPrinter({ utcOffset: () => 0, ...options }).format(packet(data, linkType));

/** The first seed frame whose layers are these. */
function frame(protocols: string): Uint8Array {
  const f = frames.find(
    (b) =>
      decode(b, 1)
        .layers.map((l) => l.protocol)
        .join('/') === protocols,
  );
  if (!f) throw new Error(`no seed frame ${protocols}`);
  return f;
}

// The differences from tcpdump that packages/capture/README.md lists, held here.
describe('PacketPrinter: the listed differences from tcpdump', () => {
  it('never resolves names: numeric 0 prints as -n', () => {
    for (const f of frames)
      for (const verbose of [0, 1, 2] as const)
        expect(line(f, { numeric: 0, verbose, link: true })).toBe(
          line(f, { numeric: 1, verbose, link: true }),
        );
  });

  it('after a truncation mark, dumps the whole frame for DUMP_WHOLE marks, else after the link header', () => {
    const echo = frame('ethernet/ipv4/icmp');
    const cutEcho = line(echo.subarray(0, 38), { hex: 'x' });
    expect(cutEcho).toContain(' [|icmp]');
    expect(cutEcho).toContain(`\t0x0000:  ${Buffer.from(echo.subarray(0, 2)).toString('hex')}`);
    const udp = frames.find((b) => decode(b, 1).layers[2]?.protocol === 'udp')!;
    const cutUdp = line(udp.subarray(0, 38), { hex: 'x' });
    expect(cutUdp).toContain(' [|udp]');
    expect(cutUdp).toContain('\t0x0000:  4500 ');
  });

  it('prints payloads above the decoded protocols as their transport does', () => {
    // The DNS query's frame, sent to port 123 instead: tcpdump would say NTP; netdiag, UDP.
    const dns = frame('ethernet/ipv4/udp/dns');
    const ntp = Uint8Array.from(dns);
    ntp[36] = 0;
    ntp[37] = 123;
    ntp[34] = 0;
    ntp[35] = 123;
    expect(line(ntp, {})).toMatch(/\.123 > [\d.]+\.123: UDP, length \d+$/);
    // IGMP (protocol 2) in the echo's IPv4 header.
    const igmp = Uint8Array.from(frame('ethernet/ipv4/icmp'));
    igmp[23] = 2;
    expect(line(igmp, {})).toMatch(/: {2}ip-proto-2 64$/);
  });

  it('names an SLL2 interface it cannot look up "?", as tcpdump does', () => {
    const sll2 = Uint8Array.from(Buffer.from(SLL2_FRAMES[0]!, 'hex'));
    expect(line(sll2, {}, 276)).toMatch(/^\d\d:\d\d:\d\d\.\d{6} \? {4} (In |Out) /);
    expect(line(sll2, { interfaceName: () => 'eth0' }, 276)).toMatch(
      /^\d\d:\d\d:\d\d\.\d{6} eth0 {2}(In |Out) /,
    );
  });
});

describe('PacketPrinter: sessions', () => {
  it('numbers packets and keeps -ttt deltas across calls', () => {
    const p = new PacketPrinter({ number: true, timestamp: 3, utcOffset: () => 0 });
    const f = frames[0]!;
    p.print({ ...packet(f), seconds: 10, nanos: 500_000_000 });
    p.print({ ...packet(f), seconds: 12, nanos: 250_000_000 });
    const [a, b] = p.take().split('\n');
    expect(a).toMatch(/^ {4}1 {3}00:00:00\.000000 /);
    expect(b).toMatch(/^ {4}2 {3}00:00:01\.750000 /);
  });
});

describe('PacketPrinter: memory on a long run', () => {
  it('remembers at most 100,000 TCP conversations', () => {
    const syn = frames.find((f) => {
      const tcp = decode(f, 1).layers[2];
      return tcp?.protocol === 'tcp' && tcp.flags === 0x12;
    })!;
    const p = new PacketPrinter({ utcOffset: () => 0 });
    const f = Uint8Array.from(syn);
    for (let i = 0; i < 100_050; i++) {
      f[36] = (i >> 8) & 0xff; // the destination port: a new conversation each time
      f[37] = i & 0xff;
      f[29] = (i >> 16) & 0xff; // and the source address's last byte
      p.format(packet(f));
    }
    expect((p as unknown as { tcp: Map<string, unknown> }).tcp.size).toBe(100_000);
  });
});
