/**
 * Space policy, pure: which holds are still in force, whether a new hold fits in the held share,
 * and which cameras stop recording when only held footage is left. No I/O; the glue is space.ts.
 */
import type { Hold } from './segment-index.ts';

const DAY_MS = 86_400_000;

/** A hold as stored, with when it was first taken. */
export interface StoredHold extends Hold {
  createdMs: number;
}

/**
 * True while a hold keeps retention off its footage: not past its own `untilMs`, and taken less
 * than `holdDays` ago, unless `keep(holder)` says its case is still open (an open incident's
 * footage is kept for as long as the case runs).
 */
export function holdInForce(h: StoredHold, nowMs: number, holdDays: number, keep: (holder: string) => boolean): boolean {
  if (h.untilMs !== null && h.untilMs <= nowMs) return false;
  if (h.createdMs + holdDays * DAY_MS > nowMs) return true;
  return keep(h.holder);
}

/**
 * True when a new hold must be refused: held footage already fills `maxHeldPercent` of the
 * volume, or holding `newBytes` more would take it past that share.
 */
export function overHeldShare(heldBytes: number, newBytes: number, totalBytes: number, maxHeldPercent: number): boolean {
  const limit = (totalBytes * maxHeldPercent) / 100;
  return heldBytes >= limit || heldBytes + Math.max(0, newBytes) > limit;
}

export interface RecordingCamera {
  id: string;
  /** Higher is more important; the lowest stops recording first. */
  priority: number;
}

export interface PauseInput {
  /** Cameras that record (enabled, recording on), in configuration order. */
  cameras: readonly RecordingCamera[];
  /** Cameras paused now. */
  paused: readonly string[];
  /** Bytes still short of the free-space watermark after retention deleted what it may. */
  shortBytes: number;
  /** Free share of the volume now, in percent. */
  freePercent: number;
  /** Free share at which paused cameras record again (above the watermark, so they do not flap). */
  resumeFreePercent: number;
  /** False while the last pause is still taking effect (its ffmpeg restarting): pause no more yet. */
  mayPauseMore: boolean;
}

/**
 * The cameras that should not record. Still short with nothing left to delete: one more camera
 * stops, the lowest priority first (ties: the later in the configuration). Enough free space
 * again: all record. Otherwise nothing changes. Returns the new paused list, lowest first.
 */
export function planRecordingPause(p: PauseInput): string[] {
  const recording = new Set(p.cameras.map((c) => c.id));
  const paused = p.paused.filter((id) => recording.has(id));
  if (p.freePercent >= p.resumeFreePercent) return [];
  if (p.shortBytes <= 0 || !p.mayPauseMore) return paused;
  const next = stopOrder(p.cameras).find((c) => !paused.includes(c.id));
  return next ? [...paused, next.id] : paused;
}

/** Cameras in the order they stop recording: lowest priority first, later-configured first on ties. */
export function stopOrder(cameras: readonly RecordingCamera[]): RecordingCamera[] {
  return cameras
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.priority - b.c.priority || b.i - a.i)
    .map((x) => x.c);
}

/** The free share at which paused cameras resume: half the watermark again above it. */
export function resumeFreePercent(minFreePercent: number): number {
  return Math.min(95, minFreePercent * 1.5);
}
