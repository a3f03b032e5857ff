// Helper of test/capture-live.test.ts, run inside a lab namespace: a capture whose consumer
// stops reading while `ping -f` floods the loopback, then reads what was kept. Prints
// {captured, received, dropped, consumed, rssMB} as JSON.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { capture } from '@netdiag/capture';

const run = capture({ interface: 'lo', filter: 'icmp', bufferBytes: 4 << 20 });
await run.opened;
const it = run[Symbol.asyncIterator]();
await Promise.race([it.next(), new Promise((r) => setTimeout(r, 10))]);
await promisify(execFile)('ping', ['-f', '-q', '-c', '150000', '127.0.0.1']);
await new Promise((r) => setTimeout(r, 300));
const rssMB = Math.round(process.memoryUsage().rss / 1e6);
let consumed = 1;
const timer = setTimeout(() => run.close(), 1500);
for (let r = await it.next(); !r.done; r = await it.next()) consumed++;
clearTimeout(timer);
console.log(JSON.stringify({ ...run.stats(), consumed, rssMB }));
