/**
 * /api/events: query, detail, media (range-capable), police workflow, export, live stream.
 * Every look at footage and every export is written to the audit log.
 */
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, type ApiContext, type RouteInput } from '../api/router.ts';
import { serveFileWithRange } from '../api/http-range.ts';
import { servedFootage } from '../audit/footage-access.ts';
import { limit, nameParam, rangeQuery, rowIdParams } from '../api/inputs.ts';
import type { EventsService } from './module.ts';
import { exportEvent } from './exporter.ts';
import type { SecurityEvent, WorkflowAction } from './store.ts';
import { AuditUnavailable } from '../audit/audit-log.ts';

const TIERS = ['alert', 'detection'] as const;
const STATES = ['active', 'ended', 'new', 'acknowledged', 'closed', 'false-alarm', 'incident'] as const;

const listQuery = rangeQuery({
  camera: nameParam.optional(),
  rule: nameParam.optional(),
  label: nameParam.optional(),
  /** The old name of `label`, still accepted. */
  class: nameParam.optional(),
  state: z.enum(STATES).optional(),
  tier: z.enum(TIERS).optional(),
  before: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Paging: events with a lower id' }),
  limit: limit(1000, 100),
});
const streamQuery = z.strictObject({ tier: z.enum(TIERS).optional().meta({ description: 'Only this tier (alert: the events that notify)' }) });
const exportParams = z.strictObject({ exportId: nameParam });

const assignBody = z.strictObject({ to: z.string().min(1).max(64) });
const noteBody = z.strictObject({ text: z.string().min(1).max(4000) });
const verdictBody = z.strictObject({ verdict: z.enum(['false-alarm', 'incident']) });
/** No body at all means a zip. */
const exportBody = z.strictObject({ format: z.enum(['zip', 'folder']).default('zip') }).optional();

export function registerEventRoutes(ctx: HubContext, svc: EventsService): void {
  const { api, audit } = ctx;
  const { store, stream } = svc;

  // Before /api/events/:id, which would otherwise take these names for ids.
  api.stream({
    path: '/api/events/stream',
    access: 'events:read',
    query: streamQuery,
    channel: stream.channel,
    summary: 'Live feed of new and updated events (server-sent events)',
    hello: () => ({ event: 'hello', data: JSON.stringify({ at: Date.now() }) }),
    accept: ({ query }) => (query.tier ? (m) => m.event.tier === query.tier : undefined),
    format: (m) => ({ event: m.type, id: `${m.event.id}-${m.sentAt}`, data: JSON.stringify(m) }),
  });

  api.route({ method: 'GET', path: '/api/events/key', access: 'authenticated', summary: "The hub's public key for verifying exports" }, (c) => {
    const k = svc.key();
    return c.json({ algorithm: 'Ed25519', publicKey: k.publicPem, fingerprint: k.fingerprint });
  });

  api.route(
    { method: 'GET', path: '/api/events/exports/:exportId', access: 'footage:export', params: exportParams, summary: 'Downloads an export (zip)' },
    (c, { params }) => {
      const x = store.export(params.exportId);
      if (!x) throw new HubError(404, `events: no export ${params.exportId}`);
      if (x.format !== 'zip') throw new HubError(409, `events: export ${x.id} is a folder kept on the hub, not a download`);
      return servedFootage(audit, { actor: actorOf(c), kind: 'export', item: x.id, target: `event:${x.eventId}`, detail: { export: x.id } }, () =>
        serveFileWithRange(x.path, c.req.header('range'), 'application/zip'),
      );
    },
  );

  api.route({ method: 'GET', path: '/api/events', access: 'events:read', query: listQuery, summary: 'Events, newest first, filtered' }, (c, { query: q }) =>
    c.json(
      store.query({
        camera: q.camera,
        rule: q.rule,
        label: q.label ?? q.class,
        state: q.state,
        tier: q.tier,
        from: q.from,
        to: q.to,
        before: q.before,
        limit: q.limit,
      }),
    ),
  );

  api.route(
    { method: 'GET', path: '/api/events/:id', access: 'events:read', params: rowIdParams, summary: 'One event with its updates, actions and media' },
    (c, { params: { id } }) => {
      const e = store.require(id);
      const media = store.media(id).map(({ path: _path, ...m }) => ({ ...m, url: `/api/events/${id}/${m.kind === 'clip' ? 'clip.mp4' : 'snapshot.jpg'}` }));
      return c.json({ ...e, updates: store.updates(id), actions: store.actions(id), media });
    },
  );

  type ById = RouteInput<{ id: number }, Record<string, never>, undefined>;
  const media =
    (kind: 'snapshot' | 'clip', type: string) =>
    (c: ApiContext, { params: { id } }: ById) => {
      const m = store.media(id).find((x) => x.kind === kind && x.deletedAt === null);
      if (!m) throw new HubError(404, `events: event ${id} has no ${kind} (state ${store.require(id).mediaState})`);
      // Audited once per user, event media and window, whatever the Range (hub/audit/footage-access.ts).
      return servedFootage(audit, { actor: actorOf(c), kind, item: id, target: `event:${id}`, detail: { media: kind } }, () =>
        serveFileWithRange(m.path, c.req.header('range'), type),
      );
    };
  const get = { method: 'GET', params: rowIdParams } as const;
  api.route(
    { ...get, path: '/api/events/:id/snapshot.jpg', access: 'footage:read', summary: "The event's snapshot (the detect frame)" },
    media('snapshot', 'image/jpeg'),
  );
  api.route({ ...get, path: '/api/events/:id/clip.mp4', access: 'footage:read', summary: "The event's clip (HTTP ranges)" }, media('clip', 'video/mp4'));

  // The police workflow: each action goes to the audit log (the record: append-only, with the
  // client's address) in the same transaction as the event's change and its event_actions row
  // (what the event view shows), so neither exists without the other. A refused action (no such
  // event, a closed one) is audited as refused.
  const act = (c: ApiContext, id: number, action: WorkflowAction, body?: Record<string, unknown>) => {
    const actor = actorOf(c);
    const entry = { actor, action: `event.${action}`, target: `event:${id}`, detail: { ...body } };
    let e: SecurityEvent;
    try {
      e = store.act(id, actor, action, body, Date.now(), (after) =>
        audit.write({ ...entry, result: 'ok', detail: { ...entry.detail, status: after.status, verdict: after.verdict, assignee: after.assignee } }),
      );
    } catch (err) {
      if (!(err instanceof AuditUnavailable)) {
        try {
          audit.write({ ...entry, result: err instanceof HubError ? 'refused' : 'failed', detail: { ...entry.detail, reason: (err as Error).message } });
        } catch (auditErr) {
          ctx.log.error(`events: audit of refused ${action} on event ${id} failed: ${(auditErr as Error).message}`);
        }
      }
      throw err;
    }
    svc.engine.emit('updated', e);
    return c.json(e);
  };
  const post = { method: 'POST', access: 'events:manage', params: rowIdParams } as const;
  for (const action of ['acknowledge', 'close', 'reopen'] as const) {
    api.route({ ...post, path: `/api/events/:id/${action}`, summary: `${action[0]!.toUpperCase()}${action.slice(1)}s the event` }, (c, { params: { id } }) =>
      act(c, id, action),
    );
  }
  api.route({ ...post, path: '/api/events/:id/assign', body: assignBody, summary: 'Assigns the event to someone' }, (c, { params: { id }, body }) =>
    act(c, id, 'assign', body),
  );
  api.route({ ...post, path: '/api/events/:id/note', body: noteBody, summary: 'Adds a note' }, (c, { params: { id }, body }) => act(c, id, 'note', body));
  api.route({ ...post, path: '/api/events/:id/verdict', body: verdictBody, summary: 'Records the verdict' }, (c, { params: { id }, body }) =>
    act(c, id, 'verdict', body),
  );

  api.route(
    {
      method: 'POST',
      path: '/api/events/:id/export',
      access: 'footage:export',
      params: rowIdParams,
      body: exportBody,
      summary: 'Exports the event as a signed zip or folder',
    },
    async (c, { params: { id }, body }) => {
      try {
        const x = exportEvent(svc.exportDeps, id, actorOf(c), body?.format ?? 'zip');
        audit.write({ actor: actorOf(c), action: 'footage.export', target: `event:${id}`, result: 'ok', detail: { export: x.id, format: x.format } });
        // Ids and URLs only: where the hub keeps files is no one's business over the API (issue 11, finding 9).
        return c.json(
          {
            id: x.id,
            eventId: id,
            format: x.format,
            download: x.format === 'zip' ? `/api/events/exports/${x.id}` : null,
            key: '/api/events/key',
            verify:
              x.format === 'zip'
                ? 'node bin/hub.mjs events verify <downloaded zip> --fingerprint <fingerprint from key>'
                : `on the hub: node bin/hub.mjs events verify <exports folder>/${x.id}`,
          },
          201,
        );
      } catch (err) {
        audit.write({ actor: actorOf(c), action: 'footage.export', target: `event:${id}`, result: 'failed', detail: { reason: (err as Error).message } });
        throw err;
      }
    },
  );
}
