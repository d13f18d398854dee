import type { Segment } from './service.ts';
import type { Hold } from './segment-index.ts';

/** True when any hold in force covers part of the segment. */
export function isHeld(seg: Segment, holds: readonly Hold[]): boolean {
  return holds.some((h) => h.cameraId === seg.cameraId && h.fromMs <= seg.endMs && h.toMs >= seg.startMs);
}

/** The segments (oldest first in, oldest first out) older than the cut-off and not held. */
export function planAgeDeletions(oldestFirst: readonly Segment[], cutoffMs: number, holds: readonly Hold[]): Segment[] {
  return oldestFirst.filter((s) => s.endMs < cutoffMs && !isHeld(s, holds));
}

/**
 * The oldest unheld segments whose sizes add up to at least `bytesToFree`.
 * Held footage is skipped, never deleted, even if the disk stays short.
 */
export function planSpaceDeletions(oldestFirst: readonly Segment[], bytesToFree: number, holds: readonly Hold[]): Segment[] {
  const out: Segment[] = [];
  let freed = 0;
  for (const s of oldestFirst) {
    if (freed >= bytesToFree) break;
    if (isHeld(s, holds)) continue;
    out.push(s);
    freed += s.bytes;
  }
  return out;
}

/** Bytes to delete so that at least `minFreePercent` of the volume is free again (0 when it is). */
export function bytesOverWatermark(disk: { totalBytes: number; freeBytes: number }, minFreePercent: number): number {
  const wantFree = (disk.totalBytes * minFreePercent) / 100;
  return Math.max(0, Math.ceil(wantFree - disk.freeBytes));
}
