import { rmSync } from 'node:fs';
import type { Logger } from '../core/log.ts';
import type { DiskProbe } from '../core/disk.ts';
import type { Counter } from '../metrics/registry.ts';
import type { Hold, SegmentIndex } from './segment-index.ts';
import type { Segment } from './service.ts';
import { bytesOverWatermark, planAgeDeletions, planSpaceDeletions } from './retention-plan.ts';

// The volume probe lives in core (the metrics registry uses it too); record's files keep importing it from here.
export { statDisk, type DiskUsage, type DiskProbe } from '../core/disk.ts';

export interface RetentionDeps {
  index: SegmentIndex;
  root: string;
  log: Logger;
  deleted: Counter;
  disk: DiskProbe;
  /** Days to keep for a camera id (its own setting or the hub default). */
  retentionDays(cameraId: string): number;
  minFreePercent(): number;
  /** The holds in force now (expiry and open incidents are decided by the caller). */
  holds: readonly Hold[];
  now?: () => number;
}

export interface SweepResult {
  age: number;
  space: number;
  freedBytes: number;
  /** Bytes still short of the watermark when nothing unheld was left to delete (0 when none). */
  shortBytes: number;
}

const PAGE = 500;

/**
 * One retention pass: first footage older than each camera's retention, then, while the volume
 * is below its free-space watermark, the oldest footage of any camera. Oldest first; held
 * segments are never deleted. Returns what it deleted, by reason.
 */
export function sweepRetention(deps: RetentionDeps): SweepResult {
  const now = deps.now?.() ?? Date.now();
  const holds = deps.holds;
  let age = 0;
  let space = 0;
  let freedBytes = 0;
  const remove = (s: Segment, reason: 'age' | 'space'): void => {
    try {
      rmSync(s.path, { force: true });
    } catch (err) {
      deps.log.error(`retention: could not delete ${s.path}: ${(err as Error).message}`);
      return;
    }
    // The file goes first: on a full disk that frees the room SQLite needs to write the delete.
    // A row left behind points at a missing file; the next pass removes it (rm with force).
    deps.deleted.inc({ camera: s.cameraId, reason });
    freedBytes += s.bytes;
    try {
      deps.index.remove(s.id);
    } catch (err) {
      deps.log.error(`retention: deleted ${s.path} but could not drop it from the index: ${(err as Error).message}`);
    }
  };

  for (const cam of deps.index.cameras()) {
    const cutoff = now - deps.retentionDays(cam) * 86_400_000;
    for (;;) {
      const page = deps.index.olderThan(cam, cutoff, PAGE);
      const plan = planAgeDeletions(page, cutoff, holds);
      plan.forEach((s) => remove(s, 'age'));
      age += plan.length;
      if (page.length < PAGE || plan.length === 0) break;
    }
  }

  let need = bytesOverWatermark(deps.disk(deps.root), deps.minFreePercent());
  let cursor: { startMs: number; id: number } | undefined;
  let shortBytes = 0;
  while (need > 0) {
    const page = deps.index.oldest(PAGE, cursor);
    if (page.length === 0) {
      deps.log.warn(`retention: volume still ${need} bytes short of its free-space watermark; what is left is held`);
      shortBytes = need;
      break;
    }
    for (const s of planSpaceDeletions(page, need, holds)) {
      remove(s, 'space');
      need -= s.bytes;
      space++;
    }
    const last = page.at(-1)!;
    cursor = { startMs: last.startMs, id: last.id };
    need = Math.min(need, bytesOverWatermark(deps.disk(deps.root), deps.minFreePercent()));
  }
  if (age + space > 0) {
    deps.log.info(`retention: deleted ${age} segments past retention and ${space} for disk space (${Math.round(freedBytes / 1e6)} MB)`);
  }
  return { age, space, freedBytes, shortBytes };
}
