/**
 * Sign-in and accounts over the API: login, logout, me, password change (the three a session may
 * use while its password change is due), and the admin's user management. Every change is
 * audited with the acting user; so are sign-ins, sign-outs and refused requests (403).
 */
import { setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { SESSION_COOKIE, actorOf, sessionToken, type ApiContext } from '../api/router.ts';
import { currentRequest } from '../api/request-scope.ts';
import { ROLES } from './roles.ts';
import { LoginRefused } from './users.ts';
import { TooManyAttempts } from './login-limits.ts';
import { ForbiddenAudit } from './forbidden-audit.ts';

const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
const newUserBody = z.strictObject({ username: z.string().max(64), role: z.enum(ROLES), password: z.string().max(256) });
const passwordBody = z.strictObject({ currentPassword: z.string().max(256), password: z.string().max(256) });
const userParams = z.strictObject({ username: z.string().min(1).max(64) });

/** A sign-in is a few dozen bytes: anything near this is not one (issue 10, finding 4). */
const LOGIN_BODY_LIMIT = 4 * 1024;

export function registerAuthRoutes(ctx: HubContext): void {
  const { api, users, audit, metrics } = ctx;
  const throttled = metrics.counter('auth_login_throttled_total', 'Sign-in attempts refused (429) by the per-address limit');

  // 403s into the audit log, at most one row per user and route a minute (the rest counted).
  const forbiddenTotal = metrics.counter('auth_forbidden_total', 'Requests refused with 403, by reason');
  const unrecorded = metrics.counter(
    'auth_forbidden_unrecorded_total',
    'Refused requests (403) without an audit row of their own (one row per user and route a minute; a failed write)',
  );
  const forbidden = new ForbiddenAudit(
    (e) => audit.write(e),
    () => unrecorded.inc(),
  );
  api.onRefused((r) => {
    forbiddenTotal.inc({ reason: r.reason });
    forbidden.record(r, Date.now());
  });

  /** Runs an admin's action on a user and audits it: done (`ok`), or refused with the reason. */
  async function onUser<T>(c: ApiContext, action: string, username: string, fn: () => T | Promise<T>, detail?: (r: T) => Record<string, unknown>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (err instanceof HubError) audit.write({ actor: actorOf(c), action, target: `user:${username}`, result: 'refused', detail: { reason: err.message } });
      throw err;
    }
    audit.write({ actor: actorOf(c), action, target: `user:${username}`, result: 'ok', ...(detail ? { detail: detail(result) } : {}) });
    return result;
  }

  api.route(
    { method: 'POST', path: '/api/auth/login', access: 'public', summary: 'Sign in; sets the session cookie', body: loginBody, bodyLimit: LOGIN_BODY_LIMIT },
    async (c, { body }) => {
      try {
        const session = await users.login(body.username, body.password, { client: currentRequest()?.client });
        audit.write({ actor: `user:${body.username}`, action: 'auth.login', target: 'hub', result: 'ok' });
        setCookie(c, SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'Strict', path: '/', expires: new Date(session.expiresAt) });
        return c.json(session);
      } catch (err) {
        // Throttled attempts are counted, not audited: a flood of them must not fill the disk.
        if (err instanceof TooManyAttempts) throttled.inc();
        else
          audit.write({
            actor: `user:${body.username}`,
            action: 'auth.login',
            target: 'hub',
            result: 'refused',
            detail: { reason: err instanceof LoginRefused ? err.reason : (err as Error).message },
          });
        throw err;
      }
    },
  );

  api.route(
    { method: 'POST', path: '/api/auth/logout', access: 'authenticated', whilePasswordChangeDue: true, summary: 'Ends this session and its live streams' },
    (c) => {
      const token = sessionToken(c);
      if (token) users.logout(token);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      audit.write({ actor: actorOf(c), action: 'auth.logout', target: 'hub', result: 'ok' });
      return c.json({ ok: true });
    },
  );

  api.route({ method: 'GET', path: '/api/auth/me', access: 'authenticated', whilePasswordChangeDue: true, summary: 'The signed-in user' }, (c) =>
    c.json(c.get('user')),
  );

  api.route(
    {
      method: 'POST',
      path: '/api/auth/password',
      access: 'authenticated',
      whilePasswordChangeDue: true,
      body: passwordBody,
      bodyLimit: LOGIN_BODY_LIMIT,
      summary: 'Changes your password (the current one is needed; a wrong one counts as a failed sign-in); ends all your sessions',
    },
    async (c, { body }) => {
      const { username } = c.get('user');
      try {
        await users.changePassword(username, body.currentPassword, body.password, { client: currentRequest()?.client });
      } catch (err) {
        if (err instanceof TooManyAttempts) throttled.inc();
        else if (err instanceof HubError) {
          audit.write({ actor: actorOf(c), action: 'auth.password', target: `user:${username}`, result: 'refused', detail: { reason: err.message } });
        }
        throw err;
      }
      audit.write({ actor: actorOf(c), action: 'auth.password', target: `user:${username}`, result: 'ok' });
      return c.json({ ok: true });
    },
  );

  api.route({ method: 'GET', path: '/api/users', access: 'users:manage', summary: 'Users, their roles, and whether disabled or locked' }, (c) =>
    c.json(users.list()),
  );

  api.route(
    { method: 'POST', path: '/api/users', access: 'users:manage', summary: 'Adds a user (who must change the password at first sign-in)', body: newUserBody },
    async (c, { body }) => {
      const user = await users.add(body.username, body.role, body.password, { mustChangePassword: true });
      audit.write({ actor: actorOf(c), action: 'users.add', target: `user:${user.username}`, result: 'ok', detail: { role: user.role } });
      return c.json(user, 201);
    },
  );

  api.route(
    {
      method: 'POST',
      path: '/api/users/:username/disable',
      access: 'users:manage',
      params: userParams,
      summary: 'Disables a user and ends their sessions (never the last enabled admin)',
    },
    async (c, { params }) => {
      await onUser(c, 'users.disable', params.username, () => users.setDisabled(params.username, true));
      return c.json({ ok: true });
    },
  );

  api.route(
    {
      method: 'POST',
      path: '/api/users/:username/enable',
      access: 'users:manage',
      params: userParams,
      summary: 'Enables a user again; also lifts a lock from failed sign-ins',
    },
    async (c, { params }) => {
      await onUser(c, 'users.enable', params.username, () => users.setDisabled(params.username, false));
      return c.json({ ok: true });
    },
  );

  api.route(
    {
      method: 'DELETE',
      path: '/api/users/:username',
      access: 'users:manage',
      params: userParams,
      summary: 'Deletes a user and their sessions (never the last enabled admin); the audit log keeps their entries',
    },
    async (c, { params }) => {
      await onUser(c, 'users.delete', params.username, () => users.delete(params.username));
      return c.json({ ok: true });
    },
  );

  api.route(
    {
      method: 'POST',
      path: '/api/users/:username/reset-password',
      access: 'users:manage',
      params: userParams,
      summary: 'Gives a user a new one-time password, shown in this answer only, to change at the next sign-in; ends their sessions',
    },
    async (c, { params }) => {
      const password = await onUser(c, 'users.reset-password', params.username, () => users.resetPassword(params.username));
      c.header('cache-control', 'no-store');
      return c.json({ username: params.username, password, mustChangePassword: true });
    },
  );

  api.route(
    {
      method: 'DELETE',
      path: '/api/users/:username/sessions',
      access: 'users:manage',
      params: userParams,
      summary: 'Ends every session of a user (and their live streams)',
    },
    async (c, { params }) => {
      const ended = await onUser(
        c,
        'users.end-sessions',
        params.username,
        () => users.endSessions(params.username),
        (n) => ({ ended: n }),
      );
      return c.json({ ended });
    },
  );
}
