import { type DnsResponse, query } from '@netdiag/dns-client';
import { type Chosen, chooseAddress, type Lookup, writeChosen } from './blackbox-icmp.js';
import type { DnsModule } from './config.js';
import { type ExpositionWriter, labelPairs } from './exposition.js';

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address, as blackbox's dns targets are written. */
export function splitTarget(target: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(target);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 53 };
  const colons = target.split(':').length - 1;
  if (colons > 1) return { host: target, port: 53 };
  const [host, port] = target.split(':') as [string, string | undefined];
  if (host === '') return undefined;
  if (port === undefined) return { host, port: 53 };
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) return undefined;
  return { host, port: Number(port) };
}

/**
 * blackbox_exporter's DNS prober: one query to the target server (no EDNS, as blackbox sends),
 * success when it answered with one of the module's valid rcodes. Metrics as blackbox writes them:
 * probe_dns_duration_seconds by phase, the three RR counts, probe_dns_query_succeeded,
 * probe_dns_serial for an SOA answer.
 */
export async function probeDns(
  w: ExpositionWriter,
  target: string,
  module: DnsModule,
  lookup: Lookup,
  signal: AbortSignal,
): Promise<boolean> {
  const split = splitTarget(target);
  if (!split) return false;
  let chosen: Chosen;
  try {
    chosen = await chooseAddress(split.host, module.preferredFamily, module.fallback, lookup);
  } catch {
    return false;
  }
  writeChosen(w, chosen);
  let response: DnsResponse | undefined;
  try {
    response = await query(module.queryName, module.queryType, {
      servers: [{ address: chosen.address, port: split.port }],
      transport: module.transport,
      recursionDesired: module.recursionDesired,
      edns: false,
      attempts: 1,
      timeoutMs: 120_000,
      signal,
    });
  } catch {
    response = undefined;
  }
  const m = response?.message;
  w.family(
    'probe_dns_additional_rrs',
    'gauge',
    'Returns number of entries in the additional resource record list',
  );
  w.sample('probe_dns_additional_rrs', '', m?.additionals.length ?? 0);
  w.family('probe_dns_answer_rrs', 'gauge', 'Returns number of entries in the answer resource record list');
  w.sample('probe_dns_answer_rrs', '', m?.answers.length ?? 0);
  w.family(
    'probe_dns_authority_rrs',
    'gauge',
    'Returns number of entries in the authority resource record list',
  );
  w.sample('probe_dns_authority_rrs', '', m?.authorities.length ?? 0);
  w.family('probe_dns_duration_seconds', 'gauge', 'Duration of DNS request by phase');
  w.sample('probe_dns_duration_seconds', labelPairs({ phase: 'connect' }), 0);
  w.sample('probe_dns_duration_seconds', labelPairs({ phase: 'request' }), (response?.rttMs ?? 0) / 1000);
  w.sample('probe_dns_duration_seconds', labelPairs({ phase: 'resolve' }), chosen.lookupSeconds);
  w.family(
    'probe_dns_query_succeeded',
    'gauge',
    'Displays whether or not the query was executed successfully',
  );
  w.sample('probe_dns_query_succeeded', '', m ? 1 : 0);
  for (const r of m?.answers ?? []) {
    if (r.type !== 'SOA') continue;
    w.family('probe_dns_serial', 'gauge', 'Returns the serial number of the zone');
    w.sample('probe_dns_serial', '', r.serial);
    break;
  }
  return m !== undefined && module.validRcodes.includes(m.rcode);
}
