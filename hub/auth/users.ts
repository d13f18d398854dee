import { createHash, randomBytes } from 'node:crypto';
import type { Db, Migration } from '../store/database.ts';
import { HubError } from '../core/errors.ts';
import { ROLES, type Role } from './roles.ts';
import { hashPassword, verifyPassword, weakPasswordReason } from './passwords.ts';

export const authMigrations: Migration[] = [
  {
    owner: 'auth',
    version: 1,
    description: 'users and sessions',
    up: (db) =>
      db.exec(`
        CREATE TABLE users (
          username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
          created_at TEXT NOT NULL, must_change_password INTEGER NOT NULL DEFAULT 0,
          failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT, disabled INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE sessions (
          token_hash TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
          created_at TEXT NOT NULL, expires_at TEXT NOT NULL);`),
  },
];

export interface User {
  username: string;
  role: Role;
  mustChangePassword: boolean;
}

const SESSION_HOURS = 12;
const MAX_FAILED = 5;
const LOCK_MINUTES = 15;
const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;

/** How a session token is stored and named (never the token itself). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Sessions that ended before they expired: one (`tokenHash`) or every session of `username`. */
export interface SessionRevocation {
  username: string;
  tokenHash?: string;
  reason: 'logout' | 'password' | 'disabled';
}

/**
 * Local users with scrypt-hashed passwords, opaque session tokens (only their hashes are stored)
 * and a lockout after repeated failures (Decision 724/QĐ-BTTTT asks for brute-force lockout).
 */
export class UserStore {
  private readonly revokeListeners = new Set<(r: SessionRevocation) => void>();

  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  /** Calls `fn` when sessions end early (logout, password change, disable), e.g. to close live streams. */
  onRevoke(fn: (r: SessionRevocation) => void): () => void {
    this.revokeListeners.add(fn);
    return () => this.revokeListeners.delete(fn);
  }

  private revoked(r: SessionRevocation): void {
    for (const fn of this.revokeListeners) {
      try {
        fn(r);
      } catch (err) {
        // A listener's failure never undoes or blocks the sign-out itself.
        process.emitWarning(`auth: session listener failed: ${(err as Error).message}`);
      }
    }
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async add(username: string, role: Role, password: string, opts: { mustChangePassword?: boolean } = {}): Promise<User> {
    if (!USERNAME.test(username)) throw new HubError(400, 'auth: username must be 2-32 lowercase letters, digits, dot, dash or underscore');
    if (!ROLES.includes(role)) throw new HubError(400, `auth: role must be one of ${ROLES.join(', ')}`);
    const weak = weakPasswordReason(password);
    if (weak) throw new HubError(400, `auth: password ${weak}`);
    if (this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username)) {
      throw new HubError(409, `auth: user ${username} already exists`);
    }
    const hash = await hashPassword(password);
    this.db
      .prepare('INSERT INTO users (username, role, password_hash, created_at, must_change_password) VALUES (?, ?, ?, ?, ?)')
      .run(username, role, hash, this.now().toISOString(), opts.mustChangePassword ? 1 : 0);
    return { username, role, mustChangePassword: !!opts.mustChangePassword };
  }

  list(): User[] {
    return (this.db.prepare('SELECT username, role, must_change_password FROM users ORDER BY username').all() as Array<{
      username: string; role: Role; must_change_password: number;
    }>).map((r) => ({ username: r.username, role: r.role, mustChangePassword: r.must_change_password === 1 }));
  }

  /** Checks a password and returns a new session token, or throws 401/423. */
  async login(username: string, password: string): Promise<{ token: string; user: User; expiresAt: string }> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as
      | { username: string; role: Role; password_hash: string; must_change_password: number; failed_logins: number; locked_until: string | null; disabled: number }
      | undefined;
    const now = this.now();
    if (!row || row.disabled) {
      // Spend the same time as a real check so user names cannot be probed by timing.
      await verifyPassword(password, 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
      throw new HubError(401, 'auth: wrong user name or password');
    }
    if (row.locked_until && new Date(row.locked_until) > now) {
      throw new HubError(423, `auth: account locked after ${MAX_FAILED} failed logins until ${row.locked_until}`);
    }
    if (!(await verifyPassword(password, row.password_hash))) {
      const failed = row.failed_logins + 1;
      const lock = failed >= MAX_FAILED ? new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString() : null;
      this.db.prepare('UPDATE users SET failed_logins = ?, locked_until = ? WHERE username = ?').run(lock ? 0 : failed, lock, username);
      throw new HubError(401, 'auth: wrong user name or password');
    }
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = ?').run(username);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000).toISOString();
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now.toISOString());
    this.db
      .prepare('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash(token), username, now.toISOString(), expiresAt);
    return { token, user: { username, role: row.role, mustChangePassword: row.must_change_password === 1 }, expiresAt };
  }

  /** Resolves a session token to its user, or undefined when unknown or expired. */
  authenticate(token: string): User | undefined {
    const row = this.db
      .prepare(
        `SELECT u.username, u.role, u.must_change_password FROM sessions s JOIN users u ON u.username = s.username
         WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0`,
      )
      .get(tokenHash(token), this.now().toISOString()) as { username: string; role: Role; must_change_password: number } | undefined;
    return row ? { username: row.username, role: row.role, mustChangePassword: row.must_change_password === 1 } : undefined;
  }

  logout(token: string): void {
    const hash = tokenHash(token);
    const row = this.db.prepare('DELETE FROM sessions WHERE token_hash = ? RETURNING username').get(hash) as { username: string } | undefined;
    if (row) this.revoked({ username: row.username, tokenHash: hash, reason: 'logout' });
  }

  /** Disables or re-enables an account; disabling ends its sessions at once. */
  setDisabled(username: string, disabled: boolean): void {
    const res = this.db.prepare('UPDATE users SET disabled = ? WHERE username = ?').run(disabled ? 1 : 0, username);
    if (res.changes === 0) throw new HubError(404, `auth: no user ${username}`);
    if (!disabled) return;
    this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
    this.revoked({ username, reason: 'disabled' });
  }

  async changePassword(username: string, password: string): Promise<void> {
    const weak = weakPasswordReason(password);
    if (weak) throw new HubError(400, `auth: password ${weak}`);
    const hash = await hashPassword(password);
    const res = this.db.prepare('UPDATE users SET password_hash = ?, must_change_password = 0 WHERE username = ?').run(hash, username);
    if (res.changes === 0) throw new HubError(404, `auth: no user ${username}`);
    this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
    this.revoked({ username, reason: 'password' });
  }
}
