import type { TraceMethod } from './types.js';

/** Defaults, each as the tool people know has it. */
export const defaults = {
  /** traceroute -f. */
  firstTtl: 1,
  /** traceroute -m: 30 hops. */
  maxTtl: 30,
  /** traceroute -q: 3 probes per hop in classic mode. */
  queriesPerHop: 3,
  /** traceroute -N: 16 probes in flight at once. */
  maxInFlight: 16,
  /** traceroute -w MAX: 5 s at most for any reply. */
  waitMs: 5000,
  /** traceroute -w ,HERE: no more than 3 × the RTT of a reply from the same hop. */
  waitHere: 3,
  /** traceroute -w ,,NEAR: no more than 10 × the RTT of a reply from a later hop. */
  waitNear: 10,
  /** mtr -i: 1 s between rounds in continuous mode. */
  roundIntervalMs: 1000,
  /** Continuous mode waits this long for each reply (mtr lets a probe live about this long). */
  continuousWaitMs: 2000,
  /** traceroute -p for UDP: the classic base port 33434. */
  udpPort: 33_434,
  /** Paris traceroute: one flow, so one path even through load balancers. */
  flows: 1,
  /** How long the end of a trace waits for reverse names still on their way. */
  nameWaitMs: 2000,
  /** tcptraceroute's default: port 80. */
  tcpPort: 80,
  method: 'icmp' as TraceMethod,
} as const;

/**
 * traceroute's adaptive wait adds this to an RTT before multiplying it (DEF_WAIT_PREC), so that
 * a 50 µs LAN RTT does not shrink the wait below what timer precision can honour.
 */
export const WAIT_PRECISION_MS = 1;

export interface EngineConfig {
  readonly firstTtl: number;
  readonly maxTtl: number;
  readonly queriesPerHop: number;
  readonly maxInFlight: number;
  readonly mode: 'classic' | 'continuous';
  /** Longest wait for a reply, ms. */
  readonly waitMs: number;
  /** Adaptive wait factors (classic mode); 0 turns one off. */
  readonly waitHere: number;
  readonly waitNear: number;
  /** Continuous mode: rounds to run (mtr -c); undefined runs until stopped. */
  readonly cycles: number | undefined;
  readonly roundIntervalMs: number;
  /**
   * Flows to spread probes over (1 to 16): a probe's flow is its query number (classic) or its
   * round (continuous) modulo this. One flow follows one path; several find ECMP siblings.
   */
  readonly flows: number;
  /**
   * Path MTU discovery (tracepath): probes are sized from `start` (bytes, IP header included;
   * default 65535, which the kernel cuts to the interface MTU) and shrink on "fragmentation
   * needed" / "packet too big". Absent: fixed-size probes.
   */
  readonly pathMtu?: { readonly family: 4 | 6; readonly start?: number };
  /**
   * Classic mode: one probe to the destination at `maxTtl` before the others, whose answer's TTL
   * says how far away it is (see TraceEngine); probes beyond that distance wait until a router
   * there shows the path goes on. Taken only where the window spans more than one hop.
   */
  readonly distanceProbe?: boolean;
}

export class BadConfig extends Error {
  override readonly name = 'BadConfig';
}

/** Validates a configuration once, naming the first thing wrong with it. */
export function checkConfig(c: EngineConfig): EngineConfig {
  const int = (v: number, lo: number, hi: number, what: string) => {
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new BadConfig(`${what} must be a whole number from ${lo} to ${hi}, not ${v}`);
  };
  int(c.firstTtl, 1, 255, 'first TTL');
  int(c.maxTtl, 1, 255, 'max TTL');
  if (c.firstTtl > c.maxTtl) throw new BadConfig(`first TTL ${c.firstTtl} is beyond max TTL ${c.maxTtl}`);
  int(c.queriesPerHop, 1, 10, 'queries per hop');
  int(c.maxInFlight, 1, 1024, 'probes in flight');
  if (!(c.waitMs > 0) || c.waitMs > 3_600_000)
    throw new BadConfig(`wait must be above 0 and at most an hour, not ${c.waitMs} ms`);
  if (!(c.waitHere >= 0) || !(c.waitNear >= 0)) throw new BadConfig('wait factors must be 0 or more');
  if (c.cycles !== undefined) int(c.cycles, 1, Number.MAX_SAFE_INTEGER, 'cycles');
  int(c.flows, 1, 16, 'flows');
  if (c.pathMtu) {
    const min = c.pathMtu.family === 6 ? 1280 : 68;
    if (c.pathMtu.start !== undefined) int(c.pathMtu.start, min, 65_535, 'start MTU');
  }
  if (!(c.roundIntervalMs >= 1))
    throw new BadConfig(`interval must be at least 1 ms, not ${c.roundIntervalMs}`);
  return c;
}
