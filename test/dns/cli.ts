import { PassThrough } from 'node:stream';
import { CliError } from '../../apps/netdiag/src/cli-error.js';
import { run } from '../../apps/netdiag/src/commands/lookup.js';
import type { CommandIo } from '../../apps/netdiag/src/io.js';

/** Runs `netdiag lookup ARGS` in-process with captured output; a CliError is returned, not thrown. */
export async function lookup(
  ...args: string[]
): Promise<{ code: number | 'thrown'; out: string; err: string; error?: CliError }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const io: CommandIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: {},
    signal: new AbortController().signal,
  };
  try {
    const code = await run(args, io);
    return { code, out, err };
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    return { code: 'thrown', out, err, error: e };
  }
}
