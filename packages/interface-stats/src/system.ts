import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { NodeInterfaceTable } from './node-interfaces.js';

/**
 * The OS edge: everything the readers take from the system goes through this, so tests and
 * other platforms pass their own (fixtures, a netns helper, a recorded tree).
 */
export interface SystemFiles {
  /** The file's text, or undefined when it cannot be read (missing, EINVAL from sysfs, ...). */
  readFile(path: string): string | undefined;
  /** Entry names, or [] when the directory cannot be read. */
  listDir(path: string): string[];
  networkInterfaces(): NodeInterfaceTable;
}

export const nodeSystem: SystemFiles = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  listDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return [];
    }
  },
  networkInterfaces: () => networkInterfaces() as NodeInterfaceTable,
};
