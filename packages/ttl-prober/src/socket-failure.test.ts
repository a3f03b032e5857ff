import type { ProbeSocket, SocketSpec } from '@netdiag/probe-socket';
import { ProbeSocketError } from '@netdiag/probe-socket';
import { describe, expect, it } from 'vitest';
import { TraceError, type TraceEvent, trace } from './tracer.js';

/**
 * A socket that takes every probe and hears nothing, then fails as raw-socket's fails (it closes
 * the socket and reports the error once): the tracer's edge to the kernel, without a kernel.
 */
function failingSocket(spec: SocketSpec, failAfterSends: number): ProbeSocket {
  const errorListeners = new Set<(e: Error) => void>();
  let sends = 0;
  let closed = false;
  return {
    family: spec.family,
    protocol: spec.protocol,
    backend: 'test',
    canUnref: true,
    get closed() {
      return closed;
    },
    send() {
      if (++sends === failAfterSends)
        setImmediate(() => {
          closed = true;
          const e = new ProbeSocketError('recvfrom: network is down', 'ENETDOWN', 'recvfrom');
          for (const l of errorListeners) l(e);
        });
      return Promise.resolve(process.hrtime.bigint());
    },
    onPacket: () => () => {},
    onError(listener) {
      errorListeners.add(listener);
      return () => errorListeners.delete(listener);
    },
    drain() {},
    unref() {},
    ref() {},
    close() {
      closed = true;
    },
  };
}

describe('a trace whose socket fails', () => {
  it('ends with a TraceError (code SOCKET) saying why, not an end that looks like silence', async () => {
    const run = trace('127.0.0.1', {
      mode: 'continuous',
      cycles: 50,
      roundIntervalMs: 10,
      waitMs: 50,
      resolveNames: false,
      openSocket: (spec) => failingSocket(spec, 3),
    });
    const seen: TraceEvent['type'][] = [];
    const failure = await (async () => {
      try {
        for await (const e of run) seen.push(e.type);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(TraceError);
    expect((failure as TraceError).code).toBe('SOCKET');
    expect((failure as TraceError).message).toBe('recvfrom: network is down');
    expect(seen).not.toContain('end');
    await expect(run.result).rejects.toBe(failure);
  });
});
