import type { IpInfo } from '@netdiag/ip-info';
import { describe, expect, it } from 'vitest';
import { TraceBoard } from './trace-board.js';
import { csvLines, reportLines, traceLine } from './trace-format.js';
import { hopInfo, infoCycle, ipInfoChoice } from './trace-ipinfo.js';
import { traceJsonLine } from './trace-json.js';
import { hopSnapshot, silentHop, startEvent } from './trace-test-events.testkit.js';

// Made-up owners: hop 1 (192.0.2.5) is AS64500 with a name, hop 3 (192.0.2.13) AS64501 without
// one, anything else unknown.
const fake: IpInfo = {
  asn: (a) =>
    a === '192.0.2.5'
      ? { asn: 64500, name: 'Lab Transit', prefix: '192.0.2.0/29' }
      : a === '192.0.2.13'
        ? { asn: 64501, name: null, prefix: '192.0.2.8/29' }
        : undefined,
  country: (a) => (a === '192.0.2.5' ? { country: 'IS', prefix: '192.0.2.0/24' } : undefined),
  sources: { asn: { kind: 'file', name: '/tmp/asn.mmdb', version: 'GeoLite2-ASN', date: '2026-01-02' } },
  close: () => {},
};
const none = () => undefined;

describe('ipInfoChoice (-z, -y, --asn-db, --geo-db)', () => {
  it('reads mtr’s flags', () => {
    expect(ipInfoChoice({})).toBeUndefined();
    expect(ipInfoChoice({ aslookup: true })).toEqual({ field: 'asn' });
    expect(ipInfoChoice({ ipinfo: '0' })).toEqual({ field: 'asn' });
    expect(ipInfoChoice({ ipinfo: '1', 'asn-db': 'a.mmdb' })).toEqual({ field: 'prefix', asnDb: 'a.mmdb' });
    expect(ipInfoChoice({ ipinfo: '2' })).toEqual({ field: 'country' });
    // A file given is a column asked for.
    expect(ipInfoChoice({ 'asn-db': 'a.mmdb' })).toEqual({ field: 'asn', asnDb: 'a.mmdb' });
    expect(ipInfoChoice({ 'geo-db': 'c.mmdb' })).toEqual({ field: 'country', geoDb: 'c.mmdb' });
  });

  it('says which fields no offline data has, and refuses what is not a field', () => {
    expect(() => ipInfoChoice({ ipinfo: '3' })).toThrow(/-y 3 \(registry\) is in no offline data set/);
    expect(() => ipInfoChoice({ ipinfo: '4' })).toThrow(/-y 4 \(allocation date\)/);
    for (const bad of ['5', '-1', 'x', '', '01'])
      expect(() => ipInfoChoice({ ipinfo: bad })).toThrow(/-y takes/);
  });
});

describe('owners in every output', () => {
  const asn = hopInfo('asn', fake);

  it('texts as mtr shows them, with AS??? where the data says nothing', () => {
    expect(asn.text('192.0.2.5')).toBe('AS64500 Lab Transit');
    expect(asn.text('192.0.2.13')).toBe('AS64501');
    expect(asn.text('192.0.2.99')).toBe('AS???');
    expect(hopInfo('prefix', fake).text('192.0.2.5')).toBe('192.0.2.0/29');
    expect(hopInfo('prefix', fake).text('192.0.2.99')).toBe('???');
    expect(hopInfo('country', fake).text('192.0.2.5')).toBe('IS');
    expect(hopInfo('country', fake).text('192.0.2.99')).toBe('??');
  });

  it('follows the responder in traceroute’s lines', () => {
    const probe = {
      ...JSON.parse(traceJsonLine(startEvent(), none)),
      type: 'probe' as const,
      time: 0,
      ttl: 1,
      round: 0,
      id: 1,
      outcome: 'reply' as const,
      responder: '192.0.2.5',
      kind: 'time-exceeded' as const,
      rttMs: 0.5,
      mark: '',
      icmpType: 11,
      icmpCode: 0,
      mpls: [],
      errorCode: null,
    };
    expect(traceLine(1, [probe], true, none, asn.text)).toBe(' 1  192.0.2.5 [AS64500 Lab Transit]  0.500 ms');
    expect(traceLine(1, [probe], true, none)).toBe(' 1  192.0.2.5  0.500 ms');
    const json = JSON.parse(traceJsonLine(probe, none, asn));
    expect(json.asn).toEqual({ number: 64500, name: 'Lab Transit', prefix: '192.0.2.0/29' });
    expect(JSON.parse(traceJsonLine(probe, none)).asn).toBeUndefined();
  });

  it('stands before the host in the report, in a column as wide as its longest text', () => {
    const hops = [hopSnapshot(1), silentHop(2), hopSnapshot(3)];
    const lines = reportLines(new Date(0), 'lab', hops, true, none, false, asn.text);
    expect(lines[2]).toMatch(/^ {2}1\.\|-- AS64500 Lab Transit 192\.0\.2\.5 +0\.0%/);
    expect(lines[3]).toMatch(/^ {2}2\.\|-- {21}\?\?\? +100\.0%/);
    expect(lines[4]).toMatch(/^ {2}3\.\|-- AS64501 {13}192\.0\.2\.13 +0\.0%/);
    // The statistics stay in one column: every row as long as the header up to them.
    const at = lines[1]!.indexOf('Loss%') + 5;
    for (const l of lines.slice(2)) expect(l.slice(at - 1, at)).toBe('%');
    expect(reportLines(new Date(0), 'lab', hops, true, none)[2]).toMatch(/^ {2}1\.\|-- 192\.0\.2\.5 /);
  });

  it('adds CSV columns, and JSON fields per responder with the sources in the start event', () => {
    const hops = [hopSnapshot(1), silentHop(2)];
    const csv = csvLines(hops, none, false, asn);
    expect(csv[0]).toMatch(/,mark,asn,as_name,prefix$/);
    expect(csv[1]).toMatch(/,64500,Lab Transit,192\.0\.2\.0\/29$/);
    expect(csv[2]).toMatch(/,,,$/);
    const end = JSON.parse(
      traceJsonLine(
        {
          type: 'end',
          time: 0,
          reached: true,
          destinationTtl: 1,
          rounds: 1,
          corrupt: 0,
          hops,
          paths: [],
        } as never,
        none,
        asn,
      ),
    );
    expect(end.hops[0].responders[0].asn).toEqual({
      number: 64500,
      name: 'Lab Transit',
      prefix: '192.0.2.0/29',
    });
    expect(JSON.parse(traceJsonLine(startEvent(), none, asn)).ipInfo).toEqual(fake.sources);
    expect(JSON.parse(traceJsonLine(startEvent(), none)).ipInfo).toBeUndefined();
    const country = hopInfo('country', fake);
    expect(country.json('192.0.2.5')).toEqual({ country: { code: 'IS', prefix: '192.0.2.0/24' } });
    expect(country.json('192.0.2.99')).toEqual({ country: null });
  });

  it('reaches the live table through the board', () => {
    const board = new TraceBoard(false);
    board.apply(startEvent());
    board.apply({ type: 'hop', hop: hopSnapshot(1) } as never);
    expect(board.snapshot().ipInfo).toBeUndefined();
    board.infoOf = asn.text;
    expect(board.snapshot().ipInfo?.get('192.0.2.5')).toBe('AS64500 Lab Transit');
  });
});

describe('infoCycle (the live table’s y key)', () => {
  it('steps off, AS, prefix, country as mtr’s y does, opening each field’s data once, when first shown', async () => {
    const opens: string[] = [];
    const open = async (c: { field: 'asn' | 'prefix' | 'country' }) => {
      opens.push(c.field);
      return hopInfo(c.field, fake);
    };
    const next = infoCycle({ field: 'asn', asnDb: 'a.mmdb' }, hopInfo('asn', fake), open);
    const shown: (string | undefined)[] = [];
    for (let i = 0; i < 5; i++) shown.push((await next())?.text('192.0.2.5'));
    expect(shown).toEqual(['192.0.2.0/29', 'IS', undefined, 'AS64500 Lab Transit', '192.0.2.0/29']);
    expect(opens).toEqual(['prefix', 'country']);
  });

  it('starts from off without -z, and shows no column for data that cannot be opened', async () => {
    const next = infoCycle(undefined, undefined, async () => {
      throw new Error('no data');
    });
    expect(await next()).toBeUndefined();
    expect(await next()).toBeUndefined();
  });
});
