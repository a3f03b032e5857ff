import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { parseUnixTable } from './parse-unix.js';

const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 10121 /run/systemd/private
0000000000000000: 00000003 00000000 00000000 0001 03  1664
0000000000000000: 00000002 00000000 00000000 0002 01 20001 @/tmp/.X11-unix/X0@x
0000000000000000: 00000002 00000000 00000000 0005 02 20002 /tmp/with space
0000000000000000: 00000002 00000000 00000000 0001 04 20003
`;

describe('parseUnixTable', () => {
  it('reads type, state (LISTEN from the accept flag), inode and path', () => {
    const { records, issues } = parseUnixTable(UNIX);
    expect(issues).toEqual([]);
    expect(records.map((r) => [r.type, r.state, r.inode, r.path, r.refCount])).toEqual([
      ['stream', 'LISTEN', 10121, '/run/systemd/private', 2],
      ['stream', 'CONNECTED', 1664, null, 3],
      ['dgram', 'UNCONNECTED', 20001, '@/tmp/.X11-unix/X0@x', 2],
      ['seqpacket', 'CONNECTING', 20002, '/tmp/with space', 2],
      ['stream', 'DISCONNECTING', 20003, null, 2],
    ]);
  });

  it('reports the fragment of a path that held a newline', () => {
    const text = UNIX.replace('/run/systemd/private', '/tmp/a\nb');
    const { records, issues } = parseUnixTable(text);
    expect(records).toHaveLength(5);
    expect(records[0]!.path).toBe('/tmp/a');
    expect(issues).toEqual([expect.objectContaining({ source: 'unix', line: 3 })]);
  });

  it('rejects another table', () => {
    expect(() => parseUnixTable('  sl  local_address\n')).toThrow(SocketListError);
  });

  it('property: mutated lines never throw, each line parsed or reported', () => {
    const lines = UNIX.trimEnd().split('\n');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: lines.length - 1 }),
        fc.nat(),
        fc.string({ maxLength: 5 }),
        fc.nat({ max: 6 }),
        (w, at, ins, del) => {
          const l = lines[w]!;
          const pos = at % (l.length + 1);
          const m = [...lines];
          m[w] = l.slice(0, pos) + ins + l.slice(pos + del);
          const text = m.join('\n');
          try {
            const { records, issues } = parseUnixTable(text);
            expect(records.length + issues.length).toBe(
              text
                .split('\n')
                .slice(1)
                .filter((x) => x !== '').length,
            );
          } catch (err) {
            expect(err).toBeInstanceOf(SocketListError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
