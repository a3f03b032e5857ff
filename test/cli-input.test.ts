import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec } from './lab/run.js';
import { netdiagArgv, repoRoot } from './support/cli.js';

// Bad input gets one clear line on stderr and exit code 2, never a stack trace. None of these
// sends a packet: each fails before a socket is opened.
const cases: [string[], RegExp][] = [
  [['ping'], /^netdiag: ping: no host given/],
  [['ping', '-c', '0', '192.0.2.1'], /^netdiag: ping: -c must be at least 1, not 0$/],
  [['ping', '-c', 'x', '192.0.2.1'], /^netdiag: ping: -c takes a whole number \(at least 1\), not 'x'$/],
  [['ping', '-i', 'soon', '192.0.2.1'], /^netdiag: ping: -i takes a number/],
  [['ping', '-s', '70000', '192.0.2.1'], /^netdiag: ping: -s must be from 0 to 65507, not 70000$/],
  [['ping', '-t', '0', '192.0.2.1'], /^netdiag: ping: -t must be from 1 to 255, not 0$/],
  [['ping', '-4', '-6', '192.0.2.1'], /^netdiag: ping: -4 and -6 exclude each other$/],
  [['ping', '-6', '192.0.2.1'], /^netdiag: ping: 192\.0\.2\.1 is an IPv4 address, but -6 was given$/],
  [['ping', '--frobnicate', '192.0.2.1'], /^netdiag: ping: Unknown option '--frobnicate'/],
  [['trace'], /^netdiag: trace: no host given/],
  [['trace', '192.0.2.1', '192.0.2.2'], /^netdiag: trace: one host at a time/],
  [['trace', '-m', '0', '192.0.2.1'], /^netdiag: trace: -m must be from 1 to 255, not 0$/],
  [['trace', '-f', '9', '-m', '3', '192.0.2.1'], /^netdiag: trace: first TTL 9 is beyond max TTL 3$/],
  [['trace', '-I', '-U', '192.0.2.1'], /^netdiag: trace: -I, -U and -T exclude each other$/],
  [['trace', '-p', '70000', '-U', '192.0.2.1'], /^netdiag: trace: -p must be from 1 to 65535, not 70000$/],
  [['trace', '--flows', '17', '192.0.2.1'], /^netdiag: trace: --flows must be from 1 to 16, not 17$/],
  [['trace', '--dot', '--json', '192.0.2.1'], /^netdiag: trace: --dot without a file writes to stdout/],
  [['trace', '--dot=', '192.0.2.1'], /^netdiag: trace: --dot= needs a file name/],
  [
    ['trace', '--dot=/nonexistent/g.dot', '192.0.2.1'],
    /^netdiag: trace: cannot write \/nonexistent\/g\.dot: ENOENT/,
  ],
  [
    ['trace', '--json', '--csv', '192.0.2.1'],
    /^netdiag: trace: --report, --csv and --json exclude each other$/,
  ],
  [['nosuchcommand'], /^netdiag: unknown command 'nosuchcommand'/],
  [
    ['trace', '-y', '9', '192.0.2.1'],
    /^netdiag: trace: -y takes 0 \(AS\), 1 \(prefix\) or 2 \(country\), not '9'$/,
  ],
  [['trace', '-y', '4', '192.0.2.1'], /^netdiag: trace: -y 4 \(allocation date\) is in no offline data set/],
  [
    ['trace', '-z', '--asn-db', '/nonexistent.mmdb', '192.0.2.1'],
    /^netdiag: trace: cannot read \/nonexistent\.mmdb \(ENOENT\)$/,
  ],
];

describe('bad input: one line, exit 2', () => {
  for (const [args, message] of cases) {
    it(`netdiag ${args.join(' ')}`, async () => {
      const r = await exec(netdiagArgv(...args), { timeoutMs: 10_000 });
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }

  it('prints help with exit 0', async () => {
    for (const command of ['ping', 'trace']) {
      const r = await exec(netdiagArgv(command, '--help'));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: netdiag ${command}`));
    }
  });

  it('--version names netdiag, the Node.js it runs on, and the offline data trace -z reads', async () => {
    const r = await exec(netdiagArgv('--version'));
    expect(r.code).toBe(0);
    const [netdiag, node, ...data] = r.stdout.trimEnd().split('\n');
    expect(`${netdiag}\n${node}\n`).toBe(
      `netdiag 0.1.0\nNode.js ${process.version} (${process.platform}-${process.arch})\n`,
    );
    // The versions as installed, and the build day each ends with (YYYYMMDDHH).
    const installed = (name: string) =>
      (
        JSON.parse(readFileSync(`${repoRoot}node_modules/${name}/package.json`, 'utf8')) as {
          version: string;
        }
      ).version;
    expect(data).toHaveLength(2);
    for (const [i, name] of ['@ip-location-db/asn', '@ip-location-db/geo-whois-asn-country-mmdb'].entries()) {
      const version = installed(name);
      const day = /(\d{4})(\d{2})(\d{2})\d{2}$/.exec(version)!;
      expect(data[i]).toMatch(
        new RegExp(
          `^data: ${name} ${version.replace(/\./g, '\\.')} \\(built ${day[1]}-${day[2]}-${day[3]}\\), CC`,
        ),
      );
    }
  });

  it.skipIf(process.getuid?.() !== 0)(
    'keeps no code cache from --help or bad input, only from a run',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'netdiag-cache-'));
      try {
        const env = { ...process.env, XDG_CACHE_HOME: home };
        const caches = () => (existsSync(join(home, 'netdiag')) ? readdirSync(join(home, 'netdiag')) : []);
        await exec(netdiagArgv('ping', '--help'), { env });
        await exec(netdiagArgv('ping', '-c', '0', '127.0.0.1'), { env });
        expect(caches().filter((f) => f.startsWith('ping.cjs-'))).toEqual([]);
        const r = await exec(netdiagArgv('ping', '-c', '1', '127.0.0.1'), { env, timeoutMs: 10_000 });
        expect(r.code).toBe(0);
        expect(caches().filter((f) => f.startsWith('ping.cjs-'))).toHaveLength(1);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
