import { DnsError, query } from '@netdiag/dns-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostileServer, startHostile } from './dns/hostile.js';

/**
 * A server that lies, garbles and stays silent: each case ends in a clear error (or the true
 * answer, when it comes after the junk) within the timeout, never a crash or a hang.
 */
let server: HostileServer;
beforeAll(async () => {
  server = await startHostile();
});
afterAll(async () => {
  await server?.close();
});

const TIMEOUT = 400;

async function ask(mode: string, transport: 'udp' | 'tcp' = 'udp') {
  const t0 = performance.now();
  const outcome = await query(`${mode}.hostile.test`, 'A', {
    servers: [{ address: server.address, port: server.port }],
    transport,
    timeoutMs: TIMEOUT,
    attempts: 1,
  }).then(
    (r) => ({ ok: true as const, r }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  return { outcome, ms: performance.now() - t0 };
}

describe('hostile server over UDP', () => {
  it.each([
    ['garbage', /ignored 1 unacceptable reply: (wrong ID|malformed)/],
    ['wrong-id', /wrong ID/],
    ['wrong-question', /different question/],
    ['other-address', /no answer/],
    ['pointer-loop', /malformed/],
    ['pointer-forward', /malformed/],
    ['truncated', /malformed/],
    ['huge-count', /malformed/],
    ['silence', /no answer from 127\.0\.0\.1:\d+ over UDP within 400 ms$/],
  ])('%s: times out with the reason, never crashes', async (mode, reason) => {
    const { outcome, ms } = await ask(mode);
    expect(outcome.ok).toBe(false);
    const err = (outcome as { e: unknown }).e;
    expect(err).toBeInstanceOf(DnsError);
    expect((err as DnsError).code).toBe('TIMEOUT');
    expect((err as DnsError).message).toMatch(reason);
    // Bounded by the timeout (plus scheduling), not by the server.
    expect(ms).toBeLessThan(TIMEOUT + 1500);
    expect(server.seen.get(mode)).toBeGreaterThan(0);
  });

  it('takes the true answer that follows junk and forgeries', async () => {
    const { outcome } = await ask('junk-then-answer');
    expect(outcome.ok).toBe(true);
    const r = (outcome as { r: Awaited<ReturnType<typeof query>> }).r;
    expect(r.message.answers[0]).toMatchObject({ type: 'A', address: '192.0.2.1' });
  });

  it('retries over rounds with a doubling timeout and counts the tries', async () => {
    const t0 = performance.now();
    const err = await query('silence.hostile.test', 'A', {
      servers: [{ address: server.address, port: server.port }],
      timeoutMs: 100,
      attempts: 3,
    }).catch((e: unknown) => e);
    expect((err as DnsError).code).toBe('TIMEOUT');
    expect((err as DnsError).message).toMatch(/after 3 tries/);
    // 100 + 200 + 400 ms of waiting at least: the backoff really happened.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(700);
  });

  it('an AbortSignal ends the wait at once', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t0 = performance.now();
    const err = await query('silence.hostile.test', 'A', {
      servers: [{ address: server.address, port: server.port }],
      timeoutMs: 5000,
      signal: ac.signal,
    }).catch((e: unknown) => e);
    expect((err as DnsError).code).toBe('ABORTED');
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('hostile server over TCP', () => {
  it.each([
    ['close', 'NETWORK', /closed the TCP connection/],
    ['truncated', 'NETWORK', /incomplete message/],
    ['zero-frame', 'MALFORMED', /zero-length/],
    ['silence', 'TIMEOUT', /no answer/],
    ['garbage', 'TIMEOUT', /ignored 1 unacceptable reply/],
    ['pointer-loop', 'TIMEOUT', /bad pointer/],
  ])('%s: %s', async (mode, code, reason) => {
    const { outcome, ms } = await ask(mode, 'tcp');
    expect(outcome.ok).toBe(false);
    const err = (outcome as { e: DnsError }).e;
    expect(err).toBeInstanceOf(DnsError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(reason);
    expect(ms).toBeLessThan(TIMEOUT + 1500);
  });
});
