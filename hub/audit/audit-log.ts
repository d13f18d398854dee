import type { Db, Migration } from '../store/database.ts';
import { HubError } from '../core/errors.ts';
import { isNoSpace } from '../core/guard.ts';
import type { HealthBoard } from '../core/health.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';
import { currentRequest } from '../api/request-scope.ts';

/** Who did what: a user (`user:lan`), a rule (`rule:night-irrigation`) or the hub itself (`hub`). */
export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  result: 'ok' | 'refused' | 'failed';
  detail?: Record<string, unknown>;
  /**
   * The client's address. Left out, it is the address of the request being served (the router's
   * request scope); outside a request (timers, rules) there is none.
   */
  client?: string;
}

export interface AuditRow extends Omit<AuditEntry, 'client'> {
  id: number;
  ts: string;
  /** Null for entries made outside a request, and for those written before audit migration 3. */
  client: string | null;
}

export const auditMigrations: Migration[] = [
  {
    owner: 'audit',
    version: 1,
    description: 'append-only audit log',
    up: (db) =>
      db.exec(`
        CREATE TABLE audit_log (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
          result TEXT NOT NULL, detail TEXT);
        CREATE INDEX audit_log_ts ON audit_log(ts);
        CREATE INDEX audit_log_target ON audit_log(target, ts);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`),
  },
  {
    owner: 'audit',
    version: 2,
    description: 'bounded by archiving: rows may be deleted only once a signed archive holds them',
    // The one narrow path out of the log (issue 10): audit_archived_upto records, append-only,
    // the highest id each signed archive file holds (archive.ts writes the file first, then the
    // mark, then deletes). The delete trigger now refuses any row above the highest mark, so an
    // ordinary DELETE of unarchived rows is still refused, and UPDATE always is.
    // audit_probe is scratch space for the writability probe (never holds a row between calls).
    up: (db) =>
      db.exec(`
        CREATE TABLE audit_archived_upto (
          upto_id INTEGER PRIMARY KEY, ts TEXT NOT NULL, file TEXT NOT NULL, sha256 TEXT NOT NULL);
        CREATE TRIGGER audit_archived_upto_no_update BEFORE UPDATE ON audit_archived_upto
          BEGIN SELECT RAISE(ABORT, 'audit archive marks are append-only'); END;
        CREATE TRIGGER audit_archived_upto_no_delete BEFORE DELETE ON audit_archived_upto
          BEGIN SELECT RAISE(ABORT, 'audit archive marks are append-only'); END;
        DROP TRIGGER audit_log_no_delete;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          WHEN OLD.id > (SELECT coalesce(max(upto_id), 0) FROM audit_archived_upto)
          BEGIN SELECT RAISE(ABORT, 'audit log is append-only (only archived rows may be deleted)'); END;
        CREATE TABLE audit_probe (b BLOB);`),
  },
  {
    owner: 'audit',
    version: 3,
    description: "each entry says from where: the client's address",
    // Issue 11, finding 9: no row said from which address an action came. ADD COLUMN rewrites no
    // row, so the append-only triggers are not involved; older rows read null.
    up: (db) => db.exec('ALTER TABLE audit_log ADD COLUMN client TEXT'),
  },
];

/**
 * The audit log cannot be written (full disk, read-only volume, I/O error). A route that must
 * audit what it did answers 503 with this; a timer or rule that audits catches it (the failure is
 * already logged, counted and on /api/health).
 */
export class AuditUnavailable extends HubError {
  constructor(override readonly cause: Error) {
    super(503, `audit: the audit log cannot be written (${isNoSpace(cause) ? 'the disk is full' : cause.message}); the action is not confirmed`);
    this.name = 'AuditUnavailable';
  }
}

export interface AuditLogOptions {
  /** Where the `audit` condition is reported. */
  health?: HealthBoard;
  metrics?: MetricsRegistry;
}

/**
 * The append-only record of who watched which footage, who commanded which pump, who changed
 * what. SQLite triggers refuse updates and deletes, so not even the hub's own code can rewrite it;
 * rows leave only through archive.ts, once a signed file holds them.
 *
 * A write that fails throws AuditUnavailable (HTTP 503): a user action that cannot be audited is
 * never reported as a plain success. The audit condition on health turns degraded and returns to
 * ok by itself at the next write (or probe) that works.
 */
export class AuditLog {
  private readonly insert;
  private readonly probeSt;
  private failures: { inc(): void } | undefined;
  private health: HealthBoard | undefined;
  private failing: string | undefined;

  constructor(
    private readonly db: Db,
    opts: AuditLogOptions = {},
  ) {
    this.insert = db.prepare('INSERT INTO audit_log (ts, actor, action, target, result, detail, client) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.probeSt = db.transaction(() => {
      // Room for a few pages, then none used: a row the size of a page needs the file to grow.
      db.prepare('INSERT INTO audit_probe (b) VALUES (zeroblob(8192))').run();
      db.prepare('DELETE FROM audit_probe').run();
    });
    this.reportTo(opts);
  }

  /** Where failures are reported from now on (the hub's health board and metrics; audit module). */
  reportTo(opts: AuditLogOptions): void {
    this.health = opts.health ?? this.health;
    this.failures = opts.metrics?.counter('audit_write_failures_total', 'Audit log writes that failed (full disk, I/O error)') ?? this.failures;
    if (this.failing !== undefined) this.health?.set('audit', 'degraded', `audit: the audit log cannot be written (${this.failing})`);
  }

  /**
   * Appends an entry, with the client address of the request being served when the entry gives
   * none; throws AuditUnavailable when it cannot be stored.
   */
  write(entry: AuditEntry, at: Date = new Date()): void {
    try {
      this.insert.run(
        at.toISOString(),
        entry.actor,
        entry.action,
        entry.target,
        entry.result,
        entry.detail ? JSON.stringify(entry.detail) : null,
        entry.client ?? currentRequest()?.client ?? null,
      );
    } catch (err) {
      throw this.failed(err as Error);
    }
    this.recovered();
  }

  /**
   * Whether an entry can be written now, found by a real committed write of a page-sized scratch
   * row (removed in the same transaction). Pump starts ask this before the drive is commanded.
   */
  writable(): boolean {
    try {
      this.probeSt();
    } catch (err) {
      this.failed(err as Error);
      return false;
    }
    this.recovered();
    return true;
  }

  /** Why the log cannot be written ("the disk is full", the error), while the last write or probe failed. */
  unavailable(): string | undefined {
    return this.failing;
  }

  private failed(err: Error): AuditUnavailable {
    const e = new AuditUnavailable(err);
    this.failures?.inc();
    if (this.failing === undefined) this.health?.set('audit', 'degraded', `${e.message}; pump starts are refused until it can`);
    this.failing = isNoSpace(err) ? 'the disk is full' : err.message;
    return e;
  }

  private recovered(): void {
    if (this.failing === undefined) return;
    this.failing = undefined;
    this.health?.ok('audit');
  }

  query(filter: { actor?: string; target?: string; action?: string; from?: string; to?: string; limit?: number }): AuditRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, arg: unknown): void => {
      where.push(clause);
      args.push(arg);
    };
    if (filter.actor) add('actor = ?', filter.actor);
    if (filter.target) add('target LIKE ?', `${filter.target}%`);
    if (filter.action) add('action LIKE ?', `${filter.action}%`);
    if (filter.from) add('ts >= ?', filter.from);
    if (filter.to) add('ts <= ?', filter.to);
    const limit = Math.min(Math.max(filter.limit ?? 200, 1), 5000);
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`)
      .all(...args) as Array<AuditRow & { detail: string | null }>;
    return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : undefined }));
  }
}
