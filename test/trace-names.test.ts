import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KnotServer, startKnot } from './dns/knot.js';
import { useLab } from './lab/index.js';
import { ndjson, netdiagArgv } from './support/cli.js';
import { labNames } from './support/names.js';

const root = process.getuid?.() === 0;
// ESC [ 2 J clears a screen and BEL rings a bell: a PTR record is anyone's to write.
// In a zone file `[` must be escaped too; on the wire the label is `evil<ESC>[2J<BEL>`.
const HOSTILE = 'evil\\027\\[2J\\007';

describe.skipIf(!root)('netdiag trace names hops by reverse DNS (needs root)', () => {
  const lab = useLab();
  let knot: KnotServer | undefined;
  let removeNames = () => {};
  const hops = () => [...lab.topology.chains.main!.hops[4], lab.addr('far', 4)];
  const zoneName = (i: number) =>
    i === 2 ? `${HOSTILE}.netdiag.test` : i === 8 ? 'far.netdiag.test' : `r${i + 1}.netdiag.test`;
  // How netdiag shows the names: control characters as dig escapes them (\DDD), the rest as is.
  const nameOf = (i: number) => (i === 2 ? 'evil\\027[2j\\007.netdiag.test' : zoneName(i));

  beforeAll(async () => {
    const ptrs = hops().map((address, i) => `${address.split('.')[3]} PTR ${zoneName(i)}.`);
    const zone = [
      '$ORIGIN 2.0.192.in-addr.arpa.',
      '$TTL 300',
      '@ SOA ns.netdiag.test. hostmaster.netdiag.test. 1 3600 600 86400 300',
      '@ NS ns.netdiag.test.',
      ...ptrs,
      '',
    ].join('\n');
    // The client's own DNS server, inside its namespace, named in its resolv.conf.
    knot = await startKnot([{ origin: '2.0.192.in-addr.arpa', text: zone }], {
      address: '127.0.0.53',
      port: 53,
      netns: lab.ns('client'),
    });
    removeNames = labNames(lab.ns('client'), {});
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      `/etc/netns/${lab.ns('client')}/resolv.conf`,
      'nameserver 127.0.0.53\noptions timeout:1 attempts:1\n',
    );
  });
  afterAll(async () => {
    removeNames();
    await knot?.stop();
  });

  it('prints each hop as traceroute does, name (address), with control characters kept off the terminal', async () => {
    const r = await lab.exec('client', netdiagArgv('trace', lab.addr('far', 4)));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /^\s*\d+\s/.test(l));
    expect(lines).toHaveLength(9);
    hops().forEach((address, i) => {
      if (i !== 2) expect(lines[i]).toContain(`${nameOf(i)} (${address})`);
    });
    // No raw control character reaches the output; the hostile name arrives escaped, dig-style.
    expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(r.stdout)).toBe(false);
    // As dig presents the same record from the same server (DNS keeps case only as the server does).
    const dig = await lab.exec('client', ['dig', '+short', '-x', hops()[2]!]);
    const digName = dig.stdout.trim().replace(/\.$/, '');
    expect(digName.toLowerCase()).toBe('evil\\027[2j\\007.netdiag.test');
    expect(lines[2]).toContain(`${digName} (${hops()[2]})`);
    const theirs = await lab.exec('client', ['traceroute', '-q', '1', lab.addr('far', 4)]);
    expect(theirs.stdout).toContain(`r1.netdiag.test (${hops()[0]})`);
  });

  it('loads the DNS client (a chunk of its own) only for a run that looks names up', async () => {
    // Which chunks a run loaded shows in the code caches it saves: one per bundle and chunk.
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const home = mkdtempSync(join(tmpdir(), 'netdiag-chunks-'));
    try {
      const cachesAfter = async (...args: string[]) => {
        const xdg = mkdtempSync(join(home, 'xdg-'));
        const r = await lab.exec('client', netdiagArgv('trace', ...args, lab.addr('far', 4)), {
          env: { ...process.env, XDG_CACHE_HOME: xdg },
        });
        expect(r.code, r.stderr).toBe(0);
        return readdirSync(join(xdg, 'netdiag'))
          .map((f) => /^(.*?\.cjs)-/.exec(f)?.[1] ?? f)
          .sort();
      };
      expect(await cachesAfter('-n')).toEqual(['trace.cjs']);
      expect(await cachesAfter()).toEqual(['dns-client.cjs', 'trace.cjs']);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('looks up no names with -n, and gives names their own field in --json', async () => {
    const numeric = await lab.exec('client', netdiagArgv('trace', '-n', lab.addr('far', 4)));
    expect(numeric.stdout).not.toContain('netdiag.test');
    const json = await lab.exec('client', netdiagArgv('trace', '--json', lab.addr('far', 4)));
    const end = ndjson(json.stdout).find((e) => e.type === 'end') as {
      hops: { responders: { address: string; name: string | null }[] }[];
    };
    expect(end.hops.map((h) => h.responders[0]!.name?.toLowerCase())).toEqual(
      hops().map((_, i) => nameOf(i)),
    );
    expect(end.hops.map((h) => h.responders[0]!.address)).toEqual(hops());
  });
});
