import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KnotServer, standardZones, startKnot } from './dns/knot.js';
import { useLab } from './lab/index.js';
import { exec } from './lab/run.js';
import { repoRoot } from './support/cli.js';

// A user whose only Node is Node 24, following the README: every command run once as
// `npx netdiag ...` from the checkout, in the lab. Inside a mount namespace where Node 24 is bound
// over /usr/bin/node (so `node`, npm's and npx's `#!/usr/bin/env node`, and the CLI's own shebang
// all find Node 24 and nothing else), with PATH the system's directories only. Run on the Node 24
// line of `npm test` (it uses Node 24 either way; the other line would only repeat it).

const major = Number(process.versions.node.split('.')[0]);

describe.skipIf(process.getuid?.() !== 0 || major !== 24)('only Node 24 on PATH, every command', () => {
  const lab = useLab();
  const work = mkdtempSync(join(tmpdir(), 'netdiag-node24-'));
  let knot: KnotServer;

  beforeAll(async () => {
    const lines = [
      '#!/bin/sh',
      'set -e',
      ...(existsSync('/usr/bin/node') ? [`mount --bind ${process.execPath} /usr/bin/node`] : []),
      ...(existsSync('/usr/local/bin/node') ? [`mount --bind ${process.execPath} /usr/local/bin/node`] : []),
      'exec "$@"',
    ];
    writeFileSync(join(work, 'seal.sh'), `${lines.join('\n')}\n`);
    chmodSync(join(work, 'seal.sh'), 0o755);
    knot = await startKnot(standardZones());
  });
  afterAll(async () => {
    await knot?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** `npx netdiag ARGS` (or any argv) with Node 24 alone, in the lab host `host`'s namespace. */
  const sealed = (argv: readonly string[], host?: string): string[] => [
    'unshare',
    '-m',
    '--propagation',
    'private',
    join(work, 'seal.sh'),
    ...(host === undefined ? [] : ['ip', 'netns', 'exec', lab.ns(host)]),
    'env',
    '-i',
    '-C',
    repoRoot,
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `HOME=${process.env.HOME ?? '/root'}`,
    'TERM=dumb',
    ...argv,
  ];
  const netdiag = (args: readonly string[], host?: string, timeoutMs = 30_000) =>
    exec(sealed(['npx', '--no-install', 'netdiag', ...args], host), { timeoutMs });

  it('finds Node 24 and nothing else, for node, npm and the CLI', async () => {
    const r = await exec(
      sealed(['sh', '-c', 'for n in $(which -a node); do $n --version; done; npm exec -- node --version']),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(r.stdout.trim().split('\n'))).toEqual(new Set([process.version]));
    const version = await netdiag(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toContain(`Node.js ${process.version}`);
  });

  it('ping', async () => {
    const r = await netdiag(['ping', '-c', '2', '-i', '0.2', lab.addr('t3', 4)], 'client');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 packets transmitted, 2 received/);
  });

  it('trace', async () => {
    const far = lab.addr('far', 4);
    const r = await netdiag(['trace', '-n', far], 'client');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toContain(far);
  });

  it('lookup', async () => {
    const r = await netdiag(['lookup', 'www.netdiag.test', 'A', '--short', `@${knot.address}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('192.0.2.10\n');
  });

  it('netstat', async () => {
    // knotd's listening socket, found by its address.
    const r = await netdiag(['netstat', '-ulnp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${knot.address.replace(/\./g, '\\.')}:53 .*knotd`));
  });

  it('if', async () => {
    const r = await netdiag(['if', 'lo'], 'client');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^1: lo: /m);
    expect(r.stdout).toContain('127.0.0.1');
  });

  it('arp', async () => {
    const gateway = lab.topology.chains.main!.hops[4][0]!;
    await lab.exec('client', ['ping', '-c', '1', gateway]);
    const r = await netdiag(['arp', '-n'], 'client');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(gateway);
  });

  it('monitor', async () => {
    // Ended by SIGINT after 3.5 s, as Ctrl-C would: the start event and an interval, nothing on
    // stderr. npx takes the signal too and exits 130 itself (the agent's own status is 0).
    const r = await exec(
      sealed(
        [
          'timeout',
          '--preserve-status',
          '-s',
          'INT',
          '3.5',
          'npx',
          '--no-install',
          'netdiag',
          'monitor',
          '--json',
          '--listen',
          '127.0.0.1:19381',
          lab.addr('t3', 4),
        ],
        'client',
      ),
      { timeoutMs: 30_000 },
    );
    expect([0, 130], r.stderr).toContain(r.code);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('"type":"start"');
    expect(r.stdout).toMatch(/"type":"interval".*"replies":[1-9]/);
  });

  it('capture', async () => {
    // Three ICMP packets on the client's loopback while ping sends there.
    const pinger = lab.spawn('client', ['ping', '-i', '0.1', '-c', '100', '127.0.0.1']);
    try {
      const r = await netdiag(['capture', '-n', '-i', 'lo', '-c', '3', 'icmp'], 'client');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(3);
      expect(r.stdout).toMatch(/127\.0\.0\.1 > 127\.0\.0\.1: ICMP echo/);
    } finally {
      pinger.kill();
    }
  });

  it('privileges', async () => {
    const r = await netdiag(['privileges']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('raw sockets: opened directly (running as root)');
  });
});
