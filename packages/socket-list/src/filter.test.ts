import { describe, expect, it } from 'vitest';
import { SocketListError } from './errors.js';
import { compileFilter, isListening, parseFilter } from './filter.js';
import type { InetSocket, UnixSocket } from './types.js';

const inet = (o: Partial<InetSocket>): InetSocket => ({
  protocol: 'tcp',
  family: 4,
  state: 'ESTABLISHED',
  stateCode: 1,
  localAddress: '192.0.2.1',
  localPort: 443,
  remoteAddress: '198.51.100.7',
  remotePort: 50000,
  sendQueue: 0,
  receiveQueue: 0,
  uid: 0,
  timer: { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 },
  inode: 1,
  owners: [],
  ...o,
});
const unix: UnixSocket = {
  protocol: 'unix',
  type: 'stream',
  state: 'LISTEN',
  refCount: 2,
  path: '/run/x',
  inode: 5,
  owners: [],
};

const matches = (words: string, s: InetSocket | UnixSocket) =>
  compileFilter(parseFilter(words.split(' ')))(s);

describe('ss-style filters', () => {
  it('states and groups', () => {
    expect(matches('state established', inet({}))).toBe(true);
    expect(matches('state listening', inet({}))).toBe(false);
    expect(matches('state connected', inet({ state: 'TIME_WAIT' }))).toBe(true);
    expect(matches('state connected', inet({ state: 'LISTEN' }))).toBe(false);
    expect(matches('state bucket', inet({ state: 'SYN_RECV' }))).toBe(true);
    expect(matches('exclude established', inet({}))).toBe(false);
    expect(matches('state time-wait state fin-wait-1', inet({ state: 'FIN_WAIT1' }))).toBe(true);
    expect(matches('state listening', unix)).toBe(true);
  });

  it('ports with comparisons, service names and glued operators', () => {
    expect(matches('sport = :443', inet({}))).toBe(true);
    expect(matches('sport = :https', inet({}))).toBe(true);
    expect(matches('sport == 443', inet({}))).toBe(true);
    expect(matches('dport > :1024', inet({}))).toBe(true);
    expect(matches('dport le :1024', inet({}))).toBe(false);
    expect(matches('( sport = :22 or dport = :50000 )', inet({}))).toBe(true);
    expect(matches('(sport = :22 || dport = :50001)', inet({}))).toBe(false);
    expect(matches('!sport = :443', inet({}))).toBe(false);
    expect(matches('sport = :443', unix)).toBe(false);
  });

  it('addresses, prefixes and address:port, IPv4-mapped included', () => {
    expect(matches('dst 198.51.100.0/24', inet({}))).toBe(true);
    expect(matches('dst 198.51.100.0/24', inet({ family: 6, remoteAddress: '::ffff:198.51.100.7' }))).toBe(
      true,
    );
    expect(matches('src 192.0.2.1:443', inet({}))).toBe(true);
    expect(matches('src 192.0.2.1:80', inet({}))).toBe(false);
    expect(matches('src != 192.0.2.0/24', inet({}))).toBe(false);
    expect(matches('src [2001:db8::1]:443', inet({ family: 6, localAddress: '2001:db8::1' }))).toBe(true);
    expect(matches('src 2001:db8::/32', inet({ family: 6, localAddress: '2001:db8::1' }))).toBe(true);
    expect(matches('src 2001:db8::/32', inet({}))).toBe(false);
    expect(matches('src :443', inet({}))).toBe(true);
  });

  it('state then expression, implicit and, precedence of and over or', () => {
    expect(matches('state established sport = :443 dport = :50000', inet({}))).toBe(true);
    expect(matches('sport = :1 and dport = :1 or sport = :443', inet({}))).toBe(true);
    expect(matches('sport = :1 and ( dport = :1 or sport = :443 )', inet({}))).toBe(false);
  });

  it('bad filters: one clear message naming the word', () => {
    for (const [words, msg] of [
      ['state nonsense', /unknown state 'nonsense'/],
      ['sport = :99999', /out of range/],
      ['sport = :nosuchservice', /unknown service/],
      ['( sport = :1', /missing '\)'/],
      ['sport = :1 )', /unexpected '\)'/],
      ['src 300.1.1.1', /not an address/],
      ['frobnicate', /unexpected 'frobnicate'/],
      ['sport', /needs a port/],
    ] as const) {
      expect(() => parseFilter(words.split(' ')), words).toThrow(SocketListError);
      expect(() => parseFilter(words.split(' ')), words).toThrow(msg);
    }
  });

  it('isListening: TCP listeners, unconnected UDP, accepting UNIX sockets', () => {
    expect(isListening(inet({ state: 'LISTEN' }))).toBe(true);
    expect(isListening(inet({ protocol: 'udp', state: 'CLOSE' }))).toBe(true);
    expect(isListening(inet({ protocol: 'udp', state: 'ESTABLISHED' }))).toBe(false);
    expect(isListening(unix)).toBe(true);
  });
});
