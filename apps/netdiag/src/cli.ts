// The dispatcher bin/netdiag.js loads (bundled as dist/cli.cjs): picks the bundle the first
// argument names, dist/<command>.cjs (dist/help.cjs for usage, --version and anything unknown),
// and loads it with its V8 code cache (compile-cache.ts). Everything else of the CLI is in the
// bundle (run-cli.ts, with the command): this file is compiled from source on every run, and it
// is kept to what choosing and loading takes (dist/cli.cjs held the whole CLI before, 10.7 kB,
// about 0.5 ms to compile and 0.3 ms more for its functions on first call, on Node 24).
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { commandNamed } from './command-names.js';
import { loadBundle } from './compile-cache.js';

/** What every bundle exports: run-cli.ts's runCli, with the bundle's command. */
interface CliBundle {
  main(argv: string[], saveCache: () => void): void;
}

const argv = process.argv.slice(2);
let loaded: ReturnType<typeof loadBundle<CliBundle>>;
try {
  loaded = loadBundle<CliBundle>(join(__dirname, `${commandNamed(argv[0]) ?? 'help'}.cjs`), process.env);
} catch (err) {
  // A broken install (a bundle missing or unreadable): one line and the error's exit code.
  writeSync(2, `netdiag: cannot load the command: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
loaded.exports.main(argv, () => loaded.saveCache());
