/**
 * How the append-only audit log is bounded (issue 10): rows older than `keepDays` move to a signed
 * file under dataDir/audit-archive/ and only then leave the database.
 *
 * One archive is two files: `audit-<first>-<last>.jsonl` (one row a line, exactly as stored) and
 * `audit-<first>-<last>.jsonl.sig.json` (sha256 of the file, the Ed25519 signature over the file's
 * bytes with the hub's signing key, its public key and fingerprint). Order of work, so a crash or a
 * full disk at any point loses nothing: write the file and its signature (temp file + fsync +
 * rename), then in one transaction record the mark in audit_archived_upto and delete the rows at
 * or below it; the delete trigger allows exactly those rows (audit-log.ts, migration 2).
 * `verifyAuditArchive` checks a file against its signature, offline, with no database.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Db } from '../store/database.ts';
import { loadOrCreateSigningKey, signBytes, verifyBytes, type SigningKey } from '../core/signing-key.ts';
import { sha256, writeFileAtomic } from '../core/files.ts';

/** Audit rows stay in the database this long before they are archived (days). */
export const AUDIT_KEEP_DAYS = 180;
/** At most this many rows per archive file, so one run never holds a huge file in memory. */
const MAX_ROWS_PER_FILE = 50_000;

export const ARCHIVE_DIR = 'audit-archive';

export interface ArchiveSignature {
  file: string;
  sha256: string;
  firstId: number;
  lastId: number;
  rows: number;
  /** ISO time of the newest row in the file. */
  upto: string;
  publicKey: string;
  fingerprint: string;
  /** Ed25519 over the file's bytes, base64. */
  signature: string;
}

export interface ArchiveResult {
  files: string[];
  rows: number;
}

/**
 * Archives every row older than `keepDays` (relative to `now`) to signed files and deletes them.
 * Throws (nothing deleted for the file being written) when a file cannot be written.
 */
export function archiveAudit(db: Db, dataDir: string, opts: { keepDays?: number; now?: Date; key?: SigningKey } = {}): ArchiveResult {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - (opts.keepDays ?? AUDIT_KEEP_DAYS) * 86_400_000).toISOString();
  const dir = join(dataDir, ARCHIVE_DIR);
  const out: ArchiveResult = { files: [], rows: 0 };
  let key = opts.key;
  const pick = db.prepare(`SELECT id, ts, actor, action, target, result, detail, client FROM audit_log
    WHERE id > (SELECT coalesce(max(upto_id), 0) FROM audit_archived_upto) ORDER BY id LIMIT ?`);
  const commit = db.transaction((lastId: number, upto: string, file: string, hash: string) => {
    db.prepare('INSERT INTO audit_archived_upto (upto_id, ts, file, sha256) VALUES (?, ?, ?, ?)').run(lastId, upto, file, hash);
    db.prepare('DELETE FROM audit_log WHERE id <= ?').run(lastId);
  });
  for (;;) {
    // Rows are taken in id order and stop at the first one not old enough, so a mark never
    // covers a row left out of its file (a clock set back can give a later id an older ts).
    const rows = pick.all(MAX_ROWS_PER_FILE) as Array<{ id: number; ts: string }>;
    const young = rows.findIndex((r) => r.ts >= cutoff);
    const contiguous = young < 0 ? rows : rows.slice(0, young);
    if (!contiguous.length) return out;
    key ??= loadOrCreateSigningKey(dataDir);
    mkdirSync(dir, { recursive: true });
    const first = contiguous[0]!;
    const last = contiguous[contiguous.length - 1]!;
    const name = `audit-${String(first.id).padStart(10, '0')}-${String(last.id).padStart(10, '0')}.jsonl`;
    const bytes = Buffer.from(contiguous.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const sig: ArchiveSignature = {
      file: name,
      sha256: sha256(bytes),
      firstId: first.id,
      lastId: last.id,
      rows: contiguous.length,
      upto: last.ts,
      publicKey: key.publicPem,
      fingerprint: key.fingerprint,
      signature: signBytes(key, bytes).toString('base64'),
    };
    writeFileAtomic(join(dir, name), bytes, 0o640);
    writeFileAtomic(join(dir, `${name}.sig.json`), JSON.stringify(sig, null, 2), 0o640);
    commit(last.id, last.ts, name, sig.sha256);
    out.files.push(join(dir, name));
    out.rows += contiguous.length;
  }
}

/**
 * Checks an archive file against its `.sig.json`: the bytes hash to the recorded sha256 and the
 * Ed25519 signature verifies with the recorded public key (compare its fingerprint with the hub's
 * published key). Returns the parsed signature and rows, or throws saying what does not match.
 */
export function verifyAuditArchive(path: string): { signature: ArchiveSignature; rows: AuditArchiveRow[] } {
  const bytes = readFileSync(path);
  const sig = JSON.parse(readFileSync(`${path}.sig.json`, 'utf8')) as ArchiveSignature;
  if (sig.file !== basename(path)) throw new Error(`audit: ${path} is signed as ${sig.file}`);
  if (sha256(bytes) !== sig.sha256) throw new Error(`audit: ${path} does not match its recorded sha256`);
  if (!verifyBytes(sig.publicKey, bytes, Buffer.from(sig.signature, 'base64'))) throw new Error(`audit: ${path} signature does not verify`);
  const rows = bytes
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditArchiveRow);
  return { signature: sig, rows };
}

export interface AuditArchiveRow {
  id: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  result: string;
  detail: string | null;
  /** The client's address (absent in files archived before audit migration 3). */
  client?: string | null;
}
