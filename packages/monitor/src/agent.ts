import { readFile } from 'node:fs/promises';
import { type ConfigError, DEFAULT_GROUP, defaultConfig, type MonitorConfig, parseConfig } from './config.js';
import { writeDnsMetrics } from './dns-metrics.js';
import { DnsTarget, type DnsTargetSpec, dnsKey } from './dns-target.js';
import { type ChunkPool, type ExpositionFormat, ExpositionWriter } from './exposition.js';
import { IcmpSnapshot, icmpMetricLines } from './icmp-metrics.js';
import { IcmpMonitor, type IcmpMonitorEvents } from './icmp-monitor.js';
import { type IcmpSockets, openIcmpSockets } from './icmp-sockets.js';
import type { IcmpTargetSpec } from './icmp-target.js';
import { writeProcessMetrics } from './process-metrics.js';
import {
  dnsTargetSpecs,
  type IcmpTargetPlan,
  icmpTargetPlan,
  type ResolveAll,
  systemResolveAll,
  tcpTargetSpecs,
  traceTargetSpecs,
} from './targets.js';
import { writeTcpMetrics } from './tcp-metrics.js';
import { TcpTarget, type TcpTargetSpec, tcpKey } from './tcp-target.js';
import { writeTraceMetrics } from './trace-metrics.js';
import { TraceTarget, type TraceTargetSpec, traceKey } from './trace-monitor.js';

export interface AgentOptions {
  /** YAML config (see README); re-read on reload. */
  readonly configFile?: string;
  /** Hosts probed besides the config's, with the default ICMP settings. */
  readonly hosts?: readonly string[];
  /** The sockets, opened before the agent starts (`openIcmpSockets` by default). */
  readonly sockets?: IcmpSockets;
  readonly resolve?: ResolveAll;
  readonly events?: IcmpMonitorEvents;
}

export type ReloadResult =
  | { readonly ok: true; readonly added: number; readonly removed: number; readonly kept: number }
  | { readonly ok: false; readonly error: string };

/**
 * The agent without its HTTP face: the config, the ICMP monitor on its sockets, reloads, and the
 * metrics. All sockets are opened by `openIcmpSockets` before anything else, and never again,
 * so a privilege drop after `Agent.start` holds for the agent's whole life.
 */
export class Agent {
  private reloads = 0;
  private lastReloadOk = true;
  private lastReloadAt = Date.now() / 1000;
  private reloading: Promise<ReloadResult> | undefined;
  private traceTargets = new Map<string, TraceTarget>();
  private dnsTargets = new Map<string, DnsTarget>();
  private tcpTargets = new Map<string, TcpTarget>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly monitor: IcmpMonitor,
    private readonly sockets: IcmpSockets,
    private readonly options: AgentOptions,
    private current: MonitorConfig,
    private specs: readonly IcmpTargetSpec[],
  ) {}

  /** Loads the config (throws ConfigError or a resolution error), opens sockets, starts probing. */
  static async start(options: AgentOptions): Promise<Agent> {
    const config = await loadConfig(options.configFile);
    const plan = await allSpecs(config, options);
    const specs = plan.specs;
    const sockets = options.sockets ?? openIcmpSockets();
    const monitor = new IcmpMonitor(sockets, options.events);
    try {
      monitor.setTargets(specs);
    } catch (err) {
      monitor.stop();
      if (!options.sockets) sockets.close();
      throw err;
    }
    const agent = new Agent(monitor, sockets, options, config, specs);
    agent.refreshIn(plan.refreshInMs);
    agent.setTraces(await traceTargetSpecs(config, options.resolve ?? systemResolveAll));
    agent.setDns(await dnsTargetSpecs(config, options.resolve ?? systemResolveAll));
    agent.setTcp(await tcpTargetSpecs(config, options.resolve ?? systemResolveAll));
    return agent;
  }

  /** Starts DNS targets not running yet, stops those gone; unchanged ones keep their counters. */
  private setDns(specs: readonly DnsTargetSpec[]): { added: number; removed: number; kept: number } {
    const next = new Map<string, DnsTarget>();
    let added = 0;
    let kept = 0;
    for (const [index, spec] of specs.entries()) {
      const key = dnsKey(spec);
      if (next.has(key)) continue;
      const old = this.dnsTargets.get(key);
      if (old) kept++;
      else added++;
      next.set(key, old ?? new DnsTarget(spec, index / specs.length));
    }
    let removed = 0;
    for (const [key, t] of this.dnsTargets)
      if (!next.has(key)) {
        t.stop();
        removed++;
      }
    this.dnsTargets = next;
    return { added, removed, kept };
  }

  /** Starts TCP targets not running yet, stops those gone; unchanged ones keep their counters. */
  private setTcp(specs: readonly TcpTargetSpec[]): { added: number; removed: number; kept: number } {
    const next = new Map<string, TcpTarget>();
    let added = 0;
    let kept = 0;
    for (const [index, spec] of specs.entries()) {
      const key = tcpKey(spec);
      if (next.has(key)) continue;
      const old = this.tcpTargets.get(key);
      if (old) kept++;
      else added++;
      next.set(key, old ?? new TcpTarget(spec, index / specs.length));
    }
    let removed = 0;
    for (const [key, t] of this.tcpTargets)
      if (!next.has(key)) {
        t.stop();
        removed++;
      }
    this.tcpTargets = next;
    return { added, removed, kept };
  }

  /** The running continuous traces. */
  get traces(): IterableIterator<TraceTarget> {
    return this.traceTargets.values();
  }

  /** Starts traces not running yet, stops those gone; unchanged ones keep their counters. */
  private setTraces(specs: readonly TraceTargetSpec[]): { added: number; removed: number; kept: number } {
    const next = new Map<string, TraceTarget>();
    let added = 0;
    let kept = 0;
    for (const spec of specs) {
      const key = traceKey(spec);
      if (next.has(key)) continue;
      const old = this.traceTargets.get(key);
      if (old) kept++;
      else added++;
      next.set(key, old ?? new TraceTarget(spec, this.sockets));
    }
    let removed = 0;
    for (const [key, t] of this.traceTargets)
      if (!next.has(key)) {
        t.stop();
        removed++;
      }
    this.traceTargets = next;
    return { added, removed, kept };
  }

  get config(): MonitorConfig {
    return this.current;
  }

  get targets(): readonly IcmpTargetSpec[] {
    return this.specs;
  }

  /**
   * Re-reads the config: targets added and removed, unchanged ones keep counting. A config that
   * fails to parse or resolve changes nothing, and the result says why. Concurrent reloads share one.
   */
  reload(): Promise<ReloadResult> {
    this.reloading ??= this.doReload().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async doReload(): Promise<ReloadResult> {
    this.reloads++;
    try {
      const config = await loadConfig(this.options.configFile);
      const plan = await allSpecs(config, this.options);
      const specs = plan.specs;
      const traceSpecs = await traceTargetSpecs(config, this.options.resolve ?? systemResolveAll);
      const dnsSpecs = await dnsTargetSpecs(config, this.options.resolve ?? systemResolveAll);
      const tcpSpecs = await tcpTargetSpecs(config, this.options.resolve ?? systemResolveAll);
      const parts = [
        this.monitor.setTargets(specs),
        this.setTraces(traceSpecs),
        this.setDns(dnsSpecs),
        this.setTcp(tcpSpecs),
      ];
      const result = {
        added: parts.reduce((n, p) => n + p.added, 0),
        removed: parts.reduce((n, p) => n + p.removed, 0),
        kept: parts.reduce((n, p) => n + p.kept, 0),
      };
      this.current = config;
      this.specs = specs;
      this.refreshIn(plan.refreshInMs);
      this.lastReloadOk = true;
      this.lastReloadAt = Date.now() / 1000;
      return { ok: true, ...result };
    } catch (err) {
      this.lastReloadOk = false;
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The whole `/metrics` body as text (see `metricsChunks`). */
  metrics(format: ExpositionFormat): string {
    return this.metricsBody(format).toString('utf8');
  }

  /** The whole `/metrics` body in the format asked for, in one buffer (see `metricsChunks`). */
  metricsBody(format: ExpositionFormat): Buffer {
    return Buffer.concat([...this.metricsChunks(format)]);
  }

  /**
   * The `/metrics` body in chunks of about 64 KiB, to be sent as the client takes them: a scrape
   * of 10,000 targets is 27 MB of text, and held whole (with the copies a growing buffer makes)
   * it was most of the agent's peak memory. Every number is taken now, when this is called
   * (ICMP targets' in a snapshot, the rest written at once), so the chunks, however late they
   * are written, describe one moment. With a `pool`, chunks come from it: give each back (`put`)
   * once the socket has taken it.
   */
  metricsChunks(format: ExpositionFormat, pool?: ChunkPool): IterableIterator<Buffer> {
    this.monitor.drain();
    const snapshot = new IcmpSnapshot(this.monitor.engine);
    const rest = new ExpositionWriter(format);
    writeTraceMetrics(rest, [...this.traceTargets.values()]);
    writeDnsMetrics(rest, [...this.dnsTargets.values()]);
    writeTcpMetrics(rest, [...this.tcpTargets.values()]);
    rest.family(
      'netdiag_monitor_config_last_reload_successful',
      'gauge',
      'Whether the last configuration reload succeeded (1) or kept the running config (0).',
    );
    rest.sample('netdiag_monitor_config_last_reload_successful', '', this.lastReloadOk ? 1 : 0);
    rest.family(
      'netdiag_monitor_config_last_reload_success_timestamp_seconds',
      'gauge',
      'Timestamp of the last successful configuration reload.',
    );
    rest.sample('netdiag_monitor_config_last_reload_success_timestamp_seconds', '', this.lastReloadAt);
    rest.family('netdiag_monitor_config_reloads_total', 'counter', 'Configuration reloads attempted.');
    rest.sample('netdiag_monitor_config_reloads_total', '', this.reloads);
    writeProcessMetrics(rest);
    const tail = rest.finish();
    return (function* () {
      const w = new ExpositionWriter(format, 0, pool);
      for (const _ of icmpMetricLines(w, snapshot)) if (w.length >= CHUNK_BYTES) yield w.take();
      yield w.take(0);
      yield tail;
    })();
  }

  /**
   * Resolves the ICMP targets' names again when the soonest of their TTLs runs out: a name whose
   * address changed gets a target (and an `ip` label) for the new address, and the old one's
   * ends; unchanged ones keep counting. A name that fails to resolve then keeps the running
   * targets, and is asked again in RETRY_MS.
   */
  private refreshIn(ms: number | undefined): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (ms === undefined || this.closed) return;
    const wait = Math.min(Math.max(ms, MIN_REFRESH_MS), MAX_REFRESH_MS);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, wait);
  }

  private async refresh(): Promise<void> {
    if (this.reloading) {
      // A reload resolves every name anyway, and schedules the next refresh itself.
      return;
    }
    const config = this.current;
    let plan: IcmpTargetPlan;
    try {
      plan = await allSpecs(config, this.options);
    } catch {
      this.refreshIn(RETRY_MS);
      return;
    }
    // A reload that came meanwhile has the newer config and has scheduled its own refresh.
    if (this.closed || this.reloading || config !== this.current) return;
    this.monitor.setTargets(plan.specs);
    this.specs = plan.specs;
    this.refreshIn(plan.refreshInMs);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    for (const t of this.traceTargets.values()) t.stop();
    for (const t of this.dnsTargets.values()) t.stop();
    for (const t of this.tcpTargets.values()) t.stop();
    this.monitor.stop();
    if (!this.options.sockets) this.sockets.close();
  }
}

async function loadConfig(file: string | undefined): Promise<MonitorConfig> {
  if (file === undefined) return defaultConfig();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseConfig(text, file);
}

async function allSpecs(config: MonitorConfig, options: AgentOptions): Promise<IcmpTargetPlan> {
  const withHosts: MonitorConfig =
    options.hosts && options.hosts.length > 0
      ? { ...config, targets: [...config.targets, { ...DEFAULT_GROUP, hosts: options.hosts }] }
      : config;
  return icmpTargetPlan(withHosts, options.resolve ?? systemResolveAll);
}

export type { ConfigError };

/** Names are resolved again when their TTL runs out, but no more often than this... */
const MIN_REFRESH_MS = 1000;
/** ...and at least this often (a TTL of days still sees a renumbered target within the hour). */
const MAX_REFRESH_MS = 3_600_000;
/** A name that failed to resolve at its refresh is asked again after this. */
const RETRY_MS = 30_000;

/** What the ICMP part of a scrape is handed out in (see metricsChunks). */
const CHUNK_BYTES = 1 << 16;
