import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKnot } from './dns/knot.js';
import type { Lab } from './lab/index.js';
import {
  createFaultLab,
  netdiagIn,
  oneLine,
  pointResolver,
  STACK,
  UNROUTABLE_RESOLVER,
} from './support/fault-lab.js';

// The configured nameserver cannot be used: no route to it (ENETUNREACH at connect), its port
// closed (ICMP port unreachable: ECONNREFUSED), or silent (nothing comes back). resolv.conf says
// timeout:1 attempts:1. Lookups end in one line and exit 2 within the time allowed (the exec
// timeout kills a hung run, which then fails on its null code); traces and pings that would name
// their hops or replies complete with addresses.
describe.skipIf(process.getuid?.() !== 0)(
  'netdiag when the configured resolver cannot be used (needs root)',
  () => {
    let lab: Lab;
    let removeNames = () => {};
    const target = () => lab.addr('target', 4);
    const gateway = () => lab.topology.chains.path!.hops[4][0]!;
    const resolvers = () =>
      [
        ['unroutable', UNROUTABLE_RESOLVER],
        ['refusing', lab.addr('target', 4)],
        ['silent', lab.addr('quiet', 4)],
      ] as const;

    beforeAll(async () => {
      lab = await createFaultLab();
    });
    afterEach(() => removeNames());
    afterAll(async () => {
      removeNames();
      await lab?.destroy();
    });

    for (const kind of ['unroutable', 'refusing', 'silent'] as const) {
      describe(`a resolver that is ${kind}`, () => {
        const use = () => {
          const address = resolvers().find(([k]) => k === kind)![1];
          removeNames = pointResolver(lab.ns('client'), address, { 'target.netdiag.test': target() });
          return address;
        };

        it('lookup and lookup -x: one line naming the server, exit 2, within the timeout', async () => {
          const server = use();
          for (const args of [
            ['lookup', 'example.netdiag.test'],
            ['lookup', '--dig', 'example.netdiag.test', 'MX'],
            ['lookup', '-x', target()],
            ['lookup', '--json', '-x', target()],
          ]) {
            const r = await netdiagIn(lab, 'client', args, 10_000);
            expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
            if (args.includes('--json')) {
              expect(r.stderr).toBe('');
              expect(JSON.parse(r.stdout)[0].error).toContain(server);
            } else expect(oneLine(r)).toContain(server);
          }
        });

        it('trace without -n completes with addresses; ping by address needs no resolver', async () => {
          use();
          const trace = await netdiagIn(lab, 'client', ['trace', '-q', '1', '-w', '1', target()], 15_000);
          expect(trace.stderr).not.toMatch(STACK);
          expect(trace.stderr).toBe('');
          expect(trace.code, trace.stderr).toBe(0);
          const hops = trace.stdout.split('\n').filter((l) => /^\s*\d+\s/.test(l));
          expect(hops).toHaveLength(2);
          expect(hops[0]).toContain(lab.topology.chains.path!.hops[4][0]!);
          expect(hops[1]).toContain(target());

          const report = await netdiagIn(
            lab,
            'client',
            ['trace', '--report', '-c', '2', '-i', '0.2', target()],
            15_000,
          );
          expect(report.stderr).toBe('');
          expect(report.code).toBe(0);
          expect(report.stdout).toContain(target());

          const ping = await netdiagIn(lab, 'client', ['ping', '-c', '2', '-i', '0.2', target()], 15_000);
          expect(ping.stderr).toBe('');
          expect(ping.code).toBe(0);
          expect(ping.stdout).toMatch(/2 packets transmitted, 2 received/);

          // A name from the hosts file still resolves: the resolver is only asked what it must be.
          const named = await netdiagIn(lab, 'client', ['ping', '-c', '1', 'target.netdiag.test'], 15_000);
          expect(named.code, named.stderr).toBe(0);
          expect(named.stdout).toContain(target());
        });

        it('ping and trace of a name nobody can resolve: one line, exit 2', async () => {
          use();
          for (const args of [
            ['ping', '-c', '1', 'nowhere.netdiag.test'],
            ['trace', 'nowhere.netdiag.test'],
          ]) {
            const r = await netdiagIn(lab, 'client', args, 15_000);
            expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
            expect(oneLine(r)).toContain('nowhere.netdiag.test');
          }
        });
      });
    }

    it('an unroutable server: over TCP, iteratively from an unroutable root, and with NETDIAG_DEBUG=1', async () => {
      removeNames = pointResolver(lab.ns('client'), UNROUTABLE_RESOLVER);
      const cases: [string[], RegExp][] = [
        [
          ['lookup', '--tcp', 'a.netdiag.test'],
          /198\.18\.255\.53:53 over TCP: ENETUNREACH \(network is unreachable\)/,
        ],
        [['lookup', '-x', target()], /198\.18\.255\.53:53 over UDP: ENETUNREACH \(network is unreachable\)/],
        [
          ['lookup', '+trace', '--root', UNROUTABLE_RESOLVER, 'a.netdiag.test', 'A'],
          /no server for zone \. answered: 198\.18\.255\.53:53 over UDP: ENETUNREACH/,
        ],
      ];
      for (const [args, line] of cases) {
        const r = await netdiagIn(lab, 'client', args, 10_000);
        expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
        expect(oneLine(r)).toMatch(line);
      }
      // For a bug report, the same line and then the stack.
      const debug = await netdiagIn(lab, 'client', ['lookup', '-x', target()], 10_000, {
        NETDIAG_DEBUG: '1',
      });
      expect(debug.code).toBe(2);
      expect(debug.stderr.split('\n')[0]).toMatch(
        /^netdiag: lookup: 198\.18\.255\.53:53 over UDP: ENETUNREACH/,
      );
      expect(debug.stderr).toMatch(/^\s+at /m);
    });

    // resolv.conf lists an unroutable server first and a working one second (the client's own,
    // on its loopback): every lookup moves on to the second, as the C library does.
    it('an unroutable first nameserver and a working second: lookups answer, trace names its hops', async () => {
      const zone = (origin: string, records: string[]) => ({
        origin,
        text: [
          `$ORIGIN ${origin}.`,
          '$TTL 300',
          '@ SOA ns.netdiag.test. hostmaster.netdiag.test. 1 3600 600 86400 300',
          '@ NS ns.netdiag.test.',
          ...records,
          '',
        ].join('\n'),
      });
      const knot = await startKnot(
        [
          zone('netdiag.test', [`target A ${target()}`, 'ns A 127.0.0.53']),
          zone('2.0.192.in-addr.arpa', [
            `${gateway().split('.')[3]} PTR r1.netdiag.test.`,
            `${target().split('.')[3]} PTR target.netdiag.test.`,
          ]),
        ],
        { address: '127.0.0.53', port: 53, netns: lab.ns('client') },
      );
      try {
        removeNames = pointResolver(lab.ns('client'), UNROUTABLE_RESOLVER);
        writeFileSync(
          `/etc/netns/${lab.ns('client')}/resolv.conf`,
          `nameserver ${UNROUTABLE_RESOLVER}\nnameserver 127.0.0.53\noptions timeout:1 attempts:1\n`,
        );
        const a = await netdiagIn(lab, 'client', ['lookup', '--short', 'target.netdiag.test', 'A'], 10_000);
        expect(a.stderr).toBe('');
        expect([a.code, a.stdout]).toEqual([0, `${target()}\n`]);
        const ptr = await netdiagIn(lab, 'client', ['lookup', '--short', '-x', target()], 10_000);
        expect([ptr.code, ptr.stdout]).toEqual([0, 'target.netdiag.test.\n']);
        const tr = await netdiagIn(lab, 'client', ['trace', '-q', '1', target()], 15_000);
        expect(tr.stderr).toBe('');
        expect(tr.code).toBe(0);
        expect(tr.stdout).toContain(`r1.netdiag.test (${gateway()})`);
        expect(tr.stdout).toContain(`target.netdiag.test (${target()})`);
      } finally {
        await knot.stop();
      }
    });

    it('a library caller gets a DnsError with a code, never an exception from a callback', async () => {
      // Run in the client's namespace, from source, against the unroutable resolver.
      const script = `
      import { query, Resolver } from '@netdiag/dns-client';
      const out = [];
      for (const server of ['${UNROUTABLE_RESOLVER}']) {
        try { await query('a.netdiag.test', 'A', { servers: [server], timeoutMs: 1000, attempts: 1 }); out.push('answered'); }
        catch (e) { out.push(e.name + ' ' + e.code); }
        try { await new Resolver({ servers: [server], timeoutMs: 1000, attempts: 1 }).reverse('${target()}'); out.push('answered'); }
        catch (e) { out.push(e.name + ' ' + e.code); }
      }
      console.log(JSON.stringify(out));
    `;
      const r = await lab.exec(
        'client',
        [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
        { timeoutMs: 15_000, env: { ...process.env, NODE_PATH: '' } },
      );
      expect(r.stderr).not.toMatch(STACK);
      expect(JSON.parse(r.stdout.trim())).toEqual(['DnsError NETWORK', 'DnsError NETWORK']);
    });
  },
);
