import { inject } from 'vitest';
import { attachLab, type Lab } from './lab.js';
import type { LabTopology } from './topology.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The standard lab built by test/lab/global-setup.ts; null when not root (lab tests skip). */
    netdiagLab: LabTopology | null;
  }
}

/**
 * In a test file: a handle on the standard lab the global setup built. Call it at the top of a
 * `describe.skipIf(process.getuid?.() !== 0)` block; without root there is no lab, and the handle
 * throws on use (skipped suites never use it).
 */
export function useLab(): Lab {
  const topology = inject('netdiagLab');
  if (topology) return attachLab(topology);
  const missing = (): never => {
    throw new Error('the standard lab was not built: lab tests need root (and the vitest project "lab")');
  };
  return {
    get id(): string {
      return missing();
    },
    get topology(): LabTopology {
      return missing();
    },
    ns: missing,
    addr: missing,
    exec: missing,
    spawn: missing,
    destroy: async () => {},
  };
}
