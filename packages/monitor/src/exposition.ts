import type { Histogram } from './histogram.js';

/**
 * The Prometheus text format (0.0.4) and OpenMetrics 1.0, written directly: a scrape of 10,000
 * targets is 300,000 lines, and building them from cached label strings is what keeps it fast
 * (bench/monitor-exposition.ts compares with prom-client; README says by how much).
 */
export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** OpenMetrics when the Accept header asks for it (Prometheus does, first); the text format else. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'text';
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';');
    if (type?.trim().toLowerCase() !== 'application/openmetrics-text') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    return 'openmetrics';
  }
  return 'text';
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info';

/** A label value with `\`, `"` and newlines escaped, as both formats want. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

/** `a="x",b="y"` (no braces) from label pairs, escaped. */
export function labelPairs(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
}

/**
 * A number as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it, which is what client_golang
 * puts in `le` labels: Prometheus 2 keeps `le` as text, so `5e-05` must stay `5e-05` for
 * dashboards made for smokeping_prober to find the same series.
 */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (v === 0) return '0';
  const [mantissa, exponentText] = v.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = Math.abs(exponent) < 10 ? `0${Math.abs(exponent)}` : `${Math.abs(exponent)}`;
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return String(v);
}

/** A sample value: integers as integers, NaN and infinities as the formats spell them. */
export function sampleValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** Accumulates one exposition; `finish()` returns the body. */
export class ExpositionWriter {
  private readonly parts: string[] = [];
  private readonly leCache = new Map<readonly number[], string[]>();

  constructor(readonly format: ExpositionFormat) {}

  /**
   * HELP and TYPE of a family. `name` is the sample name (`smokeping_requests_total`); in
   * OpenMetrics a counter's family drops the `_total`.
   */
  family(name: string, type: MetricType, help: string): void {
    let family = name;
    let shownType: string = type;
    if (this.format === 'openmetrics' && type === 'counter' && name.endsWith('_total'))
      family = name.slice(0, -6);
    if (this.format === 'text' && type === 'info') shownType = 'gauge';
    const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    this.parts.push(`# HELP ${family} ${escaped}\n# TYPE ${family} ${shownType}\n`);
  }

  /** One sample; `labels` is `a="x",b="y"` or empty. */
  sample(name: string, labels: string, value: number): void {
    this.parts.push(
      labels === '' ? `${name} ${sampleValue(value)}\n` : `${name}{${labels}} ${sampleValue(value)}\n`,
    );
  }

  /** A histogram's buckets (cumulative), sum and count under `name`. */
  histogram(name: string, labels: string, h: Histogram): void {
    const les = this.les(h.bounds);
    const prefix = labels === '' ? `${name}_bucket{` : `${name}_bucket{${labels},`;
    let out = '';
    let running = 0;
    for (let i = 0; i < les.length; i++) {
      running += h.counts[i]!;
      out += `${prefix}le="${les[i]}"} ${running}\n`;
    }
    out += `${prefix}le="+Inf"} ${h.count}\n`;
    const brace = labels === '' ? '' : `{${labels}}`;
    out += `${name}_sum${brace} ${sampleValue(h.sum)}\n${name}_count${brace} ${h.count}\n`;
    this.parts.push(out);
  }

  finish(): string {
    if (this.format === 'openmetrics') this.parts.push('# EOF\n');
    return this.parts.join('');
  }

  private les(bounds: readonly number[]): string[] {
    let les = this.leCache.get(bounds);
    if (!les) {
      // OpenMetrics wants a float's canonical form: an integral bound is written `1.0`.
      les = bounds.map((b) => {
        const s = goFloat(b);
        return this.format === 'openmetrics' && /^-?\d+$/.test(s) ? `${s}.0` : s;
      });
      this.leCache.set(bounds, les);
    }
    return les;
  }
}
