import type { Agent } from './agent.js';
import { probeDns } from './blackbox-dns.js';
import type { Lookup } from './blackbox-icmp.js';
import { probeIcmp } from './blackbox-icmp.js';
import { type ExpositionFormat, ExpositionWriter } from './exposition.js';
import { prefixContains } from './prefix.js';

/** blackbox_exporter's default `--timeout-offset`: the probe ends this long before the scrape does. */
const TIMEOUT_OFFSET_S = 0.5;

export interface ProbeRequest {
  readonly query: URLSearchParams;
  /** X-Prometheus-Scrape-Timeout-Seconds, if sent. */
  readonly scrapeTimeout: string | undefined;
  readonly format: ExpositionFormat;
  readonly signal: AbortSignal;
}

export interface ProbeResponse {
  readonly status: number;
  readonly body: string | Uint8Array;
  /** Set when the body is an exposition (the status is 200). */
  readonly format?: ExpositionFormat;
}

export interface ProbeLimits {
  /** Serve any target, not only the configured ones and probe.allow (--probe-any). */
  readonly probeAny: boolean;
  readonly lookup: Lookup;
}

/**
 * `/probe?target=…&module=…` as blackbox_exporter's prober/handler.go answers it: a fresh set of
 * metrics per request (nothing a probe writes outlives its answer), probe_success and
 * probe_duration_seconds after the prober's own, 400 for an unknown module or a missing target.
 * Limits of its own: only allowed targets (403), at most max_concurrent probes at once (503).
 */
export class ProbeHandler {
  private running = 0;

  constructor(
    private readonly agent: Agent,
    private readonly limits: ProbeLimits,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  async handle(req: ProbeRequest): Promise<ProbeResponse> {
    const config = this.agent.config;
    const moduleName = req.query.get('module') || 'http_2xx';
    const module = config.modules.get(moduleName);
    if (!module) return { status: 400, body: `Unknown module "${printable(moduleName)}"\n` };
    const target = req.query.get('target') ?? '';
    if (target === '') return { status: 400, body: 'Target parameter is missing\n' };
    if (!this.allowed(target))
      return {
        status: 403,
        body: `Target "${printable(target)}" is not in the config (targets, probe.allow); --probe-any serves any\n`,
      };
    let scrapeSeconds = 0;
    if (req.scrapeTimeout !== undefined && req.scrapeTimeout !== '') {
      scrapeSeconds = Number(req.scrapeTimeout);
      if (!Number.isFinite(scrapeSeconds) || scrapeSeconds < 0)
        return {
          status: 400,
          body: `Failed to parse timeout from Prometheus header: "${printable(req.scrapeTimeout)}"\n`,
        };
    }
    if (scrapeSeconds === 0) scrapeSeconds = 120;
    const max = scrapeSeconds - TIMEOUT_OFFSET_S;
    const moduleSeconds = module.timeoutMs / 1000;
    const timeoutMs = 1000 * ((moduleSeconds < max && moduleSeconds > 0) || max < 0 ? moduleSeconds : max);
    if (this.running >= config.maxConcurrentProbes)
      return {
        status: 503,
        body: `Too many probes at once (probe.max_concurrent is ${config.maxConcurrentProbes})\n`,
      };

    this.running++;
    const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
    const signal = AbortSignal.any([timeout, req.signal]);
    const w = new ExpositionWriter(req.format);
    const started = performance.now();
    try {
      const success =
        module.prober === 'icmp'
          ? await probeIcmp(w, target, module, timeoutMs, this.agent.monitor, this.limits.lookup, signal)
          : await probeDns(w, target, module, this.limits.lookup, signal);
      w.family('probe_duration_seconds', 'gauge', 'Returns how long the probe took to complete in seconds');
      w.sample('probe_duration_seconds', '', (performance.now() - started) / 1000);
      w.family('probe_success', 'gauge', 'Displays whether or not the probe was a success');
      w.sample('probe_success', '', success ? 1 : 0);
      return { status: 200, body: w.finish(), format: req.format };
    } finally {
      this.running--;
    }
  }

  private allowed(target: string): boolean {
    if (this.limits.probeAny) return true;
    for (const spec of this.agent.targets) if (spec.host === target || spec.address === target) return true;
    return this.agent.config.probeAllow.some((p) => prefixContains(p, target));
  }
}

/** Untrusted text echoed in an answer: control characters replaced, length bounded. */
function printable(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
