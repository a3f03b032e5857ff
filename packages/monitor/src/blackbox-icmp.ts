import { addressBytes, addressFamily } from '@netdiag/icmp';
import type { IcmpModule } from './config.js';
import { type ExpositionWriter, labelPairs } from './exposition.js';
import type { EchoResult, IcmpMonitor } from './icmp-monitor.js';

/** blackbox_exporter's ICMP payload when payload_size is not set. */
const BLACKBOX_PAYLOAD = new TextEncoder().encode('Prometheus Blackbox Exporter');

export type Lookup = (name: string, family: 4 | 6) => Promise<string>;

/** What chooseProtocol decided: the address, its family and how long resolving took. */
export interface Chosen {
  readonly address: string;
  readonly family: 4 | 6;
  readonly lookupSeconds: number;
}

/**
 * blackbox_exporter's chooseProtocol: the preferred family first, the other as fallback when
 * allowed. A literal address is its own answer (of its family, which the fallback must admit).
 */
export async function chooseAddress(
  target: string,
  preferred: 4 | 6,
  fallback: boolean,
  lookup: Lookup,
): Promise<Chosen> {
  const started = performance.now();
  const literal = addressFamily(target);
  if (literal) {
    if (literal !== preferred && !fallback) throw new Error(`${target} is not an IPv${preferred} address`);
    return { address: target, family: literal, lookupSeconds: (performance.now() - started) / 1000 };
  }
  try {
    const address = await lookup(target, preferred);
    return { address, family: preferred, lookupSeconds: (performance.now() - started) / 1000 };
  } catch (err) {
    if (!fallback) throw err;
    const other = preferred === 4 ? 6 : 4;
    const address = await lookup(target, other);
    return { address, family: other, lookupSeconds: (performance.now() - started) / 1000 };
  }
}

/** blackbox's probe_ip_addr_hash: FNV-1a (32 bits) of the address's bytes. */
export function ipAddrHash(address: string): number {
  let h = 0x811c9dc5;
  for (const b of addressBytes(address)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Writes the metrics of blackbox's chooseProtocol (every prober that resolves has them). */
export function writeChosen(w: ExpositionWriter, chosen: Chosen): void {
  w.family(
    'probe_dns_lookup_time_seconds',
    'gauge',
    'Returns the time taken for probe dns lookup in seconds',
  );
  w.sample('probe_dns_lookup_time_seconds', '', chosen.lookupSeconds);
  w.family(
    'probe_ip_addr_hash',
    'gauge',
    "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
  );
  w.sample('probe_ip_addr_hash', '', ipAddrHash(chosen.address));
  w.family('probe_ip_protocol', 'gauge', 'Specifies whether probe ip protocol is IP4 or IP6');
  w.sample('probe_ip_protocol', '', chosen.family);
}

/**
 * blackbox_exporter's ICMP prober on the agent's sockets: its metrics (probe_icmp_duration_seconds
 * by phase, probe_icmp_reply_hop_limit) and netdiag's for several requests per probe. Success:
 * at least one reply.
 */
export async function probeIcmp(
  w: ExpositionWriter,
  target: string,
  module: IcmpModule,
  timeoutMs: number,
  monitor: IcmpMonitor,
  lookup: Lookup,
  signal: AbortSignal,
): Promise<boolean> {
  let chosen: Chosen;
  try {
    chosen = await chooseAddress(target, module.preferredFamily, module.fallback, lookup);
  } catch {
    return false;
  }
  writeChosen(w, chosen);
  const payload = module.payloadSize === 0 ? BLACKBOX_PAYLOAD : new Uint8Array(module.payloadSize);
  const elapsedMs = chosen.lookupSeconds * 1000;
  let result: EchoResult;
  try {
    result = await monitor.echo(chosen.address, chosen.family, {
      packets: module.packets,
      packetIntervalMs: module.packetIntervalMs,
      timeoutMs: Math.max(1, timeoutMs - elapsedMs - (module.packets - 1) * module.packetIntervalMs),
      payload,
      signal,
      ...(module.ttl !== undefined && { ttl: module.ttl }),
    });
  } catch {
    return false;
  }
  const answered = result.rtts.filter((r) => !Number.isNaN(r));
  const mean = answered.length === 0 ? 0 : answered.reduce((a, b) => a + b, 0) / answered.length;
  w.family('probe_icmp_duration_seconds', 'gauge', 'Duration of icmp request by phase');
  w.sample('probe_icmp_duration_seconds', labelPairs({ phase: 'resolve' }), chosen.lookupSeconds);
  // As blackbox: every phase is written (rtt 0 without a reply), the hop limit only with one.
  w.sample('probe_icmp_duration_seconds', labelPairs({ phase: 'rtt' }), mean);
  w.sample('probe_icmp_duration_seconds', labelPairs({ phase: 'setup' }), result.setupSeconds);
  if (result.hopLimit !== undefined && answered.length > 0) {
    w.family('probe_icmp_reply_hop_limit', 'gauge', 'Replied packet hop limit (TTL for ipv4)');
    w.sample('probe_icmp_reply_hop_limit', '', result.hopLimit);
  }
  w.family('netdiag_probe_icmp_requests', 'gauge', "Echo requests this probe sent (the module's packets).");
  w.sample('netdiag_probe_icmp_requests', '', result.sent);
  w.family('netdiag_probe_icmp_replies', 'gauge', 'Echo replies this probe received in time.');
  w.sample('netdiag_probe_icmp_replies', '', result.received);
  w.family(
    'netdiag_probe_icmp_loss_ratio',
    'gauge',
    "Share of this probe's requests without a reply (0 to 1).",
  );
  w.sample('netdiag_probe_icmp_loss_ratio', '', result.sent === 0 ? 1 : 1 - result.received / result.sent);
  return result.received > 0;
}
