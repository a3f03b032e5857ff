import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, UsageError } from '../cli-error.js';
import type { CommandIo } from '../io.js';
import { formatTable, parseArpArgs, run } from './arp.js';

const io = (): CommandIo & { out: () => string } => {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  return {
    stdout,
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
    signal: new AbortController().signal,
    out: () => Buffer.concat(chunks).toString(),
  };
};

describe('netdiag arp arguments', () => {
  it('table, probe and scan', () => {
    expect(parseArpArgs([])).toEqual({ mode: 'table', json: false });
    expect(parseArpArgs(['-I', 'eth0', '--json'])).toEqual({ mode: 'table', iface: 'eth0', json: true });
    expect(parseArpArgs(['probe', '192.0.2.7', '-I', 'veth0', '-c', '2'])).toEqual({
      mode: 'probe',
      address: '192.0.2.7',
      iface: 'veth0',
      count: 2,
      json: false,
    });
    expect(parseArpArgs(['scan', '192.0.2.0/24', '-I', 'veth0', '--force'])).toEqual({
      mode: 'scan',
      cidr: '192.0.2.0/24',
      iface: 'veth0',
      force: true,
      foreign: false,
      json: false,
    });
  });

  it('one-line errors for what does not fit', () => {
    for (const bad of [
      ['probe'],
      ['probe', '2001:db8::1'],
      ['probe', '192.0.2.256'],
      ['probe', '192.0.2.1', '-c', '0'],
      ['scan', '192.0.2.0/24'],
      ['scan'],
      ['frob'],
      ['--force'],
      ['probe', '192.0.2.1', '--force'],
      ['probe', '192.0.2.1', 'extra'],
    ]) {
      expect(() => parseArpArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });
});

describe('netdiag arp', () => {
  it('formats the table with escaped interface names', () => {
    const lines = formatTable({
      neighbours: [
        {
          family: 'inet',
          address: '192.0.2.1',
          interface: 'veth0',
          mac: '02:00:00:00:00:01',
          state: 'resolved',
        },
        { family: 'inet', address: '192.0.2.99', interface: 'x\u0007', state: 'unresolved' },
      ],
      missing: [],
      exactStates: false,
    });
    expect(lines).toEqual([
      'ADDRESS     IFACE  MAC                STATE',
      '192.0.2.1   veth0  02:00:00:00:00:01  resolved',
      '192.0.2.99  x\\x07  (incomplete)       unresolved',
    ]);
  });

  it('a probe says in one line what is missing, exit 2', async () => {
    const err = await run(['probe', '192.0.2.1'], io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(ExitCode.Error);
    expect((err as CliError).message).toMatch(/^arp probe: needs a packet socket \(AF_PACKET\)/);
    expect((err as CliError).message).not.toContain('\n');
  });

  it('an unknown interface is reported before the missing socket', async () => {
    await expect(run(['probe', '192.0.2.1', '-I', 'nosuch0'], io())).rejects.toThrow(
      /no interface named 'nosuch0'/,
    );
    await expect(run(['scan', '192.0.2.0/24', '-I', 'nosuch0'], io())).rejects.toThrow(
      /no interface named 'nosuch0'/,
    );
  });
});
