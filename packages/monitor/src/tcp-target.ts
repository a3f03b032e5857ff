import type { Socket } from 'node:net';
import { SMOKEPING_BUCKETS } from './buckets.js';
import { Histogram } from './histogram.js';

/** One continuous TCP connect target (config `tcp:`), optionally with a TLS handshake. */
export interface TcpTargetSpec {
  /** As configured: `192.0.2.1:443`, `[2001:db8::1]:443`: the `target` label. */
  readonly target: string;
  readonly address: string;
  readonly port: number;
  readonly tls?: {
    /** SNI and the name the certificate must carry (default: the address). */
    readonly serverName?: string;
    /** PEM text of the CA that signs the server's certificate (default: the system's). */
    readonly ca?: string;
    readonly insecureSkipVerify: boolean;
  };
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export function tcpKey(s: TcpTargetSpec): string {
  return JSON.stringify([s.target, s.address, s.port, s.tls ?? null, s.intervalMs, s.timeoutMs]);
}

/** Why a connection (or its handshake) failed: a fixed set of label values. */
export type TcpFailure = 'refused' | 'timeout' | 'unreachable' | 'reset' | 'tls' | 'other';

function failureOf(err: unknown, inTls: boolean): TcpFailure {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ECONNRESET' || code === 'EPIPE') return inTls ? 'tls' : 'reset';
  return inTls ? 'tls' : 'other';
}

/**
 * Counters and histograms of one TCP target, and its schedule: at each slot a connection is
 * opened (connect time: from the call to the kernel's completion), the TLS handshake run where
 * asked (its own time), then closed. Plain node:net and node:tls: no privilege.
 */
export class TcpTarget {
  readonly key: string;
  requests = 0;
  successes = 0;
  readonly failures = new Map<TcpFailure, number>();
  readonly connect = new Histogram(SMOKEPING_BUCKETS);
  readonly handshake = new Histogram(SMOKEPING_BUCKETS);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly spec: TcpTargetSpec,
    phase: number,
  ) {
    this.key = tcpKey(spec);
    this.timer = setTimeout(() => this.tick(), phase * spec.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  fail(reason: TcpFailure): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.spec.intervalMs);
    this.requests++;
    this.probe().catch(() => this.fail('other'));
  }

  private async probe(): Promise<void> {
    const { connect } = await import('node:net');
    const s = this.spec;
    const started = performance.now();
    let socket: Socket | undefined;
    let inTls = false;
    const deadline = setTimeout(() => {
      socket?.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    }, s.timeoutMs);
    try {
      socket = await new Promise<Socket>((resolve, reject) => {
        const c = connect({ host: s.address, port: s.port });
        socket = c;
        c.once('connect', () => resolve(c));
        c.once('error', reject);
        c.once('close', () => reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      });
      this.connect.observe((performance.now() - started) / 1000);
      if (s.tls) {
        inTls = true;
        const tls = await import('node:tls');
        const plain = socket;
        const handshakeStart = performance.now();
        socket = await new Promise<Socket>((resolve, reject) => {
          const t = tls.connect({
            socket: plain,
            servername: s.tls!.serverName ?? s.address,
            ...(s.tls!.ca !== undefined && { ca: s.tls!.ca }),
            rejectUnauthorized: !s.tls!.insecureSkipVerify,
          });
          socket = t;
          t.once('secureConnect', () => resolve(t));
          t.once('error', reject);
          t.once('close', () => reject(Object.assign(new Error('closed'), { code: 'ECONNRESET' })));
        });
        this.handshake.observe((performance.now() - handshakeStart) / 1000);
      }
      this.successes++;
    } catch (err) {
      this.fail(failureOf(err, inTls));
    } finally {
      clearTimeout(deadline);
      socket?.destroy();
    }
  }
}
