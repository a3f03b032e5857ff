/**
 * Where a command writes: the process's stream on a terminal (Ink draws on it), a plain writer
 * on the descriptor elsewhere (stdio.ts), or a test's sink.
 */
export interface Output {
  write(chunk: string | Uint8Array, callback?: (err?: Error | null) => void): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/** What a command may touch of the outside world; tests pass their own. */
export interface CommandIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: a command ends its work, prints its summary and returns. */
  readonly signal: AbortSignal;
  /**
   * Set by the CLI, whose process the command owns: once its sockets are open the command drops
   * the process's privilege (see privilege.ts). A test running a command in its own process
   * leaves it unset, and keeps its privilege.
   */
  readonly ownsProcess?: boolean;
}

/** A command: parses its own arguments and returns its exit code. */
export type Command = (args: string[], io: CommandIo) => Promise<number>;

/** Whether to draw a live Ink view: only on a terminal, never with --json or when piped. */
export function wantsLiveView(io: CommandIo, json: boolean): boolean {
  return !json && io.stdout.isTTY === true && io.env.TERM !== 'dumb' && io.env.NETDIAG_NO_TTY === undefined;
}
