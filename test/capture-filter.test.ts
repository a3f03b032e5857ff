// Filter equivalence: for 200+ pcap-filter expressions over 12,000 generated frames and the
// frames of a lab capture (Ethernet and `-i any`), the packets netdiag accepts are exactly those
// tcpdump accepts (`tcpdump -r FILE -w OUT EXPR`); where tcpdump refuses an expression, netdiag
// refuses it with libpcap's message. A sample also goes through `netdiag capture -r -w`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFileWriter, compileFilter, FilterError, readCapture } from '@netdiag/capture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTcpdump } from './capture/lab-traffic.js';
import { filterExpressions, generateFrames } from './capture-filter-packets.js';
import { useLab } from './lab/index.js';
import { exec } from './lab/run.js';
import { netdiagArgv } from './support/cli.js';

const root = process.getuid?.() === 0;

function packets(
  path: string,
): { key: string; data: Uint8Array; originalLength: number; linkType: number }[] {
  return [...readCapture(readFileSync(path))].map((p) => ({
    key: `${p.seconds}.${p.nanos}/${p.originalLength}/${p.data.length}`,
    data: p.data,
    originalLength: p.originalLength,
    linkType: p.linkType,
  }));
}

async function tcpdumpAccepts(file: string, out: string, expression: string) {
  const r = await exec(['tcpdump', '-r', file, '-w', out, expression], { timeoutMs: 30_000 });
  if (r.code !== 0)
    return {
      error: r.stderr
        .trim()
        .split('\n')
        .at(-1)!
        .replace(/^tcpdump: /, ''),
    };
  return { keys: packets(out).map((p) => p.key) };
}

describe.skipIf(!root)('filters: netdiag accepts exactly what tcpdump accepts', () => {
  const lab = useLab();
  const dir = mkdtempSync(join(tmpdir(), 'netdiag-filter-'));
  const files: { name: string; path: string }[] = [];
  const expressions = filterExpressions(210, 12);

  beforeAll(async () => {
    // 12,000 generated Ethernet frames, one microsecond apart.
    const generated = join(dir, 'generated.pcap');
    const writer = new CaptureFileWriter({ linkType: 1, snaplen: 262144, nanos: true });
    const chunks = [writer.header()];
    for (const [i, f] of generateFrames(12_000, 2026).entries())
      chunks.push(writer.packet({ seconds: 1_800_000_000, nanos: i * 1000, ...f }));
    writeFileSync(generated, Buffer.concat(chunks));
    files.push({ name: 'generated', path: generated });

    // The lab's traffic, as tcpdump captures it on the client: ping (v4, v6), traceroute (ICMP,
    // UDP, TCP), a flood of pings with a small snap length.
    for (const [name, args] of [
      ['lab-ethernet', ['-i', 'eth0']],
      ['lab-any', ['-i', 'any']],
    ] as const) {
      const path = join(dir, `${name}.pcap`);
      const far = lab.addr('far', 4);
      const far6 = lab.addr('far', 6);
      await withTcpdump(lab, 'client', ['-w', path, ...args], async () => {
        await Promise.all([
          lab.exec('client', ['ping', '-c', '20', '-i', '0.01', '-s', '1600', far]),
          lab.exec('client', ['ping', '-6', '-c', '20', '-i', '0.01', far6]),
          lab.exec('client', ['traceroute', '-n', '-I', '-q', '1', far]),
          lab.exec('client', ['traceroute', '-n', '-U', '-q', '1', far]),
          lab.exec('client', ['traceroute', '-n', '-T', '-p', '80', '-q', '1', far]),
          lab.exec('client', ['traceroute', '-6', '-n', '-q', '1', far6]),
        ]);
      });
      files.push({ name, path });
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has enough packets and expressions to mean something', () => {
    const counts = files.map((f) => packets(f.path).length);
    expect(counts[0]).toBe(12_000);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(12_300);
    expect(expressions.length).toBeGreaterThanOrEqual(200);
  });

  it('accepts the same packets for every expression, on every file', async () => {
    let compared = 0;
    let refused = 0;
    for (const file of files) {
      const all = packets(file.path);
      const linkType = all[0]!.linkType;
      // Two tcpdumps at a time: the machine has two cores.
      for (let i = 0; i < expressions.length; i += 2) {
        const batch = expressions.slice(i, i + 2);
        const theirs = await Promise.all(
          batch.map((e, j) => tcpdumpAccepts(file.path, join(dir, `out-${j}.pcap`), e)),
        );
        for (const [j, expression] of batch.entries()) {
          const t = theirs[j]!;
          let ours: { keys: string[] } | { error: string };
          try {
            const f = await compileFilter(expression, { linkType, savefile: file.path });
            ours = { keys: all.filter((p) => f.matches(p.data, p.originalLength)).map((p) => p.key) };
          } catch (err) {
            if (!(err instanceof FilterError)) throw err;
            ours = { error: err.reason };
          }
          expect({ file: file.name, expression, ...ours }).toEqual({ file: file.name, expression, ...t });
          if ('error' in t) refused++;
          else compared++;
        }
      }
    }
    // Most expressions compile; a few are refused on purpose (inbound on Ethernet, vlan on SLL2).
    expect(compared).toBeGreaterThan(refused * 5);
  });

  it('netdiag capture -r FILE -w OUT EXPR writes what tcpdump writes; -d, -dd, -ddd print its program', async () => {
    const sample = expressions.filter((_, i) => i % 20 === 3).slice(0, 10);
    for (const expression of sample) {
      const file = files[0]!.path;
      const t = await tcpdumpAccepts(file, join(dir, 'theirs.pcap'), expression);
      const out = join(dir, 'ours.pcap');
      const r = await exec([...netdiagArgv('capture', '-r', file, '-w', out), expression]);
      if ('error' in t) {
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(t.error);
        continue;
      }
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(packets(out).map((p) => p.key)).toEqual(t.keys);
      // The program itself, as tcpdump -d, -dd and -ddd print it (and -O, unoptimised).
      for (const flags of [['-d'], ['-dd'], ['-ddd'], ['-d', '-O']]) {
        const ours = await exec([...netdiagArgv('capture', '-r', file, ...flags), expression]);
        const theirs = await exec(['tcpdump', '-r', file, ...flags, expression]);
        expect(ours.stdout).toBe(theirs.stdout);
      }
      // Same bytes as tcpdump wrote, packet for packet.
      expect(packets(out).map((p) => Buffer.from(p.data).toString('hex'))).toEqual(
        packets(join(dir, 'theirs.pcap')).map((p) => Buffer.from(p.data).toString('hex')),
      );
    }
  });
});
