import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type KnotServer, standardZones, startKnot } from './dns/knot.js';
import { useLab } from './lab/index.js';
import { type Daemon, httpIn, samples, startAgent, startDaemon, waitReady } from './support/monitor.js';

const root = process.getuid?.() === 0;
const AGENT = '127.0.0.1:19374';
const BLACKBOX = '127.0.0.1:19115';

type Exposition = Map<string, { labels: Record<string, string>; value: number }[]>;

/** Metric name -> samples, from an exposition (comments skipped). */
function parseExposition(body: string): Exposition {
  const names = new Set<string>();
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (m && !line.startsWith('#')) names.add(m[1]!);
  }
  return new Map([...names].map((n) => [n, samples(body, n)]));
}

/** The metric names and label sets (label names and values, the values left out for numbers). */
function shape(e: Exposition): string[] {
  const out: string[] = [];
  for (const [name, list] of e) {
    if (name.startsWith('netdiag_')) continue; // what netdiag adds: several packets, loss
    for (const s of list)
      out.push(
        `${name}{${Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .sort()
          .join(',')}}`,
      );
  }
  return out.sort();
}

const value = (e: Exposition, name: string, labels: Record<string, string> = {}) =>
  e.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe.skipIf(!root)('/probe beside prometheus-blackbox-exporter (needs root)', () => {
  const lab = useLab();
  let agent: Daemon | undefined;
  let blackbox: Daemon | undefined;
  let knot: KnotServer | undefined;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'netdiag-monitor-bb-'));
    // The agent becomes nobody once its sockets are open, and re-reads the config on reload.
    chmodSync(dir, 0o755);
    knot = await startKnot(standardZones(), { address: lab.addr('t3', 4), port: 53, netns: lab.ns('t3') });
    // One blackbox config file, read by both: the modules netdiag serves, in blackbox's format.
    const modules = {
      modules: {
        icmp4: { prober: 'icmp', timeout: '2s', icmp: { preferred_ip_protocol: 'ip4' } },
        icmp6: {
          prober: 'icmp',
          timeout: '2s',
          icmp: { preferred_ip_protocol: 'ip6', ip_protocol_fallback: false },
        },
        dns_a: {
          prober: 'dns',
          timeout: '2s',
          dns: {
            query_name: 'www.netdiag.test',
            query_type: 'A',
            preferred_ip_protocol: 'ip4',
            transport_protocol: 'udp',
          },
        },
        dns_soa: {
          prober: 'dns',
          timeout: '2s',
          dns: { query_name: 'netdiag.test', query_type: 'SOA', preferred_ip_protocol: 'ip4' },
        },
        dns_missing: {
          prober: 'dns',
          timeout: '2s',
          dns: { query_name: 'nothing.netdiag.test', query_type: 'A', preferred_ip_protocol: 'ip4' },
        },
      },
    };
    writeFileSync(join(dir, 'blackbox.yml'), stringify(modules));
    blackbox = startDaemon(lab, 'client', [
      'prometheus-blackbox-exporter',
      `--config.file=${join(dir, 'blackbox.yml')}`,
      `--web.listen-address=${BLACKBOX}`,
    ]);
    agent = startAgent(lab, 'client', [
      '--config',
      join(dir, 'blackbox.yml'),
      '--listen',
      AGENT,
      '--probe-any',
    ]);
    await waitReady(lab, 'client', `http://${BLACKBOX}/-/healthy`, blackbox);
    await waitReady(lab, 'client', `http://${AGENT}/-/healthy`, agent);
  });

  afterAll(async () => {
    await agent?.stop();
    await blackbox?.stop();
    await knot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const both = async (query: string) => {
    const [ours, theirs] = await Promise.all([
      httpIn(lab, 'client', `http://${AGENT}/probe?${query}`),
      httpIn(lab, 'client', `http://${BLACKBOX}/probe?${query}`),
    ]);
    expect(ours.status, ours.body).toBe(200);
    expect(theirs.status, theirs.body).toBe(200);
    return { ours: parseExposition(ours.body), theirs: parseExposition(theirs.body) };
  };

  for (const [module, family] of [
    ['icmp4', 4],
    ['icmp6', 6],
  ] as const)
    it(`icmp (${module}) to a target 3 routers away: same names and labels, same verdict, hop limit and address hash`, async () => {
      const target = lab.addr('t3', family);
      const { ours, theirs } = await both(`module=${module}&target=${encodeURIComponent(target)}`);
      expect(shape(ours)).toEqual(shape(theirs));
      for (const name of [
        'probe_success',
        'probe_ip_protocol',
        'probe_ip_addr_hash',
        'probe_icmp_reply_hop_limit',
      ])
        expect(value(ours, name), name).toBe(value(theirs, name));
      expect(value(ours, 'probe_success')).toBe(1);
      expect(value(ours, 'probe_icmp_reply_hop_limit')).toBe(61);
      const rtt = (e: Exposition) => value(e, 'probe_icmp_duration_seconds', { phase: 'rtt' })!;
      expect(rtt(ours)).toBeGreaterThan(0);
      expect(Math.abs(rtt(ours) - rtt(theirs))).toBeLessThan(0.002);
      expect(value(ours, 'netdiag_probe_icmp_requests')).toBe(1);
    });

  it('icmp to a target behind an admin-prohibited reject: both fail, with the same names', async () => {
    const { ours, theirs } = await both(`module=icmp4&target=${lab.addr('reject', 4)}`);
    expect(value(ours, 'probe_success')).toBe(0);
    expect(value(theirs, 'probe_success')).toBe(0);
    expect(shape(ours)).toEqual(shape(theirs));
  });

  for (const module of ['dns_a', 'dns_soa', 'dns_missing'])
    it(`dns (${module}) against knot: same names and labels, same record counts and verdict`, async () => {
      const { ours, theirs } = await both(`module=${module}&target=${lab.addr('t3', 4)}`);
      expect(shape(ours)).toEqual(shape(theirs));
      for (const name of [
        'probe_success',
        'probe_dns_answer_rrs',
        'probe_dns_authority_rrs',
        'probe_dns_additional_rrs',
        'probe_dns_query_succeeded',
        'probe_dns_serial',
        'probe_ip_addr_hash',
      ])
        expect(value(ours, name), name).toBe(value(theirs, name));
      expect(value(ours, 'probe_success')).toBe(module === 'dns_missing' ? 0 : 1);
    });
});
