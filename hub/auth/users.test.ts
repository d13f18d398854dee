import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../store/database.ts';
import { createLogger } from '../core/log.ts';
import { UserStore, authMigrations } from './users.ts';

const PASSWORD = 'correct-horse-battery-staple';

describe('UserStore lock', () => {
  let db: Db;
  let now = new Date('2026-05-01T08:00:00Z');
  beforeEach(() => {
    now = new Date('2026-05-01T08:00:00Z');
    db = openDatabase(
      join(mkdtempSync(join(tmpdir(), 'auth-')), 'hub.db'),
      authMigrations,
      createLogger('test', () => {}),
    ).db;
  });
  afterEach(() => db.close());

  it('locks after five failures for fifteen minutes, then lets the right password in and starts counting afresh', async () => {
    const users = new UserStore(db, () => now);
    await users.add('lan', 'viewer', PASSWORD);
    for (let i = 0; i < 5; i++) await expect(users.login('lan', 'wrong-password-1')).rejects.toMatchObject({ status: 401 });
    expect(users.list()[0]!.lockedUntil).toBe('2026-05-01T08:15:00.000Z');
    now = new Date('2026-05-01T08:14:59Z');
    await expect(users.login('lan', PASSWORD)).rejects.toMatchObject({ reason: 'locked' });
    now = new Date('2026-05-01T08:15:00Z');
    expect((await users.login('lan', PASSWORD)).user.username).toBe('lan');
    await expect(users.login('lan', 'wrong-password-1')).rejects.toMatchObject({ reason: 'wrong password' });
  });

  it('counts attempts per address in a sliding minute, an IPv6 client by its /64', async () => {
    const users = new UserStore(db, () => now);
    users.setLimits({ attemptsPerMinute: 2 });
    const attempt = (client: string) => users.login('nobody', 'wrong-password-1', { client });
    await expect(attempt('2001:db8:1:2::a')).rejects.toMatchObject({ status: 401 });
    await expect(attempt('2001:db8:1:2:ffff::b')).rejects.toMatchObject({ status: 401 });
    await expect(attempt('2001:db8:1:2::c')).rejects.toMatchObject({ status: 429, retryAfterSeconds: 60 });
    await expect(attempt('2001:db8:1:3::a')).rejects.toMatchObject({ status: 401 });
    now = new Date(now.getTime() + 60_000);
    await expect(attempt('2001:db8:1:2::a')).rejects.toMatchObject({ status: 401 });
  });
});
