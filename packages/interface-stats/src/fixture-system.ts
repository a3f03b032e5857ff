import type { NodeInterfaceTable } from './node-interfaces.js';
import type { SystemFiles } from './system.js';

/** A recorded system (scripts/capture-fixture.ts) served back as SystemFiles, for tests. */
export interface RecordedSystem {
  readonly files: Readonly<Record<string, string | null>>;
  readonly dirs: Readonly<Record<string, string[]>>;
  readonly networkInterfaces: NodeInterfaceTable;
  readonly ipLink: Record<string, unknown>[];
  readonly ipAddr: Record<string, unknown>[];
}

export function recordedSystem(r: RecordedSystem): SystemFiles {
  return {
    readFile: (path) => r.files[path] ?? undefined,
    listDir: (path) => r.dirs[path] ?? [],
    networkInterfaces: () => r.networkInterfaces,
  };
}
