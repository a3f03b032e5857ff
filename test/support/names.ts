import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Gives a lab namespace its own /etc/hosts and /etc/resolv.conf (`ip netns exec` bind-mounts
 * /etc/netns/NAME/*), so names resolve from the lab alone: listed names from the hosts file, and
 * anything else fails at once against a nameserver on the namespace's own loopback, where
 * nothing listens. No query ever leaves the lab. Returns the function that removes them.
 */
export function labNames(namespace: string, hosts: Readonly<Record<string, readonly string[]>>): () => void {
  const dir = `/etc/netns/${namespace}`;
  mkdirSync(dir, { recursive: true });
  const lines = Object.entries(hosts).flatMap(([name, addresses]) => addresses.map((a) => `${a} ${name}`));
  writeFileSync(`${dir}/hosts`, `127.0.0.1 localhost\n::1 localhost\n${lines.join('\n')}\n`);
  writeFileSync(`${dir}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  return () => rmSync(dir, { recursive: true, force: true });
}
