import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { configJsonSchema } from '../config/schema.ts';
import { registerAuthRoutes } from '../auth/routes.ts';
import { limit, rangeQuery } from '../api/inputs.ts';

const auditQuery = rangeQuery({
  actor: z.string().max(200).optional(),
  target: z.string().max(200).optional(),
  action: z.string().max(200).optional(),
  limit: limit(5000, 200),
});

/** Sign-in and users (auth/routes.ts), the audit log, metrics and the configuration's schema. Health lives with the cameras. */
export function registerSystemRoutes(ctx: HubContext): void {
  const { api, audit, metrics } = ctx;

  registerAuthRoutes(ctx);

  api.route({ method: 'GET', path: '/api/audit', access: 'audit:read', summary: 'The audit log, newest first', query: auditQuery }, (c, { query: q }) => {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return c.json(audit.query({ actor: q.actor, target: q.target, action: q.action, from: iso(q.from), to: iso(q.to), limit: q.limit }));
  });

  api.route({ method: 'GET', path: '/api/config/schema', access: 'system:read', summary: 'JSON Schema of the configuration' },
    (c) => c.json(configJsonSchema() as object));

  api.route({ method: 'GET', path: '/metrics', access: 'system:read', summary: 'Prometheus metrics' },
    (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
}
