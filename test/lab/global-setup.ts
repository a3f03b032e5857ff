import type { TestProject } from 'vitest/node';
import { createLab } from './lab.js';
import { standardLab } from './spec.js';

/**
 * Vitest global setup of the 'lab' project: builds the standard lab once for every test file and
 * removes it after the run (on Ctrl-C too: createLab's handlers see to that). Without root nothing
 * is built and the lab tests skip.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.getuid?.() !== 0) {
    project.provide('netdiagLab', null);
    return undefined;
  }
  const started = performance.now();
  const lab = await createLab(standardLab());
  const ms = performance.now() - started;
  console.log(`netdiag lab ${lab.id}: standard lab built in ${ms.toFixed(0)} ms`);
  project.provide('netdiagLab', lab.topology);
  return () => lab.destroy();
}
