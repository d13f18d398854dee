import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { ConfigError } from '../config/config-error.ts';
import { idParams, queryFlag } from '../api/inputs.ts';
import { auditedChange } from '../api/config-change.ts';
import { actorOf } from '../api/router.ts';
import { cameraIdSchema, cameraSchema, type CameraConfig } from './config.ts';
import { redactUrl } from './ffmpeg-args.ts';
import { resolveMediaFile } from './media-folders.ts';
import type { CameraService } from './service.ts';

/** A PUT names the camera in its URL: the body may repeat the id (it must match) or leave it out. */
const cameraUpdate = cameraSchema.extend({ id: cameraIdSchema.optional() });
const deleteQuery = z.strictObject({
  withRules: queryFlag.optional().meta({ description: 'Also remove the event rules that watch this camera' }),
});

function publicView(cam: CameraConfig): CameraConfig {
  return cam.source.type === 'rtsp' ? { ...cam, source: { ...cam.source, url: redactUrl(cam.source.url) } } : cam;
}

const DEFAULT_PORT: Record<string, string> = { 'rtsp:': '554', 'rtsps:': '322' };

/** Scheme, host, port and user: where a camera's password is sent, and as whom. */
function endpoint(u: URL): string {
  let user = u.username;
  try {
    user = decodeURIComponent(user);
  } catch {
    // A stray % (not an escape): compared as written.
  }
  return [u.protocol, u.hostname, u.port || DEFAULT_PORT[u.protocol] || '', user].join(' ');
}

/**
 * A PUT that sends back the masked URL (`***` for the password) keeps the stored password, but only
 * toward the same scheme, host, port and user: an installer repointing a camera must type the
 * password again, so the stored one is never sent to a new host (issue 11, finding 5).
 */
function keepPassword<T extends { source: CameraConfig['source'] }>(incoming: T, stored: CameraConfig): T {
  if (incoming.source.type !== 'rtsp') return incoming;
  const u = new URL(incoming.source.url); // the body's schema has checked it parses
  if (u.password !== '***') return incoming;
  const old = stored.source.type === 'rtsp' ? new URL(stored.source.url) : undefined;
  if (!old || endpoint(old) !== endpoint(u)) {
    throw new HubError(400, 'cameras: source.url: the password must be given again when host, port or user change', [
      { path: 'body.source.url', message: 'the password must be given again when host, port or user change' },
    ]);
  }
  u.password = old.password;
  return { ...incoming, source: { ...incoming.source, url: u.toString() } };
}

/** A file source must name a file inside a media folder (the disk is read, so never in the schema). */
function checkMediaFile(ctx: HubContext, cam: { source: CameraConfig['source'] }): void {
  if (cam.source.type !== 'file') return;
  const found = resolveMediaFile(cam.source.path, ctx.config.mediaFolders());
  if (!found.ok) throw new HubError(422, `cameras: source.path ${found.message}`, [{ path: 'body.source.path', message: found.message }]);
}

/** Health (public, no footage, no names), and camera management. */
export function registerCameraRoutes(ctx: HubContext, cameras: CameraService): void {
  ctx.api.route({ method: 'GET', path: '/api/health', access: 'public', summary: "Overall status, cameras online, the hub's conditions" }, (c) => {
    const states = cameras.states().filter((s) => s.status !== 'disabled');
    const allOnline = states.every((s) => s.online);
    const hubLevel = ctx.health.level();
    return c.json({
      status: hubLevel === 'failed' ? 'failed' : allOnline && hubLevel === 'ok' ? 'ok' : 'degraded',
      time: new Date().toISOString(),
      cameras: states.map((s) => ({ id: s.id, online: s.online, fpsIn: s.fpsIn })),
      // The hub's own conditions (disk space, audit, pump journal): what is wrong, never a secret.
      conditions: ctx.health.list().filter((h) => h.level !== 'ok'),
    });
  });

  ctx.api.route({ method: 'GET', path: '/api/cameras', access: 'cameras:read', summary: 'Cameras with their state (passwords masked)' }, (c) =>
    c.json(ctx.config.get().cameras.map((cam) => ({ ...publicView(cam), state: cameras.state(cam.id) }))),
  );

  const find = (id: string): CameraConfig => {
    const cam = ctx.config.get().cameras.find((x) => x.id === id);
    if (!cam) throw new HubError(404, `cameras: no camera ${id}`);
    return cam;
  };

  ctx.api.route(
    { method: 'GET', path: '/api/cameras/:id', access: 'cameras:read', summary: 'One camera with its state', params: idParams },
    (c, { params }) => {
      const cam = find(params.id);
      return c.json({ ...publicView(cam), state: cameras.state(cam.id) });
    },
  );

  ctx.api.route({ method: 'POST', path: '/api/cameras', access: 'cameras:write', summary: 'Adds a camera', body: cameraSchema }, async (c, { body }) => {
    await auditedChange(ctx, c, { action: 'cameras.add', target: `camera:${body.id}` }, (draft) => {
      checkMediaFile(ctx, body);
      draft.cameras = [...(draft.cameras ?? []), body];
    });
    return c.json(publicView(find(body.id)), 201);
  });

  ctx.api.route(
    {
      method: 'PUT',
      path: '/api/cameras/:id',
      access: 'cameras:write',
      params: idParams,
      body: cameraUpdate,
      summary: 'Replaces a camera (a masked password keeps the stored one while scheme, host, port and user stay the same)',
    },
    async (c, { params: { id }, body }) => {
      const stored = find(id);
      if (body.id !== undefined && body.id !== id) {
        throw new HubError(400, `cameras: body id must match the URL (${id}); to rename, add a new camera and remove this one`, [
          { path: 'body.id', message: `must be "${id}"` },
        ]);
      }
      await auditedChange(ctx, c, { action: 'cameras.update', target: `camera:${id}` }, (draft) => {
        // Inside the change, so a refusal is audited like any other.
        const next = { ...keepPassword(body, stored), id };
        checkMediaFile(ctx, next);
        draft.cameras = (draft.cameras ?? []).map((x) => (x.id === id ? next : x));
      });
      return c.json(publicView(find(id)));
    },
  );

  ctx.api.route(
    {
      method: 'DELETE',
      path: '/api/cameras/:id',
      access: 'cameras:write',
      params: idParams,
      query: deleteQuery,
      summary: 'Removes a camera (its footage stays until retention); ?withRules=true also removes the rules watching it',
    },
    async (c, { params: { id }, query }) => {
      find(id);
      let removedRules: string[] = [];
      // Filled in by the change itself, which runs after the updates queued before it.
      const detail: Record<string, unknown> = { withRules: query.withRules ?? false };
      try {
        await auditedChange(ctx, c, { action: 'cameras.remove', target: `camera:${id}`, detail }, (draft) => {
          draft.cameras = (draft.cameras ?? []).filter((x) => x.id !== id);
          // The camera's own pipeline settings belong to it, not to anyone else: they go with it.
          if (draft.pipeline?.cameras && id in draft.pipeline.cameras) {
            const { [id]: _gone, ...rest } = draft.pipeline.cameras;
            draft.pipeline.cameras = rest;
            detail.removedPipelineSettings = true;
          }
          if (!query.withRules || !draft.events?.rules) return;
          removedRules = draft.events.rules.filter((r) => r.camera === id).map((r) => r.id);
          draft.events.rules = draft.events.rules.filter((r) => r.camera !== id);
          detail.removedRules = removedRules;
        });
      } catch (err) {
        const watching = (ctx.config.get().events.rules ?? []).filter((r) => r.camera === id).map((r) => r.id);
        if (err instanceof ConfigError && !query.withRules && watching.length) {
          throw new HubError(
            422,
            `cameras: camera ${id} is watched by rule${watching.length > 1 ? 's' : ''} ${watching.join(', ')}; ` +
              `remove or re-point ${watching.length > 1 ? 'those rules' : 'that rule'} first, or delete with ?withRules=true to remove them with the camera`,
            err.issues,
          );
        }
        throw err;
      }
      // Its footage stays until retention takes it: removing a camera never deletes evidence.
      for (const rule of removedRules) {
        ctx.audit.write({ actor: actorOf(c), action: 'rules.remove', target: `rule:${rule}`, result: 'ok', detail: { reason: `camera ${id} removed` } });
      }
      return c.json({ ok: true, removedRules });
    },
  );
}
