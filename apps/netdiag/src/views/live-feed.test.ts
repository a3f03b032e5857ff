import { describe, expect, it } from 'vitest';
import { LiveFeed } from './live-feed.js';

describe('LiveFeed', () => {
  it('hands lines kept before the view subscribed to it, in order', () => {
    const feed = new LiveFeed(() => 0);
    feed.line('a');
    feed.line('b');
    const got: string[] = [];
    feed.subscribe({ onLine: (l) => got.push(l), onChange: () => {} });
    feed.line('c');
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('when the view cannot load, writes what it kept and every later line, keeping none', () => {
    const feed = new LiveFeed(() => 0);
    feed.line('a');
    const written: string[] = [];
    feed.fallback((l) => written.push(l));
    for (let i = 0; i < 1000; i++) feed.line(`l${i}`);
    expect(written).toHaveLength(1001);
    expect(written[0]).toBe('a');
    expect(feed.pendingLines).toBe(0);
  });
});
