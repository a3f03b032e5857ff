import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { parseInetTable } from './parse-inet.js';

// Captured from a Linux 6.x x86_64 host (little-endian).
const TCP4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 43211 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2F0 01 00000010:00000020 01:00000014 00000002  1000        0 43299 3 0000000000000000 20 4 30 10 -1
   2: 0100007F:D2F4 0100007F:1F90 06 00000000:00000000 03:00000BB8 00000000     0        0 0 3 0000000000000000
   3: 020200C0:0016 016433C6:C350 01 00000000:00000000 02:00057E40 00000000     0        3 55501 2 0000000000000000 21 4 1 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0050 00000000000000000000000001000000:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 5678 1 0000000000000000 20 4 30 10 -1
   2: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000200007F:A1B3 01 00000000:00000000 00:00000000 00000000     0        0 5679 1 0000000000000000 20 4 30 10 -1
   3: B80D0120000000000000000001000000:01BB 000080FE00000000FF000000FE0000FC:C000 01 00000000:00000000 00:00000000 00000000     0        0 5680 1 0000000000000000 20 4 30 10 -1
`;
const UDP4 = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 00000000:0044 00000000:0000 07 00000000:00000300 00:00000000 00000000     0        0 999 2 0000000000000000 7
`;

describe('parseInetTable', () => {
  it('reads TCP lines: addresses, ports, state, queues, timers, uid, inode', () => {
    const { records, issues } = parseInetTable(TCP4, { protocol: 'tcp', family: 4, byteOrder: 'LE' });
    expect(issues).toEqual([]);
    expect(records).toHaveLength(4);
    expect(records[0]).toMatchObject({
      protocol: 'tcp',
      family: 4,
      state: 'LISTEN',
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      sendQueue: 0,
      receiveQueue: 3,
      uid: 1000,
      inode: 43211,
      timer: { kind: 'off' },
    });
    expect(records[1]).toMatchObject({
      state: 'ESTABLISHED',
      remotePort: 0xd2f0,
      sendQueue: 16,
      receiveQueue: 32,
      timer: { kind: 'retransmit', expiresMs: 200, retransmits: 2, probes: 0 },
    });
    expect(records[2]).toMatchObject({
      state: 'TIME_WAIT',
      inode: 0,
      timer: { kind: 'timewait', expiresMs: 30_000 },
    });
    expect(records[3]).toMatchObject({
      localAddress: '192.0.2.2',
      localPort: 22,
      remoteAddress: '198.51.100.1',
      timer: { kind: 'keepalive', expiresMs: 3_600_000, probes: 3 },
    });
    expect(records[0]!.drops).toBeUndefined();
  });

  it('reads IPv6 words in host order, compresses per RFC 5952 and shows mapped IPv4', () => {
    const { records, issues } = parseInetTable(TCP6, { protocol: 'tcp', family: 6, byteOrder: 'LE' });
    expect(issues).toEqual([]);
    expect(records.map((r) => `${r.localAddress} ${r.remoteAddress}`)).toEqual([
      ':: ::',
      '::1 ::1',
      '::ffff:127.0.0.1 ::ffff:127.0.0.2',
      '2001:db8::1 fe80::ff:fc00:fe',
    ]);
  });

  it('reads big-endian text when told the host is big-endian', () => {
    const be = TCP4.replace('0100007F:1F90 00000000', '7F000001:1F90 00000000');
    expect(parseInetTable(be, { protocol: 'tcp', family: 4, byteOrder: 'BE' }).records[0]!.localAddress).toBe(
      '127.0.0.1',
    );
  });

  it('reads UDP drops and the unconnected state', () => {
    const { records } = parseInetTable(UDP4, { protocol: 'udp', family: 4, byteOrder: 'LE' });
    expect(records).toEqual([
      expect.objectContaining({ state: 'CLOSE', localPort: 68, receiveQueue: 0x300, drops: 7, inode: 999 }),
    ]);
  });

  it('skips and reports malformed lines without losing the good ones', () => {
    const lines = TCP4.split('\n');
    lines[2] = '   1: 0100007F:1F9 garbage';
    const { records, issues } = parseInetTable(lines.join('\n'), {
      protocol: 'tcp',
      family: 4,
      byteOrder: 'LE',
    });
    expect(records).toHaveLength(3);
    expect(issues).toEqual([expect.objectContaining({ source: 'tcp', line: 3 })]);
  });

  it('keeps an unknown state visible with its code', () => {
    const t = TCP4.replace(' 0A 00000000:00000003', ' 2A 00000000:00000003');
    expect(parseInetTable(t, { protocol: 'tcp', family: 4, byteOrder: 'LE' }).records[0]).toMatchObject({
      state: 'UNKNOWN',
      stateCode: 0x2a,
    });
  });

  it('rejects a text that is not a socket table', () => {
    expect(() =>
      parseInetTable('Iface\tDestination\n', { protocol: 'tcp', family: 4, byteOrder: 'LE' }),
    ).toThrow(SocketListError);
  });

  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
  const leWord = (b: number[]) => hex(((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0, 8);

  it('law: a line printed the kernel way parses back to its fields (IPv4 and IPv6)', () => {
    const byte = fc.integer({ min: 0, max: 255 });
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(byte, { minLength: 16, maxLength: 16 }),
        fc.array(byte, { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (v6, la, ra, lp, rp, st, tx, rx, uid, inode) => {
          const addr = (b: number[]) =>
            v6 ? [0, 4, 8, 12].map((k) => leWord(b.slice(k, k + 4))).join('') : leWord(b);
          const header = v6
            ? '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
            : '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
          const line = `   0: ${addr(la)}:${hex(lp, 4)} ${addr(ra)}:${hex(rp, 4)} ${hex(st, 2)} ${hex(tx, 8)}:${hex(rx, 8)} 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
          const { records, issues } = parseInetTable(`${header}\n${line}\n`, {
            protocol: 'tcp',
            family: v6 ? 6 : 4,
            byteOrder: 'LE',
          });
          expect(issues).toEqual([]);
          const r = records[0]!;
          const want = (b: number[]) => (v6 ? null : b.slice(0, 4).join('.'));
          if (!v6) {
            expect(r.localAddress).toBe(want(la));
            expect(r.remoteAddress).toBe(want(ra));
          } else {
            // Compare as bytes: parse the text form back with URL's IPv6 parser.
            const bytes = (s: string) => new URL(`http://[${s}]/`).hostname;
            const fromBytes = (b: number[]) =>
              new URL(
                `http://[${[0, 2, 4, 6, 8, 10, 12, 14].map((k) => ((b[k]! << 8) | b[k + 1]!).toString(16)).join(':')}]/`,
              ).hostname;
            expect(bytes(r.localAddress)).toBe(fromBytes(la));
            expect(bytes(r.remoteAddress)).toBe(fromBytes(ra));
          }
          expect([
            r.localPort,
            r.remotePort,
            r.stateCode,
            r.sendQueue,
            r.receiveQueue,
            r.uid,
            r.inode,
          ]).toEqual([lp, rp, st, tx, rx, uid, inode]);
        },
      ),
    );
  });

  it('property: mutated lines never throw, and every line is either parsed or reported', () => {
    const lines = TCP6.trimEnd().split('\n');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: lines.length - 1 }),
        fc.nat(),
        fc.string({ maxLength: 6 }),
        fc.nat({ max: 8 }),
        (which, at, insert, del) => {
          const l = lines[which]!;
          const pos = at % (l.length + 1);
          const mutated = [...lines];
          mutated[which] = l.slice(0, pos) + insert + l.slice(pos + del);
          const text = mutated.join('\n');
          try {
            const { records, issues } = parseInetTable(text, { protocol: 'tcp', family: 6, byteOrder: 'LE' });
            const nonEmpty = text
              .split('\n')
              .slice(1)
              .filter((x) => x !== '').length;
            expect(records.length + issues.length).toBe(nonEmpty);
          } catch (err) {
            expect(err).toBeInstanceOf(SocketListError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: random text throws only SocketListError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.boolean(), (junk, withHeader) => {
        const text = withHeader ? `  sl  local_address rem_address   st tx_queue\n${junk}` : junk;
        try {
          parseInetTable(text, { protocol: 'udp', family: 4, byteOrder: 'LE' });
        } catch (err) {
          expect(err).toBeInstanceOf(SocketListError);
        }
      }),
    );
  });
});
