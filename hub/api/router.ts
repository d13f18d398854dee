import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { z } from 'zod';
import { HubError } from '../core/errors.ts';
import { ConfigError } from '../config/config-error.ts';
import type { Logger } from '../core/log.ts';
import { MetricsRegistry } from '../metrics/registry.ts';
import { roleHas, type Permission } from '../auth/roles.ts';
import type { User, UserStore } from '../auth/users.ts';
import { TooManyAttempts } from '../auth/login-limits.ts';
import { DEFAULT_BODY_LIMIT, NO_BODY_LIMIT, invalidInput, parseJson, parsePart, readBody, type InputIssue } from './request-input.ts';
import { LiveStreams, type SseChannel, type SseMessage } from './sse.ts';
import { currentRequest, withRequestScope } from './request-scope.ts';

export const SESSION_COOKIE = 'hub_session';

export type ApiEnv = { Variables: { user: User } };
export type ApiContext = Context<ApiEnv>;
export type Access = Permission | 'public' | 'authenticated';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** An error status a handler answers itself, beyond those the router gives every route (openapi.ts). */
export type HandlerError = Exclude<HubError['status'], 401 | 403 | 413 | 500>;

/** What a route answers on success, for the OpenAPI document (`GET /api/openapi.json`). */
export interface ResponseSpec {
  /** 200 unless said. */
  status?: 200 | 201 | 202 | 204;
  /** The body's media type: `application/json` unless said (an image, a clip, Prometheus text). */
  type?: string;
  /** The JSON body's shape (the output side of the schema: what the hub sends). */
  schema?: z.ZodType;
  description?: string;
}

/** A route's whole contract, as data: `openapi.ts` turns the list into the OpenAPI document. */
export interface RouteSpec<P, Q, B> {
  method: Method;
  path: string;
  access: Access;
  summary?: string;
  /** Path parameters; required when the path has any (`:id`). */
  params?: z.ZodType<P>;
  /** Query parameters (strings in, coerced by the schema); undeclared means none are read. */
  query?: z.ZodType<Q>;
  /** The JSON body; undeclared means none is read. */
  body?: z.ZodType<B>;
  /** Largest body in bytes: 1 MiB by default, 64 KiB for a route without a body. */
  bodyLimit?: number;
  /** The success answer; undeclared, the document says "some JSON, 200". */
  response?: ResponseSpec;
  /** Error statuses the handler itself answers (409 exists, 422 invalid configuration, 429...). */
  errors?: HandlerError[];
  /**
   * Open to a session that must change its password first. Only /api/auth/me, /api/auth/password
   * and /api/auth/logout are: everything else answers 403 until the password is changed.
   */
  whilePasswordChangeDue?: boolean;
}

/** What the router keeps of each route (the list `test/api/auth.test.ts` walks). */
export interface RouteInfo {
  method: Method;
  path: string;
  access: Access;
  summary?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  bodyLimit: number;
  response?: ResponseSpec;
  errors?: HandlerError[];
  whilePasswordChangeDue?: boolean;
  /** For a server-sent-events route: the name of its stream. */
  stream?: string;
}

/** A request the guard refused with 403, for the audit log (auth/forbidden-audit.ts). */
export interface Refusal {
  username: string;
  /** The route as registered, e.g. `POST /api/devices/:id/command`. */
  route: string;
  /** The path as requested. */
  path: string;
  reason: 'password change required' | 'permission';
  /** The permission the route needs. */
  access: Access;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}
export type RouteHandler<P, Q, B> = (c: ApiContext, input: RouteInput<P, Q, B>) => Response | Promise<Response>;
type NoInput = Record<string, never>;

/** How a stream route serves its channel. */
export interface StreamSpec<P, Q, T> {
  path: string;
  access: Exclude<Access, 'public'>;
  summary?: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  channel: SseChannel<T>;
  format(m: T): SseMessage;
  /** The first message, sent at once (current state, so a client needs no second request). */
  hello?(input: { params: P; query: Q }): SseMessage;
  /** Which messages this client wants, from its query (filtered before they take queue space). */
  accept?(input: { params: P; query: Q }): ((m: T) => boolean) | undefined;
}

/** Reads the session token from `Authorization: Bearer` or the UI's HttpOnly cookie. */
export function sessionToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return getCookie(c, SESSION_COOKIE);
}

const pathParams = (path: string): string[] => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

/**
 * The hub's HTTP API. Every route is registered through `route()`, which makes it declare its
 * permission and its inputs. A request passes, in order: the guard (401 without a session; 403
 * while the user's password change is due or without the permission, told to `onRefused`), the
 * body limit (413, checked on the declared length and again while the body streams in), then
 * its params, query and body are parsed by the route's schemas (400 naming each field), and only
 * then the handler runs, with the parsed values. `routes` lets tests walk every route.
 */
export class ApiRouter {
  readonly app = new Hono<ApiEnv>();
  readonly routes: RouteInfo[] = [];
  private readonly refusalListeners = new Set<(r: Refusal) => void>();
  /** Every live (SSE) stream, by session. */
  readonly streams: LiveStreams;

  constructor(
    private readonly users: UserStore,
    private readonly log: Logger,
    metrics: MetricsRegistry = new MetricsRegistry(),
  ) {
    this.streams = new LiveStreams(users, metrics, log.child('sse'));
    this.app.onError((err, c) => {
      if (err instanceof HubError) {
        // The rest of a refused body is never read: close the connection rather than drain it.
        if (err.status === 413) c.header('connection', 'close');
        if (err instanceof TooManyAttempts) c.header('retry-after', String(err.retryAfterSeconds));
        return c.json({ error: err.message, detail: err.detail ?? null }, err.status);
      }
      if (err instanceof ConfigError) return c.json({ error: 'invalid configuration', detail: err.issues }, 422);
      this.log.error(`${c.req.method} ${c.req.path} failed: ${err.message}`, { stack: err.stack });
      return c.json({ error: 'internal error', detail: null }, 500);
    });
    // Every request runs in its own scope (client address, then the user), which the audit log reads.
    this.app.use(async (c, next) => withRequestScope({ client: clientAddress(c) }, next));
    this.app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}`, detail: null }, 404));
  }

  /** Calls `fn` for every request the guard refuses with 403 (after it has answered, whatever `fn` does). */
  onRefused(fn: (r: Refusal) => void): () => void {
    this.refusalListeners.add(fn);
    return () => this.refusalListeners.delete(fn);
  }

  private refuse(c: ApiContext, info: RouteInfo, user: User, reason: Refusal['reason'], message: string): HubError {
    const refusal: Refusal = { username: user.username, route: `${info.method} ${info.path}`, path: c.req.path, reason, access: info.access };
    for (const fn of this.refusalListeners) {
      try {
        fn(refusal);
      } catch (err) {
        // The refusal stands whatever its listener does (an audit log that cannot be written included).
        this.log.warn(`api: a listener of refused requests failed: ${(err as Error).message}`);
      }
    }
    return new HubError(403, message);
  }

  /** Sign-in (401), a password change that is due (403), then the route's permission (403). */
  private guard(info: RouteInfo): MiddlewareHandler<ApiEnv> {
    const { access } = info;
    return async (c, next) => {
      if (access === 'public') return next();
      const token = sessionToken(c);
      const user = token ? this.users.authenticate(token) : undefined;
      if (!user) throw new HubError(401, 'auth: sign in required');
      const scope = currentRequest();
      if (scope) scope.actor = `user:${user.username}`;
      if (user.mustChangePassword && !info.whilePasswordChangeDue) {
        throw this.refuse(c, info, user, 'password change required', 'auth: password change required');
      }
      if (access !== 'authenticated' && !roleHas(user.role, access)) {
        throw this.refuse(c, info, user, 'permission', `auth: role ${user.role} lacks permission ${access}`);
      }
      c.set('user', user);
      return next();
    };
  }

  /** Reads and parses what the route declared; every bad field is reported at once. */
  private async inputs(c: ApiContext, info: RouteInfo): Promise<RouteInput<unknown, unknown, unknown>> {
    const raw = await readBody(c.req.raw, info.bodyLimit);
    const issues: InputIssue[] = [];
    const part = (where: 'params' | 'query' | 'body', schema: z.ZodType | undefined, value: () => unknown): unknown => {
      if (!schema) return where === 'body' ? undefined : {};
      const r = parsePart(where, schema, value());
      issues.push(...r.issues);
      return r.data;
    };
    const params = part('params', info.params, () => c.req.param());
    const query = part('query', info.query, () => c.req.query());
    const body = part('body', info.body, () => parseJson(raw));
    if (issues.length) throw invalidInput(issues);
    return { params, query, body };
  }

  private register(info: RouteInfo, handler: (c: ApiContext, input: RouteInput<unknown, unknown, unknown>) => Response | Promise<Response>): void {
    const missing = info.params ? [] : pathParams(info.path);
    if (missing.length) throw new Error(`api: ${info.method} ${info.path} must declare its params (${missing.join(', ')})`);
    if (this.routes.some((r) => r.method === info.method && r.path === info.path)) throw new Error(`api: ${info.method} ${info.path} registered twice`);
    this.routes.push(info);
    this.app.on(info.method, info.path, this.guard(info), async (c) => handler(c, await this.inputs(c, info)));
  }

  /** Registers a route with its declared inputs; the handler gets them parsed and typed. */
  route<P = NoInput, Q = NoInput, B = undefined>(spec: RouteSpec<P, Q, B>, handler: RouteHandler<P, Q, B>): void {
    const info: RouteInfo = {
      method: spec.method,
      path: spec.path,
      access: spec.access,
      summary: spec.summary,
      params: spec.params,
      query: spec.query,
      body: spec.body,
      bodyLimit: spec.bodyLimit ?? (spec.body ? DEFAULT_BODY_LIMIT : NO_BODY_LIMIT),
      ...(spec.response ? { response: spec.response } : {}),
      ...(spec.errors?.length ? { errors: spec.errors } : {}),
      ...(spec.whilePasswordChangeDue ? { whilePasswordChangeDue: true } : {}),
    };
    this.register(info, handler as RouteHandler<unknown, unknown, unknown>);
  }

  /** A server-sent-events route on a channel: capped per session, heartbeats, closed when the session ends. */
  stream<P = NoInput, Q = NoInput, T = unknown>(spec: StreamSpec<P, Q, T>): void {
    this.streams.register(spec.channel);
    const info: RouteInfo = {
      method: 'GET',
      path: spec.path,
      access: spec.access,
      summary: spec.summary,
      params: spec.params,
      query: spec.query,
      bodyLimit: NO_BODY_LIMIT,
      stream: spec.channel.name,
    };
    this.register(info, (c, raw) => {
      const input = raw as { params: P; query: Q };
      return this.streams.open({
        token: sessionToken(c)!, // the guard has checked it
        username: c.get('user').username,
        channel: spec.channel,
        format: (m) => spec.format(m),
        hello: spec.hello?.(input),
        accept: spec.accept?.(input),
      });
    });
  }
}

/** The peer's address as the socket saw it; undefined where there is no socket (app.fetch in a test). */
export function clientAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** The signed-in user's audit name, e.g. `user:lan`. */
export function actorOf(c: ApiContext): string {
  return `user:${c.get('user').username}`;
}
