import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf } from '../api/router.ts';
import { serveFileWithRange } from '../api/http-range.ts';
import type { SegmentIndex } from './segment-index.ts';

function parseTime(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new HubError(400, `record: ${name} must be an ISO time or epoch ms, got "${value}"`);
  return ms;
}

/** Recordings: query the index, download a segment (range-capable). Footage access is audited. */
export function registerRecordingRoutes(ctx: HubContext, index: SegmentIndex): void {
  ctx.api.get('/api/recordings', 'footage:read', (c) => {
    const camera = c.req.query('camera');
    if (!camera) throw new HubError(400, 'record: query parameter camera is required');
    const to = parseTime(c.req.query('to'), 'to', Date.now());
    const from = parseTime(c.req.query('from'), 'from', to - 3600_000);
    if (from > to) throw new HubError(400, 'record: from must not be after to');
    const segments = index.between(camera, from, to, 5000).map((s) => ({
      id: s.id, camera: s.cameraId, start: new Date(s.startMs).toISOString(), end: new Date(s.endMs).toISOString(),
      bytes: s.bytes, url: `/api/recordings/${s.id}/file`,
    }));
    ctx.audit.write({ actor: actorOf(c), action: 'footage.list', target: `camera:${camera}`, result: 'ok',
      detail: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), count: segments.length } });
    return c.json(segments);
  });

  ctx.api.get('/api/recordings/:id/file', 'footage:read', (c) => {
    const id = Number(c.req.param('id'));
    const seg = Number.isInteger(id) ? index.get(id) : undefined;
    if (!seg) throw new HubError(404, `record: no segment ${c.req.param('id')}`);
    const range = c.req.header('range');
    // One audit line per playback start, not per range request of the same player.
    if (!range || /^bytes=0-/.test(range)) {
      ctx.audit.write({ actor: actorOf(c), action: 'footage.view', target: `camera:${seg.cameraId}`, result: 'ok',
        detail: { segment: seg.id, start: new Date(seg.startMs).toISOString() } });
    }
    return serveFileWithRange(seg.path, range, 'video/mp4');
  });
}
