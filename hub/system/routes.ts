import { setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { configJsonSchema } from '../config/schema.ts';
import { ROLES } from '../auth/roles.ts';
import { SESSION_COOKIE, actorOf, jsonBody, sessionToken } from '../api/router.ts';

const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const newUserBody = z.strictObject({ username: z.string(), role: z.enum(ROLES), password: z.string() });
const passwordBody = z.strictObject({ password: z.string() });

/** Sign-in, users, metrics and the configuration's schema. Health lives with the cameras. */
export function registerSystemRoutes(ctx: HubContext): void {
  const { api, users, audit, metrics } = ctx;

  api.post('/api/auth/login', 'public', async (c) => {
    const parsed = loginBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw new HubError(400, 'auth: body must be {username, password}');
    try {
      const session = await users.login(parsed.data.username, parsed.data.password);
      audit.write({ actor: `user:${parsed.data.username}`, action: 'auth.login', target: 'hub', result: 'ok' });
      setCookie(c, SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'Strict', path: '/', expires: new Date(session.expiresAt) });
      return c.json(session);
    } catch (err) {
      audit.write({ actor: `user:${parsed.data.username}`, action: 'auth.login', target: 'hub', result: 'refused',
        detail: { reason: (err as Error).message } });
      throw err;
    }
  });

  api.post('/api/auth/logout', 'authenticated', (c) => {
    const token = sessionToken(c);
    if (token) users.logout(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  api.get('/api/auth/me', 'authenticated', (c) => c.json(c.get('user')));

  api.post('/api/auth/password', 'authenticated', async (c) => {
    const parsed = passwordBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw new HubError(400, 'auth: body must be {password}');
    await users.changePassword(c.get('user').username, parsed.data.password);
    audit.write({ actor: actorOf(c), action: 'auth.password', target: `user:${c.get('user').username}`, result: 'ok' });
    return c.json({ ok: true });
  });

  api.get('/api/users', 'users:manage', (c) => c.json(users.list()));

  api.post('/api/users', 'users:manage', async (c) => {
    const parsed = newUserBody.safeParse(await jsonBody(c));
    if (!parsed.success) throw new HubError(400, 'auth: body must be {username, role, password}');
    const user = await users.add(parsed.data.username, parsed.data.role, parsed.data.password, { mustChangePassword: true });
    audit.write({ actor: actorOf(c), action: 'users.add', target: `user:${user.username}`, result: 'ok', detail: { role: user.role } });
    return c.json(user, 201);
  });

  api.get('/api/audit', 'audit:read', (c) => {
    const q = c.req.query();
    return c.json(audit.query({ actor: q.actor, target: q.target, action: q.action, from: q.from, to: q.to,
      limit: q.limit ? Number(q.limit) : undefined }));
  });

  api.get('/api/config/schema', 'system:read', (c) => c.json(configJsonSchema() as object));

  api.get('/metrics', 'system:read', (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
}
