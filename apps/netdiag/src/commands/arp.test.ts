import { PassThrough } from 'node:stream';
import { decodeArpFrame, encodeArpFrame } from '@netdiag/arp';
import type { Interface } from '@netdiag/interface-stats';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import type { CommandIo } from '../io.js';
import {
  formatTable,
  type OpenArpChannel,
  type ProbeOptions,
  parseArpArgs,
  probeCommand,
  probeEndpoint,
  readTable,
  run,
  type ScanOptions,
  scanCommand,
} from './arp.js';

const io = (): CommandIo & { out: () => string } => {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  return {
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
    signal: new AbortController().signal,
    out: () => Buffer.concat(chunks).toString(),
  };
};

describe('netdiag arp arguments', () => {
  it('table, probe and scan', () => {
    expect(parseArpArgs([])).toEqual({ mode: 'table', json: false });
    expect(parseArpArgs(['-I', 'eth0', '--json'])).toEqual({ mode: 'table', iface: 'eth0', json: true });
    expect(parseArpArgs(['probe', '192.0.2.7', '-I', 'veth0', '-c', '2'])).toEqual({
      mode: 'probe',
      address: '192.0.2.7',
      iface: 'veth0',
      count: 2,
      intervalMs: 1000,
      timeoutMs: 1000,
      dad: false,
      json: false,
    });
    expect(
      parseArpArgs(['probe', '192.0.2.7', '--dad', '--interval', '0.2', '--timeout', '0.5']),
    ).toMatchObject({
      dad: true,
      intervalMs: 200,
      timeoutMs: 500,
    });
    expect(parseArpArgs(['scan', '192.0.2.0/24', '-I', 'veth0', '--force'])).toEqual({
      mode: 'scan',
      cidr: '192.0.2.0/24',
      iface: 'veth0',
      intervalMs: 2,
      timeoutMs: 500,
      force: true,
      foreign: false,
      json: false,
    });
  });

  it('one-line errors for what does not fit', () => {
    for (const bad of [
      ['probe'],
      ['probe', '2001:db8::1'],
      ['probe', '192.0.2.256'],
      ['probe', '192.0.2.1', '-c', '0'],
      ['scan', '192.0.2.0/24'],
      ['scan'],
      ['frob'],
      ['--force'],
      ['probe', '192.0.2.1', '--force'],
      ['probe', '192.0.2.1', 'extra'],
      ['probe', '192.0.2.1', '--timeout', '0'],
      ['scan', '192.0.2.0/24', '-I', 'x', '--dad'],
      ['--interval', '1'],
    ]) {
      expect(() => parseArpArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });
});

describe('netdiag arp', () => {
  it('formats the table with escaped interface names', () => {
    const lines = formatTable({
      neighbours: [
        {
          family: 'inet',
          address: '192.0.2.1',
          interface: 'veth0',
          mac: '02:00:00:00:00:01',
          state: 'resolved',
        },
        { family: 'inet', address: '192.0.2.99', interface: 'x\u0007', state: 'unresolved' },
      ],
      missing: [],
      exactStates: false,
    });
    expect(lines).toEqual([
      'ADDRESS     IFACE  MAC                STATE',
      '192.0.2.1   veth0  02:00:00:00:00:01  resolved',
      '192.0.2.99  x\\x07  (incomplete)       unresolved',
    ]);
    expect(
      formatTable({
        neighbours: [
          {
            family: 'inet6',
            address: 'fe80::1',
            interface: 'eth0',
            mac: '02:00:00:00:00:01',
            state: 'stale',
            router: true,
          },
        ],
        missing: [],
        exactStates: true,
      })[1],
    ).toBe('fe80::1  eth0   02:00:00:00:00:01  stale router');
  });

  it('a probe on a link without ARP says so in one line, exit 2', async () => {
    const err = await run(['probe', '192.0.2.1', '-I', 'lo', '-c', '1'], io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.Error);
    expect((err as CliError).message).toBe('arp probe: lo is not an Ethernet interface: no ARP on it');
  });

  it('an unknown interface is reported before any socket opens', async () => {
    await expect(run(['probe', '192.0.2.1', '-I', 'nosuch0'], io())).rejects.toThrow(
      /no interface named 'nosuch0'/,
    );
    await expect(run(['scan', '192.0.2.0/24', '-I', 'nosuch0'], io())).rejects.toThrow(
      /no interface named 'nosuch0'/,
    );
  });
});

describe('netdiag arp probe and scan over a frame channel', () => {
  const ether = (name: string, index: number, v4: [string, number][]): Interface => ({
    name,
    index,
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    flagBits: 0x11043,
    operState: 'up',
    mtu: 1500,
    linkType: 'ether',
    mac: `02:00:00:00:00:0${index}`,
    addresses: v4.map(([address, prefixLength]) => ({
      family: 'inet' as const,
      address,
      prefixLength,
      scope: 'global' as const,
      label: name,
    })),
    ipv4Complete: true,
  });
  const all = [ether('eth0', 2, [['198.51.100.7', 24]]), ether('veth0', 3, [['192.0.2.1', 24]])];

  /** A link where the given hosts answer who-has for their address, after a short delay. */
  function link(hosts: Record<string, string>): OpenArpChannel {
    return async (iface) => {
      const mine = all.find((i) => i.name === iface)!.mac!;
      const listeners = new Set<(f: Uint8Array, at: number) => void>();
      return {
        mac: mine,
        async send(frame) {
          const d = decodeArpFrame(frame);
          const mac = d.ok ? hosts[d.value.targetIp] : undefined;
          if (d.ok && mac !== undefined) {
            const answer = encodeArpFrame({
              destinationMac: mine,
              sourceMac: mac,
              operation: 2,
              senderMac: mac,
              senderIp: d.value.targetIp,
              targetMac: mine,
              targetIp: d.value.senderIp,
            });
            setTimeout(() => {
              for (const l of listeners) l(answer, performance.now());
            }, 1);
          }
          return performance.now();
        },
        onFrame(l) {
          listeners.add(l);
          return () => listeners.delete(l);
        },
        close() {},
      };
    };
  }

  it('picks the interface whose subnet holds the target, and our address there', () => {
    expect(probeEndpoint(all, { address: '192.0.2.9', dad: false })).toMatchObject({
      iface: { name: 'veth0' },
      senderIp: '192.0.2.1',
    });
    expect(probeEndpoint(all, { address: '192.0.2.9', dad: true })).toMatchObject({ senderIp: '0.0.0.0' });
    expect(() => probeEndpoint(all, { address: '203.0.113.1', dad: false })).toThrow(/no directly connected/);
  });

  it('prints arping-like replies and statistics; exit 0 on replies, 1 on silence', async () => {
    const out = io();
    const o = parseArpArgs([
      'probe',
      '192.0.2.2',
      '-c',
      '2',
      '--interval',
      '0.02',
      '--timeout',
      '0.05',
    ]) as ProbeOptions;
    expect(await probeCommand(o, out, link({ '192.0.2.2': '00:00:0c:12:34:56' }), all)).toBe(0);
    const text = out.out();
    expect(text).toMatch(/^ARPING 192\.0\.2\.2 from 192\.0\.2\.1 veth0\n/);
    expect(text.match(/reply from 192\.0\.2\.2 \[00:00:0c:12:34:56\] {2}\d+\.\d{3} ms\n/g)).toHaveLength(2);
    expect(text).toContain('2 requests transmitted, 2 replies received, 0% unanswered');
    const silent = io();
    expect(await probeCommand({ ...o, address: '192.0.2.3', count: 1 }, silent, link({}), all)).toBe(1);
    expect(silent.out()).toContain('1 requests transmitted, 0 replies received, 100% unanswered');
  });

  it('DAD exits 0 for a free address and 1 for a taken one', async () => {
    const o = parseArpArgs(['probe', '192.0.2.2', '--dad', '-c', '1', '--timeout', '0.05']) as ProbeOptions;
    expect(await probeCommand(o, io(), link({}), all)).toBe(0);
    expect(await probeCommand(o, io(), link({ '192.0.2.2': '02:00:00:00:00:99' }), all)).toBe(1);
  });

  it('a scan lists who answered with vendor names, as text and JSON', async () => {
    const hosts = { '192.0.2.5': '00:00:0c:12:34:56', '192.0.2.9': '02:00:00:00:00:99' };
    const o = parseArpArgs([
      'scan',
      '192.0.2.0/28',
      '-I',
      'veth0',
      '--timeout',
      '0.05',
      '--interval',
      '0',
    ]) as ScanOptions;
    const text = io();
    expect(await scanCommand(o, text, link(hosts), all)).toBe(0);
    const lines = text.out().split('\n');
    expect(lines[0]).toBe('Interface: veth0, address 192.0.2.1, scanning 192.0.2.0/28 (13 addresses)');
    expect(lines[1]).toMatch(/^192\.0\.2\.5 +00:00:0c:12:34:56 {2}Cisco/i);
    expect(lines[2]).toBe('192.0.2.9        02:00:00:00:00:99  (locally administered)');
    expect(lines[3]).toMatch(/^13 addresses scanned in [\d.]+ s \(\d+ requests\): 2 responded$/);
    const json = io();
    await scanCommand({ ...o, json: true }, json, link(hosts), all);
    const parsed = JSON.parse(json.out()) as { hosts: { ip: string; vendor: string }[]; targets: number };
    expect(parsed.targets).toBe(13);
    expect(parsed.hosts.map((h) => h.ip)).toEqual(['192.0.2.5', '192.0.2.9']);
  });
});

describe('netdiag arp table', () => {
  it('an unknown -I is an error, not an empty table', async () => {
    await expect(run(['-I', 'nosuch0'], io())).rejects.toThrow(/no interface named 'nosuch0'/);
    await expect(run(['-I', '../x'], io())).rejects.toThrow(/no interface named/);
  });
});

describe('netdiag arp table sources', () => {
  /** What probe-socket throws where the native addon was not built. */
  const noAddon = async (): Promise<never> => {
    const { ProbeSocketError } = await import('@netdiag/probe-socket');
    throw new ProbeSocketError(
      'reading the kernel over netlink needs the native socket addon, which is unavailable: the addon was not built',
      'UNKNOWN',
      'socket',
    );
  };

  it('netlink where it opens: both families, exact states, nothing missing', async () => {
    const table = await readTable();
    expect(table).toMatchObject({ exactStates: true, missing: [] });
  });

  it('/proc/net/arp where netlink cannot open, with the reason for the IPv6 gap', async () => {
    const table = await readTable(noAddon);
    expect(table.exactStates).toBe(false);
    expect(table.missing).toEqual([
      {
        family: 'inet6',
        reason: expect.stringMatching(
          /^needs netlink \(RTM_GETNEIGH.*unavailable: .*the addon was not built$/,
        ),
      },
    ]);
    expect(table.neighbours.every((n) => n.family === 'inet')).toBe(true);
  });
});
