import { afterAll, describe, expect, it } from 'vitest';
import { useLab } from './lab/index.js';
import { exec } from './lab/run.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { mmdblookup, tempDir, writeMmdb } from './support/mmdb.js';

// trace -z with the user's MMDB (--asn-db): the lab's routers get made-up AS numbers and names in
// a file MaxMind's writer makes here; every hop traceroute finds must show the AS libmaxminddb's
// mmdblookup reads for that hop from the same file. No look-up leaves the machine.

const root = process.getuid?.() === 0;
const tmp = tempDir();
afterAll(() => tmp.remove());

/** The hop lines of traceroute-style output: ttl, first address, and the bracketed owner. */
function hopOwners(stdout: string): { address: string; owner: string }[] {
  return stdout
    .split('\n')
    .map((l) => /^\s*\d+\s+([0-9a-f:.]+) \[([^\]]*)\]/i.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ address: m[1]!, owner: m[2]! }));
}

const tracerouteHops = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => /^\s*\d+\s/.test(l))
    .map((l) => /^\s*\d+\s+(?:\*\s+)*([0-9a-f:.]+)/i.exec(l)?.[1] ?? '*');

describe.skipIf(!root)('netdiag trace -z with an MMDB of the lab (needs root)', () => {
  const lab = useLab();
  const asnDb = `${tmp.dir}/lab-asn.mmdb`;
  const geoDb = `${tmp.dir}/lab-country.mmdb`;

  /** One made-up AS per router (by position on the path), the target's in its own. */
  async function writeLabDb(): Promise<Map<string, { asn: number; name: string }>> {
    const owners = new Map<string, { asn: number; name: string }>();
    for (const family of [4, 6] as const) {
      const path = [...lab.topology.chains.main!.hops[family], lab.addr('far', family)];
      for (const [i, address] of path.entries())
        owners.set(address, {
          asn: 64_496 + i,
          // Odd hops get a name with an escape sequence in it: the output must not carry it.
          name: i % 2 ? `Lab Hop ${i}\u001b[2J Net` : `Lab Hop ${i}`,
        });
    }
    await writeMmdb(asnDb, {
      databaseType: 'GeoLite2-ASN',
      types: { autonomous_system_number: 'uint32', autonomous_system_organization: 'utf8_string' },
      networks: [...owners].map(([address, o]) => ({
        network: `${address}/${address.includes(':') ? 128 : 32}`,
        record: { autonomous_system_number: o.asn, autonomous_system_organization: o.name },
      })),
    });
    await writeMmdb(geoDb, {
      databaseType: 'GeoLite2-Country',
      types: { country: 'map', iso_code: 'utf8_string' },
      networks: [...owners.keys()].map((address, i) => ({
        network: `${address}/${address.includes(':') ? 128 : 32}`,
        record: { country: { iso_code: ['IS', 'NZ', 'CL'][i % 3] } },
      })),
    });
    return owners;
  }

  for (const family of [4, 6] as const)
    it(`shows each hop's AS and name as the MMDB says, over IPv${family}, on the hops traceroute finds`, async () => {
      await writeLabDb();
      const far = lab.addr('far', family);
      const tr = await lab.exec('client', ['traceroute', `-${family}`, '-n', '-I', far], {
        timeoutMs: 60_000,
      });
      const hops = tracerouteHops(tr.stdout);
      expect(hops).toHaveLength(9);
      const expected = await Promise.all(
        hops.map(async (address) => {
          const asn = await mmdblookup(asnDb, address, 'autonomous_system_number');
          const name = await mmdblookup(asnDb, address, 'autonomous_system_organization');
          return { address, owner: `AS${asn} ${name?.replace(/\u001b/g, ' ').replace(/ {2,}/g, ' ')}` };
        }),
      );
      const ours = await lab.exec('client', netdiagArgv('trace', '-n', '-I', '-z', '--asn-db', asnDb, far), {
        timeoutMs: 60_000,
      });
      expect(ours.code, ours.stderr).toBe(0);
      expect(hopOwners(ours.stdout)).toEqual(expected);
      expect(ours.stdout).not.toContain('\u001b');
      expect(expected[0]!.owner).toBe('AS64496 Lab Hop 0');
      expect(expected[1]!.owner).toBe('AS64497 Lab Hop 1 [2J Net');
    });

  it('carries the AS of every responder in --json, and the files it came from', async () => {
    const owners = await writeLabDb();
    const far = lab.addr('far', 4);
    const r = await lab.exec(
      'client',
      netdiagArgv('trace', '-n', '--json', '-c', '2', '-i', '0.05', '-z', '--asn-db', asnDb, far),
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const events = ndjson(r.stdout);
    const start = events.find((e) => e.type === 'start') as {
      ipInfo: { asn: { kind: string; name: string } };
    };
    expect(start.ipInfo.asn).toMatchObject({ kind: 'file', name: asnDb, version: 'GeoLite2-ASN' });
    const end = events.find((e) => e.type === 'end') as {
      hops: {
        responders: { address: string; asn: { number: number; name: string; prefix: string } | null }[];
      }[];
    };
    const responders = end.hops.flatMap((h) => h.responders);
    expect(responders).toHaveLength(9);
    for (const resp of responders) {
      const o = owners.get(resp.address)!;
      expect(resp.asn).toEqual({
        number: o.asn,
        name: o.name.replace('\u001b', ' ').replace(/ {2,}/g, ' '),
        prefix: `${resp.address}/32`,
      });
    }
    const probes = events.filter((e) => e.type === 'probe' && e.address !== null) as {
      asn: { number: number };
    }[];
    expect(probes.length).toBeGreaterThanOrEqual(18);
    for (const p of probes) expect(p.asn.number).toBeGreaterThanOrEqual(64_496);
  });

  it('puts the AS before each host in the report, as mtr -z does, and picks the country with -y 2', async () => {
    await writeLabDb();
    const far = lab.addr('far', 4);
    const report = await lab.exec(
      'client',
      netdiagArgv('trace', '-n', '--report', '-c', '1', '-z', '--asn-db', asnDb, far),
      { timeoutMs: 60_000 },
    );
    expect(report.code, report.stderr).toBe(0);
    const rows = report.stdout.split('\n').filter((l) => /^\s*\d+\.\|--/.test(l));
    expect(rows).toHaveLength(9);
    for (const [i, row] of rows.entries())
      expect(row).toMatch(new RegExp(`^\\s*${i + 1}\\.\\|-- AS${64_496 + i} Lab Hop ${i}`));
    const country = await lab.exec(
      'client',
      netdiagArgv('trace', '-n', '--report', '-c', '1', '-y', '2', '--geo-db', geoDb, far),
      { timeoutMs: 60_000 },
    );
    expect(country.code, country.stderr).toBe(0);
    const codes = country.stdout
      .split('\n')
      .map((l) => /^\s*\d+\.\|-- (\S+)\s+\S+/.exec(l)?.[1])
      .filter(Boolean);
    expect(codes).toEqual(['IS', 'NZ', 'CL', 'IS', 'NZ', 'CL', 'IS', 'NZ', 'CL']);
  });

  // Empty stdout: not even traceroute's header, so the run stopped before its first probe.
  it('-y 3 and 4 (registry, allocation date) and a file that will not do are one line and exit 2, before any probe', async () => {
    await writeLabDb();
    const far = lab.addr('far', 4);
    for (const args of [
      ['-y', '3'],
      ['-y', '4'],
      ['-y', '7'],
      ['-z', '--asn-db', `${tmp.dir}/none.mmdb`],
      ['-z', '--asn-db', geoDb],
    ]) {
      const r = await lab.exec('client', netdiagArgv('trace', '-n', ...args, far), { timeoutMs: 30_000 });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^netdiag: trace: /);
    }
    const registry = await exec(netdiagArgv('trace', '-n', '-y', '3', far), { timeoutMs: 30_000 });
    expect(registry.stderr).toBe(
      'netdiag: trace: -y 3 (registry) is in no offline data set; -y takes 0 (AS), 1 (prefix) or 2 (country)\n',
    );
  });
});
