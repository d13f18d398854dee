/**
 * The audit log on a real SQLite file: append-only, bounded by signed archives (issue 10), and
 * a write that cannot be stored is an AuditUnavailable (503) that health reports, never a silent
 * success.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../core/log.ts';
import { HealthBoard } from '../core/health.ts';
import { MetricsRegistry } from '../metrics/registry.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { AuditLog, AuditUnavailable, auditMigrations } from './audit-log.ts';
import { archiveAudit, verifyAuditArchive } from './archive.ts';
import { withRequestScope } from '../api/request-scope.ts';

const log = createLogger('test', () => undefined);
const DAY = 86_400_000;

describe('audit log', () => {
  let dir: string;
  let db: Db;
  let health: HealthBoard;
  let metrics: MetricsRegistry;
  let audit: AuditLog;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-test-'));
    ({ db } = openDatabase(join(dir, 'hub.db'), auditMigrations, log));
    health = new HealthBoard();
    metrics = new MetricsRegistry();
    audit = new AuditLog(db, { health, metrics });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const entry = (i: number) => ({ actor: 'user:lan', action: 'pump.run', target: `pump:p${i}`, result: 'ok' as const, detail: { i } });
  const count = (): number => (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;

  it('rows older than the kept days go to a signed file that verifies, and leave the database', () => {
    const now = new Date('2027-03-01T00:00:00Z');
    for (let i = 0; i < 5; i++) audit.write(entry(i), new Date(now.getTime() - (200 - i) * DAY));
    for (let i = 5; i < 8; i++) audit.write(entry(i), new Date(now.getTime() - (10 - i) * DAY));
    const r = archiveAudit(db, dir, { keepDays: 180, now });
    expect(r.rows).toBe(5);
    expect(r.files).toHaveLength(1);
    const { rows, signature } = verifyAuditArchive(r.files[0]!);
    expect(rows.map((x) => x.target)).toEqual(['pump:p0', 'pump:p1', 'pump:p2', 'pump:p3', 'pump:p4']);
    expect(JSON.parse(rows[0]!.detail!)).toEqual({ i: 0 });
    expect(signature).toMatchObject({ firstId: 1, lastId: 5, rows: 5 });
    expect(readFileSync(join(dir, 'keys', 'hub-ed25519.pub'), 'utf8')).toBe(signature.publicKey);
    expect(count()).toBe(3);
    expect(audit.query({}).map((x) => x.target)).toEqual(['pump:p7', 'pump:p6', 'pump:p5']);
    // Nothing more is old enough: a second run archives nothing.
    expect(archiveAudit(db, dir, { keepDays: 180, now }).rows).toBe(0);
    expect(readdirSync(join(dir, 'audit-archive')).sort()).toEqual(['audit-0000000001-0000000005.jsonl', 'audit-0000000001-0000000005.jsonl.sig.json']);
  });

  it("each row says from where: the request's client address, one the entry gives, or none outside a request; archives keep it", () => {
    const now = new Date('2027-03-01T00:00:00Z');
    withRequestScope({ client: '192.168.1.23', actor: 'user:lan' }, () => audit.write(entry(1), new Date(now.getTime() - 300 * DAY)));
    audit.write({ ...entry(2), client: '10.0.0.7' }, new Date(now.getTime() - 300 * DAY));
    audit.write(entry(3), new Date(now.getTime() - 1 * DAY));
    expect(audit.query({}).map((r) => [r.target, r.client])).toEqual([
      ['pump:p3', null],
      ['pump:p2', '10.0.0.7'],
      ['pump:p1', '192.168.1.23'],
    ]);
    const [file] = archiveAudit(db, dir, { keepDays: 180, now }).files;
    expect(verifyAuditArchive(file!).rows.map((r) => r.client)).toEqual(['192.168.1.23', '10.0.0.7']);
    expect(() => db.prepare("UPDATE audit_log SET client = '1.2.3.4'").run()).toThrow(/append-only/);
  });

  it('a changed archive file no longer verifies', () => {
    const now = new Date('2027-03-01T00:00:00Z');
    audit.write(entry(1), new Date(now.getTime() - 400 * DAY));
    const [file] = archiveAudit(db, dir, { keepDays: 180, now }).files;
    writeFileSync(file!, readFileSync(file!, 'utf8').replace('user:lan', 'user:van'));
    expect(() => verifyAuditArchive(file!)).toThrow(/sha256/);
  });

  it('after archiving, an UPDATE and a DELETE of unarchived rows are still refused', () => {
    const now = new Date('2027-03-01T00:00:00Z');
    audit.write(entry(1), new Date(now.getTime() - 400 * DAY));
    audit.write(entry(2), new Date(now.getTime() - 1 * DAY));
    archiveAudit(db, dir, { keepDays: 180, now });
    expect(() => db.prepare("UPDATE audit_log SET actor = 'user:x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_archived_upto').run()).toThrow(/append-only/);
    expect(count()).toBe(1);
  });

  it('a row younger than the cutoff stops the archive there, even if later rows are older (clock set back)', () => {
    const now = new Date('2027-03-01T00:00:00Z');
    audit.write(entry(1), new Date(now.getTime() - 400 * DAY));
    audit.write(entry(2), new Date(now.getTime() - 1 * DAY));
    audit.write(entry(3), new Date(now.getTime() - 400 * DAY));
    expect(archiveAudit(db, dir, { keepDays: 180, now }).rows).toBe(1);
    expect(count()).toBe(2);
  });

  it('a full disk: write throws AuditUnavailable (503), health says so, and both recover when space returns', () => {
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    let err: unknown;
    try {
      for (let i = 0; i < 100_000; i++) audit.write({ ...entry(i), detail: { pad: 'x'.repeat(500) } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuditUnavailable);
    expect((err as AuditUnavailable).status).toBe(503);
    expect((err as Error).message).toMatch(/^audit: .*disk is full/);
    expect(health.get('audit')?.level).toBe('degraded');
    expect(audit.writable()).toBe(false);
    expect(metrics.value('audit_write_failures_total')).toBeGreaterThanOrEqual(2);
    db.pragma('max_page_count = 1073741823');
    expect(audit.writable()).toBe(true);
    expect(health.get('audit')?.level).toBe('ok');
    audit.write(entry(1));
  });
});
