import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../../test/support/arbitraries.js';
import {
  type ArpFrame,
  dadProbe,
  decodeArpFrame,
  encodeArpFrame,
  encodingLength,
  whoHas,
} from './arp-packet.js';

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((h) => Number.parseInt(h, 16)),
  );
const macArb = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
const ipArb = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => b.join('.'));
const frameArb: fc.Arbitrary<ArpFrame> = fc.record(
  {
    destinationMac: macArb,
    sourceMac: macArb,
    vlan: fc.integer({ min: 0, max: 0xfff }),
    operation: fc.integer({ min: 0, max: 0xffff }),
    senderMac: macArb,
    senderIp: ipArb,
    targetMac: macArb,
    targetIp: ipArb,
  },
  {
    requiredKeys: [
      'destinationMac',
      'sourceMac',
      'operation',
      'senderMac',
      'senderIp',
      'targetMac',
      'targetIp',
    ],
  },
);

describe('ARP frame codec', () => {
  // Captured with `tcpdump -xx` on a veth between two namespaces: arping 2.23 (Habets) asks,
  // the Linux kernel answers. arping pads its request to 58 bytes; the kernel's reply is 42.
  const request =
    hex(`ffffffffffff 42309241081d 0806 0001 0800 06 04 0001 42309241081d c0000201 000000000000 c0000202
    0000 0000 0000 0000 0000 0000 0000 0000`);
  const reply = hex(
    `42309241081d 1e44f1dd44c8 0806 0001 0800 06 04 0002 1e44f1dd44c8 c0000202 42309241081d c0000201`,
  );

  it('decodes a captured request and reply, and encodes them back', () => {
    const who = whoHas({ senderMac: '42:30:92:41:08:1d', senderIp: '192.0.2.1', targetIp: '192.0.2.2' });
    expect(decodeArpFrame(request)).toEqual({ ok: true, bytesRead: 42, value: who });
    expect(decodeArpFrame(reply)).toEqual({
      ok: true,
      bytesRead: 42,
      value: {
        destinationMac: '42:30:92:41:08:1d',
        sourceMac: '1e:44:f1:dd:44:c8',
        operation: 2,
        senderMac: '1e:44:f1:dd:44:c8',
        senderIp: '192.0.2.2',
        targetMac: '42:30:92:41:08:1d',
        targetIp: '192.0.2.1',
      },
    });
    expect(encodeArpFrame(who)).toEqual(request.subarray(0, 42));
  });

  it('decode(encode(frame)) is the frame, and encodingLength is the bytes written', () => {
    fc.assert(
      fc.property(frameArb, fc.boolean(), (frame, pad) => {
        const bytes = encodeArpFrame(frame, { pad });
        expect(bytes.length).toBe(encodingLength(frame, { pad }));
        const d = decodeArpFrame(bytes);
        expect(d.ok && d.value).toEqual(frame);
      }),
    );
  });

  it('never throws on random or mutated bytes, and names why it refused', () => {
    const broken = mutated(frameArb.map((f) => encodeArpFrame(f, { pad: true })));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), broken), (bytes) => {
        const d = decodeArpFrame(bytes);
        if (d.ok) expect(d.bytesRead).toBeLessThanOrEqual(bytes.length);
        else
          expect([
            'truncated',
            'not-arp',
            'unsupported-hardware',
            'unsupported-protocol',
            'bad-lengths',
          ]).toContain(d.error.code);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses non-ARP, truncated and non-Ethernet/IPv4 packets with a reason', () => {
    const ipv4 = reply.slice();
    ipv4[13] = 0x00;
    expect(decodeArpFrame(ipv4)).toMatchObject({ ok: false, error: { code: 'not-arp' } });
    expect(decodeArpFrame(reply.subarray(0, 30))).toMatchObject({ ok: false, error: { code: 'truncated' } });
    const ipx = reply.slice();
    ipx[16] = 0x81;
    expect(decodeArpFrame(ipx)).toMatchObject({ ok: false, error: { code: 'unsupported-protocol' } });
  });

  it('builds an RFC 5227 probe with sender address 0.0.0.0', () => {
    expect(dadProbe({ senderMac: '02:00:00:00:00:01', targetIp: '192.0.2.9' })).toMatchObject({
      senderIp: '0.0.0.0',
      operation: 1,
      targetMac: '00:00:00:00:00:00',
    });
    expect(() =>
      encodeArpFrame({ ...whoHas({ senderMac: 'zz', senderIp: '192.0.2.4', targetIp: '192.0.2.5' }) }),
    ).toThrow(/not a MAC address/);
  });
});
