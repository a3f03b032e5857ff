import {
  type DnsMessage,
  type DnsRecord,
  type DnsResponse,
  escapeControl,
  quoteCharacterString,
  rdataText,
  recordText,
  recordTypeName,
  type TraceStep,
  typeName,
} from '@netdiag/dns-client';

/**
 * The three faces of an answer: nslookup's short form (the default), dig's sections (--dig)
 * and the bare RDATA (--short). Pure: responses in, text out. Every name and string is in
 * escaped presentation form already (the decoder escapes), so nothing here can reach the
 * terminal raw.
 */

/** What one question came to: a response, or why there is none. */
export type Outcome =
  | {
      readonly kind: 'response';
      readonly name: string;
      readonly type: string;
      readonly response: DnsResponse;
    }
  | { readonly kind: 'error'; readonly name: string; readonly type: string; readonly message: string };

function stripDot(name: string): string {
  return name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
}

const NSLOOKUP_WORDS: Partial<Record<string, string>> = {
  CNAME: 'canonical name',
  MX: 'mail exchanger',
  NS: 'nameserver',
  PTR: 'name',
  TXT: 'text',
  SRV: 'service',
};

function nslookupRecord(r: DnsRecord): string[] {
  const owner = stripDot(r.name);
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return [`Name:\t${owner}`, `Address: ${r.address}`];
    case 'SOA':
      return [
        owner,
        `\torigin = ${stripDot(r.mname)}`,
        `\tmail addr = ${stripDot(r.rname)}`,
        `\tserial = ${r.serial}`,
        `\trefresh = ${r.refresh}`,
        `\tretry = ${r.retry}`,
        `\texpire = ${r.expire}`,
        `\tminimum = ${r.minimum}`,
      ];
    case 'TXT':
      return [`${owner}\ttext = ${r.strings.map(quoteCharacterString).join(' ')}`];
    default: {
      const word = NSLOOKUP_WORDS[r.type] ?? recordTypeName(r);
      return [`${owner}\t${word} = ${rdataText(r)}`];
    }
  }
}

/** nslookup's layout: the server once, then each answer or why there is none. */
export function formatNslookup(outcomes: readonly Outcome[]): string {
  const lines: string[] = [];
  const first = outcomes.find((o) => o.kind === 'response');
  if (first?.kind === 'response') {
    const server = first.response.server;
    lines.push(`Server:\t\t${server.replace(/#\d+$/, '')}`, `Address:\t${server}`, '');
  }
  const told = new Set<string>();
  for (const o of outcomes) {
    if (o.kind === 'error') {
      lines.push(`;; ${escapeControl(o.message)}`, '');
      continue;
    }
    const m = o.response.message;
    if (m.rcode !== 'NOERROR') {
      // Once per name, as nslookup does when its A and AAAA questions both fail.
      const line = `** server can't find ${stripDot(o.response.question.name)}: ${m.rcode}`;
      if (!told.has(line)) lines.push(line, '');
      told.add(line);
      continue;
    }
    const answers = m.answers.filter((r) => r.type !== 'RRSIG');
    if (answers.length === 0) {
      lines.push(`*** Can't find ${stripDot(o.response.question.name)}: No answer (${o.type})`, '');
      continue;
    }
    if (!m.flags.aa) lines.push('Non-authoritative answer:');
    for (const r of answers) lines.push(...nslookupRecord(r));
    lines.push('');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

function flagsText(m: DnsMessage): string {
  const f = m.flags;
  return (['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'] as const).filter((k) => f[k]).join(' ');
}

function section(title: string, records: readonly DnsRecord[]): string[] {
  return records.length ? ['', `;; ${title} SECTION:`, ...records.map(recordText)] : [];
}

const OPCODES = ['QUERY', 'IQUERY', 'STATUS', 'RESERVED3', 'NOTIFY', 'UPDATE'];

/** dig's layout for one response: header, OPT pseudo-section, the four sections, statistics. */
export function formatDigResponse(r: DnsResponse, when: Date): string {
  const m = r.message;
  const q = m.questions[0] ?? r.question;
  const lines = [
    `;; ->>HEADER<<- opcode: ${OPCODES[m.opcode] ?? m.opcode}, status: ${m.rcode}, id: ${m.id}`,
    `;; flags: ${flagsText(m)}; QUERY: ${m.questions.length}, ANSWER: ${m.answers.length}, AUTHORITY: ${m.authorities.length}, ADDITIONAL: ${m.additionals.length + (m.edns ? 1 : 0)}`,
  ];
  if (m.edns) {
    lines.push(
      '',
      ';; OPT PSEUDOSECTION:',
      `; EDNS: version: ${m.edns.version}, flags:${m.edns.dnssecOk ? ' do' : ''}; udp: ${m.edns.udpSize}`,
    );
    if (m.edns.nsid) {
      const hex = Buffer.from(m.edns.nsid)
        .toString('hex')
        .toUpperCase()
        .replace(/(..)(?!$)/g, '$1 ');
      lines.push(`; NSID: ${hex} (${quoteCharacterString(m.edns.nsid)})`);
    }
  }
  lines.push('', ';; QUESTION SECTION:', `;${q.name}\t\tIN\t${typeName(q.type)}`);
  lines.push(
    ...section('ANSWER', m.answers),
    ...section('AUTHORITY', m.authorities),
    ...section('ADDITIONAL', m.additionals),
  );
  const proto = r.transport.toUpperCase();
  lines.push(
    '',
    `;; Query time: ${Math.round(r.rttMs)} msec`,
    `;; SERVER: ${r.server}(${r.server.replace(/#\d+$/, '')}) (${proto})`,
    `;; WHEN: ${when.toUTCString()}`,
    `;; MSG SIZE  rcvd: ${r.size}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatDig(outcomes: readonly Outcome[], command: string, when: Date): string {
  const parts = [`; <<>> netdiag lookup <<>> ${escapeControl(command)}`];
  for (const o of outcomes) {
    if (o.kind === 'error') parts.push(`;; ${escapeControl(o.message)}`);
    else parts.push(formatDigResponse(o.response, when).replace(/\n$/, ''));
  }
  return `${parts.join('\n\n')}\n`;
}

/** dig +short: the RDATA of every answer record, one per line. */
export function formatShort(outcomes: readonly Outcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (o.kind === 'error') lines.push(`;; ${escapeControl(o.message)}`);
    else for (const r of o.response.message.answers) lines.push(rdataText(r));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** dig +trace: each server's records and where they came from. */
export function formatTraceStep(step: TraceStep): string {
  const m = step.response.message;
  // As dig +trace: a referral shows the delegation (NS, DS), the last server its answer.
  const records = step.referral || m.answers.length === 0 ? m.authorities : m.answers;
  const lines = records.map(recordText);
  if (m.rcode !== 'NOERROR') lines.push(`;; ${m.rcode}`);
  lines.push(
    `;; Received ${step.response.size} bytes from ${step.server.address}#${step.response.server.split('#')[1] ?? 53}(${stripDot(step.server.name) || '.'}) in ${Math.round(step.response.rttMs)} ms`,
  );
  return `${lines.join('\n')}\n`;
}

function jsonBytes(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

function recordJson(r: DnsRecord): unknown {
  return { ...r, type: recordTypeName(r), rdata: rdataText(r) };
}

/** --json: one object per question; byte fields (TXT strings, keys, digests) as base64. */
export function formatJson(outcomes: readonly Outcome[]): string {
  const out = outcomes.map((o) => {
    if (o.kind === 'error') return { name: o.name, type: o.type, error: o.message };
    const r = o.response;
    const m = r.message;
    return {
      name: r.question.name,
      type: o.type,
      server: r.server,
      transport: r.transport,
      rcode: m.rcode,
      flags: m.flags,
      id: m.id,
      rttMs: Number(r.rttMs.toFixed(3)),
      size: r.size,
      tries: r.tries,
      answer: m.answers.map(recordJson),
      authority: m.authorities.map(recordJson),
      additional: m.additionals.map(recordJson),
      ...(m.edns?.nsid ? { nsid: quoteCharacterString(m.edns.nsid) } : {}),
    };
  });
  return `${JSON.stringify(out, jsonBytes, 2)}\n`;
}
