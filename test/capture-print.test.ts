import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decode,
  type PrintOptions,
  packetJson,
  printFile,
  readCapture,
} from '../packages/capture/src/index.js';
import {
  byteSwappedPcap,
  cookedV1,
  mutatedFrames,
  packetsOf,
  rawIp,
  snapped,
  vlanTagged,
  writeFile,
} from './capture/derive.js';
import { type LabCaptures, makeLabCaptures } from './capture/lab-traffic.js';
import { syntheticFrames } from './capture/synthetic.js';

/**
 * `netdiag capture -r` against `tcpdump -r`, byte for byte, on files tcpdump wrote in a lab while
 * ping, traceroute, dig (UDP and TCP, every record type `netdiag lookup` shows) and a refused TCP
 * connection ran; and on files derived from them (802.1Q tags, raw IP, cooked headers, pcapng,
 * big-endian, cut to a snap length), and on frames built here for what the lab does not send
 * (test/capture/synthetic.ts). Always -n: netdiag never resolves names (README).
 */

/** tcpdump's flags as PrintOptions (what the CLI's parser gives the printer). */
function optionsFor(flags: readonly string[]): PrintOptions {
  const o: { -readonly [K in keyof PrintOptions]: PrintOptions[K] } = { numeric: 1, utcOffset: () => 0 };
  for (const f of flags) {
    if (f === '-e') o.link = true;
    else if (/^-v+$/.test(f)) o.verbose = (f.length - 1) as 1 | 2 | 3;
    else if (f === '-q') o.quiet = true;
    else if (f === '-#') o.number = true;
    else if (/^-t+$/.test(f)) o.timestamp = (f.length - 1) as 1 | 2 | 3 | 4 | 5;
    else if (f === '-x' || f === '-xx' || f === '-X' || f === '-XX') o.hex = f.slice(1) as 'x';
    else if (f === '-A') o.ascii = true;
    else if (f === '-S') o.absoluteTcpSequence = true;
    else if (f === '--nano') o.nanos = true;
    else throw new Error(`flag ${f}`);
  }
  return o;
}

/** if_indextoname in this namespace, as tcpdump -r looks SLL2 interface indexes up. */
function interfaceNames(): (index: number) => string | undefined {
  const names = new Map<number, string>();
  for (const name of readdirSync('/sys/class/net')) {
    try {
      names.set(Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')), name);
    } catch {
      // An interface that went away while we listed them.
    }
  }
  return (i) => names.get(i);
}

function tcpdump(file: string, flags: readonly string[]): string {
  const r = spawnSync('tcpdump', ['-r', file, '-n', ...flags], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`tcpdump -r ${file}: ${r.stderr}`);
  return r.stdout;
}

function netdiag(file: string, flags: readonly string[]): string {
  let out = '';
  const result = printFile(
    readFileSync(file),
    { ...optionsFor(flags), interfaceName: interfaceNames() },
    (t) => {
      out += t;
    },
  );
  if (result.error) throw result.error;
  return out;
}

const FLAG_SETS: readonly (readonly string[])[] = [
  [],
  ['-v'],
  ['-e'],
  ['-X'],
  ['-XX'],
  ['-vv'],
  ['-vvv'],
  ['-e', '-v'],
  ['-x'],
  ['-xx'],
  ['-A'],
  ['-q'],
  ['-#', '-tt'],
  ['-ttt'],
  ['-tttt'],
  ['-ttttt', '--nano'],
  ['-t', '-S'],
  ['-vv', '-X'],
];

describe.skipIf(process.getuid?.() !== 0)('capture -r against tcpdump -r on lab captures', () => {
  let captures: LabCaptures;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    captures = await makeLabCaptures();
    const dir = captures.dir;
    const eth = readFileSync(captures.ethernet);
    const packets = packetsOf(eth);
    const derived: Record<string, Uint8Array> = {
      'vlan.pcap': writeFile(vlanTagged(packets), { linkType: 1 }),
      'raw.pcap': writeFile(rawIp(packets), { linkType: 101 }),
      'ipv4.pcap': writeFile(rawIp(packets, 4), { linkType: 228 }),
      'ipv6.pcap': writeFile(rawIp(packets, 6), { linkType: 229 }),
      'sll.pcap': writeFile(cookedV1(packets), { linkType: 113 }),
      'ns.pcapng': writeFile(packets, { linkType: 1, format: 'pcapng', nanos: true }),
      'us.pcapng': writeFile(packets, { linkType: 1, format: 'pcapng' }),
      'ns.pcap': writeFile(packets, { linkType: 1, nanos: true }),
      'big-endian.pcap': byteSwappedPcap(eth),
      'synthetic.pcap': writeFile(
        syntheticFrames().map((data, i) => ({
          seconds: 1_700_000_000,
          nanos: i * 1000,
          originalLength: data.length,
          data,
        })),
        { linkType: 1 },
      ),
    };
    const synthetic = syntheticFrames().map((data) => ({
      seconds: 0,
      nanos: 0,
      originalLength: data.length,
      data,
      linkType: 1,
    }));
    derived['mutated.pcap'] = writeFile(mutatedFrames([...packets, ...synthetic], 20_000), { linkType: 1 });
    for (const n of [20, 34, 40, 54, 60, 68, 80, 100, 120])
      derived[`snap${n}.pcap`] = writeFile(snapped(packets, n), { linkType: 1, snaplen: n });
    // pcapng as Wireshark's tools write it (section and interface options, statistics blocks).
    const editcap = join(dir, 'editcap.pcapng');
    const converted = spawnSync('editcap', ['-F', 'pcapng', captures.ethernet, editcap], {
      encoding: 'utf8',
    });
    if (converted.status !== 0) throw new Error(`editcap: ${converted.stderr}`);
    files['editcap.pcapng'] = editcap;
    files.ethernet = captures.ethernet;
    files.any = captures.any;
    files['any-sll'] = captures.anyV1;
    for (const [name, bytes] of Object.entries(derived)) {
      files[name] = join(dir, name);
      writeFileSync(files[name], bytes);
    }
  }, 180_000);

  afterAll(() => {
    if (captures) rmSync(captures.dir, { recursive: true, force: true });
  });

  it('the lab capture holds every protocol the issue names', () => {
    const text = tcpdump(files.ethernet!, ['-v']);
    for (const want of [
      'ARP, Ethernet (len 6), IPv4 (len 4), Request who-has',
      'Reply ',
      'ICMP echo request',
      'flags [+]', // IPv4 fragments (ping -s 3000)
      'ip-proto-1',
      'options (NOP,RR 192.0.2.1,', // ping -R: IPv4 options
      'frag (0x', // IPv6 fragments (ping -6 -s 3000)
      'ICMP time exceeded in-transit',
      'udp port 33435 unreachable',
      'ICMP6, neighbor solicitation',
      'ICMP6, neighbor advertisement',
      'ICMP6, time exceeded in-transit',
      'ICMP6, destination unreachable, unreachable port',
      'HBH (rtalert: 0x0000)',
      ' A 192.0.2.10',
      ' AAAA 2001:db8::10',
      ' CNAME www.netdiag.test.',
      ' MX mail.netdiag.test. 10',
      ' NS ns1.netdiag.test.',
      ' SOA ns1.netdiag.test. hostmaster.netdiag.test. ',
      ' TXT "hello world" "second string"',
      ' SRV sip.netdiag.test.:5060 10 60',
      ' PTR www.netdiag.test.',
      ' NXDomain',
      'Type257? netdiag.test.', // CAA, HTTPS, SVCB, DS, DNSKEY: tcpdump 4.99 names some, numbers others
      'DNSKEY? netdiag.test.',
      'A? weird^Gname.netdiag.test.', // a control character in a name, escaped
      'A? binM-Hary.netdiag.test.',
      'IP6 (flowlabel', // and DNS over IPv6, UDP and TCP, below
      'Flags [S], cksum',
      'Flags [S.]',
      'Flags [F.]',
      'Flags [R.]',
      'options [mss 1220,sackOK,TS val',
      'wscale 10',
    ])
      expect(text).toContain(want);
    expect(tcpdump(files['vlan.pcap']!, ['-e'])).toContain('ethertype 802.1Q (0x8100), length');
    expect(tcpdump(files.any!, ['-e'])).toContain(' ifindex ');
  });

  for (const file of [
    'ethernet',
    'any',
    'any-sll',
    'vlan.pcap',
    'raw.pcap',
    'ipv4.pcap',
    'ipv6.pcap',
    'sll.pcap',
    'synthetic.pcap',
  ]) {
    for (const flags of FLAG_SETS) {
      it(`${file} ${flags.join(' ') || '(no flags)'}: the same bytes as tcpdump`, () => {
        expect(netdiag(files[file]!, flags)).toBe(tcpdump(files[file]!, flags));
      });
    }
  }

  for (const file of ['ns.pcapng', 'us.pcapng', 'ns.pcap', 'big-endian.pcap', 'editcap.pcapng']) {
    for (const flags of [['-v'], ['-X', '-tt'], ['--nano', '-tt']]) {
      it(`${file} ${flags.join(' ')}: the same bytes as tcpdump`, () => {
        expect(netdiag(files[file]!, flags)).toBe(tcpdump(files[file]!, flags));
      });
    }
  }

  // Frames cut by a snap length: the lines, marks included, are tcpdump's. Hex dumps after a mark
  // are a listed difference (README): tcpdump starts them at the frame or after the link header
  // depending on how its printer stopped; netdiag follows it for the marks in DUMP_WHOLE only.
  for (const n of [20, 34, 40, 54, 60, 68, 80, 100, 120]) {
    for (const flags of [[], ['-v'], ['-vv'], ['-e']]) {
      it(`snap${n} ${flags.join(' ') || '(no flags)'}: the same lines as tcpdump, truncation marks included`, () => {
        const file = files[`snap${n}.pcap`]!;
        expect(netdiag(file, flags)).toBe(tcpdump(file, flags));
      });
    }
  }

  it('--json: every packet of the lab files is one netdiag.capture/1 event with its layers', () => {
    for (const file of ['ethernet', 'any', 'any-sll', 'synthetic.pcap']) {
      let n = 0;
      for (const p of readCapture(readFileSync(files[file]!))) {
        const event = packetJson(p, decode(p.data, p.linkType), ++n);
        const line = JSON.stringify(event);
        expect(JSON.parse(line)).toEqual(event);
        expect(event).toMatchObject({ schema: 'netdiag.capture/1', type: 'packet', number: n });
        expect((event.layers as unknown[]).length).toBeGreaterThan(0);
      }
      expect(n).toBeGreaterThan(0);
    }
  });

  // 20,000 frames (the lab's and the synthetic ones) with bytes changed at random: what each prints,
  // packet by packet, must be what tcpdump prints (all were, with and without -v, when this was
  // written). The lab's frames vary with each run, so the test allows 2% and shows any difference.
  for (const flags of [[], ['-v']]) {
    it(`mutated frames ${flags.join(' ') || '(no flags)'}: at most 2% print otherwise than in tcpdump`, () => {
      const file = files['mutated.pcap']!;
      const split = (text: string) => text.split(/\n(?= {0,4}\d+ {2}\d+\.\d{6} )/);
      const ours = split(netdiag(file, ['-#', '-tt', ...flags]));
      const theirs = split(tcpdump(file, ['-#', '-tt', ...flags]));
      expect(ours.length).toBe(theirs.length);
      const differ = ours.flatMap((line, i) =>
        line === theirs[i] ? [] : [`ours: ${line}\ntcpd: ${theirs[i]}`],
      );
      expect(differ.length, differ.join('\n')).toBeLessThanOrEqual(400);
    });
  }

  it('a file cut in the middle: the packets before the damage, then the offset', () => {
    const bytes = readFileSync(files.ethernet!);
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    let out = '';
    const r = printFile(cut, optionsFor([]), (t) => {
      out += t;
    });
    const path = join(captures.dir, 'cut.pcap');
    writeFileSync(path, cut);
    const theirs = spawnSync('tcpdump', ['-r', path, '-n'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    // tcpdump prints the same packets, then "truncated dump file" on stderr.
    expect(out).toBe(theirs.stdout);
    expect(theirs.stderr).toContain('truncated dump file');
    expect(r.packets).toBe(out.split('\n').length - 1);
    expect(r.error?.message).toMatch(/^truncated packet record \(\d+ of \d+ bytes\) at offset \d+$/);
  });
});
