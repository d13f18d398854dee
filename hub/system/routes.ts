import { setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { configJsonSchema } from '../config/schema.ts';
import { ROLES } from '../auth/roles.ts';
import { SESSION_COOKIE, actorOf, sessionToken } from '../api/router.ts';
import { limit, rangeQuery } from '../api/inputs.ts';

const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const newUserBody = z.strictObject({ username: z.string().max(64), role: z.enum(ROLES), password: z.string().max(256) });
const passwordBody = z.strictObject({ password: z.string().max(256) });
const auditQuery = rangeQuery({
  actor: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  limit: limit(5000, 200),
});

/** A sign-in is a few dozen bytes: anything near this is not one (issue 10, finding 4). */
const LOGIN_BODY_LIMIT = 4 * 1024;

/** Sign-in, users, metrics and the configuration's schema. Health lives with the cameras. */
export function registerSystemRoutes(ctx: HubContext): void {
  const { api, users, audit, metrics } = ctx;

  api.route({ method: 'POST', path: '/api/auth/login', access: 'public', summary: 'Sign in; sets the session cookie', body: loginBody, bodyLimit: LOGIN_BODY_LIMIT },
    async (c, { body }) => {
      try {
        const session = await users.login(body.username, body.password);
        audit.write({ actor: `user:${body.username}`, action: 'auth.login', target: 'hub', result: 'ok' });
        setCookie(c, SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'Strict', path: '/', expires: new Date(session.expiresAt) });
        return c.json(session);
      } catch (err) {
        audit.write({ actor: `user:${body.username}`, action: 'auth.login', target: 'hub', result: 'refused',
          detail: { reason: (err as Error).message } });
        throw err;
      }
    });

  api.route({ method: 'POST', path: '/api/auth/logout', access: 'authenticated', summary: 'Ends this session and its live streams' }, (c) => {
    const token = sessionToken(c);
    if (token) users.logout(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });

  api.route({ method: 'GET', path: '/api/auth/me', access: 'authenticated', summary: 'The signed-in user' }, (c) => c.json(c.get('user')));

  api.route({ method: 'POST', path: '/api/auth/password', access: 'authenticated', summary: 'Changes your password; ends all your sessions', body: passwordBody, bodyLimit: LOGIN_BODY_LIMIT },
    async (c, { body }) => {
      await users.changePassword(c.get('user').username, body.password);
      audit.write({ actor: actorOf(c), action: 'auth.password', target: `user:${c.get('user').username}`, result: 'ok' });
      return c.json({ ok: true });
    });

  api.route({ method: 'GET', path: '/api/users', access: 'users:manage', summary: 'Users and their roles' }, (c) => c.json(users.list()));

  api.route({ method: 'POST', path: '/api/users', access: 'users:manage', summary: 'Adds a user (who must change the password at first sign-in)', body: newUserBody },
    async (c, { body }) => {
      const user = await users.add(body.username, body.role, body.password, { mustChangePassword: true });
      audit.write({ actor: actorOf(c), action: 'users.add', target: `user:${user.username}`, result: 'ok', detail: { role: user.role } });
      return c.json(user, 201);
    });

  api.route({ method: 'GET', path: '/api/audit', access: 'audit:read', summary: 'The audit log, newest first', query: auditQuery }, (c, { query: q }) => {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return c.json(audit.query({ actor: q.actor, target: q.target, action: q.action, from: iso(q.from), to: iso(q.to), limit: q.limit }));
  });

  api.route({ method: 'GET', path: '/api/config/schema', access: 'system:read', summary: 'JSON Schema of the configuration' },
    (c) => c.json(configJsonSchema() as object));

  api.route({ method: 'GET', path: '/metrics', access: 'system:read', summary: 'Prometheus metrics' },
    (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
}
