// The frames netdiag's capture ring saves are the frames tcpdump saves, byte for byte: 802.1Q
// tags the kernel took off put back (on the parent of a VLAN interface), the Linux cooked v2
// header for `any`, and a `vlan` filter, which cannot run in the kernel, run here on the frame as
// saved.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '@netdiag/capture';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from './lab/index.js';
import { netdiagArgv } from './support/cli.js';

const root = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listening(child: ChildProcess): Promise<() => Promise<void>> {
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${err}`)), 15_000);
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`exited: ${err}`)));
  });
  return async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  };
}

/** Python: 4 ICMP echo requests in VLAN 100 (203.0.113.2 -> 203.0.113.1), 2 in QinQ 200/100. */
const TAGGED = `
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
dst = bytes.fromhex(sys.argv[2].replace(':', ''))
src = s.getsockname()[4]
def csum(b):
    if len(b) % 2: b += b'\\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
for i in range(6):
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4242, i) + bytes(range(48))
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), i, 0, 64, 1, 0, bytes([203, 0, 113, 2]), bytes([203, 0, 113, 1]))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    tags = struct.pack('!HH', 0x8100, 100) if i < 4 else struct.pack('!HHHH', 0x88a8, 200, 0x8100, 100)
    s.send(dst + src + tags + struct.pack('!H', 0x0800) + ip + icmp)
`;

async function macOf(lab: Lab, host: string): Promise<string> {
  return (await lab.exec(host, ['cat', '/sys/class/net/eth0/address'])).stdout.trim();
}

const frames = (path: string) =>
  [...readCapture(readFileSync(path))].map(
    (p) => `${p.originalLength} ${Buffer.from(p.data).toString('hex')}`,
  );

describe.skipIf(!root)('the frames the capture ring saves', () => {
  let lab: Lab;
  const dir = mkdtempSync(join(tmpdir(), 'netdiag-capture-frames-'));

  beforeAll(async () => {
    lab = await createLab({ hosts: {}, links: [{ hosts: ['a', 'b'] }] });
  });
  afterAll(async () => {
    await lab?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function both(ours: string[], theirs: string[]): Promise<{ ours: string[]; theirs: string[] }> {
    const o = join(dir, 'ours.pcap');
    const t = join(dir, 'theirs.pcap');
    const stopOurs = await listening(lab.spawn('a', netdiagArgv('capture', '-w', o, ...ours)));
    const stopTheirs = await listening(
      lab.spawn('a', ['tcpdump', '--immediate-mode', '-B', '65536', '-w', t, ...theirs]),
    );
    await sleep(300);
    // This kernel has no 802.1Q interfaces (no 8021q module), but its receive path takes any
    // tag off into the frame's metadata all the same: b sends tagged frames from a packet
    // socket, which reach a's eth0 as they would from a VLAN interface.
    const tagged = await lab.exec('b', ['python3', '-c', TAGGED, 'eth0', await macOf(lab, 'a')]);
    expect(tagged.code, tagged.stderr).toBe(0);
    await lab.exec('a', ['ping', '-c', '2', '-i', '0.05', lab.addr('b', 4)]);
    await sleep(300);
    await stopTheirs();
    await stopOurs();
    return { ours: frames(o), theirs: frames(t) };
  }

  it('puts back the 802.1Q tag on the parent interface, as libpcap does', async () => {
    const r = await both(['-i', 'eth0', 'icmp or vlan'], ['-i', 'eth0', 'icmp or vlan']);
    expect(r.ours.filter((f) => f.includes('81000064080045')).length).toBe(6);
    expect(r.ours).toEqual(r.theirs);
  });

  it('filters on the tag in userland ("vlan 100 and icmp")', async () => {
    const r = await both(['-i', 'eth0', 'vlan 100 and icmp'], ['-i', 'eth0', 'vlan 100 and icmp']);
    expect(r.ours.length).toBe(4);
    expect(r.ours).toEqual(r.theirs);
  });

  it('builds the Linux cooked v2 header for any, as tcpdump does', async () => {
    const r = await both(['-i', 'any', 'icmp'], ['-i', 'any', 'icmp']);
    expect(r.ours.length).toBeGreaterThanOrEqual(4);
    expect(r.ours).toEqual(r.theirs);
  });
});
