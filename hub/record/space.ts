/**
 * Space keeper: runs retention on its timer and at once when free space falls under the
 * watermark (a segment landed on a nearly full volume, or someone hit ENOSPC), decides which
 * holds are in force (expiry, open incidents), refuses holds beyond the held share, stops the
 * lowest-priority cameras' recording when only held footage is left, and reports all of it on
 * /api/health (`record/disk`, `record/holds`) and /metrics.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HubContext } from '../context.ts';
import type { Logger } from '../core/log.ts';
import type { Counter } from '../metrics/registry.ts';
import type { Hold, SegmentIndex } from './segment-index.ts';
import type { HoldResult } from './service.ts';
import { sweepRetention, type DiskProbe, type DiskUsage } from './retention.ts';
import { holdInForce, overHeldShare, planRecordingPause, resumeFreePercent } from './space-plan.ts';

export interface SpaceDeps {
  ctx: HubContext;
  index: SegmentIndex;
  root: string;
  log: Logger;
  deleted: Counter;
  /** The volume probe (tests simulate a nearly full volume). */
  disk: () => DiskProbe;
}

/** Pressure sweeps (segment landed under the watermark, ENOSPC) run at most this often. */
const PRESSURE_MIN_GAP_MS = 2000;

/** Bytes of the files under `dir` (0 when it does not exist). */
function treeBytes(dir: string): number {
  let n = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    try {
      n += statSync(join(e.parentPath, e.name)).size;
    } catch {
      // Deleted while we walked.
    }
  }
  return n;
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export class SpaceKeeper {
  private readonly keepers = new Set<(holder: string) => boolean>();
  private paused: string[] = [];
  private pausedAt = 0;
  private lastPressureAt = 0;
  private pending?: NodeJS.Timeout;
  private readonly held;
  private readonly stored;
  private readonly pausedGauge;
  private readonly refused;

  constructor(private readonly d: SpaceDeps) {
    const m = d.ctx.metrics;
    this.held = m.gauge('record_held_bytes', 'Bytes of recorded footage under a hold in force (never deleted by retention)');
    this.stored = m.gauge('hub_stored_bytes', 'Bytes the hub keeps on its data volume, by kind (recordings, events, exports, database)');
    this.pausedGauge = m.gauge('record_paused_cameras', 'Cameras whose recording is stopped because the disk is full of held footage');
    this.refused = m.counter(
      'record_holds_refused_total',
      'Holds refused because held footage would pass recording.maxHeldPercent, or the hold could not be written',
    );
    const free = m.gauge('disk_free_bytes', 'Free bytes on the data volume');
    const total = m.gauge('disk_total_bytes', 'Size of the data volume');
    m.collect(() => {
      const u = this.usage();
      if (!u) return;
      free.set({}, u.freeBytes);
      total.set({}, u.totalBytes);
    });
  }

  /** Cameras whose recording the disk stopped, lowest priority first. */
  pausedCameras(): readonly string[] {
    return this.paused;
  }

  /** Registers who says a holder's case is still open: its hold then outlives recording.holdDays. */
  keepWhile(fn: (holder: string) => boolean): () => void {
    this.keepers.add(fn);
    return () => this.keepers.delete(fn);
  }

  private keep(holder: string): boolean {
    for (const fn of this.keepers) {
      try {
        if (fn(holder)) return true;
      } catch (err) {
        // When unsure, keep: footage deleted cannot come back.
        this.d.log.error(`cannot tell whether ${holder} is still open: ${(err as Error).message}`);
        return true;
      }
    }
    return false;
  }

  private usage(): DiskUsage | undefined {
    try {
      return this.d.disk()(this.d.root);
    } catch (err) {
      this.d.log.error(`cannot read the free space of ${this.d.root}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** The holds in force at `nowMs`; with `prune`, expired ones are deleted from the index. */
  holdsInForce(nowMs: number, prune = false): Hold[] {
    const days = this.d.ctx.config.get().recording.holdDays;
    const out: Hold[] = [];
    for (const h of this.d.index.holds()) {
      if (holdInForce(h, nowMs, days, (holder) => this.keep(holder))) out.push(h);
      else if (prune) {
        this.d.index.dropHold(h);
        this.d.log.info(`hold ${h.holder} on ${h.cameraId} expired; its footage follows retention again`);
      }
    }
    return out;
  }

  /** Bytes of indexed footage under the given holds (each segment counted once). */
  heldBytes(holds: readonly Hold[]): number {
    const seen = new Map<number, number>();
    for (const h of holds) for (const s of this.d.index.sizesBetween(h.cameraId, h.fromMs, h.toMs)) seen.set(s.id, s.bytes);
    let n = 0;
    for (const b of seen.values()) n += b;
    return n;
  }

  /**
   * Takes a hold, or refuses it: a new holder whose footage would take held footage past
   * recording.maxHeldPercent of the volume, or a hold that cannot be written (full database).
   * A refusal raises `record/holds` on /api/health and `record.hold-refused` on the bus.
   */
  hold(holder: string, cameraId: string, fromMs: number, toMs: number, untilMs?: number): HoldResult {
    const cfg = this.d.ctx.config.get().recording;
    try {
      if (!this.d.index.hasHolder(holder)) {
        const holds = this.holdsInForce(Date.now());
        const already = new Set<number>();
        for (const h of holds) for (const s of this.d.index.sizesBetween(h.cameraId, h.fromMs, h.toMs)) already.add(s.id);
        const heldNow = this.heldBytes(holds);
        const newBytes = this.d.index
          .sizesBetween(cameraId, fromMs, toMs)
          .filter((s) => !already.has(s.id))
          .reduce((a, s) => a + s.bytes, 0);
        const disk = this.usage();
        if (disk && overHeldShare(heldNow, newBytes, disk.totalBytes, cfg.maxHeldPercent)) {
          const pct = (b: number): string => `${((b / disk.totalBytes) * 100).toFixed(1)}%`;
          return this.refuse(
            holder,
            cameraId,
            `held footage would use ${pct(heldNow + newBytes)} of the volume (${pct(heldNow)} now; limit recording.maxHeldPercent ${cfg.maxHeldPercent}%)`,
          );
        }
      }
      this.d.index.hold({ holder, cameraId, fromMs, toMs, untilMs: untilMs ?? null });
      return { ok: true };
    } catch (err) {
      return this.refuse(holder, cameraId, `the hold could not be written: ${(err as Error).message}`);
    }
  }

  private refuse(holder: string, cameraId: string, reason: string): HoldResult {
    const message = `new holds refused: ${reason}; last refused ${holder} on ${cameraId}`;
    this.d.log.error(`hold ${holder} on ${cameraId} refused: ${reason}`);
    this.refused.inc({ camera: cameraId });
    this.d.ctx.health.set('record/holds', 'degraded', message);
    this.d.ctx.bus.emit('record.hold-refused', { holder, cameraId, reason });
    return { ok: false, reason: `record: ${reason}` };
  }

  /** A cheap check after a segment landed: under the watermark, a sweep runs at once. */
  checkFreeSpace(): void {
    const u = this.usage();
    const min = this.d.ctx.config.get().recording.minFreePercent;
    if (u && u.freeBytes < (u.totalBytes * min) / 100) this.soon('free space under the watermark');
  }

  /** Runs a sweep on the next turn (coalesced, at most every 2 s). */
  soon(reason: string): void {
    if (this.pending) return;
    const wait = Math.max(0, this.lastPressureAt + PRESSURE_MIN_GAP_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.lastPressureAt = Date.now();
      this.sweep(reason);
    }, wait);
    this.pending.unref();
  }

  stop(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
  }

  /** One pass: retention, hold expiry, the held share, recording pauses, health and gauges. Never throws. */
  sweep(reason = 'timer'): void {
    const { ctx, log } = this.d;
    try {
      this.sweepNow(reason);
    } catch (err) {
      const e = err as Error;
      log.error(`retention pass (${reason}) failed: ${e.message}`, { stack: e.stack });
      ctx.health.set('record/disk', 'degraded', `retention pass failed: ${e.message}`);
    }
  }

  private sweepNow(reason: string): void {
    const { ctx, index, root, log } = this.d;
    const cfg = ctx.config.get();
    const min = cfg.recording.minFreePercent;
    const now = Date.now();
    const holds = this.holdsInForce(now, true);
    const res = sweepRetention({
      index,
      root,
      log,
      deleted: this.d.deleted,
      disk: this.d.disk(),
      holds,
      retentionDays: (cam) => cfg.cameras.find((c) => c.id === cam)?.record.retentionDays ?? cfg.recording.retentionDays,
      minFreePercent: () => min,
    });
    const disk = this.usage();
    if (!disk) return;
    const freePercent = (disk.freeBytes / disk.totalBytes) * 100;
    const held = this.heldBytes(holds);
    this.held.set({}, held);
    this.stored.set({ kind: 'recordings' }, index.totalBytes());
    this.stored.set({ kind: 'events' }, treeBytes(join(ctx.dataDir, 'events')));
    this.stored.set({ kind: 'exports' }, treeBytes(join(ctx.dataDir, 'exports')));
    const db = join(ctx.dataDir, 'hub.db');
    this.stored.set({ kind: 'database' }, fileBytes(db) + fileBytes(`${db}-wal`));

    // Only held footage left and still short: the lowest-priority cameras stop recording.
    const recording = cfg.cameras.filter((c) => c.enabled && c.record.enabled).map((c) => ({ id: c.id, priority: c.record.priority }));
    const cooldown = Math.max(5000, 2 * cfg.recording.segmentSeconds * 1000);
    const next = planRecordingPause({
      cameras: recording,
      paused: this.paused,
      shortBytes: res.shortBytes,
      freePercent,
      resumeFreePercent: resumeFreePercent(min),
      mayPauseMore: now - this.pausedAt >= cooldown,
    });
    if (next.join() !== this.paused.join()) {
      if (next.length > this.paused.length) {
        this.pausedAt = now;
        log.error(
          `disk full of held footage (${freePercent.toFixed(1)}% free, keep ${min}%): recording of ${next.filter((id) => !this.paused.includes(id)).join(', ')} stops`,
        );
      } else {
        log.warn(`${freePercent.toFixed(1)}% free again: recording of ${this.paused.filter((id) => !next.includes(id)).join(', ')} resumes`);
      }
      this.paused = next;
      ctx.bus.emit('record.paused', { cameraIds: [...next] });
    }
    this.pausedGauge.set({}, this.paused.length);

    const pct = `${freePercent.toFixed(1)}% free, keep ${min}%`;
    if (this.paused.length > 0) {
      ctx.health.set(
        'record/disk',
        'failed',
        `disk full: recording of ${this.paused.join(', ')} stopped, only held footage left (${pct}); it resumes at ${resumeFreePercent(min)}% free`,
      );
    } else if (res.space > 0 || freePercent < min) {
      ctx.health.set('record/disk', 'degraded', `low space (${pct}): deleting oldest footage`);
    } else {
      ctx.health.ok('record/disk');
    }
    if (held < (disk.totalBytes * cfg.recording.maxHeldPercent) / 100 && ctx.health.get('record/holds')?.level !== 'ok') {
      if (ctx.health.get('record/holds')) ctx.health.ok('record/holds');
    }
    if (reason !== 'timer' && (res.age || res.space)) log.info(`pressure sweep (${reason}) freed ${Math.round(res.freedBytes / 1e6)} MB`);
  }
}

declare module '../core/hub-events.ts' {
  interface HubEvents {
    /** Someone could not write for lack of space (ENOSPC, SQLITE_FULL): a sweep runs at once. */
    'record.no-space': { owner: string; message: string };
    /** The cameras whose recording is stopped for lack of space now (empty: all record). */
    'record.paused': { cameraIds: string[] };
    /** A hold was refused (held share full, or the hold could not be written). */
    'record.hold-refused': { holder: string; cameraId: string; reason: string };
  }
}
