import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HubError } from '../core/errors.ts';
import { ConfigError } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { roleHas, type Permission } from '../auth/roles.ts';
import type { User, UserStore } from '../auth/users.ts';

export const SESSION_COOKIE = 'hub_session';

export type ApiEnv = { Variables: { user: User } };
export type ApiContext = Context<ApiEnv>;
export type Access = Permission | 'public' | 'authenticated';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Handler = (c: ApiContext) => Response | Promise<Response>;

export interface RouteInfo {
  method: Method;
  path: string;
  access: Access;
}

/** Reads the session token from `Authorization: Bearer` or the UI's HttpOnly cookie. */
export function sessionToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return getCookie(c, SESSION_COOKIE);
}

/**
 * The hub's HTTP API. Every route is registered through `route()`, which makes it declare the
 * permission it needs; the list of routes (`routes`) lets a test prove each one refuses
 * unauthenticated and under-privileged callers.
 */
export class ApiRouter {
  readonly app = new Hono<ApiEnv>();
  readonly routes: RouteInfo[] = [];

  constructor(private readonly users: UserStore, private readonly log: Logger) {
    this.app.onError((err, c) => {
      if (err instanceof HubError) return c.json({ error: err.message, detail: err.detail ?? null }, err.status);
      if (err instanceof ConfigError) return c.json({ error: 'invalid configuration', detail: err.issues }, 422);
      this.log.error(`${c.req.method} ${c.req.path} failed: ${err.message}`, { stack: err.stack });
      return c.json({ error: 'internal error', detail: null }, 500);
    });
    this.app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}`, detail: null }, 404));
  }

  private guard(access: Access): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      if (access === 'public') return next();
      const token = sessionToken(c);
      const user = token ? this.users.authenticate(token) : undefined;
      if (!user) throw new HubError(401, 'auth: sign in required');
      if (access !== 'authenticated' && !roleHas(user.role, access)) {
        throw new HubError(403, `auth: role ${user.role} lacks permission ${access}`);
      }
      c.set('user', user);
      return next();
    };
  }

  route(method: Method, path: string, access: Access, handler: Handler): void {
    this.routes.push({ method, path, access });
    this.app.on(method, path, this.guard(access), handler);
  }

  get(path: string, access: Access, handler: Handler): void {
    this.route('GET', path, access, handler);
  }
  post(path: string, access: Access, handler: Handler): void {
    this.route('POST', path, access, handler);
  }
  put(path: string, access: Access, handler: Handler): void {
    this.route('PUT', path, access, handler);
  }
  patch(path: string, access: Access, handler: Handler): void {
    this.route('PATCH', path, access, handler);
  }
  delete(path: string, access: Access, handler: Handler): void {
    this.route('DELETE', path, access, handler);
  }
}

/** The signed-in user's audit name, e.g. `user:lan`. */
export function actorOf(c: ApiContext): string {
  return `user:${c.get('user').username}`;
}

/** Parses a JSON body, turning malformed JSON into a 400 that says so. */
export async function jsonBody(c: ApiContext): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new HubError(400, 'api: request body must be JSON');
  }
}
