import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { BACKENDS, withBackend } from './support/backends.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { startReadyChild, stopReadyChild } from './support/ready-child.js';

// Forged replies on the wire: a responder in the lab answers every echo request first with a
// packet that does not check out (a wrong checksum, a changed payload, or an ICMP error quoting a
// request never sent), then with the right reply. netdiag must count each request answered once
// and the forgery as corrupt; iputils ping, on the same path in the same test, counts them.

const responder = fileURLToPath(new URL('./lab/forging-responder.py', import.meta.url));
const COUNT = 4;
type Json = Record<string, unknown>;

/** iputils' statistics line, as numbers: received and the "+N ..." extras. */
function iputilsCounts(stdout: string) {
  const line = stdout.split('\n').find((l) => l.includes('packets transmitted')) ?? '';
  const n = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
  return {
    line,
    received: n(/(\d+) received/),
    duplicates: n(/\+(\d+) duplicates/),
    errors: n(/\+(\d+) errors/),
    corrupted: n(/\+(\d+) corrupted/),
  };
}

describe.skipIf(process.getuid?.() !== 0)('ping: forged replies on the wire (needs root)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({
      hosts: {
        // The kernel's own echo replies off: the forging responder answers instead.
        forger: { sysctl: { 'net.ipv4.icmp_echo_ignore_all': 1, 'net.ipv6.icmp.echo_ignore_all': 1 } },
      },
      links: [{ hosts: ['client', 'forger'] }],
    });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  /** Runs `body` while the responder forges in `mode`. */
  async function forging<T>(mode: string, body: () => Promise<T>): Promise<T> {
    const { child } = await startReadyChild([
      'ip',
      'netns',
      'exec',
      lab.ns('forger'),
      'python3',
      responder,
      mode,
    ]);
    try {
      return await body();
    } finally {
      await stopReadyChild(child);
    }
  }

  const ping = (family: 4 | 6) => [
    '-c',
    String(COUNT),
    '-i',
    '0.05',
    '-W',
    '1',
    '-n',
    lab.addr('forger', family),
  ];

  for (const backend of BACKENDS)
    for (const family of [4, 6] as const) {
      const run = async (mode: string) =>
        forging(mode, async () => {
          const on = withBackend(lab, backend);
          const json = await on.exec('client', netdiagArgv('ping', '--json', ...ping(family)));
          const lines = await on.exec('client', netdiagArgv('ping', ...ping(family)));
          const iputils = await lab.exec('client', ['ping', `-${family}`, ...ping(family)]);
          const events = ndjson(json.stdout);
          const summary = (events.at(-1)!.summaries as Json[])[0]!;
          const corrupt = events.filter((e) => e.type === 'corrupt');
          return { json, lines, iputils, events, summary, corrupt, peer: iputilsCounts(iputils.stdout) };
        });

      it(`IPv${family}, ${backend}: a changed payload is corrupt; iputils counts it as the reply and the real one as DUP!`, async () => {
        const r = await run('payload');
        expect(r.summary).toMatchObject({
          transmitted: COUNT,
          received: COUNT,
          duplicates: 0,
          corrupt: COUNT,
        });
        expect(r.corrupt).toHaveLength(COUNT);
        for (const e of r.corrupt)
          expect(e).toMatchObject({ reason: 'payload', message: 'echo-reply', offset: 20 });
        expect(r.json.code).toBe(0);
        expect(r.lines.stdout).toMatch(
          /icmp_seq=1 wrong data byte #20 should be 0x14 but was 0xeb: corrupt, not counted/,
        );
        expect(r.lines.stdout).toContain(`${COUNT} received, +${COUNT} corrupted`);
        expect(r.lines.stdout).not.toContain('DUP!');
        // iputils on the same path: the forgery counted as received, the real reply as a duplicate
        // (the last one's may come after it has exited).
        expect(r.peer, r.iputils.stdout).toMatchObject({ received: COUNT, corrupted: 0 });
        expect(r.peer.duplicates, r.iputils.stdout).toBeGreaterThanOrEqual(COUNT - 1);
        expect(r.iputils.stdout).toContain('wrong data byte #20 should be 0x14 but was 0xeb');
      });

      it(`IPv${family}, ${backend}: an ICMP error quoting a request never sent is corrupt; iputils counts it an error`, async () => {
        const r = await run('quote');
        expect(r.summary).toMatchObject({ transmitted: COUNT, received: COUNT, errors: 0, corrupt: COUNT });
        expect(r.corrupt.map((e) => [e.reason, e.message, e.seq])).toEqual(
          [...Array(COUNT)].map((_, i) => ['quote', 'icmp-error', i + 1 + 1000]),
        );
        expect(r.events.filter((e) => e.type === 'icmp-error')).toEqual([]);
        expect(r.lines.stdout).toContain(
          'icmp_seq=1001 ICMP error quoting a request never sent: corrupt, not counted',
        );
        // iputils counts each as an error, and stops once received + errors reach -c: it sends
        // only half its requests.
        expect(r.peer.errors, r.iputils.stdout).toBeGreaterThan(0);
        expect(r.peer.received + r.peer.errors, r.iputils.stdout).toBe(COUNT);
        expect(r.iputils.stdout).toContain('icmp_seq=1001 Destination');
      });

      it(`IPv${family}, ${backend}: a wrong checksum is never a reply`, async () => {
        const r = await run('checksum');
        expect(r.summary).toMatchObject({ transmitted: COUNT, received: COUNT, duplicates: 0 });
        if (family === 4) {
          // A raw IPv4 socket sees the datagram before the kernel's ICMP layer checks it: we do.
          expect(r.summary.corrupt).toBe(COUNT);
          for (const e of r.corrupt) expect(e).toMatchObject({ reason: 'checksum', message: 'echo-reply' });
          expect(r.lines.stdout).toMatch(/icmp_seq=1 \(BAD CHECKSUM!\) corrupt, not counted/);
          // iputils, on the same raw socket, takes it for the reply and the real one for a DUP!.
          expect(r.peer, r.iputils.stdout).toMatchObject({ received: COUNT, corrupted: 0 });
          expect(r.peer.duplicates, r.iputils.stdout).toBeGreaterThanOrEqual(COUNT - 1);
        } else {
          // The kernel checks every ICMPv6 checksum, pseudo-header included, and drops the
          // forgery before any socket sees it: neither tool hears of it.
          expect(r.summary.corrupt).toBe(0);
          expect(r.peer, r.iputils.stdout).toMatchObject({ received: COUNT, duplicates: 0, corrupted: 0 });
        }
      });
    }

  it('good replies are never flagged corrupt (kernel echo replies, both families, every backend)', async () => {
    const plain = await createLab({ links: [{ hosts: ['client', 'target'] }] });
    try {
      for (const backend of BACKENDS)
        for (const family of [4, 6] as const) {
          const r = await withBackend(plain, backend).exec(
            'client',
            netdiagArgv(
              'ping',
              '--json',
              '-c',
              '200',
              '-i',
              '0.002',
              '-s',
              '1000',
              plain.addr('target', family),
            ),
          );
          const events = ndjson(r.stdout);
          expect(events.filter((e) => e.type === 'corrupt')).toEqual([]);
          expect((events.at(-1)!.summaries as Json[])[0]).toMatchObject({ received: 200, corrupt: 0 });
        }
    } finally {
      await plain.destroy();
    }
  });
});
