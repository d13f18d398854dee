import type { Db, Migration } from '../store/database.ts';

/** Who did what: a user (`user:lan`), a rule (`rule:night-irrigation`) or the hub itself (`hub`). */
export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  result: 'ok' | 'refused' | 'failed';
  detail?: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
  ts: string;
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
];

/**
 * The append-only record of who watched which footage, who commanded which pump, who changed
 * what. SQLite triggers refuse updates and deletes, so not even the hub's own code can rewrite it.
 */
export class AuditLog {
  private readonly insert;
  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO audit_log (ts, actor, action, target, result, detail) VALUES (?, ?, ?, ?, ?, ?)');
  }

  write(entry: AuditEntry, at: Date = new Date()): void {
    this.insert.run(at.toISOString(), entry.actor, entry.action, entry.target, entry.result,
      entry.detail ? JSON.stringify(entry.detail) : null);
  }

  query(filter: { actor?: string; target?: string; action?: string; from?: string; to?: string; limit?: number }): AuditRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.actor) (where.push('actor = ?'), args.push(filter.actor));
    if (filter.target) (where.push('target LIKE ?'), args.push(`${filter.target}%`));
    if (filter.action) (where.push('action LIKE ?'), args.push(`${filter.action}%`));
    if (filter.from) (where.push('ts >= ?'), args.push(filter.from));
    if (filter.to) (where.push('ts <= ?'), args.push(filter.to));
    const limit = Math.min(Math.max(filter.limit ?? 200, 1), 5000);
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`)
      .all(...args) as Array<AuditRow & { detail: string | null }>;
    return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : undefined }));
  }
}
