import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ICMP_MODULE, parseConfig } from './config.js';
import { parseDuration } from './duration.js';

describe('parseConfig', () => {
  it('reads smokeping_prober target groups and blackbox modules', () => {
    const c = parseConfig(
      [
        'targets:',
        '  - hosts: [192.0.2.1, "2001:db8::1"]',
        '    interval: 500ms',
        '    count: 2',
        '    size: 100',
        '    tos: 0xb8',
        '    network: ip6',
        'modules:',
        '  ping4: { prober: icmp, timeout: 3s, icmp: { preferred_ip_protocol: ip4, packets: 5 } }',
        '  soa: { prober: dns, dns: { query_name: netdiag.test, query_type: soa } }',
        'probe: { allow: [198.18.0.0/15, "2001:db8::/32"], max_concurrent: 4 }',
      ].join('\n'),
    );
    expect(c.targets).toEqual([
      {
        hosts: ['192.0.2.1', '2001:db8::1'],
        network: 'ip6',
        intervalMs: 500,
        count: 2,
        timeoutMs: 500,
        size: 100,
        tos: 0xb8,
        allAddresses: false,
      },
    ]);
    expect(c.modules.get('icmp')).toEqual(DEFAULT_ICMP_MODULE);
    expect(c.modules.get('ping4')).toMatchObject({
      prober: 'icmp',
      timeoutMs: 3000,
      preferredFamily: 4,
      packets: 5,
    });
    expect(c.modules.get('soa')).toMatchObject({
      prober: 'dns',
      queryType: 'SOA',
      transport: 'udp',
      validRcodes: ['NOERROR'],
    });
    expect(c.probeAllow.map((p) => p.text)).toEqual(['198.18.0.0/15', '2001:db8::/32']);
    expect(c.maxConcurrentProbes).toBe(4);
  });

  it('reads dns entries with their defaults, and refuses a bad server', () => {
    const c = parseConfig('dns:\n  - servers: [192.0.2.53, "[2001:db8::53]:5353"]\n    name: netdiag.test\n');
    expect(c.dns).toEqual([
      {
        servers: ['192.0.2.53', '[2001:db8::53]:5353'],
        name: 'netdiag.test',
        type: 'A',
        transport: 'udp',
        intervalMs: 10_000,
        timeoutMs: 5000,
      },
    ]);
    expect(() => parseConfig('dns:\n  - servers: ["192.0.2.53:99999"]\n    name: x\n', 'f.yml')).toThrow(
      /^f\.yml:2:15: '192\.0\.2\.53:99999' is not a server/,
    );
  });

  it('an empty file is the default config', () => {
    expect(parseConfig('').modules.has('icmp')).toBe(true);
  });

  const errors: [string, string][] = [
    ['targets: 5\n', 'f.yml:1:10: targets must be a list'],
    ['targets:\n  - hosts: [192.0.2.1]\n    count: 0\n', 'f.yml:3:12: count must be 1 to 1000, not 0'],
    [
      'targets:\n  - hosts: [192.0.2.1]\n    interval: 1 s\n',
      "f.yml:3:15: interval: '1 s' is not a duration (like 500ms, 1s, 1m)",
    ],
    ['targets:\n  - interval: 1s\n', "f.yml:2:5: a targets entry needs 'hosts'"],
    ['targets:\n  - hosts: [192.0.2.1]\n    size: 8\n', 'f.yml:3:11: size must be 16 to 65507, not 8'],
    ['targets:\n  - hosts: [192.0.2.1]\n    tos: 256\n', 'f.yml:3:10: tos must be 0 to 255, not 256'],
    ['targets:\n  - hosts: [192.0.2.1]\n    tos: ef\n', 'f.yml:3:10: tos must be a whole number'],
    [
      'dns:\n  - { servers: [192.0.2.53], name: a.test, transport: https }\n',
      "f.yml:2:17: '192.0.2.53' is not a DNS over HTTPS URL (https://HOST[:PORT]/PATH)",
    ],
    [
      'bogus: 1\n',
      "f.yml:1:1: the config: unknown field 'bogus' (known: targets, traces, dns, tcp, modules, probe)",
    ],
    [
      'probe: { allow: [not-a-prefix] }\n',
      "f.yml:1:18: probe.allow: 'not-a-prefix' is not an address or prefix",
    ],
    ['modules:\n  m: { prober: dns }\n', "f.yml:2:6: module m: a dns prober needs 'dns' with query_name"],
    ['a: [1\n', 'f.yml:2:1: '],
    ['targets: []\ntargets: []\n', 'f.yml:2:1: '],
  ];
  for (const [text, message] of errors)
    it(`refuses ${JSON.stringify(text)} with where and why`, () => {
      let caught: unknown;
      try {
        parseConfig(text, 'f.yml');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as Error).message.startsWith(message)).toBe(true);
    });

  it('never throws anything but a ConfigError, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseConfig(text, 'f.yml');
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect((err as Error).message).toMatch(/^f\.yml(:\d+:\d+)?: /);
        }
      }),
    );
  });
});

describe('parseDuration', () => {
  it('reads Prometheus durations', () => {
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['', '1', 's', '1.5s', '1s ', '-1s', '1x'])
      expect(parseDuration(bad), bad).toBeUndefined();
  });
});
