/**
 * /api/events: query, detail, media (range-capable), police workflow, export, live stream.
 * Every look at footage and every export is written to the audit log.
 */
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, jsonBody, type ApiContext } from '../api/router.ts';
import { serveFileWithRange } from '../api/http-range.ts';
import type { EventsService } from './module.ts';
import { exportEvent } from './exporter.ts';
import type { EventQuery, Tier } from './store.ts';

const num = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new HubError(400, `events: ${what} must be epoch ms or an ISO time, not "${v}"`);
  return n;
};

function eventId(c: ApiContext): number {
  const id = Number(c.req.param('id'));
  if (!Number.isInteger(id) || id <= 0) throw new HubError(400, `events: bad event id "${c.req.param('id')}"`);
  return id;
}

const assignBody = z.strictObject({ to: z.string().min(1).max(64) });
const noteBody = z.strictObject({ text: z.string().min(1).max(4000) });
const verdictBody = z.strictObject({ verdict: z.enum(['false-alarm', 'incident']) });
const exportBody = z.strictObject({ format: z.enum(['zip', 'folder']).default('zip') });

async function parseBody<T>(c: ApiContext, schema: z.ZodType<T>, shape: string): Promise<T> {
  const r = schema.safeParse(await jsonBody(c));
  if (!r.success) throw new HubError(400, `events: body must be ${shape}`, r.error.issues.map((i) => i.message));
  return r.data;
}

export function registerEventRoutes(ctx: HubContext, svc: EventsService): void {
  const { api, audit } = ctx;
  const { store, stream } = svc;

  // Before /api/events/:id, which would otherwise take these names for ids.
  api.get('/api/events/stream', 'events:read', (c) =>
    streamSSE(c, async (s) => {
      // ?tier=alert: only the events that notify (the UI's alarm sound); default: everything.
      const tier = c.req.query('tier');
      const client = stream.subscribe();
      s.onAbort(() => stream.unsubscribe(client));
      await s.writeSSE({ event: 'hello', data: JSON.stringify({ at: Date.now() }) });
      for (let m = await client.next(); m; m = await client.next()) {
        if (tier && m.event.tier !== tier) continue;
        await s.writeSSE({ event: m.type, id: `${m.event.id}-${m.sentAt}`, data: JSON.stringify(m) });
      }
    }),
  );

  api.get('/api/events/key', 'authenticated', (c) => {
    const k = svc.key();
    return c.json({ algorithm: 'Ed25519', publicKey: k.publicPem, fingerprint: k.fingerprint });
  });

  api.get('/api/events/exports/:exportId', 'footage:export', (c) => {
    const x = store.export(c.req.param('exportId') ?? '');
    if (!x) throw new HubError(404, `events: no export ${c.req.param('exportId')}`);
    if (x.format !== 'zip') throw new HubError(409, `events: export ${x.id} is a folder on the hub (${x.path}), not a download`);
    audit.write({ actor: actorOf(c), action: 'footage.export.download', target: `event:${x.eventId}`, result: 'ok', detail: { export: x.id, range: c.req.header('range') ?? null } });
    return serveFileWithRange(x.path, c.req.header('range'), 'application/zip');
  });

  api.get('/api/events', 'events:read', (c) => {
    const q = c.req.query();
    const query: EventQuery = {
      camera: q.camera, rule: q.rule, label: q.label ?? q.class, state: q.state,
      tier: q.tier === 'alert' || q.tier === 'detection' ? (q.tier as Tier) : undefined,
      from: num(q.from, 'from'), to: num(q.to, 'to'), before: num(q.before, 'before'), limit: num(q.limit, 'limit'),
    };
    return c.json(store.query(query));
  });

  api.get('/api/events/:id', 'events:read', (c) => {
    const id = eventId(c);
    const e = store.require(id);
    const media = store.media(id).map(({ path: _path, ...m }) => ({ ...m, url: `/api/events/${id}/${m.kind === 'clip' ? 'clip.mp4' : 'snapshot.jpg'}` }));
    return c.json({ ...e, updates: store.updates(id), actions: store.actions(id), media });
  });

  const media = (kind: 'snapshot' | 'clip', type: string) => (c: ApiContext) => {
    const id = eventId(c);
    const m = store.media(id).find((x) => x.kind === kind && x.deletedAt === null);
    if (!m) throw new HubError(404, `events: event ${id} has no ${kind} (state ${store.require(id).mediaState})`);
    audit.write({ actor: actorOf(c), action: 'footage.view', target: `event:${id}`, result: 'ok', detail: { media: kind, range: c.req.header('range') ?? null } });
    return serveFileWithRange(m.path, c.req.header('range'), type);
  };
  api.get('/api/events/:id/snapshot.jpg', 'footage:read', media('snapshot', 'image/jpeg'));
  api.get('/api/events/:id/clip.mp4', 'footage:read', media('clip', 'video/mp4'));

  const act = (action: 'acknowledge' | 'close' | 'reopen') => (c: ApiContext) => {
    const e = store.act(eventId(c), actorOf(c), action);
    svc.engine.emit('updated', e);
    return c.json(e);
  };
  api.post('/api/events/:id/acknowledge', 'events:manage', act('acknowledge'));
  api.post('/api/events/:id/close', 'events:manage', act('close'));
  api.post('/api/events/:id/reopen', 'events:manage', act('reopen'));
  api.post('/api/events/:id/assign', 'events:manage', async (c) => {
    const body = await parseBody(c, assignBody, '{to}');
    const e = store.act(eventId(c), actorOf(c), 'assign', body);
    svc.engine.emit('updated', e);
    return c.json(e);
  });
  api.post('/api/events/:id/note', 'events:manage', async (c) => {
    const body = await parseBody(c, noteBody, '{text}');
    const e = store.act(eventId(c), actorOf(c), 'note', body);
    svc.engine.emit('updated', e);
    return c.json(e);
  });
  api.post('/api/events/:id/verdict', 'events:manage', async (c) => {
    const body = await parseBody(c, verdictBody, '{verdict: "false-alarm" | "incident"}');
    const e = store.act(eventId(c), actorOf(c), 'verdict', body);
    svc.engine.emit('updated', e);
    return c.json(e);
  });

  api.post('/api/events/:id/export', 'footage:export', async (c) => {
    const id = eventId(c);
    const text = await c.req.text();
    let raw: unknown = {};
    try {
      if (text.trim()) raw = JSON.parse(text);
    } catch {
      throw new HubError(400, 'events: request body must be JSON');
    }
    const body = exportBody.safeParse(raw);
    if (!body.success) throw new HubError(400, 'events: body must be {format?: "zip" | "folder"}');
    try {
      const x = exportEvent(svc.exportDeps, id, actorOf(c), body.data.format);
      audit.write({ actor: actorOf(c), action: 'footage.export', target: `event:${id}`, result: 'ok', detail: { export: x.id, format: x.format } });
      return c.json({ ...x, download: x.format === 'zip' ? `/api/events/exports/${x.id}` : null, verify: `node bin/hub.mjs events verify ${x.path}` }, 201);
    } catch (err) {
      audit.write({ actor: actorOf(c), action: 'footage.export', target: `event:${id}`, result: 'failed', detail: { reason: (err as Error).message } });
      throw err;
    }
  });
}
