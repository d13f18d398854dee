import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { idParams, limit, rangeQuery } from './inputs.ts';
import { openApiDocument, openApiPath } from './openapi.ts';
import type { RouteInfo } from './router.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a generated document, walked by key

const KiB = 1024;
const route = (r: Partial<RouteInfo> & Pick<RouteInfo, 'method' | 'path' | 'access'>): RouteInfo => ({ bodyLimit: 64 * KiB, ...r });
const doc = (routes: RouteInfo[]) => openApiDocument(routes, { version: '1.2.3' }) as Json;
const valid = async (d: Json) => {
  const r = await new Validator().validate(d);
  expect(r.errors, JSON.stringify(r.errors)?.slice(0, 1000)).toBeUndefined();
  return r.valid;
};

describe('openApiDocument', () => {
  it('turns path params into templates and states each as a required path parameter', () => {
    expect(openApiPath('/api/events/:id/snapshot.jpg')).toBe('/api/events/{id}/snapshot.jpg');
    const d = doc([route({ method: 'GET', path: '/api/cameras/:id', access: 'cameras:read', params: idParams })]);
    const op = d.paths['/api/cameras/{id}'].get;
    expect(op.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } }]);
    expect(op.responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });
  });

  it('states query names with the input side of their schemas: a field with a default is optional, a time is a string', () => {
    const query = rangeQuery({ limit: limit(500, 50), camera: z.string() });
    const op = doc([route({ method: 'GET', path: '/api/recordings', access: 'footage:read', query })]).paths['/api/recordings'].get;
    const byName = Object.fromEntries((op.parameters as Json[]).map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual(['camera', 'from', 'limit', 'to']);
    expect(byName.limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } });
    expect(byName.from).toMatchObject({ required: false, description: 'Epoch milliseconds or an ISO 8601 time', schema: { type: 'string' } });
    expect(byName.camera.required).toBe(true);
  });

  it('states a public route with no security and a guarded one with its permission as extension and scope', () => {
    const d = doc([
      route({ method: 'GET', path: '/api/health', access: 'public' }),
      route({ method: 'GET', path: '/api/auth/me', access: 'authenticated', whilePasswordChangeDue: true }),
      route({ method: 'POST', path: '/api/devices/pumps/:id/commands', access: 'devices:command', params: idParams }),
    ]);
    const health = d.paths['/api/health'].get;
    expect(health.security).toEqual([]);
    expect(health['x-permission']).toBe('public');
    expect(Object.keys(health.responses)).toEqual(['200', '413', '500']);
    const me = d.paths['/api/auth/me'].get;
    expect(me.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(me['x-while-password-change-due']).toBe(true);
    expect(Object.keys(me.responses)).toEqual(['200', '401', '413', '500']); // no 403: open while the password change is due
    const cmd = d.paths['/api/devices/pumps/{id}/commands'].post;
    expect(cmd.security).toEqual([{ session: ['devices:command'] }, { bearer: ['devices:command'] }]);
    expect(cmd['x-permission']).toBe('devices:command');
    expect(cmd.responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
    expect(d.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'hub_session' });
  });

  it('states a body as JSON with its limit, required unless its schema takes an empty body', () => {
    const d = doc([
      route({
        method: 'POST',
        path: '/api/auth/login',
        access: 'public',
        bodyLimit: 4 * KiB,
        body: z.strictObject({ username: z.string(), password: z.string() }),
      }),
      route({
        method: 'POST',
        path: '/api/events/:id/close',
        access: 'events:manage',
        params: idParams,
        bodyLimit: 1024 * KiB,
        body: z.strictObject({ note: z.string() }).optional(),
      }),
    ]);
    const login = d.paths['/api/auth/login'].post;
    expect(login.requestBody.required).toBe(true);
    expect(login.requestBody.description).toBe('JSON, at most 4 KiB (413 past it)');
    expect(login['x-body-limit']).toBe(4096);
    expect(login.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['username', 'password'],
      additionalProperties: false,
    });
    expect(login.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    const close = d.paths['/api/events/{id}/close'].post;
    expect(close.requestBody.required).toBe(false);
    expect(close.requestBody.description).toBe('JSON, at most 1 MiB (413 past it)');
  });

  it('states a live stream as text/event-stream that may be refused with 429', () => {
    const op = doc([route({ method: 'GET', path: '/api/events/stream', access: 'events:read', stream: 'events' })]).paths['/api/events/stream'].get;
    expect(Object.keys(op.responses['200'].content)).toEqual(['text/event-stream']);
    expect(op.responses['429']).toEqual({ $ref: '#/components/responses/TooManyRequests' });
    expect(op['x-stream']).toBe('events');
  });

  it("uses a route's declared response and error statuses", () => {
    const d = doc([
      route({
        method: 'POST',
        path: '/api/users',
        access: 'users:manage',
        errors: [409],
        response: { status: 201, schema: z.object({ username: z.string() }) },
      }),
      route({ method: 'GET', path: '/metrics', access: 'system:read', response: { type: 'text/plain', schema: z.string() } }),
      route({ method: 'GET', path: '/api/events/:id/clip.mp4', access: 'footage:read', params: idParams, errors: [416], response: { type: 'video/mp4' } }),
    ]);
    const add = d.paths['/api/users'].post.responses;
    expect(add['201'].content['application/json'].schema).toMatchObject({ type: 'object', required: ['username'] });
    expect(add['200']).toBeUndefined();
    expect(add['409'].content['application/json'].schema.required).toEqual(['error', 'detail']);
    expect(d.paths['/metrics'].get.responses['200'].content['text/plain'].schema).toEqual({ type: 'string' });
    expect(d.paths['/metrics'].get.tags).toEqual(['system']);
    const clip = d.paths['/api/events/{id}/clip.mp4'].get.responses;
    expect(clip['200'].content['video/mp4'].schema).toEqual({ type: 'string', format: 'binary' });
    expect(clip['416']).toBeDefined();
  });

  it('moves recursive and named sub-schemas into components, so their references resolve in the document', async () => {
    const Node: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    const d = doc([
      route({ method: 'PUT', path: '/api/tree', access: 'system:configure', body: z.object({ tree: Node, slug: z.string().meta({ id: 'Slug' }) }) }),
      route({ method: 'PUT', path: '/api/node', access: 'system:configure', body: Node }),
    ]);
    const text = JSON.stringify(d);
    expect(text).not.toContain('#/$defs/');
    expect(text).not.toContain('"$ref":"#"');
    for (const [, target] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(d.components.schemas[target!], target).toBeDefined();
    expect(d.paths['/api/node'].put.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\/Recursive/);
    expect(await valid(d)).toBe(true);
  });

  it('gives every operation a distinct id and validates as OpenAPI 3.1', async () => {
    const d = doc([
      route({ method: 'GET', path: '/api/events/:id/snapshot.jpg', access: 'footage:read', params: idParams }),
      route({ method: 'GET', path: '/api/events/:id/snapshot-jpg', access: 'footage:read', params: idParams }),
      route({ method: 'POST', path: '/api/users/:id/reset-password', access: 'users:manage', params: idParams, body: z.object({ a: z.number() }) }),
    ]);
    const ids = Object.values(d.paths as Json).flatMap((p) => Object.values(p as Json).map((o) => (o as Json).operationId));
    expect(ids).toEqual(['getEventsByIdSnapshotJpg', 'getEventsByIdSnapshotJpg2', 'postUsersByIdResetPassword']);
    expect(d.info).toMatchObject({ version: '1.2.3', 'x-api-version': 1 });
    expect(await valid(d)).toBe(true);
  });

  it('refuses a query that is not an object (it could not be stated as parameters)', () => {
    expect(() => doc([route({ method: 'GET', path: '/x', access: 'public', query: z.string() })])).toThrow(/query schema of GET \/x is not an object/);
  });
});
