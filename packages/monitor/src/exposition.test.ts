import { describe, expect, it } from 'vitest';
import { SMOKEPING_BUCKETS } from './buckets.js';
import { ExpositionWriter, escapeLabelValue, goFloat, labelPairs, negotiateFormat } from './exposition.js';
import { Histogram } from './histogram.js';

describe('exposition', () => {
  it("writes smokeping_prober's bucket bounds as Go writes them", () => {
    // smokeping_prober's --buckets default, as its /metrics shows them
    expect(SMOKEPING_BUCKETS.map(goFloat).join(',')).toBe(
      '5e-05,0.0001,0.0002,0.0004,0.0008,0.0016,0.0032,0.0064,0.0128,0.0256,0.0512,0.1024,0.2048,0.4096,0.8192,1.6384,3.2768,6.5536,13.1072,26.2144',
    );
    expect([1e6, 123456, 1e-5, 0.5, 10].map(goFloat)).toEqual(['1e+06', '123456', '1e-05', '0.5', '10']);
  });

  it('escapes label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(labelPairs({ host: 'x"', ip: '192.0.2.1' })).toBe('host="x\\"",ip="192.0.2.1"');
  });

  it('writes a histogram cumulatively, with +Inf, sum and count', () => {
    const h = new Histogram([0.001, 0.01]);
    for (const v of [0.0005, 0.005, 0.005, 1]) h.observe(v);
    const w = new ExpositionWriter('text');
    w.family('x_seconds', 'histogram', 'X.');
    w.histogram('x_seconds', 'a="1"', h);
    expect(w.finish().toString()).toBe(
      [
        '# HELP x_seconds X.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{a="1",le="0.001"} 1',
        'x_seconds_bucket{a="1",le="0.01"} 3',
        'x_seconds_bucket{a="1",le="+Inf"} 4',
        'x_seconds_sum{a="1"} 1.0105',
        'x_seconds_count{a="1"} 4',
        '',
      ].join('\n'),
    );
  });

  it('OpenMetrics: counter families without _total, # EOF at the end', () => {
    const w = new ExpositionWriter('openmetrics');
    w.family('reqs_total', 'counter', 'Requests.');
    w.sample('reqs_total', '', 3);
    expect(w.finish().toString()).toBe('# HELP reqs Requests.\n# TYPE reqs counter\nreqs_total 3\n# EOF\n');
  });

  it('negotiates by Accept as Prometheus sends it', () => {
    expect(negotiateFormat(undefined)).toBe('text');
    expect(negotiateFormat('*/*')).toBe('text');
    expect(
      negotiateFormat(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('text');
  });
});

describe('Histogram.quantile', () => {
  it('interpolates within the bucket as histogram_quantile does', () => {
    const h = new Histogram([1, 2, 4]);
    expect(h.quantile(0.5)).toBeNaN();
    for (const v of [0.5, 1.5, 1.5, 3]) h.observe(v);
    expect(h.quantile(0.25)).toBe(1); // rank 1: all of bucket [0,1]
    expect(h.quantile(0.5)).toBe(1.5); // rank 2: half of (1,2]
    expect(h.quantile(1)).toBe(4);
    h.observe(100);
    expect(h.quantile(1)).toBe(4); // in +Inf: the highest bound
  });
});
