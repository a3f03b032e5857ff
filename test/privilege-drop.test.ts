import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ThreadPrivileges, threadPrivileges } from '@netdiag/probe-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { netdiagArgv } from './support/cli.js';
import { httpIn, sleep } from './support/monitor.js';

// Least privilege (issue 16): every command, started as root, opens its sockets and then holds
// no capability in any thread (libuv's and V8's threads included), or only what it still needs
// (netstat -p); with --user it runs as that user. Read from /proc/PID/task/*/status of the
// running netdiag, as iputils ping is seen to do (CapEff 0 while `ping -c 3` runs).

const NOBODY = 65534;
/** CAP_DAC_READ_SEARCH (2) and CAP_SYS_PTRACE (19): what netstat -p keeps. */
const PROCESS_OWNER_MASK = (1n << 2n) | (1n << 19n);

describe.skipIf(process.getuid?.() !== 0)('netdiag drops its privilege once its sockets are open', () => {
  let lab: Lab;
  let listener: ChildProcess;

  beforeAll(async () => {
    lab = await createLab({
      // A router, so that the planner finds a path from the LAN to the chain's far end.
      hosts: { client: { router: true } },
      chains: { path: { from: 'client', to: 'target', routers: 2 } },
      // client's eth1: a LAN with two neighbours, for arp probe and scan.
      links: [{ hosts: ['client', 'n1', 'n2'], v4: '198.51.100.0/29' }],
    });
    // A TCP listener of another user (nobody), for netstat -p to find the owner of.
    listener = lab.spawn('client', [
      'setpriv',
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      // Debian's, not a shim under /root that nobody cannot read.
      '/usr/bin/python3',
      '-c',
      "import socket,sys,time\ns=socket.socket()\ns.bind(('127.0.0.1',8099))\ns.listen()\nprint('up',flush=True)\nsys.stdin.read()",
    ]);
    await firstLine(listener);
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  /**
   * Starts netdiag in the client namespace, waits for `lines` lines of its output (each printed
   * after the drop), reads every thread's privileges, then interrupts it. `ip netns exec` execs
   * the command, so the child's pid is netdiag's.
   */
  async function privilegesWhileRunning(
    args: string[],
    lines = 1,
  ): Promise<{ threads: ThreadPrivileges[]; out: string }> {
    const child = lab.spawn('client', netdiagArgv(...args));
    try {
      const out = await outputLines(child, lines);
      const threads = threadPrivileges(child.pid!);
      return { threads, out };
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    }
  }

  const expectDropped = (threads: ThreadPrivileges[], mask = 0n, uid = 0) => {
    // Node runs a dozen threads by now (main, libuv's pool, V8's platform, the inspector's watchdog).
    expect(threads.length).toBeGreaterThan(4);
    for (const t of threads) {
      expect({
        tid: t.tid,
        eff: t.effective,
        prm: t.permitted,
        amb: t.ambient,
        nnp: t.noNewPrivs,
        uid: t.uids,
      }).toEqual({
        tid: t.tid,
        eff: mask,
        prm: mask,
        amb: 0n,
        nnp: true,
        uid: [uid, uid, uid, uid],
      });
    }
  };

  it('ping: no capability in any thread; with --user nobody, nobody in every thread', async () => {
    const target = lab.addr('target', 4);
    const r = await privilegesWhileRunning(['ping', '-i', '0.2', target], 2);
    expect(r.out).toMatch(/bytes from/);
    expectDropped(r.threads);
    const v6 = await privilegesWhileRunning(
      ['ping', '-i', '0.2', '--user', 'nobody', lab.addr('target', 6)],
      2,
    );
    expect(v6.out).toMatch(/bytes from/);
    expectDropped(v6.threads, 0n, NOBODY);
  });

  it('trace (ICMP, UDP and TCP SYN on raw sockets): no capability in any thread', async () => {
    const target = lab.addr('target', 4);
    for (const method of ['-I', '-U', '-T']) {
      const r = await privilegesWhileRunning([
        'trace',
        method,
        '-n',
        '--json',
        '-c',
        '100',
        '-i',
        '0.2',
        target,
      ]);
      expect(r.out).toMatch(/"type":"start".*"backend":"native-raw"/);
      expectDropped(r.threads);
    }
    const r = await privilegesWhileRunning([
      'trace',
      '-T',
      '-n',
      '--json',
      '-c',
      '100',
      '--user',
      'nobody',
      target,
    ]);
    expectDropped(r.threads, 0n, NOBODY);
  });

  it('arp probe and arp scan: no capability in any thread once the packet socket is open', async () => {
    const n1 = lab.topology.hosts.n1!.v4;
    const probe = await privilegesWhileRunning([
      'arp',
      'probe',
      '-I',
      'eth1',
      '--interval',
      '0.2',
      '-c',
      '100',
      n1,
    ]);
    expect(probe.out).toMatch(/reply|Unicast|from/i);
    expectDropped(probe.threads);
    const scan = await privilegesWhileRunning([
      'arp',
      'scan',
      '-I',
      'eth1',
      '--timeout',
      '20',
      '--user',
      'nobody',
      '198.51.100.0/29',
    ]);
    expect(scan.out).toMatch(/198\.51\.100\./);
    expectDropped(scan.threads, 0n, NOBODY);
  });

  it("netstat -p keeps CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE alone, and still names the owner of another user's socket", async () => {
    // The listing after the drop (the second) must still show nobody's python3 as the owner.
    const r = await privilegesWhileRunning(['netstat', '-tlnp', '-c', '--interval', '0.3'], 8);
    expectDropped(r.threads, PROCESS_OWNER_MASK);
    const listings = r.out.split('Active Internet connections').filter((l) => l.trim() !== '');
    expect(listings.length).toBeGreaterThan(1);
    expect(listings[1]).toMatch(new RegExp(`127\\.0\\.0\\.1:8099 .* ${listener.pid}/python3`));
    // As another user (daemon, uid 1) with the two kept across the switch, still nobody's owner shows.
    const asDaemon = await privilegesWhileRunning(
      ['netstat', '-tlnp', '-c', '--interval', '0.3', '--user', 'daemon'],
      8,
    );
    expectDropped(asDaemon.threads, PROCESS_OWNER_MASK, 1);
    const daemonListings = asDaemon.out.split('Active Internet connections').filter((l) => l.trim() !== '');
    expect(daemonListings[1]).toMatch(new RegExp(`127\\.0\\.0\\.1:8099 .* ${listener.pid}/python3`));
    // Without -p nothing is kept.
    const plain = await privilegesWhileRunning(['netstat', '-tln', '-c', '--interval', '0.3'], 3);
    expectDropped(plain.threads);
  });

  it('netstat -p needs both capabilities it keeps: with either alone the owner is not seen', () => {
    const owner = (bounding: string) =>
      spawnSync(
        'ip',
        [
          'netns',
          'exec',
          lab.ns('client'),
          'setpriv',
          '--inh-caps=-all',
          `--bounding-set=${bounding}`,
          ...netdiagArgv('netstat', '-tlnp'),
        ],
        { encoding: 'utf8' },
      ).stdout;
    const line = new RegExp(`127\\.0\\.0\\.1:8099 .* ${listener.pid}/python3`);
    expect(owner('-all,+dac_read_search,+sys_ptrace')).toMatch(line);
    expect(owner('-all,+dac_read_search')).not.toMatch(line);
    expect(owner('-all,+sys_ptrace')).not.toMatch(line);
    // ss, as root with every capability, sees the same owner.
    const ss = spawnSync('ip', ['netns', 'exec', lab.ns('client'), 'ss', '-tlnp'], {
      encoding: 'utf8',
    }).stdout;
    expect(ss).toMatch(new RegExp(`127\\.0\\.0\\.1:8099 .*pid=${listener.pid}`));
  });

  it('capture: no capability once the ring is open and the filter attached; -Z/--user writes -w as that user; -r drops before reading', async () => {
    const target = lab.addr('target', 4);
    // Traffic to capture: the system's ping, from the client, for the whole case.
    const ping = lab.spawn('client', ['ping', '-n', '-i', '0.2', target]);
    const dir = mkdtempSync(join(tmpdir(), 'netdiag-capture-'));
    try {
      const r = await privilegesWhileRunning(['capture', '-i', 'any', '-n', 'icmp'], 2);
      expect(r.out).toMatch(/ICMP echo request/);
      expectDropped(r.threads);
      const asNobody = await privilegesWhileRunning(
        ['capture', '-i', 'any', '-n', '--user', 'nobody', 'icmp'],
        2,
      );
      expect(asNobody.out).toMatch(/ICMP echo/);
      expectDropped(asNobody.threads, 0n, NOBODY);
      // As tcpdump -Z: the file is created after the switch, by nobody, in a directory nobody may write.
      chmodSync(dir, 0o1777);
      const file = join(dir, 'live.pcap');
      const w = await lab.exec(
        'client',
        netdiagArgv('capture', '-i', 'any', '-c', '4', '-Z', 'nobody', '-w', file, 'icmp'),
      );
      expect({ code: w.code, stderr: w.stderr }).toMatchObject({ code: 0, stderr: /4 packets captured/ });
      expect(statSync(file).uid).toBe(NOBODY);
      // -r needs nothing: with --user the file is read, and -w written, as that user. Root's
      // 0600 copy is not readable once the switch is made.
      const out = join(dir, 'filtered.pcap');
      const rw = await lab.exec(
        'client',
        netdiagArgv('capture', '-r', file, '--user', 'nobody', '-w', out, 'icmp[icmptype] = icmp-echo'),
      );
      expect({ code: rw.code, stderr: rw.stderr }).toEqual({ code: 0, stderr: '' });
      expect(statSync(out).uid).toBe(NOBODY);
      const secret = join(dir, 'root-only.pcap');
      writeFileSync(secret, '');
      chmodSync(secret, 0o600);
      const denied = await lab.exec('client', netdiagArgv('capture', '-r', secret, '--user', 'nobody'));
      expect({ code: denied.code, stderr: denied.stderr }).toEqual({
        code: 2,
        stderr: `netdiag: capture: cannot read ${secret}: permission denied\n`,
      });
    } finally {
      ping.kill('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('monitor: as root, nobody with no capability once its ICMP sockets are open; reload still reads the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-'));
    try {
      // The config must stay readable by the agent's user (README): here a world-readable directory.
      chmodSync(dir, 0o755);
      const config = join(dir, 'monitor.yml');
      writeFileSync(config, `targets:\n  - hosts: [${lab.addr('target', 4)}]\n    interval: 200ms\n`);
      const listen = '127.0.0.1:19381';
      const child = lab.spawn('client', netdiagArgv('monitor', '--config', config, '--listen', listen));
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      try {
        // One summary line a second, printed after the drop.
        await outputLines(child, 2);
        expectDropped(threadPrivileges(child.pid!), 0n, NOBODY);
        writeFileSync(
          config,
          `targets:\n  - hosts: [${lab.addr('target', 4)}, ${lab.addr('target', 6)}]\n    interval: 200ms\n`,
        );
        const r = await httpIn(lab, 'client', `http://${listen}/-/reload`, { method: 'POST' });
        expect(r).toEqual({ status: 200, body: 'config reloaded: 1 added, 0 removed, 1 kept\n' });
        process.kill(child.pid!, 'SIGHUP');
        for (let i = 0; i < 100 && !/0 added, 0 removed, 2 kept/.test(err); i++) await sleep(100);
        expect(err).toMatch(/config reloaded: 0 added, 0 removed, 2 kept/);
        // client_golang's process metrics, read from /proc/self, which nobody may still read.
        const metrics = (await httpIn(lab, 'client', `http://${listen}/metrics`)).body;
        expect(metrics).toMatch(/^process_open_fds \d+$/m);
        expect(metrics).toMatch(/^process_max_fds \d+$/m);
        // blackbox's /probe on the sockets opened before the drop.
        const probe = await httpIn(
          lab,
          'client',
          `http://${listen}/probe?module=icmp&target=${lab.addr('target', 4)}`,
        );
        expect(probe.body).toMatch(/^probe_success 1$/m);
      } finally {
        child.kill('SIGINT');
        await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
      }
      // A config that the agent's user cannot read, as a reload would need: refused at start.
      chmodSync(dir, 0o700);
      const denied = await lab.exec(
        'client',
        netdiagArgv('monitor', '--config', config, '--listen', listen),
        {
          timeoutMs: 20_000,
        },
      );
      expect(denied.code).toBe(2);
      expect(denied.stderr).toMatch(/^netdiag: monitor: .*cannot read .*monitor\.yml.* nobody/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--user nobody runs to the end as nobody: what it opens afterwards (the compile cache) is opened as nobody', async () => {
    // A fresh cache directory of root's (0700), as ~/.cache/netdiag is: the run compiled every
    // bundle with no cache and would write one at its end, which nobody may not.
    const cacheHome = mkdtempSync(join(tmpdir(), 'netdiag-cache-'));
    try {
      const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
      const target = lab.addr('target', 4);
      for (const args of [
        ['ping', '-c', '2', '-i', '0.2', '--user', 'nobody', target],
        ['trace', '-T', '-n', '-q', '1', '--user', 'nobody', target],
        ['netstat', '-tlnp', '--user', 'nobody'],
      ]) {
        const r = await lab.exec('client', netdiagArgv(...args), { env });
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      }
      expect(readdirSync(join(cacheHome, 'netdiag'))).toEqual([]);
    } finally {
      rmSync(cacheHome, { recursive: true, force: true });
    }
  });

  it('--user names a user that exists, before anything opens', () => {
    const r = spawnSync(
      netdiagArgv()[0]!,
      netdiagArgv('ping', '--user', 'no-such-user-here', '127.0.0.1').slice(1),
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^netdiag: ping: --user: no user named 'no-such-user-here'/);
  });
});

function firstLine(child: ChildProcess): Promise<string> {
  return outputLines(child, 1);
}

/** Resolves with the child's stdout once it holds `n` lines; rejects if it exits first. */
function outputLines(child: ChildProcess, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').length > n) {
        child.stdout!.off('data', onData);
        resolve(out);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} after:\n${out}\n${err}`)));
  });
}
