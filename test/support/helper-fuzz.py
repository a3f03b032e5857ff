#!/usr/bin/env python3
"""Drives netdiag's privileged helper with records read from stdin (one hex string a line), as
netdiag does: the helper's stdin is one end of a SOCK_SEQPACKET pair. Checks every reply, then
asks for a socket the helper must open, and prints one JSON line: what it saw and how the helper
ended. Used by test/privilege-helper.test.ts."""
import array, json, os, socket, struct, subprocess, sys

MAGIC = 0x4E444831
helper = sys.argv[1]
ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
proc = subprocess.Popen([helper], stdin=theirs, stdout=subprocess.DEVNULL, close_fds=True)
theirs.close()
ours.settimeout(5)

def ask(record):
    ours.send(record)
    data, anc, _flags, _ = ours.recvmsg(64, socket.CMSG_SPACE(4))
    fds = array.array('i')
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % 4])
    for fd in fds:
        os.close(fd)
    if len(data) != 8:
        return {'bad_reply': data.hex()}
    magic, status = struct.unpack('=Ii', data)
    return {'magic_ok': magic == MAGIC, 'status': status, 'fds': len(fds)}

seen = {'records': 0, 'statuses': {}, 'bad': [], 'fds_with_error': 0, 'opened': []}
for line in sys.stdin:
    record = bytes.fromhex(line.strip())
    seen['records'] += 1
    r = ask(record)
    if 'bad_reply' in r or not r['magic_ok']:
        seen['bad'].append(record.hex())
        continue
    seen['statuses'][str(r['status'])] = seen['statuses'].get(str(r['status']), 0) + 1
    if r['status'] != 0 and r['fds']:
        seen['fds_with_error'] += 1
    if r['status'] == 0:
        seen['opened'].append(record.hex())
# After all that, a good request still gets its socket: a raw ICMP one.
final = ask(struct.pack('=Iiii', MAGIC, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
seen['final'] = final
seen['alive_before_close'] = proc.poll() is None
ours.close()
seen['exit'] = proc.wait(timeout=5)
print(json.dumps(seen))
