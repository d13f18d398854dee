import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HubContext, HubModule } from '../context.ts';
import { ffmpegPath } from '../core/ffmpeg-path.ts';
import { recordMigrations, SegmentIndex } from './segment-index.ts';
import { repairUnfinishedSegments, rebuildIndexFromDisk } from './recovery.ts';
import { statDisk, sweepRetention, type DiskProbe } from './retention.ts';
import { recordingsRoot, segmentPath } from './paths.ts';
import type { RecordingService } from './service.ts';
import { registerRecordingRoutes } from './routes.ts';

/** Tests replace the disk probe to simulate a nearly full volume. */
export const recordTestHooks: { disk?: DiskProbe } = {};

/**
 * Recording: takes the segments ffmpeg finished, moves them into recordings/<cam>/<date>/<hour>/,
 * indexes them, repairs what a crash left half-written, rebuilds a lost index from disk, and
 * runs retention. Starts before the cameras, so leftovers are repaired before ffmpeg writes anew.
 */
export const recordModule: HubModule = {
  name: 'record',
  migrations: recordMigrations,
  async start(ctx: HubContext) {
    const log = ctx.log.child('record');
    const index = new SegmentIndex(ctx.db);
    const ffmpeg = ffmpegPath();
    const root = recordingsRoot(ctx.dataDir);
    mkdirSync(root, { recursive: true });
    const tz = () => ctx.config.get().hub.timezone;
    const deps = { dataDir: ctx.dataDir, ffmpeg, index, timeZone: tz(), log };

    // 1. A lost or damaged database: rebuild from the files, never delete footage for it.
    if (ctx.dbRecreated) await rebuildIndexFromDisk(deps);
    // 2. Segments a crash left unfinished: repair or set aside, never index a broken file.
    await repairUnfinishedSegments(deps);

    const segmentsIndexed = ctx.metrics.counter('record_segments_total', 'Segments recorded and indexed');
    const bytesRecorded = ctx.metrics.counter('record_bytes_total', 'Bytes of video recorded');
    const deleted = ctx.metrics.counter('retention_deleted_segments_total', 'Segments deleted by retention, by reason');
    ctx.metrics.collect(() => ctx.metrics.gauge('record_index_segments', 'Segments in the recording index').set({}, index.count()));

    const waiters = new Set<{ cameraId: string; atMs: number; done: (ok: boolean) => void }>();
    const offSegment = ctx.bus.on('camera.segment', 'record', (seg) => {
      const startMs = seg.endedAt - seg.durationSec * 1000;
      const dest = segmentPath(ctx.dataDir, seg.cameraId, startMs, tz());
      if (!existsSync(seg.file)) {
        log.warn(`segment ${seg.file} of ${seg.cameraId} announced but missing`);
        return;
      }
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(seg.file, dest);
      const bytes = statSync(dest).size;
      const added = index.add({ cameraId: seg.cameraId, startMs, endMs: seg.endedAt, bytes, path: dest });
      segmentsIndexed.inc({ camera: seg.cameraId });
      bytesRecorded.inc({ camera: seg.cameraId }, bytes);
      ctx.bus.emit('record.segment', added);
      for (const w of waiters) {
        if (w.cameraId === seg.cameraId && seg.endedAt >= w.atMs) w.done(true);
      }
    });

    const sweep = () => {
      const cfg = ctx.config.get();
      try {
        sweepRetention({
          index, root, log, deleted, disk: recordTestHooks.disk ?? statDisk,
          retentionDays: (cam) => cfg.cameras.find((c) => c.id === cam)?.record.retentionDays ?? cfg.recording.retentionDays,
          minFreePercent: () => cfg.recording.minFreePercent,
        });
      } catch (err) {
        log.error(`retention pass failed: ${(err as Error).message}`);
      }
    };
    sweep();
    const timer = setInterval(sweep, ctx.config.get().recording.sweepSeconds * 1000);
    timer.unref();

    const service: RecordingService & { sweep(): void } = {
      segments: (cameraId, fromMs, toMs) => index.between(cameraId, fromMs, toMs),
      segment: (id) => index.get(id),
      hold: (holder, cameraId, fromMs, toMs, untilMs) => index.hold({ holder, cameraId, fromMs, toMs, untilMs: untilMs ?? null }),
      release: (holder) => index.release(holder),
      waitForFootage: (cameraId, atMs, timeoutMs) =>
        new Promise((resolve) => {
          if (index.between(cameraId, atMs, atMs).length > 0) return resolve(true);
          const w = {
            cameraId, atMs,
            done: (ok: boolean) => {
              clearTimeout(t);
              waiters.delete(w);
              resolve(ok);
            },
          };
          const t = setTimeout(() => w.done(false), timeoutMs);
          waiters.add(w);
        }),
      sweep,
    };
    ctx.services.recordings = service;
    registerRecordingRoutes(ctx, index);

    return {
      stop() {
        clearInterval(timer);
        offSegment();
        for (const w of waiters) w.done(false);
      },
    };
  },
};

declare module '../core/hub-events.ts' {
  interface HubEvents {
    /** A segment moved into place and indexed. */
    'record.segment': import('./service.ts').Segment;
  }
}
