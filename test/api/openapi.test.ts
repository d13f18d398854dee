/**
 * Issue 13: the API's machine-readable contract. `GET /api/openapi.json` on a whole hub validates
 * as OpenAPI 3.1 and states, for every route the router registered, the permission the guard
 * enforces and the inputs the router parses; the error shapes it states are the ones the hub
 * sends; and nothing of the running configuration (a camera's password, a session) is in it.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiPath } from '../../hub/api/openapi.ts';
import type { RouteInfo } from '../../hub/api/router.ts';
import { startTestHub, TEST_PASSWORD, type TestHub } from '../helpers/test-hub.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a parsed document, walked by key
const CAMERA_PASSWORD = 'cam-s3cret-9041';

const keysOf = (schema: z.ZodType): string[] => Object.keys((z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json).properties ?? {}).sort();
const names = (op: Json, where: 'path' | 'query'): string[] =>
  ((op.parameters ?? []) as Json[])
    .filter((p) => p.in === where)
    .map((p) => p.name as string)
    .sort();

describe('the OpenAPI contract at /api/openapi.json', () => {
  let t: TestHub;
  let doc: Json;
  let routes: RouteInfo[];
  const operation = (r: RouteInfo): Json | undefined => doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];

  beforeAll(async () => {
    t = await startTestHub({
      config: { cameras: [{ id: 'gate', name: 'Cổng', enabled: false, source: { type: 'rtsp', url: `rtsp://admin:${CAMERA_PASSWORD}@127.0.0.1:9/ch1` } }] },
    });
    routes = t.hub.ctx.api.routes;
    const res = await t.request('/api/openapi.json', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Json;
  });
  afterAll(async () => t?.stop());

  it('is served to any signed-in user and to no one without a session', async () => {
    expect((await t.request('/api/openapi.json')).status).toBe(401);
    for (const role of ['admin', 'operator', 'installer'] as const) expect((await t.request('/api/openapi.json', { role })).status).toBe(200);
  });

  it('validates as OpenAPI 3.1, versioned by the hub release', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors, JSON.stringify(result.errors, null, 1)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.info['x-api-version']).toBe(1);
  });

  it('has one operation for every registered route and none more, each with the permission the guard enforces', () => {
    expect(routes.length).toBeGreaterThan(40);
    const documented = Object.entries(doc.paths as Json).flatMap(([p, ops]) => Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
    for (const r of routes) {
      const op = operation(r)!;
      const name = `${r.method} ${r.path}`;
      expect(op['x-permission'], name).toBe(r.access);
      if (r.access === 'public') expect(op.security, name).toEqual([]);
      else {
        const scopes = r.access === 'authenticated' ? [] : [r.access];
        expect(op.security, name).toEqual([{ session: scopes }, { bearer: scopes }]);
        expect(Object.keys(op.responses), name).toContain('401');
      }
      expect(op.summary, name).toBe(r.summary);
    }
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'hub_session' });
    expect(new Set(routes.map((r) => operation(r)!.operationId)).size).toBe(routes.length);
  });

  it("states each route's path params, query names, body and body limit as the route declares them", () => {
    for (const r of routes) {
      const op = operation(r)!;
      const name = `${r.method} ${r.path}`;
      expect(names(op, 'path'), name).toEqual([...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]).sort());
      expect(names(op, 'query'), name).toEqual(r.query ? keysOf(r.query) : []);
      expect(op['x-body-limit'], name).toBe(r.bodyLimit);
      if (!r.body) expect(op.requestBody, name).toBeUndefined();
      else {
        const schema = op.requestBody.content['application/json'].schema as Json;
        expect(Object.keys(schema.properties ?? {}).sort(), name).toEqual(keysOf(r.body));
        expect(op.requestBody.description, name).toMatch(/at most \d+ [KM]iB/);
      }
      if (r.params || r.query || r.body) expect(op.responses['400'], name).toEqual({ $ref: '#/components/responses/BadRequest' });
      if (r.stream) {
        expect(Object.keys(op.responses['200'].content), name).toEqual(['text/event-stream']);
        expect(op.responses['429'], name).toBeDefined();
      }
    }
    // One declared response, to see `response` reach the document (the audit log's rows).
    const audit = doc.paths['/api/audit'].get.responses['200'].content['application/json'].schema as Json;
    expect(audit.type).toBe('array');
    expect(audit.items.required).toEqual(expect.arrayContaining(['id', 'ts', 'actor', 'action', 'result', 'client']));
  });

  it('describes the error bodies the router really sends (400 with field paths, 401, 413)', async () => {
    const shape = (name: string) => doc.components.responses[name].content['application/json'].schema as Json;
    const bad = await t.request('/api/audit?limit=0&nope=1', { role: 'admin' });
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as Json;
    expect(Object.keys(badBody).sort()).toEqual([...shape('BadRequest').required].sort());
    const issueKeys = doc.components.schemas.InputIssue.required as string[];
    for (const issue of badBody.detail as Json[]) expect(Object.keys(issue).sort()).toEqual([...issueKeys].sort());
    expect((badBody.detail as Json[]).map((i) => i.path).sort()).toEqual(['query', 'query.limit']);

    const noSession = await t.request('/api/audit');
    expect(noSession.status).toBe(401);
    expect(Object.keys((await noSession.json()) as Json).sort()).toEqual([...shape('Unauthorized').required].sort());

    const big = await t.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ' '.repeat(8 * 1024) });
    expect(big.status).toBe(413);
    const bigBody = (await big.json()) as Json;
    expect(Object.keys(bigBody.detail)).toEqual(shape('PayloadTooLarge').properties.detail.required);
  });

  it('holds nothing of the running configuration or its secrets', () => {
    const text = JSON.stringify(doc);
    const secrets = [CAMERA_PASSWORD, 'rtsp://admin', TEST_PASSWORD, t.dataDir, ...Object.values(t.tokens)];
    for (const s of secrets) expect(text.includes(s), `the document contains ${s.slice(0, 12)}…`).toBe(false);
  });

  it('is answered in process too (app.request, no socket), the same as over HTTP', async () => {
    const res = await t.hub.ctx.api.app.request('/api/openapi.json', { headers: { authorization: `Bearer ${t.tokens.viewer}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(doc);
  });
});
