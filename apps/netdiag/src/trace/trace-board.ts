import {
  FlowPaths,
  flowsByResponder,
  type HopSnapshot,
  HopStats,
  type TraceEvent,
} from '@netdiag/ttl-prober';

export type TraceDisplay = 'stats' | 'history';

/** What the live trace view shows. Plain data: the view only renders it. */
export interface TraceBoardSnapshot {
  readonly host: string;
  readonly address: string;
  readonly hops: readonly HopSnapshot[];
  readonly names: ReadonlyMap<string, string>;
  /** Each responder's owner (-z, -y: `AS15169 Google LLC`), shown before its name; absent without. */
  readonly ipInfo?: ReadonlyMap<string, string>;
  readonly showNames: boolean;
  readonly display: TraceDisplay;
  readonly paused: boolean;
  readonly ended: boolean;
  /** `--mtu`: the table gains a PMTU column. */
  readonly pathMtu?: boolean;
  /** Flows of the trace; with more than one, `flowsAt` says how many flows met each responder per TTL. */
  readonly flows: number;
  readonly flowsAt: ReadonlyMap<number, ReadonlyMap<string, number>>;
}

/** The live state of a trace, folded from its events and the keys pressed. */
export class TraceBoard {
  #host = '';
  #address = '';
  #hops = new Map<number, HopSnapshot>();
  #firstTtl = 1;
  #destinationTtl: number | undefined;
  readonly #names = new Map<string, string>();
  showNames: boolean;
  display: TraceDisplay = 'stats';
  paused = false;
  /** Set by -z and -y: a responder's owner as text. */
  infoOf: ((address: string) => string) | undefined;
  #ended = false;
  #pathMtu = false;
  #flows = 1;
  #flowPaths = new FlowPaths();

  constructor(showNames: boolean) {
    this.showNames = showNames;
  }

  apply(e: TraceEvent): void {
    switch (e.type) {
      case 'start':
        this.#host = e.host;
        this.#address = e.address;
        this.#firstTtl = e.config.firstTtl;
        this.#pathMtu = e.config.pathMtu !== undefined;
        this.#flows = e.config.flows;
        this.#flowPaths = new FlowPaths(e.config.firstTtl);
        break;
      case 'hop':
        this.#hops.set(e.hop.ttl, e.hop);
        if (e.hop.reachedDestination || e.hop.mark) {
          if (this.#destinationTtl === undefined || e.hop.ttl < this.#destinationTtl)
            this.#destinationTtl = e.hop.ttl;
        }
        break;
      case 'name':
        this.#names.set(e.address, e.name);
        break;
      case 'end':
        this.#ended = true;
        this.#hops = new Map(e.hops.map((h) => [h.ttl, h]));
        break;
      case 'probe':
        this.#flowPaths.record(e);
        break;
      case 'pmtu':
        break;
    }
  }

  /** Clears the statistics shown (the engine is reset alongside). */
  reset(): void {
    this.#hops.clear();
    this.#flowPaths.reset();
  }

  snapshot(): TraceBoardSnapshot {
    const last = this.#destinationTtl ?? Math.max(this.#firstTtl - 1, ...this.#hops.keys());
    const hops: HopSnapshot[] = [];
    for (let ttl = this.#firstTtl; ttl <= last; ttl++)
      hops.push(this.#hops.get(ttl) ?? new HopStats(ttl).snapshot()); // a hop not heard from yet
    return {
      host: this.#host,
      address: this.#address,
      hops,
      names: this.#names,
      ...(this.infoOf && { ipInfo: ownerTexts(hops, this.infoOf) }),
      showNames: this.showNames,
      display: this.display,
      paused: this.paused,
      ended: this.#ended,
      ...(this.#pathMtu && { pathMtu: true }),
      flows: this.#flows,
      flowsAt: this.#flows > 1 ? flowCounts(this.#flowPaths) : new Map(),
    };
  }
}

function flowCounts(paths: FlowPaths): Map<number, Map<string, number>> {
  const byTtl = flowsByResponder(paths.paths());
  return new Map([...byTtl].map(([ttl, at]) => [ttl, new Map([...at].map(([a, f]) => [a, f.length]))]));
}

function ownerTexts(hops: readonly HopSnapshot[], infoOf: (address: string) => string): Map<string, string> {
  return new Map(hops.flatMap((h) => h.responders.map((r) => [r.address, infoOf(r.address)] as const)));
}
