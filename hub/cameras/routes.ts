import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, jsonBody } from '../api/router.ts';
import type { CameraConfig } from './config.ts';
import { redactUrl } from './ffmpeg-args.ts';
import type { CameraService } from './service.ts';

function publicView(cam: CameraConfig): CameraConfig {
  return cam.source.type === 'rtsp' ? { ...cam, source: { ...cam.source, url: redactUrl(cam.source.url) } } : cam;
}

/** A PUT that sends back the redacted URL keeps the stored password. */
function keepPassword(incoming: unknown, stored: CameraConfig | undefined): unknown {
  if (!stored || stored.source.type !== 'rtsp' || typeof incoming !== 'object' || incoming === null) return incoming;
  const src = (incoming as { source?: { type?: string; url?: string } }).source;
  if (src?.type !== 'rtsp' || typeof src.url !== 'string') return incoming;
  try {
    const u = new URL(src.url);
    const old = new URL(stored.source.url);
    if (u.password === '***') u.password = old.password;
    return { ...incoming, source: { ...src, url: u.toString() } };
  } catch {
    return incoming;
  }
}

/** Health (public, no footage, no names), and camera management. */
export function registerCameraRoutes(ctx: HubContext, cameras: CameraService): void {
  ctx.api.get('/api/health', 'public', (c) => {
    const states = cameras.states().filter((s) => s.status !== 'disabled');
    const allOnline = states.every((s) => s.online);
    return c.json({
      status: allOnline ? 'ok' : 'degraded',
      time: new Date().toISOString(),
      cameras: states.map((s) => ({ id: s.id, online: s.online, fpsIn: s.fpsIn })),
    });
  });

  ctx.api.get('/api/cameras', 'cameras:read', (c) =>
    c.json(ctx.config.get().cameras.map((cam) => ({ ...publicView(cam), state: cameras.state(cam.id) }))),
  );

  ctx.api.get('/api/cameras/:id', 'cameras:read', (c) => {
    const cam = ctx.config.get().cameras.find((x) => x.id === c.req.param('id'));
    if (!cam) throw new HubError(404, `cameras: no camera ${c.req.param('id')}`);
    return c.json({ ...publicView(cam), state: cameras.state(cam.id) });
  });

  ctx.api.post('/api/cameras', 'cameras:write', async (c) => {
    const body = await jsonBody(c);
    const next = await ctx.config.update((draft) => {
      draft.cameras = [...(draft.cameras ?? []), body as CameraConfig];
    }, actorOf(c));
    const cam = next.cameras.at(-1)!;
    ctx.audit.write({ actor: actorOf(c), action: 'cameras.add', target: `camera:${cam.id}`, result: 'ok' });
    return c.json(publicView(cam), 201);
  });

  ctx.api.put('/api/cameras/:id', 'cameras:write', async (c) => {
    const id = c.req.param('id');
    const stored = ctx.config.get().cameras.find((x) => x.id === id);
    if (!stored) throw new HubError(404, `cameras: no camera ${id}`);
    const body = keepPassword(await jsonBody(c), stored);
    if ((body as { id?: unknown }).id !== undefined && (body as { id?: unknown }).id !== id) {
      throw new HubError(400, `cameras: body id must match the URL (${id}); to rename, add a new camera and remove this one`);
    }
    const next = await ctx.config.update((draft) => {
      draft.cameras = (draft.cameras ?? []).map((x) => (x.id === id ? { ...(body as object), id } as CameraConfig : x));
    }, actorOf(c));
    ctx.audit.write({ actor: actorOf(c), action: 'cameras.update', target: `camera:${id}`, result: 'ok' });
    return c.json(publicView(next.cameras.find((x) => x.id === id)!));
  });

  ctx.api.delete('/api/cameras/:id', 'cameras:write', async (c) => {
    const id = c.req.param('id');
    if (!ctx.config.get().cameras.some((x) => x.id === id)) throw new HubError(404, `cameras: no camera ${id}`);
    await ctx.config.update((draft) => {
      draft.cameras = (draft.cameras ?? []).filter((x) => x.id !== id);
    }, actorOf(c));
    // Its footage stays until retention takes it: removing a camera never deletes evidence.
    ctx.audit.write({ actor: actorOf(c), action: 'cameras.remove', target: `camera:${id}`, result: 'ok' });
    return c.json({ ok: true });
  });
}
