import { describe, expect, it } from 'vitest';
import { type TraceEvent, trace } from './tracer.js';

const root = process.getuid?.() === 0;

async function eventTypes(hopEvents: boolean | undefined): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  // Loopback: one hop, the destination itself, over a raw ICMP socket.
  for await (const e of trace('127.0.0.1', {
    resolveNames: false,
    ...(hopEvents !== undefined && { hopEvents }),
  }))
    events.push(e);
  return events;
}

describe.skipIf(!root)('hop events (needs root: raw ICMP to 127.0.0.1)', () => {
  it('come after every probe by default, and not at all with hopEvents: false; the probes and the end are the same', async () => {
    const withHops = await eventTypes(undefined);
    const without = await eventTypes(false);
    const kinds = (es: TraceEvent[]) => es.map((e) => e.type);
    expect(kinds(withHops)).toEqual(['start', 'probe', 'hop', 'probe', 'hop', 'probe', 'hop', 'end']);
    expect(kinds(without)).toEqual(['start', 'probe', 'probe', 'probe', 'end']);
    const ends = [withHops, without].map((es) => es.at(-1) as Extract<TraceEvent, { type: 'end' }>);
    for (const end of ends) expect(end).toMatchObject({ reached: true, destinationTtl: 1 });
    expect(ends[1]!.hops.map((h) => [h.ttl, h.sent, h.received])).toEqual([[1, 3, 3]]);
  });
});
