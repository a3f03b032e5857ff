import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ETHERNET_FRAMES, SLL2_FRAMES, VLAN_FRAMES } from '../../../../test/fixtures/capture-frames.js';
import { mutated } from '../../../../test/support/arbitraries.js';
import type { PrintOptions } from '../print/options.js';
import { PacketPrinter } from '../print/printer.js';
import { decode } from './decode.js';
import { packetJson } from './json.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const ethernet = ETHERNET_FRAMES.map(hex);
const vlan = VLAN_FRAMES.map(hex);
const sll2 = SLL2_FRAMES.map(hex);
/** The IP packets of the Ethernet seeds, for the raw link types. */
const raw = ethernet.filter((f) => f[12] === 0x08 || f[12] === 0x86).map((f) => f.subarray(14));

/** A frame and the link type to read it as: valid seeds, mutated seeds, and random bytes. */
const frames: fc.Arbitrary<[Uint8Array, number]> = fc.oneof(
  mutated(fc.constantFrom(...ethernet, ...vlan)).map((b) => [b, 1] as [Uint8Array, number]),
  mutated(fc.constantFrom(...sll2)).map((b) => [b, 276] as [Uint8Array, number]),
  mutated(fc.constantFrom(...raw)).map((b) => [b, 101] as [Uint8Array, number]),
  mutated(fc.constantFrom(...raw)).map((b) => [b, 228] as [Uint8Array, number]),
  mutated(fc.constantFrom(...raw)).map((b) => [b, 229] as [Uint8Array, number]),
  fc
    .tuple(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(1, 12, 101, 113, 228, 229, 276, 147))
    .map(([b, t]) => [b, t] as [Uint8Array, number]),
);

const options: fc.Arbitrary<PrintOptions> = fc.record(
  {
    link: fc.boolean(),
    verbose: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<0 | 1 | 2 | 3>,
    quiet: fc.boolean(),
    number: fc.boolean(),
    timestamp: fc.constantFrom(0, 1, 2, 3, 4, 5) as fc.Arbitrary<0 | 1 | 2 | 3 | 4 | 5>,
    hex: fc.constantFrom('x', 'xx', 'X', 'XX') as fc.Arbitrary<'x' | 'xx' | 'X' | 'XX'>,
    ascii: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** Decodes and prints each frame; returns nothing, throws nothing (or the property fails). */
function check(runs: number): void {
  fc.assert(
    fc.property(frames, options, fc.nat(), ([bytes, linkType], opts, seconds) => {
      const decoded = decode(bytes, linkType, { dnsMessages: true });
      const printer = new PacketPrinter({ ...opts, utcOffset: () => 0 });
      const text = printer.format(
        { seconds, nanos: 0, originalLength: bytes.length, data: bytes, linkType },
        decoded,
      );
      // Untrusted bytes never reach a terminal as control characters: only tab and newline.
      expect(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)).toBe(false);
      // format() turns an exception of its own into [|netdiag] so a capture goes on; none may happen.
      expect(text).not.toContain('[|netdiag]');
      JSON.stringify(decoded, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    }),
    { numRuns: runs },
  );
}

describe('decode and format: random and mutated frames', () => {
  it('never throw, and print no control characters (fast run)', () => {
    check(20_000);
  });

  // The million of issue 12, in one test: NETDIAG_CAPTURE_MILLION=1 npx vitest run --project capture
  it.runIf(process.env.NETDIAG_CAPTURE_MILLION === '1')(
    'never throw over a million frames',
    () => {
      check(1_000_000);
    },
    3_600_000,
  );

  it('decodes the seeds into the layers they hold', () => {
    const protocols = ethernet.map((f) =>
      decode(f, 1)
        .layers.map((l) => l.protocol)
        .join('/'),
    );
    expect(protocols).toContain('ethernet/arp');
    expect(protocols).toContain('ethernet/ipv4/icmp');
    expect(protocols).toContain('ethernet/ipv6/icmpv6');
    expect(protocols).toContain('ethernet/ipv4/udp/dns');
    expect(protocols).toContain('ethernet/ipv4/tcp');
    const vlanLayer = decode(vlan[0]!, 1).layers[0];
    expect(vlanLayer?.protocol === 'ethernet' && vlanLayer.vlans.length).toBeGreaterThan(0);
    expect(decode(sll2[0]!, 276).layers[0]?.protocol).toBe('sll2');
  });

  it('marks where a cut frame ends, and keeps the layers before it', () => {
    const syn = ethernet.find((f) => {
      const layers = decode(f, 1).layers;
      const tcp = layers[2];
      return tcp?.protocol === 'tcp' && tcp.flags === 0x02;
    })!;
    const cut = decode(syn.subarray(0, 40), 1);
    expect(cut.layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'tcp']);
    expect(cut.truncated).toBe('tcp');
    expect(decode(syn.subarray(0, 10), 1)).toEqual({ linkType: 1, layers: [], truncated: 'ether' });
  });
});

describe('packetJson: the netdiag.capture/1 packet event', () => {
  it('names the schema, keeps ns timestamps as text and turns bytes into hex', () => {
    const dnsFrame = ethernet.find((f) => decode(f, 1).layers.some((l) => l.protocol === 'dns'))!;
    const event = packetJson(
      { seconds: 1_700_000_000, nanos: 5, originalLength: dnsFrame.length, data: dnsFrame, linkType: 1 },
      decode(dnsFrame, 1),
      3,
    );
    expect(event).toMatchObject({
      schema: 'netdiag.capture/1',
      type: 'packet',
      number: 3,
      time: '1700000000.000000005',
      length: dnsFrame.length,
      caplen: dnsFrame.length,
      linkType: 1,
    });
    const layers = event.layers as { protocol: string }[];
    expect(layers.map((l) => l.protocol)).toEqual(['ethernet', 'ipv4', 'udp', 'dns']);
    expect(layers[3]).toHaveProperty('questions');
    // Round-trips through JSON unchanged: no typed arrays, no bigints, no undefined.
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });
});
