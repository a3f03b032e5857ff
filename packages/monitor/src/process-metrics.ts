import { readdirSync, readFileSync } from 'node:fs';
import type { ExpositionWriter } from './exposition.js';

const PAGE_SIZE = 4096;
const startTime = Math.round(Date.now() / 1000 - process.uptime());

/** The standard `process_*` metrics (client_golang's names), read from /proc where it exists. */
export function writeProcessMetrics(w: ExpositionWriter): void {
  const cpu = process.cpuUsage();
  w.family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.');
  w.sample('process_cpu_seconds_total', '', (cpu.user + cpu.system) / 1e6);
  w.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
  w.sample('process_resident_memory_bytes', '', process.memoryUsage.rss());
  const statm = readProc('/proc/self/statm');
  if (statm !== undefined) {
    w.family('process_virtual_memory_bytes', 'gauge', 'Virtual memory size in bytes.');
    w.sample('process_virtual_memory_bytes', '', Number(statm.split(' ')[0]) * PAGE_SIZE);
  }
  w.family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.');
  w.sample('process_start_time_seconds', '', startTime);
  try {
    const fds = readdirSync('/proc/self/fd').length;
    w.family('process_open_fds', 'gauge', 'Number of open file descriptors.');
    w.sample('process_open_fds', '', fds);
  } catch {
    // no /proc: not Linux, or hidden; the metric is left out rather than made up
  }
  const limits = readProc('/proc/self/limits');
  const maxFds = limits?.match(/^Max open files\s+(\d+)/m)?.[1];
  if (maxFds !== undefined) {
    w.family('process_max_fds', 'gauge', 'Maximum number of open file descriptors.');
    w.sample('process_max_fds', '', Number(maxFds));
  }
  const heap = process.memoryUsage();
  w.family('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.');
  w.sample('nodejs_heap_size_used_bytes', '', heap.heapUsed);
  w.family('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.');
  w.sample('nodejs_heap_size_total_bytes', '', heap.heapTotal);
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
