import { render } from 'ink';
import type { ReactElement } from 'react';
import type { CommandIo } from '../io.js';

/**
 * Draws a live view that runs until it exits itself (its keys) or the command is aborted
 * (SIGINT/SIGTERM reach the command as `io.signal`), then unmounts it.
 */
export async function renderUntilDone(view: ReactElement, io: CommandIo): Promise<void> {
  const instance = render(view, {
    stdout: io.stdout as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const onAbort = () => instance.unmount();
  io.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await instance.waitUntilExit();
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
}
