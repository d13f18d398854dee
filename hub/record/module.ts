import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HubContext, HubModule } from '../context.ts';
import { ffmpegPath } from '../core/ffmpeg-path.ts';
import { recordMigrations, SegmentIndex } from './segment-index.ts';
import { repairUnfinishedSegments, rebuildIndexFromDisk } from './recovery.ts';
import { statDisk, type DiskProbe } from './retention.ts';
import { recordingsRoot, segmentPath } from './paths.ts';
import type { RecordingService, Segment } from './service.ts';
import { SpaceKeeper } from './space.ts';
import { every, guarded, isNoSpace, later } from '../core/guard.ts';
import type { HubEvents } from '../core/hub-events.ts';
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

    const unplaced = ctx.metrics.counter(
      'record_segments_unplaced_total',
      'Finished segments that could not be moved into place or indexed (kept in .incoming for the next start)',
    );
    const space = new SpaceKeeper({ ctx, index, root, log, deleted, disk: () => recordTestHooks.disk ?? statDisk });

    /** A segment that cannot land stays in .incoming, where the next start's repair finds it. */
    const keptInIncoming = (cameraId: string, file: string, err: Error): void => {
      log.error(`segment ${file} of ${cameraId} could not be moved into place or indexed (${err.message}); kept in .incoming for the next start's repair`);
      unplaced.inc({ camera: cameraId });
      ctx.health.set('record/segments', 'degraded', `segments of ${cameraId} cannot be stored (${err.message}); they wait in .incoming for the next start`);
      if (isNoSpace(err)) space.soon(`segment of ${cameraId}: ${err.message}`);
    };

    const waiters = new Set<{ cameraId: string; atMs: number; done: (ok: boolean) => void }>();
    const land = (seg: HubEvents['camera.segment']): void => {
      const startMs = seg.startedAt;
      const dest = segmentPath(ctx.dataDir, seg.cameraId, startMs, tz());
      if (!existsSync(seg.file)) {
        log.warn(`segment ${seg.file} of ${seg.cameraId} announced but missing`);
        return;
      }
      try {
        mkdirSync(dirname(dest), { recursive: true });
        renameSync(seg.file, dest);
      } catch (err) {
        keptInIncoming(seg.cameraId, seg.file, err as Error);
        return;
      }
      let added: Segment;
      try {
        const bytes = statSync(dest).size;
        added = index.add({ cameraId: seg.cameraId, startMs, endMs: seg.endedAt, bytes, path: dest });
      } catch (err) {
        // Not indexed (database full): back to .incoming, or retention could never see it.
        try {
          renameSync(dest, seg.file);
        } catch (back) {
          log.error(`${dest} could not go back to .incoming either (${(back as Error).message}); a rebuild from disk will find it`);
        }
        keptInIncoming(seg.cameraId, seg.file, err as Error);
        return;
      }
      if (ctx.health.get('record/segments')?.level === 'degraded') ctx.health.ok('record/segments');
      segmentsIndexed.inc({ camera: seg.cameraId });
      bytesRecorded.inc({ camera: seg.cameraId }, added.bytes);
      ctx.bus.emit('record.segment', added);
      for (const w of waiters) {
        if (w.cameraId === seg.cameraId && seg.endedAt >= w.atMs) w.done(true);
      }
      space.checkFreeSpace();
    };
    const offSegment = ctx.bus.on('camera.segment', 'record', guarded('record: segment landing', log, land));
    const offNoSpace = ctx.bus.on('record.no-space', 'record', ({ owner, message }) => space.soon(`${owner}: ${message}`));

    const sweep = (): void => space.sweep();
    sweep();
    const timer = every(ctx.config.get().recording.sweepSeconds * 1000, 'record: retention sweep', log, sweep);

    const service: RecordingService & { sweep(): void } = {
      segments: (cameraId, fromMs, toMs) => index.between(cameraId, fromMs, toMs),
      segment: (id) => index.get(id),
      hold: (holder, cameraId, fromMs, toMs, untilMs) => space.hold(holder, cameraId, fromMs, toMs, untilMs),
      release: (holder) => index.release(holder),
      keepHoldsWhile: (fn) => space.keepWhile(fn),
      noSpace: (owner, message) => space.soon(`${owner}: ${message}`),
      waitForFootage: (cameraId, atMs, timeoutMs) =>
        new Promise((resolve) => {
          if (index.between(cameraId, atMs, atMs).length > 0) return resolve(true);
          const w = {
            cameraId,
            atMs,
            done: (ok: boolean) => {
              clearTimeout(t);
              waiters.delete(w);
              resolve(ok);
            },
          };
          const t = later(timeoutMs, 'record: footage wait', log, () => w.done(false));
          waiters.add(w);
        }),
      sweep,
    };
    ctx.services.recordings = service;
    registerRecordingRoutes(ctx, index);

    return {
      stop() {
        clearInterval(timer);
        space.stop();
        offSegment();
        offNoSpace();
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
