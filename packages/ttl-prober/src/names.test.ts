import { describe, expect, it } from 'vitest';
import { NameCache, sanitizeName } from './names.js';

describe('hop names', () => {
  it('strips control characters and bidi overrides from a name', () => {
    expect(sanitizeName('evil\u001b[2J\u0007.example')).toBe('evil[2J.example');
    expect(sanitizeName('a\u202egnp.exe')).toBe('agnp.exe');
    expect(sanitizeName('x'.repeat(300))).toHaveLength(253);
  });

  it('looks each address up once, on the side, and reports names as they come', async () => {
    const asked: string[] = [];
    const heard: [string, string][] = [];
    const cache = new NameCache(
      async (address) => {
        asked.push(address);
        return address === '192.0.2.1' ? 'r1.\u001bexample' : undefined;
      },
      (address, name) => heard.push([address, name]),
    );
    expect(cache.get('192.0.2.1')).toBeUndefined(); // never blocks: the answer comes later
    cache.get('192.0.2.1');
    cache.get('192.0.2.2');
    await cache.idle(1000);
    expect(asked).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(heard).toEqual([['192.0.2.1', 'r1.example']]);
    expect(cache.get('192.0.2.1')).toBe('r1.example');
    expect(cache.get('192.0.2.2')).toBeUndefined();
    expect(asked).toHaveLength(2);
  });

  it('remembers a failed lookup as no name, and stops asking once closed', async () => {
    let calls = 0;
    const cache = new NameCache(
      async () => {
        calls++;
        throw new Error('SERVFAIL');
      },
      () => {},
    );
    await cache.settled('192.0.2.9');
    expect(cache.get('192.0.2.9')).toBeUndefined();
    cache.close();
    cache.get('192.0.2.10');
    expect(calls).toBe(1);
  });

  it('asks again a while after a lookup failed (resolver unreachable for a moment), never where there is no name', async () => {
    let now = 0;
    let resolverUp = false;
    const asked: string[] = [];
    const heard: string[] = [];
    const cache = new NameCache(
      async (address) => {
        asked.push(address);
        if (!resolverUp) throw new Error('198.51.100.53:53 over UDP: ENETUNREACH');
        return address === '192.0.2.1' ? 'r1.example' : undefined;
      },
      (_, name) => heard.push(name),
      4096,
      { retryAfterMs: 30_000, now: () => now },
    );
    await cache.settled('192.0.2.1');
    await cache.settled('192.0.2.2');
    now = 29_999;
    expect(cache.get('192.0.2.1')).toBeUndefined();
    expect(asked).toEqual(['192.0.2.1', '192.0.2.2']);
    resolverUp = true;
    now = 30_000;
    cache.get('192.0.2.1');
    cache.get('192.0.2.2');
    await cache.idle(1000);
    expect(cache.get('192.0.2.1')).toBe('r1.example');
    expect(heard).toEqual(['r1.example']);
    // 192.0.2.2 has no name: an answer, kept for good.
    now = 1e9;
    cache.get('192.0.2.2');
    expect(asked).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.1', '192.0.2.2']);
  });

  it('bounds its memory', async () => {
    const cache = new NameCache(
      async (a) => `n-${a}`,
      () => {},
      10,
    );
    for (let i = 0; i < 50; i++) cache.get(`198.18.0.${i}`);
    await cache.idle(1000);
    expect(cache.get('198.18.0.49')).toBe('n-198.18.0.49');
    expect(cache.get('198.18.0.0')).toBeUndefined();
  });
});
