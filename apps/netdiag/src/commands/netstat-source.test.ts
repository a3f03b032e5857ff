import { ProbeSocketError } from '@netdiag/probe-socket';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode } from '../cli-error.js';
import { openSocketReader } from './netstat-source.js';

// Which source a run reads from. The opener that fails stands in for a machine where the addon
// is not built (probe-socket then throws ProbeSocketError, as openNetlinkSockDiag does).
const failing = (): Promise<never> =>
  Promise.reject(
    new ProbeSocketError('the native socket addon is unavailable: not built', 'UNKNOWN', 'socket'),
  );
const untouchable = (): Promise<never> => {
  throw new Error('must not be opened');
};

describe('openSocketReader', () => {
  it('falls back to /proc where no sock_diag socket opens, and says why', async () => {
    const r = await openSocketReader('auto', ['tcp', 'udp'], failing);
    expect(r.source.name).toBe('procfs:/proc/net');
    expect(r.fallback).toMatch(/addon is unavailable/);
    r.close();
  });

  it('--source netlink that cannot open is one error line, exit 2', async () => {
    const e = await openSocketReader('netlink', ['tcp'], failing).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(ExitCode.Error);
    expect((e as CliError).message).toBe(
      'netstat: --source netlink: the native socket addon is unavailable: not built',
    );
  });

  it('opens no socket for --source proc, nor for raw and UNIX sockets alone', async () => {
    for (const [choice, protocols] of [
      ['proc', ['tcp', 'udp', 'raw', 'unix']],
      ['auto', ['unix', 'raw']],
    ] as const) {
      const r = await openSocketReader(choice, protocols, untouchable);
      expect(r.source.name).toBe('procfs:/proc/net');
      expect(r.fallback).toBeUndefined();
      r.close();
    }
  });

  it('reads TCP and UDP over sock_diag (npm install builds the addon)', async () => {
    const r = await openSocketReader('auto', ['tcp', 'udp', 'unix']);
    try {
      expect(r.source.name).toBe('sock_diag+procfs:/proc/net');
      expect(r.fallback).toBeUndefined();
      const { sockets } = await r.source.read({ protocols: new Set(['tcp']), families: new Set([4, 6]) });
      expect(Array.isArray(sockets)).toBe(true);
    } finally {
      r.close();
    }
  });
});
