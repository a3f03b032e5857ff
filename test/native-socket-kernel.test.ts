import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The native socket's other families, compared with the peer tools in a namespace of our own:
// rtnetlink's link dump against `ip link`, and an ARP request on a packet socket against the
// MAC address `ip link` shows for the answering interface (in a second namespace).

const child = fileURLToPath(new URL('./native-socket-kernel.child.ts', import.meta.url));

describe.skipIf(process.getuid?.() !== 0)('native socket: netlink and packet sockets', () => {
  const id = randomBytes(3).toString('hex');
  const ns = `nd${id}-ks`;
  // The ARP peer: a second namespace, since a host drops ARP requests from its own addresses.
  const peer = `nd${id}-kp`;
  let created = false;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns, ...args]).toString();
  const ipPeer = (...args: string[]) => execFileSync('ip', ['-n', peer, ...args]).toString();
  const inNs = (...args: string[]) => {
    const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', child, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as unknown;
  };
  const setUp = () => {
    if (created) return;
    execFileSync('ip', ['netns', 'add', ns]);
    created = true;
    execFileSync('ip', ['netns', 'add', peer]);
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'nda', 'type', 'veth', 'peer', 'name', 'ndb', 'netns', peer);
    ip('addr', 'add', '192.0.2.1/24', 'dev', 'nda');
    ipPeer('addr', 'add', '192.0.2.2/24', 'dev', 'ndb');
    ip('link', 'set', 'nda', 'up');
    ipPeer('link', 'set', 'ndb', 'up');
  };
  afterAll(() => {
    if (!created) return;
    execFileSync('ip', ['netns', 'del', ns]);
    execFileSync('ip', ['netns', 'del', peer]);
  });

  it('rtnetlink link dump lists what ip link lists', () => {
    setUp();
    const ours = (inNs('links') as { index: number; name: string }[])
      .map((l) => `${l.index}:${l.name}`)
      .sort();
    const theirs = ip('-o', 'link', 'show')
      .trim()
      .split('\n')
      .map((line) => /^(\d+): ([^:@]+)/.exec(line)!)
      .map((m) => `${m[1]}:${m[2]}`)
      .sort();
    expect(ours).toEqual(theirs);
  });

  it('an ARP request on a packet socket gets the MAC that ip link shows', () => {
    setUp();
    const mac = /link\/ether (\S+)/.exec(ipPeer('link', 'show', 'ndb'))![1];
    const r = inNs('arp', 'nda', '192.0.2.2', '192.0.2.1') as {
      mac: string;
      from: string;
      ifindex: number;
      expectedIfindex: number;
    };
    expect(r.mac).toBe(mac);
    expect(r.from).toBe(mac);
    expect(r.ifindex).toBe(r.expectedIfindex);
  });
});
