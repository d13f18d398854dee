import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, renameSync, statSync } from 'node:fs';
import type { Logger } from '../core/log.ts';

export type Db = Database.Database;

/**
 * One schema change. Ids are ordered within their owner (`record`, `auth`, `devices`...), and each
 * subsystem keeps its own list, so subsystems never edit each other's migrations.
 */
export interface Migration {
  owner: string;
  version: number;
  description: string;
  up(db: Db): void;
}

/**
 * Opens the hub's SQLite file in WAL mode and applies pending migrations, each in a transaction.
 * A file that SQLite cannot read is moved aside (never deleted) and a fresh one is created; the
 * caller then rebuilds what it can from the files on disk (the recording index does).
 */
export function openDatabase(path: string, migrations: Migration[], log: Logger): { db: Db; recreated: boolean } {
  let recreated = !existsSync(path);
  let db: Db;
  try {
    db = open(path, log);
  } catch (err) {
    const aside = `${path}.corrupt-${Date.now()}`;
    log.error(`database ${path} is unreadable (${(err as Error).message}); moved it to ${aside} and starting a new one`);
    renameSync(path, aside);
    for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
    db = open(path, log);
    recreated = true;
  }
  migrate(db, migrations, log);
  // SQLite gives -wal and -shm the database file's mode when it creates them; ones an older hub
  // left wider are narrowed here.
  for (const ext of ['-wal', '-shm']) if (existsSync(path + ext)) ownerOnly(path + ext, log);
  return { db, recreated };
}

/** Mode of the database and its -wal and -shm: they hold users, sessions and the audit log. */
const DB_FILE_MODE = 0o600;

/** Narrows `path` to owner-only when it is wider, saying so. */
function ownerOnly(path: string, log: Logger): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  chmodSync(path, DB_FILE_MODE);
  log.warn(`store: ${path} was readable by others (mode ${mode.toString(8)}); now ${DB_FILE_MODE.toString(8)}, owner only`);
}

function open(path: string, log: Logger): Db {
  // Created owner-only before SQLite opens it (SQLite would create it 0644).
  if (!existsSync(path)) closeSync(openSync(path, 'a', DB_FILE_MODE));
  else ownerOnly(path, log);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check: ${String(check)}`);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function migrate(db: Db, migrations: Migration[], log: Logger): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    owner TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL,
    PRIMARY KEY (owner, version))`);
  const applied = new Set(
    db
      .prepare('SELECT owner, version FROM schema_migrations')
      .all()
      .map((r) => {
        const row = r as { owner: string; version: number };
        return `${row.owner}:${row.version}`;
      }),
  );
  const sorted = [...migrations].sort((a, b) => a.owner.localeCompare(b.owner) || a.version - b.version);
  const record = db.prepare('INSERT INTO schema_migrations (owner, version, description, applied_at) VALUES (?, ?, ?, ?)');
  for (const m of sorted) {
    if (applied.has(`${m.owner}:${m.version}`)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.owner, m.version, m.description, new Date().toISOString());
    })();
    log.info(`applied migration ${m.owner} v${m.version}: ${m.description}`);
  }
}
