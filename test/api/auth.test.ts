import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleHas, type Permission } from '../../hub/auth/roles.ts';
import { startTestHub, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';

/** Fills `:param` segments so a route pattern can be requested. */
const concrete = (path: string) => path.replace(/:[^/]+/g, 'x1');

describe('authentication and roles on every API route', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { cameras: [] } });
  });
  afterAll(async () => t?.stop());

  it('registers routes, each declaring its access, and only health and login are public', () => {
    const routes = t.hub.ctx.api.routes;
    expect(routes.length).toBeGreaterThan(8);
    const open = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual(['GET /api/health', 'POST /api/auth/login']);
  });

  it('refuses every non-public route without a session (401)', async () => {
    for (const r of t.hub.ctx.api.routes.filter((x) => x.access !== 'public')) {
      const res = await t.request(concrete(r.path), { method: r.method });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      await res.body?.cancel();
    }
  });

  it('refuses every route to the roles that lack its permission (403) and lets the others through', async () => {
    for (const r of t.hub.ctx.api.routes.filter((x) => x.access !== 'public' && x.access !== 'authenticated')) {
      for (const role of ROLES) {
        const ctl = new AbortController();
        const res = await t.request(concrete(r.path), { method: r.method, role, signal: ctl.signal });
        if (roleHas(role, r.access as Permission)) expect([401, 403], `${role} ${r.method} ${r.path}`).not.toContain(res.status);
        else expect(res.status, `${role} ${r.method} ${r.path}`).toBe(403);
        ctl.abort(); // event streams stay open otherwise
      }
    }
  });

  it('opens only me, password change and logout to a session whose password change is due (403 elsewhere)', async () => {
    const open = t.hub.ctx.api.routes.filter((r) => r.whilePasswordChangeDue).map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual(['GET /api/auth/me', 'POST /api/auth/logout', 'POST /api/auth/password']);
    // An admin added through the API must change the password: its role would allow everything else.
    const added = await t.request('/api/users', {
      method: 'POST',
      role: 'admin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nga', role: 'admin', password: TEST_PASSWORD }),
    });
    expect(added.status).toBe(201);
    const token = (await t.hub.ctx.users.login('nga', TEST_PASSWORD)).token;
    const as = (path: string, method: string, signal?: AbortSignal) =>
      fetch(t.base + concrete(path), { method, signal, headers: { authorization: `Bearer ${token}` } });
    for (const r of t.hub.ctx.api.routes.filter((x) => x.access !== 'public' && !x.whilePasswordChangeDue)) {
      const ctl = new AbortController();
      const res = await as(r.path, r.method, ctl.signal);
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expect(await res.json(), `${r.method} ${r.path}`).toEqual({ error: 'auth: password change required', detail: null });
      ctl.abort();
    }
    expect((await as('/api/auth/me', 'GET')).status).toBe(200);
    expect((await as('/api/auth/password', 'POST')).status).toBe(400); // through the guard: the body is missing
    expect((await as('/api/auth/logout', 'POST')).status).toBe(200);
  });

  it("refuses a disabled user's old session on every non-public route (401)", async () => {
    await t.hub.ctx.users.add('dung', 'admin', TEST_PASSWORD);
    const token = (await t.hub.ctx.users.login('dung', TEST_PASSWORD)).token;
    expect((await t.request('/api/users/dung/disable', { method: 'POST', role: 'admin' })).status).toBe(200);
    for (const r of t.hub.ctx.api.routes.filter((x) => x.access !== 'public')) {
      const res = await fetch(t.base + concrete(r.path), { method: r.method, headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
      await res.body?.cancel();
    }
  });

  it('refuses a forged or expired token', async () => {
    const res = await t.request('/api/cameras', { headers: { authorization: 'Bearer not-a-session' } });
    expect(res.status).toBe(401);
  });

  it('locks an account after five wrong passwords, even against the right one, and says no more than for a wrong one', async () => {
    await t.hub.ctx.users.add('lan', 'viewer', TEST_PASSWORD);
    const login = (password: string) =>
      t.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'lan', password }) });
    for (let i = 0; i < 5; i++) expect((await login('wrong-password-123')).status).toBe(401);
    const locked = await login(TEST_PASSWORD);
    expect(locked.status).toBe(401);
    expect(await locked.json()).toEqual({ error: 'auth: wrong user name or password', detail: null });
    const audit = t.hub.ctx.audit.query({ actor: 'user:lan', action: 'auth.login' });
    expect(audit.filter((a) => a.result === 'refused')).toHaveLength(6);
  });

  it('stores no password in clear and refuses weak ones', async () => {
    const row = t.hub.ctx.db.prepare("SELECT password_hash FROM users WHERE username = 'viewer'").get() as { password_hash: string };
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.password_hash).not.toContain(TEST_PASSWORD);
    const res = await t.request('/api/users', {
      method: 'POST',
      role: 'admin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'tam', role: 'operator', password: 'admin123' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/at least 10 characters/);
  });

  it('creates no user at all when started with a configuration: there is no default password', async () => {
    const fresh = await startTestHub({ config: { cameras: [] } });
    try {
      // startTestHub adds one user per role itself; the hub added none of its own.
      expect(
        fresh.hub.ctx.users
          .list()
          .map((u) => u.username)
          .sort(),
      ).toEqual([...ROLES].sort());
      expect(fresh.hub.demoAdminPassword).toBeUndefined();
    } finally {
      await fresh.stop();
    }
  });
});
