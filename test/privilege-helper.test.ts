import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, helperDescriptor } from '@netdiag/native-socket';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { mutated } from './support/arbitraries.js';
import { ndjson, netdiagArgv, repoRoot } from './support/cli.js';

// The privileged helper (issue 16), as mtr-packet is for mtr: installed by scripts/install-helper.sh
// into a prefix of this test's own, with a group of this test's own (both removed in afterAll).
// A user in the group pings and traces over raw sockets with no capability anywhere but the
// helper's file; a user outside it cannot use the helper; the helper opens only the sockets
// netdiag uses and survives whatever bytes it is sent.

const NOBODY = 65534;
const MAGIC = 0x4e444831;

describe.skipIf(process.getuid?.() !== 0)('the privileged helper', () => {
  let lab: Lab;
  let prefix: string;
  let helper: string;
  let group: string;
  let gid: number;

  beforeAll(async () => {
    group = `ndtest${process.pid % 100_000}`;
    prefix = mkdtempSync(join(tmpdir(), 'netdiag-helper-'));
    chmodSync(prefix, 0o755); // nobody must reach the helper inside it
    execFileSync('sh', [`${repoRoot}scripts/install-helper.sh`, '--prefix', prefix, '--group', group]);
    helper = join(prefix, 'libexec/netdiag/netdiag-helper');
    gid = Number(execFileSync('getent', ['group', group]).toString().split(':')[2]);
    // The namespace default ping_group_range ("1 0") admits nobody to ICMP datagram sockets:
    // every raw or ICMP socket below comes from the helper or not at all.
    lab = await createLab({ chains: { path: { from: 'client', to: 'target', routers: 3 } } });
  });
  afterAll(async () => {
    await lab?.destroy();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    if (group) spawnSync('groupdel', [group]);
  });

  /** argv run as nobody (no capability inherited, none bounded away), in the group or not. */
  const asNobody = (inGroup: boolean, argv: string[], helperPath = helper) => [
    'setpriv',
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    inGroup ? `--groups=${gid}` : '--clear-groups',
    '--inh-caps=-all',
    'env',
    `NETDIAG_HELPER=${helperPath}`,
    'NETDIAG_NO_COMPILE_CACHE=1',
    ...argv,
  ];

  it('is installed root:GROUP 0750 with cap_net_raw alone, and node has no capability', () => {
    const mode = execFileSync('stat', ['-c', '%U:%G %a', helper]).toString().trim();
    expect(mode).toBe(`root:${group} 750`);
    expect(execFileSync('getcap', [helper]).toString()).toMatch(/cap_net_raw[=+]ep/);
    expect(
      execFileSync('getcap', [realpathSync(process.execPath)])
        .toString()
        .trim(),
    ).toBe('');
  });

  it('lets a member ping over raw sockets, IPv4 and IPv6, as iputils ping does as root', async () => {
    for (const family of [4, 6] as const) {
      const target = lab.addr('target', family);
      const r = await lab.exec(
        'client',
        asNobody(true, netdiagArgv('ping', '-c', '3', '-i', '0.2', '--json', target)),
      );
      expect(r.code, r.stderr).toBe(0);
      const events = ndjson(r.stdout);
      expect(events[0]).toMatchObject({ type: 'start', backend: 'native-helper' });
      expect(events.filter((e) => e.type === 'reply')).toHaveLength(3);
      const theirs = await lab.exec('client', ['ping', `-${family}`, '-c', '3', '-i', '0.2', target]);
      expect(theirs.stdout).toMatch(/3 received/);
    }
  });

  it('lets a member trace with ICMP, UDP and TCP SYN probes over raw sockets, on the path traceroute -T sees as root', async () => {
    const hops = lab.topology.chains.path!.hops;
    for (const family of [4, 6] as const) {
      const target = lab.addr('target', family);
      for (const method of ['-I', '-U', '-T']) {
        const r = await lab.exec(
          'client',
          asNobody(true, netdiagArgv('trace', method, '-n', '--json', target)),
        );
        expect(r.code, r.stderr).toBe(0);
        const events = ndjson(r.stdout);
        expect(events[0]).toMatchObject({ type: 'start', backend: 'native-helper' });
        const end = events.find((e) => e.type === 'end') as { hops: { responders: { address: string }[] }[] };
        expect(end.hops.map((h) => h.responders[0]?.address)).toEqual([...hops[family], target]);
      }
      const theirs = await lab.exec('client', ['traceroute', `-${family}`, '-T', '-n', target]);
      const theirHops = theirs.stdout
        .split('\n')
        .filter((l) => /^\s*\d+\s/.test(l))
        .map((l) => /^\s*\d+\s+([0-9a-f:.]+)/i.exec(l)?.[1]);
      expect(theirHops).toEqual([...hops[family], target]);
    }
  });

  it('lets a member see MPLS labels (RFC 4950) at a hop, as traceroute -e does as root, with every probe method, IPv4 and IPv6', async () => {
    const lsr = lab.topology.chains.path!.routers[1]!; // r2: its expiring datagrams get labels
    const nft = await lab.exec(lsr, ['nft', '-f', '-'], {
      input:
        'table inet mpls_test { chain pre { type filter hook prerouting priority -300; ip ttl 1 drop; ip6 hoplimit 1 drop; }; }\n',
    });
    expect(nft.code, nft.stderr).toBe(0);
    const labels = '<MPLS:L=16001,E=0,S=0,T=1/L=24,E=5,S=1,T=254>';
    const lineOf = (out: string) => out.split('\n').find((l) => /^\s*2\s/.test(l)) ?? '';
    try {
      for (const family of [4, 6] as const) {
        const responder = lab.spawn(lsr, [
          '/usr/bin/python3',
          `${repoRoot}test/support/mpls-responder.py`,
          String(family),
          'eth0',
          '16001,0,0,1',
          '24,5,1,254',
        ]);
        try {
          await new Promise<void>((resolve, reject) => {
            responder.stdout!.once('data', () => resolve());
            responder.once('exit', (code) => reject(new Error(`mpls responder exited ${code}`)));
          });
          const target = lab.addr('target', family);
          const lsrAddress = lab.topology.chains.path!.hops[family][1]!;
          const theirs = await lab.exec('client', ['traceroute', `-${family}`, '-e', '-n', '-I', target]);
          expect(lineOf(theirs.stdout)).toContain(`${lsrAddress} ${labels}`);
          for (const method of ['-I', '-U', '-T']) {
            const ours = await lab.exec('client', asNobody(true, netdiagArgv('trace', method, '-n', target)));
            expect(ours.code, ours.stderr).toBe(0);
            expect({ family, method, line: lineOf(ours.stdout) }).toMatchObject({
              line: expect.stringContaining(`${lsrAddress} ${labels}`),
            });
          }
        } finally {
          responder.kill();
        }
      }
    } finally {
      await lab.exec(lsr, ['nft', 'delete', 'table', 'inet', 'mpls_test']);
    }
  });

  it('netdiag --privileges says which way is in use, and why', async () => {
    const privileges = async (argv: string[]) =>
      JSON.parse((await lab.exec('client', argv)).stdout) as { path: string; lines: string[] };
    const asRoot = await privileges([
      'env',
      `NETDIAG_HELPER=${helper}`,
      ...netdiagArgv('--privileges', '--json'),
    ]);
    expect(asRoot.path).toBe('root');
    const member = await privileges(asNobody(true, netdiagArgv('--privileges', '--json')));
    expect(member.path).toBe('helper');
    expect(member.lines.join('\n')).toContain(`helper: ${helper}: installed, and you are in its group`);
    const outsider = await privileges(asNobody(false, netdiagArgv('--privileges', '--json')));
    expect(outsider.path).toBe('unprivileged');
    expect(outsider.lines.join('\n')).toMatch(/only members of its group \(gid \d+\) may run it/);
    expect(outsider.lines.join('\n')).toMatch(/ping_group_range does not admit your group/);
  });

  it('serves no one outside its group: not run (mode 0750), and refusing by itself when it could be run', async () => {
    const target = lab.addr('target', 4);
    const denied = await lab.exec('client', asNobody(false, netdiagArgv('trace', '-T', '-n', target)));
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/^netdiag: trace: TCP probes need a raw socket: .*privileged helper/);
    // setpriv keeps root's capabilities up to its exec (CAP_DAC_OVERRIDE would run the helper):
    // a shell in between runs as nobody with none, as any user's program would.
    const run = spawnSync(
      'setpriv',
      [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'sh', '-c', 'exec "$0"', helper],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Permission denied/);
    // Installed carelessly, world-executable with its capability: it checks the group itself.
    const careless = join(prefix, 'careless-helper');
    copyFileSync(helper, careless);
    execFileSync('chown', [`root:${group}`, careless]);
    chmodSync(careless, 0o755);
    execFileSync('setcap', ['cap_net_raw+ep', careless]);
    const outsider = await lab.exec(
      'client',
      asNobody(
        false,
        netdiagArgv('arp', 'probe', '-I', 'eth0', '-c', '1', lab.topology.chains.path!.hops[4][0]!),
        careless,
      ),
    );
    expect(outsider.code).toBe(2);
    expect(outsider.stderr).toMatch(/serves only members of its group/);
    const member = await lab.exec(
      'client',
      asNobody(
        true,
        netdiagArgv('arp', 'probe', '-I', 'eth0', '-c', '1', lab.topology.chains.path!.hops[4][0]!),
        careless,
      ),
    );
    expect(member.code, member.stderr).toBe(0);
  });

  it('opens only the sockets netdiag uses, and refuses every other kind', () => {
    const c = constants();
    const htons = (n: number) => ((n & 0xff) << 8) | (n >> 8);
    const allowed: [number, number, number][] = [
      [c.AF_INET!, c.SOCK_RAW!, c.IPPROTO_ICMP!],
      [c.AF_INET!, c.SOCK_RAW!, c.IPPROTO_UDP!],
      [c.AF_INET!, c.SOCK_RAW!, c.IPPROTO_TCP!],
      [c.AF_INET6!, c.SOCK_RAW!, c.IPPROTO_ICMPV6!],
      [c.AF_INET6!, c.SOCK_RAW!, c.IPPROTO_UDP!],
      [c.AF_INET6!, c.SOCK_RAW!, c.IPPROTO_TCP!],
      [c.AF_PACKET!, c.SOCK_RAW!, htons(c.ETH_P_ARP!)],
      [c.AF_PACKET!, c.SOCK_RAW!, htons(c.ETH_P_ALL!)],
    ];
    for (const [d, t, p] of allowed) closeSync(helperDescriptor(helper, d, t, p));
    const refused: [number, number, number][] = [
      [c.AF_INET!, c.SOCK_RAW!, 255], // IPPROTO_RAW: any header, any source
      [c.AF_INET6!, c.SOCK_RAW!, 255],
      [c.AF_INET!, c.SOCK_RAW!, 0],
      [c.AF_INET!, c.SOCK_RAW!, 2], // IGMP
      [c.AF_INET!, c.SOCK_RAW!, 47], // GRE
      [c.AF_INET!, c.SOCK_DGRAM!, c.IPPROTO_ICMP!], // netdiag opens these itself, unprivileged
      [c.AF_INET!, c.SOCK_DGRAM!, c.IPPROTO_UDP!],
      [c.AF_INET!, 1 /* SOCK_STREAM */, c.IPPROTO_TCP!],
      [c.AF_INET!, c.SOCK_RAW! | 0o4000 /* SOCK_NONBLOCK */, c.IPPROTO_ICMP!],
      [c.AF_PACKET!, c.SOCK_DGRAM!, htons(c.ETH_P_ARP!)],
      [c.AF_PACKET!, c.SOCK_RAW!, htons(c.ETH_P_IP!)],
      [c.AF_PACKET!, c.SOCK_RAW!, c.ETH_P_ARP!], // host order: not what netdiag asks for
      [c.AF_NETLINK!, c.SOCK_RAW!, c.NETLINK_ROUTE!],
      [1 /* AF_UNIX */, c.SOCK_DGRAM!, 0],
      [c.AF_PACKET!, c.SOCK_RAW!, 0], // no EtherType: a socket to bind to any protocol later
      [-1, -1, -1],
    ];
    for (const [d, t, p] of refused) {
      let code: unknown;
      try {
        closeSync(helperDescriptor(helper, d, t, p));
      } catch (err) {
        code = (err as { code?: unknown }).code;
      }
      expect({ d, t, p, code }).toEqual({ d, t, p, code: 'EPERM' });
    }
  });

  it('survives random and mutated requests, answering each, and still serves a good one after them', () => {
    const request = (d: number, t: number, p: number) => {
      const b = Buffer.alloc(16);
      b.writeUInt32LE(MAGIC, 0);
      b.writeInt32LE(d, 4);
      b.writeInt32LE(t, 8);
      b.writeInt32LE(p, 12);
      return new Uint8Array(b);
    };
    const valid = fc.constantFrom(request(2, 3, 1), request(10, 3, 58), request(17, 3, 0x0608));
    const records = [
      ...fc.sample(fc.uint8Array({ maxLength: 64 }), { numRuns: 400, seed: 16 }),
      ...fc.sample(mutated(valid), { numRuns: 400, seed: 17 }),
      new Uint8Array(0),
      new Uint8Array(4096),
    ];
    const run = spawnSync('/usr/bin/python3', [`${repoRoot}test/support/helper-fuzz.py`, helper], {
      input: `${records.map((r) => Buffer.from(r).toString('hex')).join('\n')}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as {
      records: number;
      statuses: Record<string, number>;
      bad: string[];
      fds_with_error: number;
      opened: string[];
      final: { status: number; fds: number };
      alive_before_close: boolean;
      exit: number;
    };
    expect(seen.records).toBe(records.length);
    expect(seen.bad).toEqual([]);
    expect(seen.fds_with_error).toBe(0);
    // Whatever it opened was a request for a kind it serves, byte for byte.
    const allowedHex = new Set(
      [
        [2, 3, 1],
        [2, 3, 17],
        [2, 3, 6],
        [10, 3, 58],
        [10, 3, 17],
        [10, 3, 6],
        [17, 3, 0x0608],
        [17, 3, 0x0300],
      ].map(([d, t, p]) => Buffer.from(request(d!, t!, p!)).toString('hex')),
    );
    for (const hex of seen.opened) expect(allowedHex.has(hex)).toBe(true);
    expect(Object.keys(seen.statuses).sort()).toEqual(
      expect.arrayContaining([String(22) /* EINVAL */, String(1) /* EPERM */]),
    );
    expect(seen.final).toMatchObject({ status: 0, fds: 1 });
    expect(seen.alive_before_close).toBe(true);
    expect(seen.exit).toBe(0);
  });
});
