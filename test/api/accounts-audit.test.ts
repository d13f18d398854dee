/**
 * Issue 11, finding 9 (in part): refused requests (403) and sign-outs are in the append-only audit
 * log, and a flood of refusals cannot fill the disk with rows.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditUnavailable } from '../../hub/audit/audit-log.ts';
import { startTestHub, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';

describe('accounts: 403s and sign-outs on record', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ config: { cameras: [] } });
  });
  afterAll(async () => t?.stop());

  const metric = (name: string, labels = {}) => t.hub.ctx.metrics.value(name, labels) ?? 0;

  it('audits a refused request once per user and route a minute, and counts the others', async () => {
    const before = metric('auth_forbidden_unrecorded_total');
    for (let i = 0; i < 30; i++) {
      const res = await t.request('/api/users', { role: 'viewer' });
      expect(res.status).toBe(403);
      await res.body?.cancel();
    }
    const rows = t.hub.ctx.audit.query({ actor: 'user:viewer', action: 'auth.forbidden' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      target: 'GET /api/users',
      result: 'refused',
      detail: { reason: 'permission', need: 'users:manage', path: '/api/users' },
    });
    expect(metric('auth_forbidden_unrecorded_total') - before).toBe(29);
    expect(metric('auth_forbidden_total', { reason: 'permission' })).toBeGreaterThanOrEqual(30);
    // Another route is another row.
    expect((await t.request('/api/audit', { role: 'viewer' })).status).toBe(403);
    expect(t.hub.ctx.audit.query({ actor: 'user:viewer', action: 'auth.forbidden' }).map((r) => r.target)).toEqual(['GET /api/audit', 'GET /api/users']);
  });

  it('audits a refusal because the password change is due, naming the route as registered', async () => {
    const added = await t.request('/api/users', {
      method: 'POST',
      role: 'admin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lan', role: 'operator', password: TEST_PASSWORD }),
    });
    expect(added.status).toBe(201);
    const { token } = await t.hub.ctx.users.login('lan', TEST_PASSWORD);
    const res = await fetch(`${t.base}/api/devices/pumps/pump-9/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"command":"start"}',
    });
    expect(res.status).toBe(403);
    expect(t.hub.ctx.audit.query({ actor: 'user:lan', action: 'auth.forbidden' })[0]).toMatchObject({
      target: 'POST /api/devices/pumps/:id/commands',
      result: 'refused',
      detail: { reason: 'password change required', path: '/api/devices/pumps/pump-9/commands' },
    });
  });

  it('still answers 403 when the audit log cannot be written', async () => {
    const write = vi.spyOn(t.hub.ctx.audit, 'write').mockImplementation(() => {
      throw new AuditUnavailable(new Error('disk I/O error'));
    });
    try {
      const res = await t.request('/api/users', { role: 'installer' });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'auth: role installer lacks permission users:manage', detail: null });
      expect(write).toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });

  it('audits a sign-out with its user', async () => {
    await t.hub.ctx.users.add('minh', 'viewer', TEST_PASSWORD);
    const login = await fetch(`${t.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'minh', password: TEST_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(`${t.base}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(t.hub.ctx.audit.query({ actor: 'user:minh', action: 'auth.' }).map((r) => [r.action, r.target, r.result])).toEqual([
      ['auth.logout', 'hub', 'ok'],
      ['auth.login', 'hub', 'ok'],
    ]);
  });
});
