import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf } from '../api/router.ts';
import { serveFileWithRange } from '../api/http-range.ts';
import { servedFootage } from '../audit/footage-access.ts';
import { nameParam, rangeQuery, resolveRange, rowIdParams } from '../api/inputs.ts';
import type { SegmentIndex } from './segment-index.ts';

const listQuery = rangeQuery({ camera: nameParam });

/** Recordings: query the index, download a segment (range-capable). Footage access is audited. */
export function registerRecordingRoutes(ctx: HubContext, index: SegmentIndex): void {
  ctx.api.route(
    {
      method: 'GET',
      path: '/api/recordings',
      access: 'footage:read',
      query: listQuery,
      summary: 'Segments of one camera between from and to (default: the last hour)',
    },
    (c, { query }) => {
      const { from, to } = resolveRange(query, 3600_000);
      const camera = query.camera;
      const segments = index.between(camera, from, to, 5000).map((s) => ({
        id: s.id,
        camera: s.cameraId,
        start: new Date(s.startMs).toISOString(),
        end: new Date(s.endMs).toISOString(),
        bytes: s.bytes,
        url: `/api/recordings/${s.id}/file`,
      }));
      ctx.audit.write({
        actor: actorOf(c),
        action: 'footage.list',
        target: `camera:${camera}`,
        result: 'ok',
        detail: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), count: segments.length },
      });
      return c.json(segments);
    },
  );

  ctx.api.route(
    { method: 'GET', path: '/api/recordings/:id/file', access: 'footage:read', params: rowIdParams, summary: 'One segment as MP4 (HTTP ranges for seeking)' },
    (c, { params: { id } }) => {
      const seg = index.get(id);
      if (!seg) throw new HubError(404, `record: no segment ${id}`);
      // Audited once per user, segment and window, whatever the Range (hub/audit/footage-access.ts).
      return servedFootage(
        ctx.audit,
        {
          actor: actorOf(c),
          kind: 'recording',
          item: seg.id,
          target: `camera:${seg.cameraId}`,
          detail: { start: new Date(seg.startMs).toISOString() },
        },
        () => serveFileWithRange(seg.path, c.req.header('range'), 'video/mp4'),
      );
    },
  );
}
