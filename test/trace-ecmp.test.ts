import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { mtrHops, tracerouteHops } from './support/peer-hops.js';
import { tmuxAvailable, useTmuxScreens } from './support/tmux-screen.js';

const root = process.getuid?.() === 0;

interface Path {
  flow: number;
  reached: boolean;
  hops: { ttl: number; responders: { address: string }[] }[];
}
interface FlowFields {
  sourcePort: number;
  destinationPort: number;
}

/** A flow's path as addresses, hop by hop: '*' where it heard nothing, `a|b` where it met two. */
const addresses = (p: Path) =>
  p.hops.map(
    (h) =>
      h.responders
        .map((r) => r.address)
        .sort()
        .join('|') || '*',
  );

/** DOT as netdiag writes it, read back: node id by the address on its label, and the edges. */
function readDot(dot: string) {
  const nodes = new Map<string, string>();
  const edges = new Map<string, string>();
  for (const line of dot.split('\n')) {
    const e = /^ {2}(\w+) -> (\w+) \[(.*)\];$/.exec(line);
    if (e) edges.set(`${e[1]} -> ${e[2]}`, e[3]!);
    const n = /^ {2}(\w+) \[(?:shape=\w+, )?label="((?:[^"\\]|\\.)*)"/.exec(line);
    if (n && !e) for (const part of n[2]!.split('\\n')) nodes.set(part, n[1]!);
  }
  return { nodes, edges };
}

const methodFlag = { udp: '-U', tcp: '-T' } as const;

/*
 * Two equal-cost branches, r1 -> x -> r2 and r1 -> y -> r2. With fib_multipath_hash_policy=1 the
 * kernel hashes the 5-tuple: source and destination address, protocol, and the L4 ports. ICMP has
 * no ports in the kernel's flow dissector and its echo identifier is not hashed, so ICMP probes of
 * every flow take one branch, as every ping does; UDP and TCP flows, which differ in their source
 * port, spread over both. 16 flows all hashing to one branch: probability 2^-15.
 *
 * Hop 3 is r2's address on the link its time-exceeded leaves by: r2's route back to the client is
 * multipath too, so that address tells r2's choice for the reply, not the branch the probe came
 * by; hop 2 (x or y) is the forward branch.
 *
 * The peer tools, per flow with the flow's own ports: `traceroute -T --sport` and `mtr -u -L`
 * send from raw sockets, as netdiag does, so r1 hashes their headers. Tools on datagram sockets
 * do not compare (traceroute -U): the socket's random flow hash (sk_txhash) stays on the packet
 * across the veth into r1, and policy 1 takes it in place of the ports (the skb->l4_hash
 * shortcut), so their path follows the socket, not the ports; a real router sees only the header.
 * `mtr -6 -u -L` prints no hops (mtr 0.95), so IPv6 UDP is checked against the lab alone.
 */
describe.skipIf(!root)('trace --flows 16 --dot over two equal-cost branches (needs root)', () => {
  const hash = { 'net.ipv4.fib_multipath_hash_policy': 1, 'net.ipv6.fib_multipath_hash_policy': 1 };
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-ecmp-'));
    lab = await createLab({
      hosts: { r1: { router: true, sysctl: hash }, r2: { router: true, sysctl: hash } },
      chains: {
        top: { from: 'r1', to: 'r2', routers: ['x'] },
        bottom: { from: 'r1', to: 'r2', routers: ['y'] },
      },
      links: [{ hosts: ['client', 'r1'] }, { hosts: ['r2', 'target'] }],
    });
  });
  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `host`'s address on the link it shares with `peer`: the source of its time-exceeded that way. */
  const addrOn = (host: string, peer: string, family: 4 | 6) => {
    const i = lab.topology.hosts[host]!.interfaces.find((f) =>
      lab.topology.links[f.link]!.hosts.includes(peer),
    )!;
    return family === 4 ? i.v4 : i.v6;
  };
  /** What a flow meets: r1, then x or y (the branch), then r2 by either link, then the target. */
  const known = (family: 4 | 6) => ({
    r1: addrOn('r1', 'client', family),
    branch: [addrOn('x', 'r1', family), addrOn('y', 'r1', family)],
    r2: [addrOn('r2', 'x', family), addrOn('r2', 'y', family)],
    target: lab.addr('target', family),
  });
  /** The peer tool that sends a flow's probes, with its ports, from a raw socket, where one works. */
  const peer = (family: 4 | 6, method: 'udp' | 'tcp', f: FlowFields, target: string) => {
    const ports = [String(f.sourcePort), String(f.destinationPort)] as const;
    if (method === 'tcp') {
      const argv = ['traceroute', `-${family}`, '-n', '-T', `--sport=${ports[0]}`, '-p', ports[1]];
      return { argv: [...argv, '-q', '1', '-w', '1', target], hops: tracerouteHops };
    }
    if (family === 6) return undefined;
    const argv = ['mtr', '-4', '-n', '-u', '-L', ports[0], '-P', ports[1], '--report', '-c', '1'];
    return { argv: [...argv, '-i', '0.1', '-G', '0.5', target], hops: mtrHops };
  };

  const screens = useTmuxScreens();
  it.skipIf(!tmuxAvailable)(
    'the live table puts before each responder how many of the 16 flows met it: x and y share hop 2',
    async () => {
      const l = known(4);
      const argv = ['trace', '-n', '-U', '--flows', '16', '-c', '32', '-i', '0.05', l.target];
      const session = screens.start('ecmp', lab.ns('client'), argv);
      const screen = await screens.screenUntil(session, (s) => s.includes('EXITED:'), 'the trace ending');
      expect(screen).toContain('EXITED:0');
      const flowsAt = (ttl: number | '', address: string) => {
        const m = new RegExp(
          `^ *${ttl}${ttl === '' ? '' : '\\.'} \\[(\\d+)/16\\] ${address.replace(/\./g, '\\.')}\\s`,
          'm',
        ).exec(screen);
        return m ? Number(m[1]) : undefined;
      };
      expect(flowsAt(1, l.r1), screen).toBe(16);
      // Hop 2 fans out: its first responder on the hop's row, the other on the line below it.
      const [x, y] = l.branch.map((a) => flowsAt(2, a) ?? flowsAt('', a));
      expect(x! + y!, screen).toBe(16);
      expect(Math.min(x!, y!)).toBeGreaterThan(0);
      expect(flowsAt(4, l.target)).toBe(16);
    },
  );

  for (const family of [4, 6] as const) {
    for (const method of ['udp', 'tcp'] as const) {
      it(`IPv${family} ${method}: each flow takes x or y, the DOT draws both and renders, and a peer tool with each flow's ports goes the same way`, async () => {
        const target = lab.addr('target', family);
        const file = join(dir, `ecmp-${family}-${method}.dot`);
        const argv = [
          'trace',
          '-n',
          methodFlag[method],
          '-w',
          '1',
          '--flows',
          '16',
          '--json',
          `--dot=${file}`,
        ];
        const r = await lab.exec('client', netdiagArgv(...argv, target), { timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(0);
        const events = ndjson(r.stdout);
        const start = events.find((e) => e.type === 'start') as { flows: FlowFields[] };
        const end = events.find((e) => e.type === 'end') as { paths: Path[] };
        expect(start.flows).toHaveLength(16);
        expect(end.paths.map((p) => p.flow)).toEqual([...Array(16).keys()]);

        // Every flow went r1, x or y, r2, target; both branches were taken.
        const l = known(family);
        const taken = end.paths.map(addresses);
        for (const path of taken) {
          expect(path).toHaveLength(4);
          expect([path[0], path[3]]).toEqual([l.r1, l.target]);
          expect(l.branch).toContain(path[1]);
          expect(l.r2).toContain(path[2]);
        }
        expect(new Set(taken.map((p) => p[1])).size, taken.join('\n')).toBe(2);

        // The graph: exactly the links the flows took, r1 to each branch router among them, all
        // solid (every probe answered), each labelled with the number of flows that took it.
        const { nodes, edges } = readDot(readFileSync(file, 'utf8'));
        const id = (a: string) => {
          expect(nodes.has(a), `${a} in the graph`).toBe(true);
          return nodes.get(a)!;
        };
        const links = (p: string[]) =>
          ['source', ...p.map(id)].slice(1).map((to, i, a) => `${i ? a[i - 1] : 'source'} -> ${to}`);
        const flowsOn = new Map<string, number>();
        for (const p of taken) for (const e of links(p)) flowsOn.set(e, (flowsOn.get(e) ?? 0) + 1);
        for (const b of l.branch) expect(flowsOn.has(`${id(l.r1)} -> ${id(b)}`)).toBe(true);
        expect(new Set(edges.keys())).toEqual(new Set(flowsOn.keys()));
        for (const [e, n] of flowsOn) expect(edges.get(e)).toBe(`label="${n} flow${n === 1 ? '' : 's'}"`);
        const svg = await lab.exec('client', ['dot', '-Tsvg', file]);
        expect(svg.stderr).toBe('');
        expect(svg.code).toBe(0);
        expect(svg.stdout).toContain('</svg>');

        // The kernel's own choice for each flow: a peer tool sending the same ports goes the same way.
        for (const [i, f] of start.flows.entries()) {
          const tool = peer(family, method, f, target);
          if (!tool) break;
          const out = await lab.exec('client', tool.argv, { timeoutMs: 30_000 });
          expect(
            tool.hops(out.stdout),
            `flow ${i}: ${tool.argv.join(' ')}\n${out.stdout}${out.stderr}`,
          ).toEqual(taken[i]);
        }
      });
    }

    it(`IPv${family} icmp: the kernel hashes no ICMP field, so 16 ICMP flows find one branch, the one traceroute -I takes`, async () => {
      const target = lab.addr('target', family);
      const r = await lab.exec(
        'client',
        netdiagArgv('trace', '-n', '-I', '-w', '1', '--flows', '16', '--json', target),
        {
          timeoutMs: 60_000,
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const end = ndjson(r.stdout).find((e) => e.type === 'end') as { paths: Path[] };
      expect(end.paths).toHaveLength(16);
      const taken = new Set(end.paths.map((p) => addresses(p).join(' ')));
      expect(taken.size).toBe(1);
      const [path] = [...taken];
      const l = known(family);
      expect(path).toMatch(new RegExp(`^${l.r1} (${l.branch.join('|')}) (${l.r2.join('|')}) ${l.target}$`));
      const tr = await lab.exec('client', ['traceroute', `-${family}`, '-n', '-I', '-w', '1', target]);
      expect(tracerouteHops(tr.stdout).join(' ')).toBe(path);
    });
  }
});
