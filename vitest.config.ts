import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages by name; point those names at src/ so tests never run
// against a stale dist/.
const root = fileURLToPath(new URL('.', import.meta.url));
const alias: Record<string, string> = {};
const projects: string[] = [];
for (const dir of readdirSync(`${root}packages`)) {
  const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as { name: string };
  alias[pkg.name] = `${root}packages/${dir}/src/index.ts`;
  projects.push(`packages/${dir}`);
}

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      ...projects.map((dir) => ({
        extends: true as const,
        test: {
          name: dir.slice('packages/'.length),
          root: `${root}${dir}`,
          include: ['src/**/*.test.{ts,tsx}'],
        },
      })),
      {
        extends: true as const,
        test: { name: 'netdiag', root: `${root}apps/netdiag`, include: ['src/**/*.test.{ts,tsx}'] },
      },
      {
        extends: true as const,
        test: {
          name: 'lab',
          root: `${root}test`,
          include: ['**/*.test.{ts,tsx}'],
          globalSetup: [`${root}test/lab/global-setup.ts`],
          // Lab tests share one set of namespaces and compare timings with peer tools: run the
          // files one at a time so they do not disturb each other's measurements.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
