import type { PingEvent } from '@netdiag/icmp';
import { openProbeSocket } from '@netdiag/probe-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';

// The probers see one interface whatever the backend: the pinger over the native backend's
// ICMP datagram sockets (one per target, the kernel's identifier each) gets every reply of
// several targets at once, and ICMP errors read from the error queue as iputils reports them.

describe.skipIf(process.getuid?.() !== 0)('probe-socket native backends in the lab', () => {
  const lab = useLab();
  let savedRange = '';
  beforeAll(async () => {
    savedRange = (await lab.exec('client', ['sysctl', '-n', 'net.ipv4.ping_group_range'])).stdout
      .trim()
      .replace(/\s+/g, ' ');
  });
  afterAll(async () => {
    if (savedRange)
      await lab.exec('client', ['sysctl', '-q', '-w', `net.ipv4.ping_group_range=${savedRange}`]);
  });

  it('picks the native raw socket when privileged, raw-socket when asked', () => {
    const native = openProbeSocket({ family: 4, protocol: 'icmp' });
    const legacy = openProbeSocket({ family: 4, protocol: 'icmp' }, { backend: 'raw-socket' });
    try {
      expect(native.backend).toBe('native-raw');
      expect(native.canUnref).toBe(true);
      expect(legacy.backend).toBe('raw-socket');
    } finally {
      native.close();
      legacy.close();
    }
  });

  it('an unreferenced probe socket, left open, lets the process exit', async () => {
    const script = `
      import { openProbeSocket } from '@netdiag/probe-socket';
      const socket = openProbeSocket({ family: 4, protocol: 'icmp' });
      socket.onPacket(() => {});
      socket.unref();
      console.log(socket.backend, socket.canUnref);`;
    const r = await lab.exec('client', [process.execPath, '--input-type=module', '-e', script], {
      timeoutMs: 20_000,
    });
    // Killed by the timeout (code null) if the open socket held the event loop.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('native-raw true');
  });

  it('several targets over ICMP datagram sockets: each its own identifier, every reply counted', async () => {
    await lab.exec('client', ['sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
    const script = `
      import { ping } from '@netdiag/icmp';
      import { openProbeSocket } from '@netdiag/probe-socket';
      const run = ping(process.argv.slice(1), { count: 3, intervalMs: 50, openSocket: (spec) => openProbeSocket(spec, { backend: 'native-dgram' }) });
      const events = [];
      for await (const e of run) events.push(e);
      console.log(JSON.stringify(events));`;
    const targets = [lab.addr('t3', 4), lab.addr('t3', 6), lab.addr('far', 4), lab.addr('far', 6)];
    const r = await lab.exec('client', [process.execPath, '--input-type=module', '-e', script, ...targets]);
    expect(r.code, r.stderr).toBe(0);
    const events = JSON.parse(r.stdout) as PingEvent[];
    const start = events.find((e) => e.type === 'start') as Extract<PingEvent, { type: 'start' }>;
    expect(start.backend).toBe('native-dgram');
    expect(new Set(start.targets.map((t) => t.identifier)).size).toBe(targets.length);
    const end = events.find((e) => e.type === 'end') as Extract<PingEvent, { type: 'end' }>;
    expect(end.summaries.map((s) => s.received)).toEqual([3, 3, 3, 3]);
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: an ICMP error read from the error queue is reported as iputils reports it`, async () => {
      await lab.exec('client', ['sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
      const target = lab.addr('reject', family);
      const iputils = await lab.exec('client', ['ping', '-n', '-c', '1', '-W', '1', target]);
      // "From 198.51.100.9 icmp_seq=1 Packet filtered" (IPv6: "Administratively prohibited").
      const m = /From (\S+?):? icmp_seq=1 (.+)/.exec(iputils.stdout);
      expect(m, iputils.stdout).not.toBeNull();
      const script = `
        import { ping } from '@netdiag/icmp';
        import { openProbeSocket } from '@netdiag/probe-socket';
        const run = ping(process.argv[1], { count: 1, timeoutMs: 1000, openSocket: (spec) => openProbeSocket(spec, { backend: 'native-dgram' }) });
        for await (const e of run) if (e.type === 'icmp-error') console.log(JSON.stringify(e));`;
      const r = await lab.exec('client', [process.execPath, '--input-type=module', '-e', script, target]);
      expect(r.code, r.stderr).toBe(0);
      const event = JSON.parse(r.stdout) as Extract<PingEvent, { type: 'icmp-error' }>;
      expect(event.from).toBe(m![1]);
      // Communication administratively prohibited: ICMP 3/13, ICMPv6 1/1.
      expect([event.kind, event.code]).toEqual(
        family === 4 ? ['destination-unreachable', 13] : ['destination-unreachable', 1],
      );
    });
  }
});
