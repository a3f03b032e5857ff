import type { PrintOptions } from './options.js';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Zero-padded fraction digits by arithmetic rather than padStart: it runs once a packet. */
function fraction(nanos: number, nano: boolean): string {
  return nano ? `${1e9 + nanos}`.slice(1) : `${1e6 + Math.floor(nanos / 1000)}`.slice(1);
}

const defaultOffset = (seconds: number): number => -new Date(seconds * 1000).getTimezoneOffset() * 60;

/** Formats timestamps as tcpdump's -t flags ask; it remembers the first and previous packets. */
export class TimestampFormat {
  private first: [number, number] | undefined;
  private previous: [number, number] | undefined;
  /** Time of day text is the same for every packet within one second: cache it. */
  private cachedSecond = Number.NaN;
  private cachedText = '';
  private readonly mode: number;
  private readonly nano: boolean;
  private readonly offset: (s: number) => number;

  constructor(options: PrintOptions) {
    this.mode = options.timestamp ?? 0;
    this.nano = options.nanos ?? false;
    this.offset = options.utcOffset ?? defaultOffset;
  }

  format(seconds: number, nanos: number): string {
    switch (this.mode) {
      case 1:
        return '';
      case 2:
        return `${seconds}.${fraction(nanos, this.nano)} `;
      case 3:
      case 5: {
        const ref = this.mode === 3 ? this.previous : this.first;
        this.previous = [seconds, nanos];
        this.first ??= [seconds, nanos];
        const [rs, rn] = ref ?? [seconds, nanos];
        let ds = seconds - rs;
        let dn = nanos - rn;
        if (dn < 0) {
          ds -= 1;
          dn += 1e9;
        }
        const negative = ds < 0;
        if (negative) {
          // Show the magnitude: -(ds + dn) with dn in [0, 1e9).
          if (dn > 0) {
            ds += 1;
            dn = 1e9 - dn;
          }
          ds = -ds;
        }
        return `${negative ? '-' : ' '}${pad2(Math.floor(ds / 3600))}:${pad2(Math.floor(ds / 60) % 60)}:${pad2(ds % 60)}.${fraction(dn, this.nano)} `;
      }
      case 4: {
        const local = seconds + this.offset(seconds);
        const d = new Date(local * 1000);
        return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${fraction(nanos, this.nano)} `;
      }
      default: {
        if (seconds !== this.cachedSecond) {
          this.cachedSecond = seconds;
          const local = seconds + this.offset(seconds);
          const day = ((local % 86400) + 86400) % 86400;
          this.cachedText = `${pad2(Math.floor(day / 3600))}:${pad2(Math.floor(day / 60) % 60)}:${pad2(day % 60)}.`;
        }
        return `${this.cachedText}${fraction(nanos, this.nano)} `;
      }
    }
  }
}
