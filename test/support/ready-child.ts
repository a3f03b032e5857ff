import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Starts a helper process that prints one JSON line when ready (the sockets it opened, say) and
 * exits when its stdin closes. Resolves with the child and that line.
 */
export function startReadyChild(
  argv: readonly string[],
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${argv[0]} exited (${code}) before it was ready`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(out.slice(0, nl)) as Record<string, unknown> });
    });
  });
}

/** Closes the child's stdin so it exits by itself, or ends it (by its PID) after 5 s. */
export function stopReadyChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.stdin!.end();
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}
