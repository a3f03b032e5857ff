import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../../test/support/arbitraries.js';
import {
  decodeAttributes,
  decodeIpAttribute,
  decodeNetlinkMessages,
  encodeAttribute,
  encodeNetlinkMessage,
  NetlinkDecodeError,
  netlinkDump,
} from './netlink.js';
import { recordedNetlinkSocket as replaying } from './netlink-replay.js';
import { decodeRtmAddr, netlinkAddressSource } from './rtm-addr.js';
import { decodeRtmLinkName } from './rtm-link.js';

/**
 * netlink.json: an RTM_GETADDR dump taken in a namespace (scripts/capture-netlink.ts) with
 * `ip -j addr` of the same moment: an alias label, a nodad IPv6 address, a link that is UP
 * without carrier with an IPv4 address (the getifaddrs blind spot), and a point-to-point peer.
 */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/netlink.json', import.meta.url), 'utf8')) as {
  addr: string[];
  ipAddr: { ifindex: number; addr_info: Record<string, unknown>[] }[];
};
const datagrams = fixture.addr.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

describe('netlink framing', () => {
  it('messages and attributes round-trip', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.integer({ min: 0, max: 0xffff }),
            flags: fc.integer({ min: 0, max: 0xffff }),
            seq: fc.nat(),
            payload: fc.uint8Array({ maxLength: 40 }),
          }),
          { maxLength: 5 },
        ),
        (ms) => {
          const bytes = Buffer.concat(ms.map((m) => encodeNetlinkMessage(m)));
          const back = decodeNetlinkMessages(bytes);
          expect(back.map((m) => [m.type, m.flags, m.seq, Buffer.from(m.payload).toString('hex')])).toEqual(
            ms.map((m) => [m.type, m.flags, m.seq, Buffer.from(m.payload).toString('hex')]),
          );
        },
      ),
    );
    const attrs = decodeAttributes(
      Buffer.concat([
        encodeAttribute(3, Buffer.from('eth0\0')),
        encodeAttribute(8, Uint8Array.of(0x80, 0, 0, 0)),
      ]),
    );
    expect([...attrs.keys()]).toEqual([3, 8]);
  });

  it('random and mutated datagrams fail only with NetlinkDecodeError', () => {
    const broken = mutated(fc.constantFrom(...datagrams));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), broken), (bytes) => {
        try {
          for (const m of decodeNetlinkMessages(bytes)) decodeRtmAddr(m);
        } catch (err) {
          expect(err).toBeInstanceOf(NetlinkDecodeError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the netlink address source', () => {
  it('equals ip -j addr of the same moment: every link, up or down, labels, scopes, peers', async () => {
    const { byIndex, ipv4Complete } = await netlinkAddressSource(replaying(datagrams)).read([]);
    for (const entry of fixture.ipAddr) {
      const ours = (byIndex.get(entry.ifindex) ?? []).map((a) => ({
        family: a.family,
        local: a.address,
        prefixlen: a.prefixLength,
        scope: a.scope,
        ...(a.family === 'inet'
          ? {
              label: a.label,
              secondary: a.flags!.includes('secondary'),
              dynamic: !a.flags!.includes('permanent'),
            }
          : {}),
        ...(a.family === 'inet6' && a.flags.includes('nodad') ? { nodad: true } : {}),
      }));
      const theirs = entry.addr_info.map((a) => ({
        family: a.family,
        local: a.local,
        prefixlen: a.prefixlen,
        scope: a.scope,
        ...(a.family === 'inet'
          ? { label: a.label, secondary: a.secondary === true, dynamic: a.dynamic === true }
          : {}),
        ...(a.nodad === true ? { nodad: true } : {}),
      }));
      expect(ours).toEqual(theirs);
    }
    expect(ipv4Complete({} as never)).toBe(true);
    // A second address in a subnet the link has is secondary, as ip says.
    expect([...byIndex.values()].flat().find((a) => a.address === '192.0.2.11')).toMatchObject({
      flags: ['secondary', 'permanent'],
    });
    // The link without carrier: getifaddrs cannot see 198.51.100.9, netlink does.
    expect([...byIndex.values()].flat().map((a) => a.address)).toContain('198.51.100.9');
  });

  it('reads the point-to-point peer', async () => {
    const all = datagrams.flatMap((d) => decodeNetlinkMessages(d)).flatMap((m) => decodeRtmAddr(m) ?? []);
    expect(all.find((a) => a.address.address === '203.0.113.5')).toMatchObject({ peer: '203.0.113.6' });
  });

  it('a dump ends at NLMSG_DONE of its own sequence; NLMSG_ERROR rejects with the errno', async () => {
    const err = encodeNetlinkMessage({
      type: 2,
      flags: 0,
      seq: 0,
      payload: Uint8Array.of(0xf3, 0xff, 0xff, 0xff),
    });
    await expect(netlinkDump(replaying([err]), 22, new Uint8Array(8))).rejects.toThrow(/EACCES/);
  });
});

describe('link names (RTM_NEWLINK)', () => {
  it('reads index and IFLA_IFNAME; other attributes and types pass by', () => {
    const ifinfomsg = new Uint8Array(16);
    new DataView(ifinfomsg.buffer).setInt32(4, 42, true);
    const m = decodeNetlinkMessages(
      encodeNetlinkMessage({
        type: 16,
        flags: 2,
        seq: 1,
        payload: Buffer.concat([
          ifinfomsg,
          encodeAttribute(4, Uint8Array.of(0xdc, 0x05, 0, 0)),
          encodeAttribute(3, Buffer.from('veth\u001b0\0')),
        ]),
      }),
    )[0]!;
    expect(decodeRtmLinkName(m)).toEqual({ ifindex: 42, name: 'veth\u001b0' });
    expect(decodeRtmLinkName({ ...m, type: 20 })).toBeUndefined();
  });

  it('random payloads fail only with NetlinkDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (payload) => {
        try {
          decodeRtmLinkName({ type: 16, flags: 0, seq: 0, pid: 0, payload });
        } catch (err) {
          expect(err).toBeInstanceOf(NetlinkDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("an IPv4 or IPv6 attribute must have its family's length", () => {
    expect(decodeIpAttribute(Uint8Array.of(192, 0, 2, 1), 2)).toBe('192.0.2.1');
    expect(decodeIpAttribute(Uint8Array.of(0x20, 1, 0xd, 0xb8, ...new Array(11).fill(0), 1), 10)).toBe(
      '2001:db8::1',
    );
    expect(() => decodeIpAttribute(Uint8Array.of(192, 0, 2), 2)).toThrow(NetlinkDecodeError);
    expect(() => decodeIpAttribute(Uint8Array.of(192, 0, 2, 1), 10)).toThrow(NetlinkDecodeError);
  });
});
