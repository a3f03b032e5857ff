import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { coarseState, type NeighbourTable, type ProbeSummary, type ScanSummary } from '@netdiag/arp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';

// @netdiag/arp's probe and scan drivers over a real packet socket, in a lab subnet of four hosts,
// beside arping in the same test. The socket comes from @netdiag/native-socket through the small
// FrameChannel adapter below, run inside the scanner's namespace (a socket belongs to the
// namespace of the process that opens it). That adapter is what @netdiag/probe-socket is to offer
// `netdiag arp probe|scan`; until it does, the CLI says so (test/arp-lab.test.ts).

const root = fileURLToPath(new URL('..', import.meta.url));
const arpSource = `${root}packages/arp/src/index.ts`;
const nativeSocket = `${root}packages/native-socket/dist/index.js`;
const commandSource = `${root}apps/netdiag/src/commands/arp.ts`;

/** Runs in the namespace: opens an AF_PACKET socket for ARP on IFACE and runs a probe or a scan. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const [arpSource, nativeSocket, commandSource, request] = process.argv.slice(1);
const arp = await import(arpSource);
const { open } = await import(nativeSocket);
const ETH_P_ARP = 0x0806;
// The socket stamps in hrtime nanoseconds; a FrameChannel speaks performance.now() milliseconds.
const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
const ms = (ns) => Number(ns) / 1e6 - offset;
async function openArpChannel(iface) {
  const ifindex = Number(readFileSync('/sys/class/net/' + iface + '/ifindex', 'utf8'));
  const mac = readFileSync('/sys/class/net/' + iface + '/address', 'utf8').trim();
  const socket = open({ domain: 'packet', type: 'raw', protocol: ETH_P_ARP });
  socket.bind({ family: 'packet', protocol: ETH_P_ARP, ifindex });
  return {
    mac,
    send: async (frame) => ms(await socket.send(frame, { family: 'packet', protocol: ETH_P_ARP, ifindex })),
    // PACKET_OUTGOING (4): our own requests, looped back to the socket.
    onFrame: (l) => socket.onMessage((m) => { if (m.from?.packetType !== 4) l(m.data, ms(m.receivedAt)); }),
    close: () => socket.close(),
  };
}
const { mode, iface, cli, ...config } = JSON.parse(request);
if (cli) {
  // The command itself (netdiag arp probe|scan), given this channel opener.
  const command = await import(commandSource);
  const { readInterfaces } = await import('@netdiag/interface-stats');
  const o = command.parseArpArgs(cli);
  const all = await readInterfaces({ counters: false });
  const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal: new AbortController().signal };
  const run = o.mode === 'probe' ? command.probeCommand : command.scanCommand;
  process.exitCode = await run(o, io, openArpChannel, all);
} else {
  const channel = await openArpChannel(iface);
  const clock = arp.systemClock;
  const started = clock.now();
  const summary = mode === 'scan' ? await arp.runScan(config, channel, { clock }) : await arp.runProbe({ mode, ...config }, channel, { clock });
  channel.close();
  console.log(JSON.stringify({ summary, elapsedMs: clock.now() - started }));
}
`;

// Without the addon (a machine without a C++ toolchain) there is no packet socket to test with;
// native-socket's own tests say why.
const { nativeAvailability } = await import('@netdiag/native-socket');

describe.skipIf(process.getuid?.() !== 0 || !nativeAvailability().available)(
  'ARP probe and scan over a packet socket in the lab',
  () => {
    let lab: Lab;
    const neighbours = ['n1', 'n2', 'n3'];
    let unused: string;
    let subnet: string;
    const macOf = (host: string) =>
      (
        JSON.parse(execFileSync('ip', ['-n', lab.ns(host), '-j', 'link', 'show', 'eth0']).toString()) as {
          address: string;
        }[]
      )[0]!.address;
    const runner = (request: Record<string, unknown>) =>
      spawnSync(
        'ip',
        [
          'netns',
          'exec',
          lab.ns('scanner'),
          process.execPath,
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          RUNNER,
          arpSource,
          nativeSocket,
          commandSource,
          JSON.stringify(request),
        ],
        { encoding: 'utf8', cwd: root, timeout: 60_000 },
      );
    function inScanner<T>(request: Record<string, unknown>): { summary: T; elapsedMs: number } {
      const r = runner({ iface: 'eth0', ...request });
      if (r.status !== 0) throw new Error(`runner failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as { summary: T; elapsedMs: number };
    }

    beforeAll(async () => {
      lab = await createLab({ links: [{ hosts: ['scanner', ...neighbours] }] });
      subnet = lab.topology.links[0]!.v4;
      const taken = new Set(Object.values(lab.topology.hosts).map((h) => h.v4));
      const [net, len] = subnet.split('/') as [string, string];
      const b = net.split('.').map(Number);
      const last = b[3]! + 2 ** (32 - Number(len)) - 2;
      unused = [...Array(last - b[3]!)]
        .map((_, k) => `${b[0]}.${b[1]}.${b[2]}.${last - k}`)
        .find((a) => !taken.has(a))!;
      // A new bridge may drop the first frames while its ports come up: wait until each neighbour
      // answers an ordinary ping before timing anything.
      for (const n of neighbours) {
        for (let attempt = 0; attempt < 10; attempt++) {
          if ((await lab.exec('scanner', ['ping', '-c', '1', '-W', '1', lab.addr(n, 4)])).code === 0) break;
        }
      }
    });

    afterAll(async () => {
      await lab?.destroy();
    });

    it('a probe of a neighbour returns the MAC ip link shows for it, as arping does', () => {
      const target = lab.addr('n1', 4);
      const mac = macOf('n1');
      const { summary } = inScanner<ProbeSummary>({
        mode: 'probe',
        targetIp: target,
        senderIp: lab.addr('scanner', 4),
        count: 3,
        intervalMs: 200,
        timeoutMs: 1000,
      });
      expect(summary).toMatchObject({ transmitted: 3, received: 3, macs: [mac], conflict: false });
      expect(summary.rttMs!.min).toBeGreaterThan(0);
      const arping = spawnSync(
        'ip',
        ['netns', 'exec', lab.ns('scanner'), 'arping', '-c', '1', '-i', 'eth0', target],
        { encoding: 'utf8' },
      );
      expect(arping.status).toBe(0);
      expect(arping.stdout.toLowerCase()).toContain(`from ${mac}`);
    });

    it('a probe of an unused address has no answer within its timeout, as arping', () => {
      const { summary, elapsedMs } = inScanner<ProbeSummary>({
        mode: 'probe',
        targetIp: unused,
        senderIp: lab.addr('scanner', 4),
        count: 2,
        intervalMs: 200,
        timeoutMs: 600,
      });
      expect(summary).toMatchObject({ transmitted: 2, received: 0, macs: [], rttMs: null });
      // Last request at ~200 ms, then the 600 ms wait.
      expect(elapsedMs).toBeGreaterThanOrEqual(790);
      const arping = spawnSync(
        'ip',
        ['netns', 'exec', lab.ns('scanner'), 'arping', '-c', '1', '-w', '1', '-i', 'eth0', unused],
        { encoding: 'utf8' },
      );
      expect(arping.status).toBe(1);
      expect(arping.stdout).toMatch(/1 packets transmitted, 0 packets received/);
    });

    it('duplicate address detection: a taken address conflicts, a free one does not', () => {
      const taken = inScanner<ProbeSummary>({
        mode: 'dad',
        targetIp: lab.addr('n2', 4),
        senderIp: '0.0.0.0',
        count: 2,
        intervalMs: 200,
        timeoutMs: 500,
      });
      expect(taken.summary).toMatchObject({ conflict: true, macs: [macOf('n2')] });
      const free = inScanner<ProbeSummary>({
        mode: 'dad',
        targetIp: unused,
        senderIp: '0.0.0.0',
        count: 2,
        intervalMs: 200,
        timeoutMs: 500,
      });
      expect(free.summary).toMatchObject({ conflict: false, received: 0 });
    });

    it('a scan of the lab subnet finds exactly the lab hosts on it, with their MACs', async () => {
      const { planScan } = await import('@netdiag/arp');
      const scanner = lab.topology.hosts.scanner!;
      const plan = planScan(subnet, {
        name: 'eth0',
        ipv4: [{ address: scanner.v4, prefixLength: Number(subnet.split('/')[1]) }],
      });
      if (!plan.ok) throw new Error(plan.error.message);
      const { summary } = inScanner<ScanSummary>({
        mode: 'scan',
        targets: [...plan.plan.targets()],
        senderIp: scanner.v4,
        timeoutMs: 300,
      });
      const found = summary.hosts
        .map((h) => ({ ip: h.ip, mac: h.mac }))
        .sort((x, y) => x.ip.localeCompare(y.ip));
      const expected = neighbours
        .map((n) => ({ ip: lab.addr(n, 4), mac: macOf(n) }))
        .sort((x, y) => x.ip.localeCompare(y.ip));
      expect(found).toEqual(expected);
      expect(summary.targets).toBe(plan.plan.count);
      expect(summary.hosts.every((h) => h.otherMacs.length === 0)).toBe(true);
    });

    it('the arp probe command prints each reply with the MAC ip link shows; silence exits 1', () => {
      const target = lab.addr('n3', 4);
      const r = runner({ cli: ['probe', target, '-c', '2', '--interval', '0.2'] });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe(`ARPING ${target} from ${lab.addr('scanner', 4)} eth0`);
      expect(lines.filter((l) => l.startsWith(`reply from ${target} [${macOf('n3')}]`))).toHaveLength(2);
      expect(r.stdout).toContain('2 requests transmitted, 2 replies received, 0% unanswered');
      const silent = runner({ cli: ['probe', unused, '-c', '1', '--timeout', '0.3'] });
      expect(silent.status).toBe(1);
      expect(silent.stdout).toContain('1 requests transmitted, 0 replies received, 100% unanswered');
    });

    it('the arp scan command lists exactly the lab hosts, with vendor labels', () => {
      const r = runner({ cli: ['scan', subnet, '-I', 'eth0', '--json', '--timeout', '0.3'] });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { hosts: { ip: string; mac: string; vendor: string }[] };
      expect(out.hosts.map((h) => [h.ip, h.mac]).sort()).toEqual(
        neighbours.map((n) => [lab.addr(n, 4), macOf(n)]).sort(),
      );
      // veth addresses are made up locally (the U/L bit is set): no IEEE vendor.
      expect(out.hosts.every((h) => h.vendor === '(locally administered)')).toBe(true);
    });

    it('after the probes, netdiag arp equals ip -j neigh in the scanner', () => {
      // The kernel resolves the neighbours itself once it talks to them.
      for (const n of neighbours)
        spawnSync('ip', ['netns', 'exec', lab.ns('scanner'), 'ping', '-c', '1', '-W', '2', lab.addr(n, 4)]);
      const r = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          lab.ns('scanner'),
          process.execPath,
          `${root}apps/netdiag/bin/netdiag.js`,
          'arp',
          '--json',
        ],
        { encoding: 'utf8' },
      );
      const ours = (JSON.parse(r.stdout) as NeighbourTable).neighbours
        .map((n) => ({ dst: n.address, dev: n.interface, lladdr: n.mac ?? null, state: n.state }))
        .sort((x, y) => x.dst.localeCompare(y.dst));
      const ip = (
        JSON.parse(execFileSync('ip', ['-n', lab.ns('scanner'), '-4', '-j', 'neigh']).toString()) as {
          dst: string;
          dev: string;
          lladdr?: string;
          state: string[];
        }[]
      )
        .map((n) => ({
          dst: n.dst,
          dev: n.dev,
          lladdr: n.lladdr ?? null,
          state: coarseState(n.state[0]!.toLowerCase() as 'stale'),
        }))
        .sort((x, y) => x.dst.localeCompare(y.dst));
      expect(ours).toEqual(ip);
      expect(
        ours
          .filter((n) => n.state === 'resolved')
          .map((n) => n.dst)
          .sort(),
      ).toEqual(neighbours.map((n) => lab.addr(n, 4)).sort());
    });
  },
);
