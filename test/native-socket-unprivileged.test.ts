import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { AS_NOBODY } from './support/cli.js';

// netdiag ping as an unprivileged user (uid 65534, no capabilities, none obtainable through file
// capabilities either) inside the lab's client namespace, beside iputils ping run the same way.
// Where net.ipv4.ping_group_range admits the user both use ICMP datagram sockets; where it does
// not, netdiag says so in one line naming both fixes.

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}apps/netdiag/bin/netdiag.js`;
const unprivileged = AS_NOBODY;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', LANG: 'C' };

/** TTL / hop limit of each reply line ("ttl=61"; iputils and netdiag print IPv6 hop limits so too), in order. */
function replyTtls(stdout: string): number[] {
  return [...stdout.matchAll(/icmp_seq=\d+ (?:ttl|hlim)=(\d+)/g)].map((m) => Number(m[1]));
}

describe.skipIf(process.getuid?.() !== 0)('netdiag ping without privilege', () => {
  const lab = useLab();
  let savedRange = '';
  // /usr/bin/ping carries cap_net_raw=ep, which an exec without that capability in the bounding
  // set refuses outright; a copy has no file capabilities, so it runs as any user would run it.
  let plainPingDir = '';
  let plainPing = '';
  const setRange = (range: string) =>
    lab.exec('client', ['sysctl', '-q', '-w', `net.ipv4.ping_group_range=${range}`]);

  beforeAll(async () => {
    plainPingDir = mkdtempSync(join(tmpdir(), 'nd-ping-'));
    chmodSync(plainPingDir, 0o755);
    plainPing = join(plainPingDir, 'ping');
    copyFileSync('/usr/bin/ping', plainPing);
    savedRange = (await lab.exec('client', ['sysctl', '-n', 'net.ipv4.ping_group_range'])).stdout
      .trim()
      .replace(/\s+/g, ' ');
  });
  afterAll(async () => {
    if (savedRange) await setRange(savedRange);
    if (plainPingDir) rmSync(plainPingDir, { recursive: true, force: true });
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: every reply arrives, with iputils' ${family === 4 ? 'TTL' : 'hop limit'}`, async () => {
      await setRange('0 2147483647');
      // t3 sits behind routers: its replies arrive with a TTL below 64, which only a real reading shows.
      const target = lab.addr('t3', family);
      const count = 4;
      const ours = await lab.exec(
        'client',
        [...unprivileged, process.execPath, cli, 'ping', '-c', `${count}`, '-i', '0.2', target],
        { env },
      );
      const theirs = await lab.exec(
        'client',
        [...unprivileged, plainPing, '-n', '-c', `${count}`, '-i', '0.2', target],
        { env },
      );
      expect(theirs.code, theirs.stderr).toBe(0);
      expect(ours.code, ours.stderr).toBe(0);
      const expected = replyTtls(theirs.stdout);
      expect(expected).toHaveLength(count);
      expect(expected[0]).toBeLessThan(64);
      expect(replyTtls(ours.stdout)).toEqual(expected);
      expect(ours.stdout).toContain(`${count} packets transmitted, ${count} received`);
    });
  }

  it('where the group range refuses the user: one line naming both fixes, exit 2', async () => {
    await setRange('1 0');
    const target = lab.addr('t3', 4);
    const ours = await lab.exec(
      'client',
      [...unprivileged, process.execPath, cli, 'ping', '-c', '1', target],
      { env },
    );
    // iputils, run the same way, cannot ping either: the refusal is the kernel's, not ours.
    const theirs = await lab.exec('client', [...unprivileged, plainPing, '-n', '-c', '1', target], { env });
    expect(theirs.code).not.toBe(0);
    expect(ours.code).toBe(2);
    const lines = ours.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/install netdiag's privileged helper/);
    expect(lines[0]).toMatch(/net\.ipv4\.ping_group_range="65534 65534"/);
  });
});
