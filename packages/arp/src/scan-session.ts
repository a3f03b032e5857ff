import { ArpOperation, decodeArpFrame, encodeArpFrame, whoHas } from './arp-packet.js';
import { ipv4ToNumber } from './ipv4.js';

/**
 * arp-scan as a state machine: who-has to every target, paced, in passes; a target that has
 * not answered is asked again (up to `attempts` times, never sooner than `timeoutMs` after its
 * previous request); the scan ends when every target answered, or `timeoutMs` after the last
 * request. It owns no socket and reads no clock: `step(event)` returns the actions to carry out.
 * State is per instance and mutable (typed arrays), so a /16 does not copy 65k entries per event.
 */
export interface ScanConfig {
  readonly targets: readonly string[];
  readonly senderMac: string;
  readonly senderIp: string;
  /** Between two requests. Default 2 ms: about 300 kbit/s of 60-byte frames, near arp-scan's 256 kbit/s. */
  readonly intervalMs?: number;
  /** Requests per silent target. Default 2, as arp-scan. */
  readonly attempts?: number;
  /** Wait for a reply after a request. Default 500 ms, as arp-scan. */
  readonly timeoutMs?: number;
}

export interface ScanHost {
  readonly ip: string;
  readonly mac: string;
  readonly rttMs: number;
  /** Further MACs that answered for the same address: an address conflict (or a proxy). */
  readonly otherMacs: readonly string[];
}

export interface ScanSummary {
  readonly targets: number;
  readonly sent: number;
  /** In target order. */
  readonly hosts: readonly ScanHost[];
}

export type ScanEvent =
  | { readonly type: 'start'; readonly at: number }
  | { readonly type: 'timer'; readonly at: number }
  | { readonly type: 'sent'; readonly index: number; readonly at: number }
  | { readonly type: 'frame'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly type: 'stop'; readonly at: number };

export type ScanAction =
  | { readonly type: 'send'; readonly index: number; readonly target: string; readonly frame: Uint8Array }
  | { readonly type: 'wake'; readonly at: number }
  | { readonly type: 'found'; readonly host: ScanHost }
  | { readonly type: 'conflict'; readonly ip: string; readonly mac: string }
  | { readonly type: 'done'; readonly summary: ScanSummary };

export class ScanSession {
  readonly #targets: readonly string[];
  readonly #index = new Map<number, number>();
  /** When each target was last asked, by the session's clock: retries and the end are timed from it. */
  readonly #askedAt: Float64Array;
  /** The socket's send time of that request (the 'sent' event), for the RTT alone. */
  readonly #lastSent: Float64Array;
  readonly #tries: Uint8Array;
  readonly #hosts = new Map<number, { ip: string; mac: string; rttMs: number; otherMacs: string[] }>();
  readonly #senderMac: string;
  readonly #senderIp: string;
  readonly #interval: number;
  readonly #attempts: number;
  readonly #timeout: number;
  #phase: 'idle' | 'running' | 'done' = 'idle';
  #pass = 1;
  #cursor = 0;
  #nextSendAt = 0;
  #lastAnySend = Number.NEGATIVE_INFINITY;
  #sent = 0;

  constructor(config: ScanConfig) {
    this.#targets = config.targets;
    this.#senderMac = config.senderMac;
    this.#senderIp = config.senderIp;
    this.#interval = config.intervalMs ?? 2;
    this.#attempts = config.attempts ?? 2;
    this.#timeout = config.timeoutMs ?? 500;
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1 || this.#attempts > 255)
      throw new RangeError(`attempts must be 1 to 255, got ${this.#attempts}`);
    if (!(this.#interval >= 0) || !(this.#timeout > 0))
      throw new RangeError('intervalMs must be >= 0 and timeoutMs > 0');
    this.#askedAt = new Float64Array(config.targets.length).fill(Number.NaN);
    this.#lastSent = new Float64Array(config.targets.length).fill(Number.NaN);
    this.#tries = new Uint8Array(config.targets.length);
    config.targets.forEach((t, i) => {
      const n = ipv4ToNumber(t);
      if (n === undefined) throw new TypeError(`not an IPv4 address: ${JSON.stringify(t)}`);
      this.#index.set(n, i);
    });
  }

  get phase(): 'idle' | 'running' | 'done' {
    return this.#phase;
  }

  step(event: ScanEvent): ScanAction[] {
    const actions: ScanAction[] = [];
    if (this.#phase === 'done') return actions;
    switch (event.type) {
      case 'stop':
        this.#finish(actions);
        break;
      case 'start':
        if (this.#phase === 'idle') {
          this.#phase = 'running';
          this.#nextSendAt = event.at;
          this.#advance(event.at, actions);
        }
        break;
      case 'timer':
        if (this.#phase === 'running') this.#advance(event.at, actions);
        break;
      case 'sent':
        if (event.index >= 0 && event.index < this.#targets.length) this.#lastSent[event.index] = event.at;
        break;
      case 'frame':
        if (this.#phase === 'running') this.#receive(event.at, event.bytes, actions);
        break;
    }
    return actions;
  }

  #answered(i: number): boolean {
    return this.#hosts.has(i);
  }

  #advance(at: number, actions: ScanAction[]): void {
    const n = this.#targets.length;
    for (;;) {
      while (this.#cursor < n && (this.#answered(this.#cursor) || this.#tries[this.#cursor]! >= this.#pass))
        this.#cursor++;
      if (this.#cursor < n) break;
      // End of a pass: another one if some target is still silent and may be asked again.
      if (this.#pass < this.#attempts && this.#hosts.size < n) {
        this.#pass++;
        this.#cursor = 0;
        continue;
      }
      const deadline = this.#lastAnySend + this.#timeout;
      if (at >= deadline || this.#hosts.size === n) this.#finish(actions);
      else actions.push({ type: 'wake', at: deadline });
      return;
    }
    const i = this.#cursor;
    const earliest = Math.max(
      this.#nextSendAt,
      Number.isNaN(this.#lastSent[i]!) ? at : this.#lastSent[i]! + this.#timeout,
    );
    if (at < earliest) {
      actions.push({ type: 'wake', at: earliest });
      return;
    }
    const target = this.#targets[i]!;
    actions.push({
      type: 'send',
      index: i,
      target,
      frame: encodeArpFrame(
        whoHas({ senderMac: this.#senderMac, senderIp: this.#senderIp, targetIp: target }),
      ),
    });
    this.#tries[i]!++;
    this.#askedAt[i] = at;
    this.#lastSent[i] = at;
    this.#lastAnySend = at;
    this.#sent++;
    this.#nextSendAt = at + this.#interval;
    this.#cursor++;
    actions.push({ type: 'wake', at: this.#nextSendAt });
  }

  #receive(at: number, bytes: Uint8Array, actions: ScanAction[]): void {
    const d = decodeArpFrame(bytes);
    if (!d.ok) return;
    const f = d.value;
    if (
      f.operation !== ArpOperation.Reply ||
      f.targetIp !== this.#senderIp ||
      f.senderMac === this.#senderMac
    )
      return;
    const i = this.#index.get(ipv4ToNumber(f.senderIp)!);
    if (i === undefined || Number.isNaN(this.#lastSent[i]!)) return; // not asked (yet): unsolicited
    const known = this.#hosts.get(i);
    if (known === undefined) {
      const host = {
        ip: f.senderIp,
        mac: f.senderMac,
        rttMs: at - this.#lastSent[i]!,
        otherMacs: [] as string[],
      };
      this.#hosts.set(i, host);
      actions.push({ type: 'found', host: { ...host, otherMacs: [] } });
      if (this.#hosts.size === this.#targets.length) this.#finish(actions);
    } else if (known.mac !== f.senderMac && !known.otherMacs.includes(f.senderMac)) {
      known.otherMacs.push(f.senderMac);
      actions.push({ type: 'conflict', ip: f.senderIp, mac: f.senderMac });
    }
  }

  #finish(actions: ScanAction[]): void {
    this.#phase = 'done';
    const hosts = [...this.#hosts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, h]) => ({ ...h, otherMacs: [...h.otherMacs] }));
    actions.push({ type: 'done', summary: { targets: this.#targets.length, sent: this.#sent, hosts } });
  }
}
