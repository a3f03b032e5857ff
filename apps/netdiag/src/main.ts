// The CLI run from source (`node --import tsx apps/netdiag/src/main.ts trace ...`, as tests and
// CONTRIBUTING.md do): each command's module imported as it is. The built CLI starts at
// dist/cli.cjs (src/cli.ts), which loads the command's bundle instead.
import type { Command } from './io.js';
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2), async (name) => {
  // A specifier the bundler cannot follow, were this file ever bundled: it must not take in
  // every command.
  const source = new URL(`./commands/${name}.ts`, import.meta.url).href;
  const { run } = (await import(source)) as { run: Command };
  return { run, saveCache: () => {} };
});
