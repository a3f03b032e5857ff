import { describe, expect, it } from 'vitest';
import { findHelper, lookupUser, PrivilegeError, parseStatus } from './privilege.js';

const status = `Name:\tnode
Uid:\t65534\t65534\t65534\t65534
Gid:\t65534\t65534\t65534\t65534
CapInh:\t0000000000000000
CapPrm:\t0000000000080004
CapEff:\t0000000000080004
CapBnd:\t0000000000080004
CapAmb:\t0000000000000000
NoNewPrivs:\t1
`;

describe('parseStatus', () => {
  it('reads the ids, the capability sets and no_new_privs of /proc/PID/task/TID/status', () => {
    expect(parseStatus(7, status)).toEqual({
      tid: 7,
      uids: [65534, 65534, 65534, 65534],
      gids: [65534, 65534, 65534, 65534],
      effective: 0x80004n,
      permitted: 0x80004n,
      ambient: 0n,
      bounding: 0x80004n,
      noNewPrivs: true,
    });
  });

  it('says which line is missing rather than guessing', () => {
    expect(() => parseStatus(7, status.replace(/^CapEff.*\n/m, ''))).toThrow(
      /no CapEff line in the status of thread 7/,
    );
  });
});

describe('lookupUser', () => {
  const files: Record<string, string> = {
    '/etc/passwd':
      'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nprobe:x:1001:1001::/home/probe:/bin/sh\n',
    '/etc/group':
      'root:x:0:\nnogroup:x:65534:\nnetdiag:x:998:probe,other\nprobe:x:1001:\nwheel:x:10:otherprobe\n',
  };
  const read = (p: string) => files[p]!;

  it('finds a user by name or uid, with its primary group and the groups that list it', () => {
    expect(lookupUser('probe', read)).toEqual({ name: 'probe', uid: 1001, gid: 1001, groups: [1001, 998] });
    expect(lookupUser('65534', read)).toEqual({ name: 'nobody', uid: 65534, gid: 65534, groups: [65534] });
  });

  it('refuses a user that does not exist, and never matches a member name by its prefix', () => {
    expect(() => lookupUser('nosuch', read)).toThrow(PrivilegeError);
    expect(lookupUser('probe', read).groups).not.toContain(10);
  });
});

describe('findHelper', () => {
  it('takes NETDIAG_HELPER as said, and an empty one as "never"', () => {
    expect(findHelper({ NETDIAG_HELPER: '/opt/nd/helper' })).toBe('/opt/nd/helper');
    expect(findHelper({ NETDIAG_HELPER: '' })).toBeUndefined();
  });
});
