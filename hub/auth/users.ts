import { createHash, randomBytes } from 'node:crypto';
import type { Db, Migration } from '../store/database.ts';
import { HubError } from '../core/errors.ts';
import { ROLES, type Role } from './roles.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { weakPasswordReason } from './password-policy.ts';
import { AttemptWindow, LOGIN_LIMITS, type LoginLimits } from './login-limits.ts';

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
  /** Until it is changed, the router lets this user only read /api/auth/me, change the password and sign out. */
  mustChangePassword: boolean;
}

/** A user as the admin's list shows it. */
export interface UserSummary extends User {
  disabled: boolean;
  /** Set while the account is locked after failed sign-ins. */
  lockedUntil?: string;
}

const SESSION_HOURS = 12;
export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,31}$/;
/** A hash of no password with the real parameters: unknown and locked accounts cost the same time as real ones. */
const NO_PASSWORD = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** How a session token is stored and named (never the token itself). */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Sessions that ended before they expired: one (`tokenHash`) or every session of `username`. */
export interface SessionRevocation {
  username: string;
  tokenHash?: string;
  reason: 'logout' | 'password' | 'disabled' | 'deleted' | 'ended';
}

/**
 * A refused sign-in. Whatever the cause, the client sees the same 401 and message, so neither a
 * user name nor a lock can be probed; `reason` is for the audit log only.
 */
export class LoginRefused extends HubError {
  constructor(readonly reason: 'unknown user' | 'disabled' | 'locked' | 'wrong password' | 'wrong password, account now locked') {
    super(401, 'auth: wrong user name or password');
    this.name = 'LoginRefused';
  }
}

type UserRow = {
  username: string;
  role: Role;
  password_hash: string;
  must_change_password: number;
  failed_logins: number;
  locked_until: string | null;
  disabled: number;
};

/**
 * Local users with scrypt-hashed passwords, opaque session tokens (only their hashes are stored)
 * and the sign-in limits of login-limits.ts.
 */
export class UserStore {
  private readonly revokeListeners = new Set<(r: SessionRevocation) => void>();
  private limitValues: LoginLimits = { ...LOGIN_LIMITS };
  private readonly attempts = new AttemptWindow(() => this.limitValues.attemptsPerMinute);

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The sign-in limits in force (LOGIN_LIMITS unless changed). */
  get limits(): Readonly<LoginLimits> {
    return this.limitValues;
  }

  /** Changes sign-in limits (tests whose many sign-ins all come from 127.0.0.1 raise the per-address one). */
  setLimits(limits: Partial<LoginLimits>): void {
    this.limitValues = { ...this.limitValues, ...limits };
  }

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
    const weak = weakPasswordReason(password, username);
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

  list(): UserSummary[] {
    const now = this.now().toISOString();
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map((r) => ({
      username: r.username,
      role: r.role,
      mustChangePassword: r.must_change_password === 1,
      disabled: r.disabled === 1,
      ...(r.locked_until && r.locked_until > now ? { lockedUntil: r.locked_until } : {}),
    }));
  }

  /**
   * Checks `password` against `username`'s. A disabled, locked or unknown account is refused
   * without its hash being tried; a wrong password is counted in one statement, so parallel
   * guesses cannot all read the same old count.
   */
  private async check(username: string, password: string): Promise<UserRow> {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    const refusal = !row ? 'unknown user' : row.disabled ? 'disabled' : this.isLocked(row.locked_until) ? 'locked' : undefined;
    if (!row || refusal) {
      await verifyPassword(password, NO_PASSWORD);
      throw new LoginRefused(refusal ?? 'unknown user');
    }
    if (!(await verifyPassword(password, row.password_hash))) {
      const lockedNow = this.countFailure(username);
      throw new LoginRefused(lockedNow ? 'wrong password, account now locked' : 'wrong password');
    }
    // A guess made in parallel may have locked the account while this one was being checked.
    const ok = this.db
      .prepare(
        `UPDATE users SET failed_logins = 0 WHERE username = ? AND disabled = 0 AND (locked_until IS NULL OR locked_until <= ?)
                RETURNING *`,
      )
      .get(username, this.now().toISOString()) as UserRow | undefined;
    if (!ok) throw new LoginRefused('locked');
    return ok;
  }

  private isLocked(lockedUntil: string | null): boolean {
    return lockedUntil !== null && lockedUntil > this.now().toISOString();
  }

  /** Adds one failure; the one that reaches the limit locks the account. Returns whether it did. */
  private countFailure(username: string): boolean {
    const { maxFailures, lockMinutes } = this.limitValues;
    const until = new Date(this.now().getTime() + lockMinutes * 60_000).toISOString();
    const row = this.db
      .prepare(
        `UPDATE users SET
                  failed_logins = CASE WHEN failed_logins + 1 >= @max THEN 0 ELSE failed_logins + 1 END,
                  locked_until = CASE WHEN failed_logins + 1 >= @max THEN @until ELSE locked_until END
                WHERE username = @username RETURNING locked_until`,
      )
      .get({ max: maxFailures, until, username }) as { locked_until: string | null } | undefined;
    return row?.locked_until === until;
  }

  /**
   * Checks a password and returns a new session token, or throws LoginRefused (401) or, past the
   * per-address limit, TooManyAttempts (429). `client` is the address the attempt came from.
   */
  async login(username: string, password: string, opts: { client?: string } = {}): Promise<{ token: string; user: User; expiresAt: string }> {
    if (opts.client !== undefined) this.attempts.hit(opts.client, this.now().getTime());
    const row = await this.check(username, password);
    const now = this.now();
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000).toISOString();
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now.toISOString());
    this.db
      .prepare('INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash(token), username, now.toISOString(), expiresAt);
    return { token, user: { username, role: row.role, mustChangePassword: row.must_change_password === 1 }, expiresAt };
  }

  /** Resolves a session token to its user, or undefined when unknown, expired or disabled. */
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

  /** Refuses (409) a change that would leave no enabled admin. Call inside the transaction that makes it. */
  private keepAnAdmin(username: string, action: string): void {
    const row = this.db.prepare('SELECT role, disabled FROM users WHERE username = ?').get(username) as { role: Role; disabled: number } | undefined;
    if (!row) throw new HubError(404, `auth: no user ${username}`);
    if (row.role !== 'admin' || row.disabled) return;
    const others = this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND username != ?").get(username) as { n: number };
    if (others.n === 0) throw new HubError(409, `auth: ${username} is the last enabled admin; ${action} would leave no one to manage users`);
  }

  /**
   * Disables or re-enables an account. Disabling ends its sessions at once and is refused for the
   * last enabled admin; enabling also lifts a lock from failed sign-ins.
   */
  setDisabled(username: string, disabled: boolean): void {
    // IMMEDIATE: the check and the write are one step even against the CLI in another process.
    this.db
      .transaction(() => {
        if (disabled) this.keepAnAdmin(username, 'disabling it');
        const res = disabled
          ? this.db.prepare('UPDATE users SET disabled = 1 WHERE username = ?').run(username)
          : this.db.prepare('UPDATE users SET disabled = 0, failed_logins = 0, locked_until = NULL WHERE username = ?').run(username);
        if (res.changes === 0) throw new HubError(404, `auth: no user ${username}`);
        if (disabled) this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
      })
      .immediate();
    if (disabled) this.revoked({ username, reason: 'disabled' });
  }

  /** Deletes an account and its sessions; refused for the last enabled admin. */
  delete(username: string): void {
    this.db
      .transaction(() => {
        this.keepAnAdmin(username, 'deleting it');
        this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
        this.db.prepare('DELETE FROM users WHERE username = ?').run(username);
      })
      .immediate();
    this.revoked({ username, reason: 'deleted' });
  }

  /** Ends every session of `username`; returns how many there were. */
  endSessions(username: string): number {
    if (!this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username)) throw new HubError(404, `auth: no user ${username}`);
    const n = this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username).changes;
    this.revoked({ username, reason: 'ended' });
    return n;
  }

  /**
   * Gives `username` a new one-time password (returned once, stored only hashed), to be changed
   * at the next sign-in; ends its sessions and lifts a lock.
   */
  async resetPassword(username: string): Promise<string> {
    if (!this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username)) throw new HubError(404, `auth: no user ${username}`);
    const password = generatePassword();
    const hash = await hashPassword(password);
    this.setPassword(username, hash, true);
    return password;
  }

  /**
   * Changes one's own password, which needs the current one: a wrong one is refused (400) and
   * counts as a failed sign-in, so a stolen session cannot guess its way to the account; the
   * attempt counts against the client address's limit like a sign-in.
   */
  async changePassword(username: string, current: string, password: string, opts: { client?: string } = {}): Promise<void> {
    if (opts.client !== undefined) this.attempts.hit(opts.client, this.now().getTime());
    try {
      await this.check(username, current);
    } catch (err) {
      if (err instanceof LoginRefused) throw new HubError(400, 'auth: the current password is wrong');
      throw err;
    }
    const weak = weakPasswordReason(password, username);
    if (weak) throw new HubError(400, `auth: password ${weak}`);
    if (password.normalize('NFC') === current.normalize('NFC')) throw new HubError(400, 'auth: the new password must differ from the current one');
    this.setPassword(username, await hashPassword(password), false);
  }

  private setPassword(username: string, hash: string, mustChange: boolean): void {
    const res = this.db
      .transaction(() => {
        const r = this.db
          .prepare('UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL WHERE username = ?')
          .run(hash, mustChange ? 1 : 0, username);
        this.db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
        return r;
      })
      .immediate();
    if (res.changes === 0) throw new HubError(404, `auth: no user ${username}`);
    this.revoked({ username, reason: 'password' });
  }
}
