import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FdOutput, outputFor } from './stdio.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'netdiag-stdio-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const stream = { write: () => true, isTTY: true, marker: 'stream' };

describe('outputFor', () => {
  it('writes straight to a file or /dev/null, and leaves anything else to the stream', () => {
    const file = openSync(join(dir, 'out'), 'w');
    const devNull = openSync('/dev/null', 'w');
    const devTty = (() => {
      try {
        return openSync('/dev/ptmx', 'r+');
      } catch {
        return undefined;
      }
    })();
    try {
      expect(outputFor(file as 1, () => stream)).toBeInstanceOf(FdOutput);
      expect(outputFor(devNull as 1, () => stream)).toBeInstanceOf(FdOutput);
      // A terminal (the pty multiplexer here) is not for us to judge: the stream decides.
      if (devTty !== undefined) expect(outputFor(devTty as 1, () => stream)).toBe(stream);
      // Nor is a descriptor that is not open.
      expect(outputFor(987 as 1, () => stream)).toBe(stream);
    } finally {
      for (const fd of [file, devNull, devTty]) if (fd !== undefined) closeSync(fd);
    }
  });

  it('writes every byte in order, strings and bytes alike, and calls back after', async () => {
    const path = join(dir, 'out');
    const fd = openSync(path, 'w');
    const out = new FdOutput(fd);
    out.write('hop 1\n');
    out.write(new TextEncoder().encode('hop 2 ✓\n'));
    await new Promise<void>((resolve) => out.write('', () => resolve()));
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('hop 1\nhop 2 ✓\n');
  });
});

describe('FdOutput on a pipe', () => {
  const module = fileURLToPath(new URL('./stdio.ts', import.meta.url));
  // The child writes 4 MiB into its stdout pipe, made non-blocking the way libuv makes pipes it
  // opens; a reader that starts late must still get every byte, and a reader that leaves early
  // must end the writer quietly with status 0, as ping does on SIGPIPE.
  const writer = `
    import { Socket } from 'node:net';
    import { FdOutput } from ${JSON.stringify(module)};
    new Socket({ fd: 1, readable: false }).unref();
    const out = new FdOutput(1);
    const line = 'x'.repeat(1023) + '\\n';
    for (let i = 0; i < 4096; i++) out.write(line);
    process.stderr.write('all written\\n');`;

  /** Runs the writer into `reader` through a bash pipe; stdout ends with the writer's status. */
  const pipeInto = (reader: string) =>
    spawnSync(
      'bash',
      [
        '-c',
        `"$NODE" --import tsx --input-type=module -e "$WRITER" | ${reader}; echo "status \${PIPESTATUS[0]}"`,
      ],
      { env: { ...process.env, NODE: process.execPath, WRITER: writer }, encoding: 'utf8' },
    );

  it('waits for a slow reader instead of losing what the pipe could not take', () => {
    const r = pipeInto('(sleep 0.3; wc -c)');
    expect(r.stdout.trim().split('\n')).toEqual([String(4096 * 1024), 'status 0']);
    expect(r.stderr).toContain('all written');
  });

  it('ends quietly with status 0 when the reader goes away', () => {
    const r = pipeInto('head -c 10 >/dev/null');
    expect(r.stdout.trim()).toBe('status 0');
    expect(r.stderr).not.toContain('all written');
    expect(r.stderr).not.toMatch(/Error|EPIPE/);
  });
});
