import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { UserStore } from '../../hub/auth/users.ts';
import { freePort } from '../../tools/ports.ts';
import { makeDataDir, waitFor } from '../helpers/test-hub.ts';
import { CONFIG_VERSION } from '../../hub/config/migrations.ts';

const hubBin = 'bin/hub.mjs';

function runCli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [hubBin, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

describe('hub command line', () => {
  it('`npm start` on a fresh data dir runs both demo cameras, prints a one-time admin password that must be changed first, and records', async () => {
    const dataDir = makeDataDir();
    const port = await freePort();
    const hub = spawn(process.execPath, [hubBin, 'start', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      let out = '';
      hub.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const password = await waitFor(() => /password: (\S+)/.exec(out)?.[1], 15_000, 'the one-time password');
      const login = async (pw: string) =>
        (await (
          await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'admin', password: pw }),
          })
        ).json()) as { token: string; user: { mustChangePassword: boolean } };
      const once = await login(password);
      expect(once.user.mustChangePassword).toBe(true);
      // The one-time password (it stays in the terminal's scrollback) opens nothing but its own change.
      const refused = await fetch(`http://127.0.0.1:${port}/api/cameras`, { headers: { authorization: `Bearer ${once.token}` } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({ error: 'auth: password change required', detail: null });
      const changed = await fetch(`http://127.0.0.1:${port}/api/auth/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${once.token}` },
        body: JSON.stringify({ currentPassword: password, password: 'mekong-delta-2026' }),
      });
      expect(changed.status).toBe(200);
      const { token, user } = await login('mekong-delta-2026');
      expect(user.mustChangePassword).toBe(false);
      const cameras = await waitFor(
        async () => {
          const list = (await (await fetch(`http://127.0.0.1:${port}/api/cameras`, { headers: { authorization: `Bearer ${token}` } })).json()) as Array<{
            id: string;
            state: { online: boolean };
          }>;
          return list.length === 2 && list.every((c) => c.state.online) ? list : undefined;
        },
        30_000,
        'both demo cameras online',
      );
      expect(cameras.map((c) => c.id).sort()).toEqual(['demo-cho', 'demo-cong-uy-ban']);
      await waitFor(
        () => {
          const dir = join(dataDir, 'recordings', 'demo-cho');
          return existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => /\d{4}-\d{2}-\d{2}\/\d{2}\/\d+\.mp4$/.test(String(f)));
        },
        30_000,
        'a demo segment on disk',
      );
    } finally {
      hub.kill('SIGTERM');
      await new Promise((r) => hub.once('exit', r));
    }
  }, 90_000);

  it('`config check` accepts a good file and names the field of a bad one', async () => {
    const dir = makeDataDir({ cameras: [{ id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: 'rtsp://10.0.0.9/ch1' } }] });
    const ok = await runCli(['config', 'check', '--data', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid \(1 cameras\)/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ recording: { retentionDays: -3 } }));
    const bad = await runCli(['config', 'check', '--data', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/recording\.retentionDays: must be at least 1 day/);
  }, 30_000);

  it('`config check` refuses a rule watching a camera that is not configured, naming the field', async () => {
    const dir = makeDataDir({
      cameras: [{ id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: 'rtsp://10.0.0.9/ch1' } }],
      events: {
        rules: [
          { id: 'cong', type: 'offline', camera: 'gate' },
          { id: 'kho-dem', type: 'offline', camera: 'kho' },
        ],
      },
    });
    const bad = await runCli(['config', 'check', '--data', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/events\.rules\[1\]\.camera: no camera "kho": rule "kho-dem" watches it/);
  }, 30_000);

  it('`config check` explains what loading an older file will change, and writes nothing', async () => {
    // What a version 1 hub's API left: camera "kho" deleted while rule "kho-dem" watched it.
    const v1 = JSON.stringify({
      version: 1,
      cameras: [{ id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: 'rtsp://10.0.0.9/ch1' } }],
      events: { rules: [{ id: 'kho-dem', type: 'offline', camera: 'kho' }] },
    });
    const dir = makeDataDir();
    writeFileSync(join(dir, 'config.json'), v1);
    const res = await runCli(['config', 'check', '--data', dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`valid \\(1 cameras, once migrated from version 1 to ${CONFIG_VERSION} when the hub loads it\\)`));
    expect(res.stdout).toMatch(/v2: events\.rules\[0\] \("kho-dem"\) disabled: it watches camera "kho", which is not configured/);
    expect(res.stdout).toMatch(/events\.rules\[0\]: rule "kho-dem" is disabled: it watches camera "kho", which is not configured/);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(v1);
    expect(readdirSync(dir)).toEqual(['config.json']);
  }, 30_000);

  it('`config check` refuses a file written by a newer hub', async () => {
    const dir = makeDataDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ version: 99 }));
    const res = await runCli(['config', 'check', '--data', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`version: version 99 was written by a newer hub; this hub understands versions up to ${CONFIG_VERSION}`));
  }, 30_000);

  it('`user add` creates the first admin from a password on stdin, and refuses a weak one', async () => {
    const dir = makeDataDir();
    const weak = await runCli(['user', 'add', '--data', dir, '--username', 'chi', '--role', 'admin', '--password-stdin'], 'admin\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/password must be at least 10 characters/);
    const good = await runCli(['user', 'add', '--data', dir, '--username', 'chi', '--role', 'admin', '--password-stdin'], 'mekong-delta-2026\n');
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/user chi added with role admin/);
  }, 30_000);

  it('`user disable|enable|end-sessions|reset-password|delete` act on the database, keep one admin, and are audited as the OS user', async () => {
    const dir = makeDataDir();
    const add = (name: string, role: string) =>
      runCli(['user', 'add', '--data', dir, '--username', name, '--role', role, '--password-stdin'], 'mekong-delta-2026\n');
    expect((await add('chi', 'admin')).code).toBe(0);
    expect((await add('hoa', 'viewer')).code).toBe(0);
    const user = (args: string[]) => runCli(['user', ...args, '--data', dir]);
    const db = new Database(join(dir, 'hub.db'));
    try {
      const users = new UserStore(db);
      await users.login('hoa', 'mekong-delta-2026');
      await users.login('hoa', 'mekong-delta-2026');

      const ended = await user(['end-sessions', '--username', 'hoa']);
      expect(ended).toMatchObject({ code: 0, stdout: '2 session(s) of hoa ended\n' });
      expect(db.prepare("SELECT count(*) AS n FROM sessions WHERE username = 'hoa'").get()).toEqual({ n: 0 });

      expect((await user(['disable', '--username', 'hoa'])).code).toBe(0);
      await expect(users.login('hoa', 'mekong-delta-2026')).rejects.toThrow(/wrong user name or password/);
      expect((await user(['enable', '--username', 'hoa'])).code).toBe(0);
      await users.login('hoa', 'mekong-delta-2026');

      const reset = await user(['reset-password', '--username', 'hoa']);
      expect(reset.code).toBe(0);
      const once = /one-time password for hoa \(to change at next sign-in\): (\S{16})\n/.exec(reset.stdout)?.[1];
      expect(once).toBeDefined();
      expect((await users.login('hoa', once!)).user.mustChangePassword).toBe(true);

      const lastAdmin = await user(['delete', '--username', 'chi']);
      expect(lastAdmin.code).toBe(1);
      expect(lastAdmin.stderr).toMatch(/auth: chi is the last enabled admin/);
      expect((await user(['disable', '--username', 'chi'])).code).toBe(1);
      expect((await user(['delete', '--username', 'hoa'])).code).toBe(0);
      expect(users.list().map((u) => u.username)).toEqual(['chi']);
      expect((await user(['delete', '--username', 'nobody'])).stderr).toMatch(/auth: no user nobody/);

      const rows = db.prepare('SELECT actor, action, target FROM audit_log ORDER BY id').all() as Array<{ actor: string; action: string; target: string }>;
      expect(rows.map((r) => `${r.action} ${r.target}`)).toEqual([
        'users.add user:chi',
        'users.add user:hoa',
        'users.end-sessions user:hoa',
        'users.disable user:hoa',
        'users.enable user:hoa',
        'users.reset-password user:hoa',
        'users.delete user:hoa',
      ]);
      for (const r of rows) expect(r.actor).toMatch(/^cli:\S+$/);
      expect(JSON.stringify(db.prepare('SELECT * FROM audit_log').all())).not.toContain(once);
    } finally {
      db.close();
    }
  }, 60_000);
});
