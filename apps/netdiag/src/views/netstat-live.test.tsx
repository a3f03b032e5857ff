import type { InetSocket, SocketListing } from '@netdiag/socket-list';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { applyListing, emptyModel, liveRows, MARK_MS, NetstatLive, rowCells } from './netstat-live.js';

const sock = (localPort: number, o: Partial<InetSocket> = {}): InetSocket => ({
  protocol: 'tcp',
  family: 4,
  state: 'ESTABLISHED',
  stateCode: 1,
  localAddress: '127.0.0.1',
  localPort,
  remoteAddress: '192.0.2.9',
  remotePort: 443,
  sendQueue: 0,
  receiveQueue: localPort % 7,
  uid: 0,
  timer: { kind: 'off', expiresMs: 0, retransmits: 0, probes: 0 },
  inode: localPort,
  owners: [{ pid: localPort, command: 'app', fd: 3 }],
  ...o,
});
const listing = (...sockets: InetSocket[]): SocketListing => ({ sockets, issues: [] });
const cols = { programs: true, extend: false, timers: false };

describe('live model', () => {
  it('the first listing marks nothing; later ones mark new and closed; marks expire', () => {
    let m = applyListing(emptyModel, listing(sock(1), sock(2)), 0);
    expect(m.marks.size).toBe(0);
    m = applyListing(m, listing(sock(2), sock(3)), 1000);
    expect([...m.marks.values()].map((x) => [x.mark, (x.socket as InetSocket).localPort])).toEqual([
      ['new', 3],
      ['closed', 1],
    ]);
    expect(liveRows(m, cols, 'local', false, '').map((r) => [r.mark, rowCells(r.socket, cols)[3]])).toEqual([
      ['closed', '127.0.0.1:1'],
      [null, '127.0.0.1:2'],
      ['new', '127.0.0.1:3'],
    ]);
    m = applyListing(m, listing(sock(2), sock(3)), 1000 + MARK_MS);
    expect(m.marks.size).toBe(0);
  });

  it('filters by ss expression or by text, sorts and reverses', () => {
    const m = applyListing(emptyModel, listing(sock(10), sock(20, { state: 'LISTEN' }), sock(30)), 0);
    expect(
      liveRows(m, cols, 'kernel', false, 'state listening').map((r) => rowCells(r.socket, cols)[3]),
    ).toEqual(['127.0.0.1:20']);
    expect(liveRows(m, cols, 'kernel', false, 'sport > :15').map((r) => rowCells(r.socket, cols)[3])).toEqual(
      ['127.0.0.1:20', '127.0.0.1:30'],
    );
    expect(liveRows(m, cols, 'kernel', false, '30/app').map((r) => rowCells(r.socket, cols)[3])).toEqual([
      '127.0.0.1:30',
    ]);
    expect(liveRows(m, cols, 'pid', true, '').map((r) => rowCells(r.socket, cols)[3])).toEqual([
      '127.0.0.1:30',
      '127.0.0.1:20',
      '127.0.0.1:10',
    ]);
  });
});

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('<NetstatLive>', () => {
  it('draws the listing, marks new and closed sockets, sorts and filters from the keyboard', async () => {
    const script = [listing(sock(1000), sock(2000)), listing(sock(2000), sock(3000))];
    let calls = 0;
    const load = async () => script[Math.min(calls++, script.length - 1)]!;
    let now = 0;
    const view = render(<NetstatLive load={load} intervalMs={30} columns={cols} now={() => now} />);
    const frame = () => view.lastFrame() ?? '';
    await waitFor(() => frame().includes('127.0.0.1:1000'), 'the first listing');
    expect(frame()).toMatch(
      /Proto +Recv-Q +Send-Q +Local Address +Foreign Address +State +PID\/Program name/,
    );
    expect(frame()).toMatch(/1000\/app/);
    now = 100;
    await waitFor(() => frame().includes('+1 new'), 'the second listing');
    expect(frame()).toMatch(/^\+ tcp .*127\.0\.0\.1:3000/m);
    expect(frame()).toMatch(/^- tcp .*127\.0\.0\.1:1000/m);
    expect(frame()).toContain('-1 closed');

    view.stdin.write('s');
    await waitFor(() => frame().includes('sort proto'), 'the next sort column');
    view.stdin.write('/');
    await waitFor(() => frame().includes('filter (ss expression'), 'the filter prompt');
    for (const ch of 'sport = :2000') view.stdin.write(ch);
    view.stdin.write('\r');
    await waitFor(() => frame().includes("filter 'sport = :2000'"), 'the filter');
    expect(frame()).toContain('127.0.0.1:2000');
    expect(frame()).not.toContain('127.0.0.1:3000');
    expect(frame()).toContain('rows 1-1 of 1');
    view.stdin.write('q');
    view.unmount();
  });

  it('without a terminal on stdin: no keys, the view still refreshes and says how to quit', async () => {
    const view = render(
      <NetstatLive
        load={async () => listing(sock(4000))}
        intervalMs={30}
        columns={cols}
        interactive={false}
      />,
    );
    await waitFor(() => (view.lastFrame() ?? '').includes('127.0.0.1:4000'), 'the listing');
    expect(view.lastFrame()).toContain('Ctrl-C quits');
    view.unmount();
  });
});
