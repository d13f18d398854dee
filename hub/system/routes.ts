import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { configJsonSchema } from '../config/schema.ts';
import { registerAuthRoutes } from '../auth/routes.ts';
import { limit, rangeQuery } from '../api/inputs.ts';
import { openApiDocument } from '../api/openapi.ts';

const auditQuery = rangeQuery({
  actor: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  limit: limit(5000, 200),
});

/** One audit row as the API sends it (audit/audit-log.ts AuditRow). */
const auditRow = z.object({
  id: z.number().int(),
  ts: z.string().meta({ description: 'ISO 8601 time' }),
  actor: z.string().meta({ description: '`user:<name>`, or the module acting on its own' }),
  action: z.string(),
  target: z.string(),
  result: z.enum(['ok', 'refused', 'failed']),
  detail: z.record(z.string(), z.unknown()).optional(),
  client: z.string().nullable().meta({ description: "The client's address; null outside a request" }),
});

/** The hub's release, the OpenAPI document's `info.version`. */
function hubVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** Sign-in and users (auth/routes.ts), the audit log, metrics, the configuration's schema and the API's own contract. Health lives with the cameras. */
export function registerSystemRoutes(ctx: HubContext): void {
  const { api, audit, metrics } = ctx;

  registerAuthRoutes(ctx);

  api.route(
    {
      method: 'GET',
      path: '/api/audit',
      access: 'audit:read',
      summary: 'The audit log, newest first',
      query: auditQuery,
      response: { schema: z.array(auditRow) },
    },
    (c, { query: q }) => {
      const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
      return c.json(audit.query({ actor: q.actor, target: q.target, action: q.action, from: iso(q.from), to: iso(q.to), limit: q.limit }));
    },
  );

  api.route(
    {
      method: 'GET',
      path: '/api/config/schema',
      access: 'system:read',
      summary: 'JSON Schema of the configuration',
      response: { description: 'A JSON Schema (draft 2020-12) of config.json', schema: z.record(z.string(), z.unknown()) },
    },
    (c) => c.json(configJsonSchema() as object),
  );

  api.route(
    {
      method: 'GET',
      path: '/metrics',
      access: 'system:read',
      summary: 'Prometheus metrics',
      response: { type: metrics.contentType, schema: z.string(), description: 'The Prometheus text format' },
    },
    async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }),
  );

  // Any signed-in user may read the contract: it holds the route list and permissions, no
  // configuration and no secret, and a client needs it before it knows its role (docs/api.md).
  // Built on the first request, once every module has registered its routes; rebuilt only if
  // the list grows.
  let built: { routes: number; doc: object } | undefined;
  api.route(
    {
      method: 'GET',
      path: '/api/openapi.json',
      access: 'authenticated',
      summary: 'This API as an OpenAPI 3.1 document',
      response: { description: 'The OpenAPI 3.1 document; docs/api.md gives the versioning policy', schema: z.looseObject({ openapi: z.literal('3.1.0') }) },
    },
    (c) => {
      if (built?.routes !== api.routes.length) built = { routes: api.routes.length, doc: openApiDocument(api.routes, { version: hubVersion() }) };
      return c.json(built.doc);
    },
  );
}
