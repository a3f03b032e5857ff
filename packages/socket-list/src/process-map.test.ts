import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { type ProcFs, scanSocketOwners } from './process-map.js';

const err = (code: string) => Object.assign(new Error(code), { code });

/** A fake /proc: the walk's logic (races, permissions) is tested here; the real /proc in test/netstat*.test.ts. */
function fakeProc(): ProcFs & { calls: string[] } {
  const calls: string[] = [];
  const fds: Record<string, Record<string, string>> = {
    '1': { '0': '/dev/null', '3': 'socket:[100]', '4': 'socket:[101]' },
    '20': { '5': 'socket:[100]', '6': 'pipe:[7]' },
    '30': {}, // no permission
    '40': { '1': 'socket:[102]' }, // ends between readdir and readlink
  };
  return {
    calls,
    readdir(p) {
      calls.push(`readdir ${p}`);
      if (p === '/proc') return ['1', '20', '30', '40', '50', 'self', 'net', 'sys'];
      const pid = p.split('/')[2]!;
      if (pid === '30') throw err('EACCES');
      if (pid === '50') throw err('ENOENT');
      return Object.keys(fds[pid]!);
    },
    readlink(p) {
      calls.push(`readlink ${p}`);
      const [, , pid, , fd] = p.split('/');
      if (pid === '40') throw err('ENOENT');
      return fds[pid!]![fd!]!;
    },
    readFile(p) {
      calls.push(`read ${p}`);
      if (p === '/proc/20/comm') return 'evil\x1b[31m\n';
      return 'init\n';
    },
  };
}

describe('scanSocketOwners', () => {
  it('maps inodes to every process holding them, reading comm once per process with sockets', () => {
    const fs = fakeProc();
    const r = scanSocketOwners(fs);
    expect(r.byInode.get(100)).toEqual([
      { pid: 1, command: 'init', fd: 3 },
      { pid: 20, command: 'evil\x1b[31m', fd: 5 },
    ]);
    expect(r.byInode.get(101)).toEqual([{ pid: 1, command: 'init', fd: 4 }]);
    expect(r.byInode.has(102)).toBe(false);
    expect(r.hiddenPids).toEqual([30]);
    expect(r.scannedPids).toBe(3);
    expect(fs.calls.filter((c) => c.startsWith('read /')).sort()).toEqual([
      'read /proc/1/comm',
      'read /proc/20/comm',
    ]);
    expect(fs.calls.filter((c) => c === 'readdir /proc')).toHaveLength(1);
  });

  it('fails with SocketListError when /proc cannot be listed', () => {
    const fs = {
      ...fakeProc(),
      readdir: () => {
        throw err('ENOENT');
      },
    };
    expect(() => scanSocketOwners(fs)).toThrow(SocketListError);
  });
});
