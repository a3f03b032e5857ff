import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from './lab/index.js';
import { exec } from './lab/run.js';
import { netdiagArgv } from './support/cli.js';
import { createFaultLab, errLines, netdiagIn, oneLine, pointResolver, STACK } from './support/fault-lab.js';

// A namespace with loopback only and no route (a laptop offline): every command either does what
// can be done without a network (tables of what is there, numeric output) or says in one line why
// it cannot, with the README's exit code; never a stack trace.
describe.skipIf(process.getuid?.() !== 0)('every command in a namespace with no network (needs root)', () => {
  let lab: Lab;
  let removeNames = () => {};
  const target = () => lab.addr('target', 4);

  beforeAll(async () => {
    lab = await createFaultLab();
    // The resolver a laptop would keep while offline: a lab address it has no route to.
    removeNames = pointResolver(lab.ns('alone'), '192.0.2.6', { 'target.netdiag.test': '192.0.2.6' });
  });
  afterAll(async () => {
    removeNames();
    await lab?.destroy();
  });

  it('ping: one line and exit 2, as iputils ping says connect: Network is unreachable', async () => {
    const theirs = await lab.exec('alone', ['ping', '-c', '1', '-W', '1', target()]);
    expect(theirs.code).toBe(2);
    const r = await netdiagIn(lab, 'alone', ['ping', '-c', '2', '-i', '0.2', '-W', '1', target()]);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/network is unreachable/i);
    const named = await netdiagIn(lab, 'alone', ['ping', '-c', '1', 'nowhere.netdiag.test']);
    expect(named.code).toBe(2);
    expect(oneLine(named)).toMatch(/nowhere\.netdiag\.test/);
  });

  it('trace, with and without -n: one line and exit 2', async () => {
    for (const args of [
      ['trace', target()],
      ['trace', '-n', target()],
      ['trace', '-c', '2', '-i', '0.2', target()],
    ]) {
      const r = await netdiagIn(lab, 'alone', args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(oneLine(r)).toMatch(/unreachable/i);
    }
  });

  it('lookup and lookup -x: one line naming the server, exit 2', async () => {
    for (const args of [
      ['lookup', 'target.netdiag.test'],
      ['lookup', '-x', target()],
      ['lookup', '--short', 'a.netdiag.test'],
    ]) {
      const r = await netdiagIn(lab, 'alone', args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(oneLine(r)).toMatch(/192\.0\.2\.6/);
    }
  });

  it('netstat, if and arp show what is there: loopback, no routes, no neighbours', async () => {
    const routes = await netdiagIn(lab, 'alone', ['netstat', '-rn']);
    expect(routes.stderr).toBe('');
    expect(routes.code).toBe(0);
    const theirs = await lab.exec('alone', ['netstat', '-rn']);
    // netstat prints its two header lines and no route; so does netdiag's IPv4 table.
    expect(ipv4Table(routes.stdout)).toHaveLength(theirs.stdout.trim().split('\n').length);
    // Exit 1 where nothing is there to list (no socket, no neighbour), as the README says.
    const expected: [string[], number][] = [
      [['netstat', '-tan'], 1],
      [['netstat', '-s'], 0],
      [['if'], 0],
      [['arp'], 1],
      [['arp', '--json'], 1],
    ];
    for (const [args, code] of expected) {
      const r = await netdiagIn(lab, 'alone', args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
      expect(r.stderr).toBe('');
    }
    const ifs = await netdiagIn(lab, 'alone', ['if']);
    expect(ifs.stdout).toMatch(/\blo\b/);
    expect(ifs.stdout).not.toMatch(/\beth0\b/);
  });

  it('arp probe and scan: one line, exit 2 (no interface to ask on)', async () => {
    for (const args of [
      ['arp', 'probe', target()],
      ['arp', 'scan', '192.0.2.0/30', '-I', 'eth0'],
    ]) {
      const r = await netdiagIn(lab, 'alone', args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      oneLine(r);
    }
  });

  // The kernel leaves /proc/net/route empty, header included, in a namespace that never had an
  // IPv4 route (loopback down): netstat prints an empty table. `unshare -n` makes such a
  // namespace for this one process, gone when it ends; nothing in it can reach any network.
  it('netstat -r where /proc/net/route is empty: the empty table, as netstat prints', async () => {
    const file = await exec(['unshare', '-n', 'cat', '/proc/net/route']);
    expect(file.stdout).toBe('');
    const theirs = await exec(['unshare', '-n', 'netstat', '-rn']);
    const r = await exec(['unshare', '-n', ...netdiagArgv('netstat', '-rn')]);
    expect(r.stderr).toBe('');
    // No route of either family: the empty tables, and exit 1 (nothing listed), as documented.
    expect(r.code).toBe(1);
    expect(ipv4Table(r.stdout)).toHaveLength(theirs.stdout.trim().split('\n').length);
    expect(r.stdout).toMatch(/Destination\s+Gateway/);
    for (const [args, code] of [
      [['netstat', '-r'], 1],
      [['netstat', '-r', '--json'], 1],
      [['if'], 0],
      [['arp'], 1],
    ] as const) {
      const other = await exec(['unshare', '-n', ...netdiagArgv(...args)]);
      expect(other.code, `${args.join(' ')}\n${other.stderr}`).toBe(code);
      expect(other.stderr).not.toMatch(STACK);
      expect(errLines(other)).toEqual([]);
    }
  });
});

/** The lines of the IPv4 routing table (netdiag prints the IPv6 one after it). */
function ipv4Table(stdout: string): string[] {
  const lines = stdout.trim().split('\n');
  const v6 = lines.findIndex((l) => l.startsWith('Kernel IPv6'));
  return v6 < 0 ? lines : lines.slice(0, v6);
}
