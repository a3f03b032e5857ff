import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../lab/run.js';

// MMDB files written by MaxMind's own writer (Debian's libmaxmind-db-writer-perl), so that the
// files the tests read are real ones, not what our reader expects.

export type MmdbType = 'uint32' | 'utf8_string' | 'map';

export interface MmdbSpec {
  readonly databaseType: string;
  /** The MMDB type of each key the records use (maps' own keys included). */
  readonly types: Readonly<Record<string, MmdbType>>;
  readonly networks: readonly { readonly network: string; readonly record: Record<string, unknown> }[];
}

const WRITER = `
use strict; use warnings;
use JSON::PP; use MaxMind::DB::Writer::Tree;
my $spec = JSON::PP->new->decode(do { local $/; <STDIN> });
my %types = %{ $spec->{types} };
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 24, database_type => $spec->{databaseType},
  languages => ['en'], description => { en => 'netdiag test data' },
  map_key_type_callback => sub { $types{ $_[0] } },
  # The lab's addresses are documentation ranges, which the writer leaves out by default.
  remove_reserved_networks => 0,
);
$tree->insert_network($_->{network}, $_->{record}) for @{ $spec->{networks} };
open my $fh, '>:raw', $spec->{path} or die "$spec->{path}: $!";
$tree->write_tree($fh);
close $fh or die "$spec->{path}: $!";
`;

/** Writes an MMDB to `path`. */
export async function writeMmdb(path: string, spec: MmdbSpec): Promise<void> {
  const r = await exec(['perl', '-e', WRITER], {
    input: JSON.stringify({ ...spec, path }),
    timeoutMs: 30_000,
  });
  if (r.code !== 0) throw new Error(`MaxMind::DB::Writer failed (${r.code}): ${r.stderr}`);
}

/** A directory for a test's files, removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'netdiag-mmdb-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What libmaxminddb's mmdblookup finds for `address` at `path` (one key), or undefined. */
export async function mmdblookup(
  path: string,
  address: string,
  ...keys: string[]
): Promise<string | undefined> {
  const r = await exec(['mmdblookup', '--file', path, '--ip', address, ...keys], { timeoutMs: 10_000 });
  if (r.code !== 0) return undefined;
  const m = /^\s*(?:"(.*)"|(\d+)) <\w+>\s*$/m.exec(r.stdout);
  return m ? (m[1] ?? m[2]) : undefined;
}
