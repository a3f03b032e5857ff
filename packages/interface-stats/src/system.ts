import { readdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { NodeInterfaceTable } from './node-interfaces.js';

/**
 * The OS edge: everything the readers take from the system goes through this, so tests and
 * other platforms pass their own (fixtures, a netns helper, a recorded tree).
 */
export interface SystemFiles {
  /**
   * The file's text, or undefined when it cannot be read (missing, EINVAL from sysfs, ...); throws
   * the system error when the process is out of descriptors or memory (EMFILE, ENFILE, ENOMEM).
   */
  readFile(path: string): string | undefined;
  /** Entry names, or [] when the directory cannot be read. */
  listDir(path: string): string[];
  networkInterfaces(): NodeInterfaceTable;
}

/**
 * Errors that say nothing about the file: the process is out of descriptors or memory. Reading
 * them as "no such file" would show a machine without interfaces; they are thrown instead.
 */
const EXHAUSTED = new Set(['EMFILE', 'ENFILE', 'ENOMEM']);

function rethrowExhausted(err: unknown): void {
  if (EXHAUSTED.has((err as NodeJS.ErrnoException)?.code ?? '')) throw err;
}

export const nodeSystem: SystemFiles = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      rethrowExhausted(err);
      return undefined;
    }
  },
  listDir(path) {
    try {
      return readdirSync(path);
    } catch (err) {
      rethrowExhausted(err);
      return [];
    }
  },
  networkInterfaces: () => networkInterfaces() as NodeInterfaceTable,
};
