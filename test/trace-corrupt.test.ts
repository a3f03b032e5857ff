import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { startReadyChild, stopReadyChild } from './support/ready-child.js';

// Forged answers to a trace: the target's responder answers each ICMP probe first with a packet
// that does not check out (a wrong checksum, a changed payload, an error quoting a probe never
// sent), then properly. None may be attributed to a hop; the first two are counted as corrupt.
// Four probes reach the target: the three at its TTL and the distance probe that opens a trace
// (ttl-prober's README), which no hop counts: four forgeries each.

const responder = fileURLToPath(new URL('./lab/forging-responder.py', import.meta.url));
type Json = Record<string, unknown>;

describe.skipIf(process.getuid?.() !== 0)('trace: forged answers on the wire (needs root)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({
      hosts: {
        forger: { sysctl: { 'net.ipv4.icmp_echo_ignore_all': 1, 'net.ipv6.icmp.echo_ignore_all': 1 } },
      },
      chains: { path: { from: 'client', to: 'forger', routers: 1 } },
    });
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  async function trace(mode: string, family: 4 | 6, method: readonly string[] = ['-I']) {
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
      const target = lab.addr('forger', family);
      const r = await lab.exec(
        'client',
        netdiagArgv('trace', ...method, '-n', '--json', '-q', '3', '-w', '1', target),
      );
      const peer = await lab.exec('client', [
        'traceroute',
        `-${family}`,
        ...method,
        '-n',
        '-q',
        '3',
        '-w',
        '1',
        target,
      ]);
      const events = ndjson(r.stdout);
      const end = events.at(-1)!;
      const last = (end.hops as Json[]).at(-1)!;
      return { r, peer, events, end, last, target };
    } finally {
      await stopReadyChild(child);
    }
  }

  for (const family of [4, 6] as const) {
    it(`IPv${family}: an echo reply with a changed payload is corrupt; the real one is the hop's answer`, async () => {
      const t = await trace('payload', family);
      expect(t.end).toMatchObject({ type: 'end', reached: true, corrupt: 4 });
      expect(t.last).toMatchObject({ ttl: 2, sent: 3, received: 3, reachedDestination: true });
      expect(t.peer.stdout, t.peer.stdout).toContain(t.target);
    });

    it(`IPv${family}: an error quoting a probe never sent is attributed to no hop`, async () => {
      const t = await trace('quote', family);
      expect(t.end).toMatchObject({ type: 'end', reached: true });
      expect(t.last).toMatchObject({ ttl: 2, sent: 3, received: 3, reachedDestination: true, mark: '' });
      expect(t.events.filter((e) => e.type === 'probe' && e.kind === 'unreachable')).toEqual([]);
    });

    it(`IPv${family}: a wrong checksum is never an answer`, async () => {
      const t = await trace('checksum', family);
      expect(t.last).toMatchObject({ ttl: 2, sent: 3, received: 3, reachedDestination: true });
      // IPv4: seen on the raw socket and counted; IPv6: the kernel drops it before any socket.
      expect(t.end).toMatchObject({ reached: true, corrupt: family === 4 ? 4 : 0 });
    });
  }

  it('TCP SYN (IPv4): a SYN-ACK whose TCP checksum fails is never an answer; the RST after it is', async () => {
    // The forger's kernel would answer each SYN with a RST of its own, racing the forgery: only
    // the responder's packets (firewall mark 42) may leave with RST set.
    const nft = await lab.exec('forger', ['nft', '-f', '-'], {
      input:
        'table ip forger {\n chain out {\n type filter hook output priority 0;\n tcp flags & rst != 0 meta mark != 42 drop\n }\n}\n',
    });
    expect(nft.code, nft.stderr).toBe(0);
    const t = await trace('tcp-checksum', 4, ['-T', '-p', '80']);
    expect(t.last).toMatchObject({ ttl: 2, sent: 3, received: 3, reachedDestination: true });
    // Each probe to the target drew a forged SYN-ACK, then a right RST: the first is corrupt,
    // the second the answer.
    expect(t.end).toMatchObject({ reached: true, corrupt: 4 });
    expect(t.peer.stdout).toContain(t.target);
  });
});
