/**
 * Makes an ended event's media: waits for its footage to be recorded, cuts the clip (pre/post
 * roll, stream copy), grabs the best frame and draws the box and zone, each written to a temp
 * file and renamed, then hashed into the store. One job at a time; the queue is the store's list
 * of events whose media are pending, so a crash loses nothing.
 */
import { mkdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { isNoSpace, later } from '../core/guard.ts';
import type { RecordingService, Segment } from '../record/index.ts';
import type { EventsConfig } from './config.ts';
import type { EventStore, SecurityEvent } from './store.ts';
import { cutClip } from './evidence/clip.ts';
import { annotate, grabFrame, matchRecordedFrame } from './evidence/snapshot.ts';
import { sha256File, writeFileAtomic } from '../core/files.ts';
import { frameToRgb } from '../pipeline/index.ts';
import { lumaPlane, type Frame } from '../lib/frame.ts';

/** Best frames waiting for their event's media; beyond this the oldest fall back to the recording. */
const MAX_WAITING_FRAMES = 200;
/** After a full disk, an event's media are tried once more after this long. */
const NO_SPACE_RETRY_MS = 60_000;

export interface MediaDeps {
  store: EventStore;
  dir: string;
  recordings: () => RecordingService | undefined;
  config: () => EventsConfig;
  log: Logger;
  /** Called once an event's media are settled (ready, partial or failed). */
  done: (e: SecurityEvent) => void;
}

/** Footage range an event's evidence covers. */
export function clipRange(e: SecurityEvent, cfg: EventsConfig): { fromMs: number; toMs: number } {
  const end = Math.min(e.endAt ?? e.lastAt, e.startAt + cfg.maxClipSeconds * 1000);
  return { fromMs: e.startAt - cfg.preRollSeconds * 1000, toMs: end + cfg.postRollSeconds * 1000 };
}

export function mediaDir(root: string, e: SecurityEvent): string {
  return join(root, e.cameraId, new Date(e.startAt).toISOString().slice(0, 10));
}

export class MediaMaker {
  private readonly queue: number[] = [];
  private readonly frames = new Map<number, Frame>();
  private running = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly retried = new Set<number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly d: MediaDeps) {}

  /** Asks for the event's media; `bestFrame` is the detect frame of its best moment, when kept. */
  enqueue(eventId: number, bestFrame?: Frame): void {
    if (this.stopped || this.queue.includes(eventId)) return;
    if (bestFrame) {
      this.frames.set(eventId, bestFrame);
      for (const k of this.frames.keys()) {
        if (this.frames.size <= MAX_WAITING_FRAMES) break;
        this.frames.delete(k);
      }
    }
    this.queue.push(eventId);
    void this.pump();
  }

  /** One more try of an event's media after a full disk; later ones wait for the next start. */
  private retryLater(id: number): void {
    if (this.retried.has(id) || this.stopped) return;
    this.retried.add(id);
    const t = later(NO_SPACE_RETRY_MS, `events: media retry of event ${id}`, this.d.log, () => this.enqueue(id));
    t.unref();
    this.retryTimers.add(t);
  }

  /** Resolves when the queue is empty (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((ok) => this.idleWaiters.push(ok));
  }

  /** Takes no more work and resolves once the media being made now is done (before the database closes). */
  stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    for (const t of this.retryTimers) clearTimeout(t);
    return this.idle();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const id = this.queue.shift()!;
        try {
          await this.make(id);
        } catch (err) {
          this.d.log.error(`media of event ${id} failed: ${(err as Error).message}`);
        }
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async make(id: number): Promise<void> {
    const { store, log } = this.d;
    const bestFrame = this.frames.get(id);
    this.frames.delete(id);
    const e = store.get(id);
    if (!e || e.endAt === null || e.mediaState !== 'pending') return;
    const cfg = this.d.config();
    const rec = this.d.recordings();
    if (!rec) {
      log.warn(`event ${id}: no recordings service, so no snapshot or clip`);
      store.setMediaState(id, 'failed');
      this.d.done(store.require(id));
      return;
    }
    const { fromMs, toMs } = clipRange(e, cfg);
    await rec.waitForFootage(e.cameraId, toMs, cfg.footageWaitSeconds * 1000);
    const segments = rec.segments(e.cameraId, fromMs, toMs);
    const dir = mediaDir(this.d.dir, e);
    const have = new Set(store.media(id).map((m) => m.kind));
    const problems: string[] = [];
    let noSpace: Error | undefined;
    const failed = (kind: string, err: unknown): void => {
      problems.push(`${kind}: ${(err as Error).message}`);
      if (isNoSpace(err)) noSpace = err as Error;
    };
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      failed('folder', err);
    }

    if (!have.has('snapshot')) {
      try {
        const around = rec.segments(e.cameraId, e.best.at - 1000, e.best.at + 1000);
        const frame = await this.picture(e.best.at, around.length ? around : segments, bestFrame?.capturedAt === e.best.at ? bestFrame : undefined, id);
        const caption = `${e.cameraId} · ${e.ruleId} · ${e.label} · ${new Date(e.best.at).toISOString()}`;
        const jpeg = await annotate(frame, { box: e.best.box, frame: e.best.frame, zone: e.geometry?.zone, line: e.geometry?.line, caption });
        const path = join(dir, `${id}-snapshot.jpg`);
        writeFileAtomic(path, jpeg);
        store.addMedia({ eventId: id, kind: 'snapshot', path, bytes: jpeg.length, sha256: await sha256File(path), fromMs: e.best.at, toMs: e.best.at });
      } catch (err) {
        failed('snapshot', err);
      }
    }
    if (!have.has('clip')) {
      try {
        const clip = await cutClip(segments, fromMs, toMs, join(dir, `${id}-clip.mp4`));
        store.addMedia({ eventId: id, kind: 'clip', path: clip.path, bytes: clip.bytes, sha256: clip.sha256, fromMs: clip.fromMs, toMs: clip.toMs });
      } catch (err) {
        failed('clip', err);
      }
    }
    const kinds = store.media(id).length;
    if (noSpace && kinds < 2) {
      // Not the event's fault: the disk is full. Recording frees space now; the media stay
      // pending, so they are made once more in a minute and again at the next start.
      log.error(`event ${id}: no space for its media (${problems.join('; ')}); retrying`);
      this.d.recordings()?.noSpace('events: media', noSpace.message);
      this.retryLater(id);
      return;
    }
    store.setMediaState(id, kinds === 2 ? 'ready' : kinds === 1 ? 'partial' : 'failed');
    if (problems.length) log.warn(`event ${id}: ${problems.join('; ')}`);
    this.d.done(store.require(id));
  }

  /**
   * The best moment's picture: the recorded frame that matches the exact detect frame (full
   * resolution, see matchRecordedFrame), else the detect frame itself; without a detect frame
   * (after a restart), the recording at that time.
   */
  private async picture(
    at: number,
    segments: readonly Segment[],
    detectFrame: Frame | undefined,
    id: number,
  ): Promise<Buffer | { data: Buffer; width: number; height: number }> {
    if (!detectFrame) return grabFrame(segments, at);
    if (detectFrame.format === 'yuv420p') {
      try {
        const m = await matchRecordedFrame(segments, at, lumaPlane(detectFrame), detectFrame.width, detectFrame.height);
        if (m) return m.png;
        this.d.log.info(`event ${id}: no recorded frame matches the detect frame; the snapshot is at detect resolution`);
      } catch (err) {
        this.d.log.warn(`event ${id}: recorded frame for the snapshot unreadable (${(err as Error).message}); using the detect frame`);
      }
    }
    const rgb = frameToRgb(detectFrame);
    return { width: rgb.width, height: rgb.height, data: Buffer.from(rgb.data.buffer, rgb.data.byteOffset, rgb.data.byteLength) };
  }

  /** Deletes an event's media files (retention); the rows keep their hashes, marked deleted. */
  deleteFiles(id: number): void {
    for (const m of this.d.store.media(id)) {
      if (existsSync(m.path) && statSync(m.path).isFile()) rmSync(m.path, { force: true });
    }
    this.d.store.markMediaDeleted(id);
  }
}

/**
 * Event media retention: deletes the snapshot and clip of events that ended before `cutoffMs`
 * (open incidents keep theirs), keeps their rows and hashes, and lets their footage go.
 */
export function sweepMediaRetention(store: EventStore, media: MediaMaker, recordings: RecordingService | undefined, cutoffMs: number, log: Logger): number {
  const due = store.expiring(cutoffMs);
  for (const e of due) {
    media.deleteFiles(e.id);
    recordings?.release(`event:${e.id}`);
    log.info(`event ${e.id}: media past retention deleted`);
  }
  return due.length;
}
