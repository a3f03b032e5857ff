import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KnotServer, standardZones, startKnot } from '../dns/knot.js';
import { createLab, type Lab } from '../lab/index.js';

/**
 * Builds a small lab (a -> r1 -> b), runs tcpdump -w on a's
 * interfaces while ping, traceroute, dig (UDP and TCP) and a refused TCP connection run, and
 * returns the files tcpdump wrote. Everything it starts is ended by PID, the lab destroyed.
 */
export interface LabCaptures {
  /** Ethernet, tcpdump -i eth0 on a (ARP, NDP, ICMP errors, fragments, DNS over UDP and TCP). */
  readonly ethernet: string;
  /** Linux cooked (SLL2, as `tcpdump -i any` writes). */
  readonly any: string;
  /** Linux cooked v1 (SLL, `tcpdump -i any -y LINUX_SLL`). */
  readonly anyV1: string;
  readonly dir: string;
}

/** Runs `work` while tcpdump -w captures on `host` (started, listening, then ended by SIGINT). */
export async function withTcpdump(
  lab: Lab,
  host: string,
  args: string[],
  work: () => Promise<void>,
): Promise<void> {
  const child = lab.spawn(host, ['tcpdump', '-U', '--immediate-mode', '-n', ...args]);
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`tcpdump exited: ${err}`)));
  });
  // tcpdump says it listens a moment before the socket sees packets (-i any most of all).
  await new Promise((r) => setTimeout(r, 1000));
  try {
    await work();
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await done;
    if (process.env.NETDIAG_CAPTURE_DEBUG)
      console.error('tcpdump', args.join(' '), child.exitCode, child.signalCode, err);
  }
}

export async function makeLabCaptures(): Promise<LabCaptures> {
  const dir = mkdtempSync(join(tmpdir(), 'netdiag-capture-'));
  const lab = await createLab({
    hosts: { r1: { router: true }, b: { sysctl: { 'net.ipv4.ip_unprivileged_port_start': 0 } } },
    chains: { main: { from: 'a', to: 'b', routers: ['r1'] } },
  });
  let knot: KnotServer | undefined;
  try {
    const b4 = lab.addr('b', 4);
    const b6 = lab.addr('b', 6);
    knot = await startKnot(standardZones(), {
      address: b4,
      port: 53,
      netns: lab.ns('b'),
      also: [`${b6}@53`],
    });
    const ethernet = join(dir, 'ethernet.pcap');
    const run = async (host: string, argv: string[]) => {
      const r = await lab.exec(host, argv, { timeoutMs: 20_000 });
      if (process.env.NETDIAG_CAPTURE_DEBUG) console.error(host, argv.join(' '), r.code, r.stderr);
      return r;
    };
    await withTcpdump(lab, 'a', ['-i', 'eth0', '-w', ethernet], async () => {
      await run('a', ['ip', 'neigh', 'flush', 'dev', 'eth0']);
      await run('a', ['ping', '-c', '2', '-i', '0.2', b4]);
      await run('a', ['ping', '-c', '1', '-s', '3000', b4]);
      await run('a', ['ping', '-6', '-c', '2', '-i', '0.2', b6]);
      await run('a', ['ping', '-6', '-c', '1', '-s', '3000', b6]); // IPv6 fragments
      await run('a', ['ping', '-R', '-c', '1', b4]); // IPv4 options (record route)
      await run('a', ['traceroute', '-n', '-q', '1', '-w', '1', b4]);
      await run('a', ['traceroute', '-n', '-q', '1', '-w', '1', b6]);
      for (const [name, type] of [
        ['www.netdiag.test', 'A'],
        ['www.netdiag.test', 'AAAA'],
        ['alias.netdiag.test', 'A'],
        ['netdiag.test', 'MX'],
        ['netdiag.test', 'NS'],
        ['netdiag.test', 'SOA'],
        ['txt.netdiag.test', 'TXT'],
        ['_sip._udp.netdiag.test', 'SRV'],
        ['nope.netdiag.test', 'A'],
        // The rest of the record types `netdiag lookup` shows, and names and strings with bytes
        // a terminal must not see raw (tcpdump escapes them; so must netdiag).
        ['netdiag.test', 'CAA'],
        ['netdiag.test', 'HTTPS'],
        ['svc.netdiag.test', 'SVCB'],
        ['sub.netdiag.test', 'DS'],
        ['netdiag.test', 'DNSKEY'],
        ['ctl.netdiag.test', 'TXT'],
        ['weird\\007name.netdiag.test', 'A'],
        ['dot\\.label.netdiag.test', 'A'],
        ['bin\\200ary.netdiag.test', 'A'],
        ['netdiag.test', 'ANY'],
      ] as const) {
        await run('a', ['dig', `@${b4}`, name, type, '+tries=1', '+time=2']);
      }
      await run('a', ['dig', `@${b4}`, '-x', '192.0.2.10', '+tries=1', '+time=2']);
      await run('a', ['dig', `@${b4}`, 'netdiag.test', 'SOA', '+dnssec', '+nsid', '+tries=1', '+time=2']);
      await run('a', ['dig', `@${b4}`, 'www.netdiag.test', 'A', '+tcp', '+tries=1', '+time=2']);
      await run('a', ['dig', `@${b4}`, 'netdiag.test', 'SOA', '+tcp', '+nocookie', '+tries=1']);
      // DNS over IPv6, UDP and TCP (TCP over IPv6: checksums with the IPv6 pseudo-header).
      await run('a', ['dig', `@${b6}`, 'www.netdiag.test', 'AAAA', '+tries=1', '+time=2']);
      await run('a', ['dig', `@${b6}`, 'netdiag.test', 'MX', '+tcp', '+tries=1', '+time=2']);
      // A TCP connection refused (RST), and a UDP datagram to a closed port (ICMP port unreachable).
      await run('a', ['bash', '-c', `exec 3<>/dev/tcp/${b4}/81 || true`]);
      await run('a', ['bash', '-c', `echo hi > /dev/udp/${b4}/9999; sleep 0.2`]);
      await run('a', ['bash', '-c', `echo hi > /dev/udp/${b6}/9999; sleep 0.2`]);
    });
    const any = join(dir, 'any.pcap');
    await withTcpdump(lab, 'a', ['-i', 'any', '-w', any], async () => {
      await run('a', ['ping', '-c', '1', b4]);
      await run('a', ['ping', '-6', '-c', '1', b6]);
      await run('a', ['dig', `@${b4}`, 'www.netdiag.test', 'A', '+tries=1', '+time=2']);
      await run('a', ['ping', '-c', '1', '127.0.0.1']);
    });
    // Linux cooked v1, as tcpdump writes -i any when asked for it (-y LINUX_SLL).
    const anyV1 = join(dir, 'any-sll.pcap');
    await withTcpdump(lab, 'a', ['-i', 'any', '-y', 'LINUX_SLL', '-w', anyV1], async () => {
      await run('a', ['ping', '-c', '1', b4]);
      await run('a', ['dig', `@${b6}`, 'www.netdiag.test', 'AAAA', '+tries=1', '+time=2']);
    });
    return { ethernet, any, anyV1, dir };
  } finally {
    await knot?.stop();
    await lab.destroy();
  }
}
