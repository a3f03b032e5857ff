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

/** Names and fixed text, encoded once per process: a scrape copies bytes, it does not build strings. */
const encoded = new Map<string, Buffer>();
function bytes(text: string): Buffer {
  let b = encoded.get(text);
  if (!b) {
    b = Buffer.from(text, 'utf8');
    if (encoded.size < 4096) encoded.set(text, b);
  }
  return b;
}

/**
 * Buffers for a body sent in chunks, handed back once the socket has taken them: a scrape of
 * 10,000 targets reuses a few buffers instead of leaving 27 MB of them for the collector.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly keep = 4) {}

  get(): Buffer | undefined {
    return this.free.pop();
  }

  /** A chunk `take()` returned (a view from the start of its buffer) is free for reuse. */
  put(chunk: Buffer): void {
    if (this.free.length >= this.keep || chunk.byteOffset !== 0) return;
    this.free.push(Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength));
  }
}

const NEWLINE = 10;
const SPACE = 32;
const OPEN = 123; // {
const CLOSE = 125; // }

/**
 * Accumulates one exposition in a growing buffer; `finish()` returns the body. Label sets may be
 * passed pre-encoded (`Uint8Array`, as `a="x",b="y"`), which is what keeps a scrape of 10,000
 * targets (300,000 lines) fast: every line is three copies and a number.
 */
export class ExpositionWriter {
  private buf: Buffer;
  private at = 0;
  private readonly leCache = new Map<readonly number[], [Buffer, Buffer][]>();

  /**
   * `sizeHint`: the previous body's size. A scrape of 10,000 targets is 27 MB: grown by doubling
   * from 64 KiB it would copy, and briefly hold, twice that.
   */
  constructor(
    readonly format: ExpositionFormat,
    sizeHint = 0,
    private readonly pool?: ChunkPool,
  ) {
    this.buf = pool?.get() ?? Buffer.allocUnsafe(Math.max(1 << 16, Math.ceil(sizeHint * 1.05)));
  }

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
    this.put(bytes(`# HELP ${family} ${escaped}\n# TYPE ${family} ${shownType}\n`));
  }

  /** One sample; `labels` is `a="x",b="y"` (text or pre-encoded) or empty. */
  sample(name: string, labels: string | Uint8Array, value: number): void {
    this.put(bytes(name));
    const l = typeof labels === 'string' ? (labels === '' ? undefined : Buffer.from(labels)) : labels;
    if (l && l.length > 0) {
      this.byte(OPEN);
      this.put(l);
      this.byte(CLOSE);
    }
    this.byte(SPACE);
    this.number(value);
    this.byte(NEWLINE);
  }

  /** A histogram's buckets (cumulative), sum and count under `name`. */
  histogram(name: string, labels: string | Uint8Array, h: Histogram): void {
    this.histogramCounts(name, labels, h.bounds, h.counts, 0, h.sum, h.count);
  }

  /**
   * A histogram from its per-bucket (not cumulative) counts at `counts[from ..]`, one per bound:
   * what a snapshot of many histograms in one typed array holds.
   */
  histogramCounts(
    name: string,
    labels: string | Uint8Array,
    bounds: readonly number[],
    counts: ArrayLike<number>,
    from: number,
    sum: number,
    count: number,
  ): void {
    const l = typeof labels === 'string' ? Buffer.from(labels) : labels;
    const les = this.les(bounds);
    const bucket = bytes(`${name}_bucket{`);
    let running = 0;
    for (let i = 0; i <= les.length; i++) {
      running = i < les.length ? running + counts[from + i]! : count;
      const [withLabels, alone] = les[i] ?? this.inf();
      this.put(bucket);
      if (l.length > 0) {
        this.put(l);
        this.put(withLabels);
      } else this.put(alone);
      this.number(running);
      this.byte(NEWLINE);
    }
    this.sample(`${name}_sum`, l, sum);
    this.sample(`${name}_count`, l, count);
  }

  /** Bytes written since the last `take()`. */
  get length(): number {
    return this.at;
  }

  /**
   * The bytes written so far, as one chunk of a body sent in pieces; the writer goes on in a
   * fresh buffer of `next` bytes, by default as large as the last (the chunk is the caller's: it
   * may sit in a socket's queue).
   */
  take(next = this.buf.length): Buffer {
    const chunk = this.buf.subarray(0, this.at);
    this.buf = (next > 0 ? this.pool?.get() : undefined) ?? Buffer.allocUnsafe(next);
    this.at = 0;
    return chunk;
  }

  /** The rest of the body (OpenMetrics's `# EOF` included). */
  finish(): Buffer {
    if (this.format === 'openmetrics') this.put(bytes('# EOF\n'));
    return this.buf.subarray(0, this.at);
  }

  private les(bounds: readonly number[]): [Buffer, Buffer][] {
    let les = this.leCache.get(bounds);
    if (!les) {
      // OpenMetrics wants a float's canonical form: an integral bound is written `1.0`.
      les = bounds.map((b) => {
        const g = goFloat(b);
        const s = this.format === 'openmetrics' && /^-?\d+$/.test(g) ? `${g}.0` : g;
        return [bytes(`,le="${s}"} `), bytes(`le="${s}"} `)];
      });
      this.leCache.set(bounds, les);
    }
    return les;
  }

  private inf(): [Buffer, Buffer] {
    return [bytes(',le="+Inf"} '), bytes('le="+Inf"} ')];
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private put(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  private number(v: number): void {
    if (Number.isInteger(v) && v >= 0 && v < 1e15) {
      // Counts, the bulk of every scrape: digits written in place.
      this.room(16);
      if (v === 0) {
        this.buf[this.at++] = 48;
        return;
      }
      let digits = 0;
      for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
      let x = v;
      for (let i = digits - 1; i >= 0; i--) {
        this.buf[this.at + i] = 48 + (x % 10);
        x = Math.floor(x / 10);
      }
      this.at += digits;
      return;
    }
    const text = sampleValue(v);
    this.room(text.length);
    this.at += this.buf.write(text, this.at, 'latin1');
  }
}
