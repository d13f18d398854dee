import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../core/log.ts';
import { probeDuration, remuxSegment } from './media-probe.ts';
import { damagedDir, incomingDir, recordingsRoot, segmentPath, startFromSegmentPath } from './paths.ts';
import type { SegmentIndex } from './segment-index.ts';

export interface RecoveryDeps {
  dataDir: string;
  ffmpeg: string;
  index: SegmentIndex;
  timeZone: string;
  log: Logger;
}

function cameraDirs(dataDir: string): string[] {
  const root = recordingsRoot(dataDir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
}

/**
 * Segments left in .incoming were being written when the hub or its ffmpeg died. Each is remuxed
 * (keeping every whole fragment) into its final place and indexed; one that cannot be read is
 * moved to .damaged, out of the index, so a broken file is never served. Returns counts.
 */
export async function repairUnfinishedSegments(deps: RecoveryDeps): Promise<{ repaired: number; damaged: number }> {
  let repaired = 0;
  let damaged = 0;
  for (const cam of cameraDirs(deps.dataDir)) {
    const dir = incomingDir(deps.dataDir, cam);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.mp4') && !n.endsWith('.repair.mp4'))) {
      try {
        const r = await repairOne(deps, cam, dir, name);
        if (r === 'repaired') repaired++;
        if (r === 'damaged') damaged++;
      } catch (err) {
        // A full disk (or database) must not stop the hub from starting: the file stays for next time.
        deps.log.error(`segment ${name} of ${cam} could not be repaired now (${(err as Error).message}); left in .incoming`);
      }
    }
  }
  return { repaired, damaged };
}

async function repairOne(deps: RecoveryDeps, cam: string, dir: string, name: string): Promise<'repaired' | 'damaged' | 'empty' | 'later'> {
  const src = join(dir, name);
  const { size, mtimeMs } = statSync(src);
  const tmp = join(dir, `${name}.repair.mp4`);
  const s = statfsSync(dir);
  if (s.bavail * s.bsize < size * 2) {
    // The remux needs room for a copy; failing for lack of space would wrongly set it aside as damaged.
    deps.log.warn(`no room to repair ${name} of ${cam} now; left in .incoming for the next start`);
    return 'later';
  }
  const ok = size > 0 && (await remuxSegment(deps.ffmpeg, src, tmp));
  const duration = ok ? await probeDuration(deps.ffmpeg, tmp) : undefined;
  if (ok && duration && duration > 0) {
    // The file was last written when its ffmpeg died, so it started one duration earlier.
    const startMs = Math.round(mtimeMs - duration * 1000);
    const dest = segmentPath(deps.dataDir, cam, startMs, deps.timeZone);
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(tmp, dest);
    try {
      deps.index.add({ cameraId: cam, startMs, endMs: startMs + duration * 1000, bytes: statSync(dest).size, path: dest });
    } catch (err) {
      rmSync(dest, { force: true }); // the original stays in .incoming for the next try
      throw err;
    }
    rmSync(src);
    deps.log.warn(`repaired unfinished segment ${name} of ${cam}: ${duration.toFixed(1)} s kept as ${dest}`);
    return 'repaired';
  } else if (size < 4096) {
    // Only the MP4 header: ffmpeg stopped before the first frame. Not footage.
    rmSync(tmp, { force: true });
    rmSync(src);
    deps.log.info(`removed empty segment ${name} of ${cam} (stopped before its first frame)`);
    return 'empty';
  } else {
    rmSync(tmp, { force: true });
    const aside = damagedDir(deps.dataDir, cam);
    mkdirSync(aside, { recursive: true });
    renameSync(src, join(aside, name));
    deps.log.error(`segment ${name} of ${cam} is unreadable; moved to ${aside}, not indexed`);
    return 'damaged';
  }
}

/**
 * Rebuilds the index from the files on disk after the database was lost or damaged. Footage is
 * never deleted because the index does not know it. Logs progress every 200 files.
 */
export async function rebuildIndexFromDisk(deps: RecoveryDeps): Promise<{ indexed: number; skipped: number }> {
  const files: Array<{ cam: string; path: string }> = [];
  // Only folders named like ours; anything else (a stray file, an unreadable folder) is skipped
  // with a line in the log, never a reason for the hub not to start.
  const dirs = (path: string, pattern: RegExp): string[] => {
    try {
      return readdirSync(path, { withFileTypes: true })
        .filter((d) => d.isDirectory() && pattern.test(d.name))
        .map((d) => d.name);
    } catch (err) {
      deps.log.warn(`rebuild: cannot read ${path}: ${(err as Error).message}`);
      return [];
    }
  };
  for (const cam of cameraDirs(deps.dataDir)) {
    const camRoot = join(recordingsRoot(deps.dataDir), cam);
    for (const day of dirs(camRoot, /^\d{4}-\d{2}-\d{2}$/)) {
      for (const hour of dirs(join(camRoot, day), /^\d{2}$/)) {
        let names: string[] = [];
        try {
          names = readdirSync(join(camRoot, day, hour)).filter((n) => /^\d+\.mp4$/.test(n));
        } catch (err) {
          deps.log.warn(`rebuild: cannot read ${join(camRoot, day, hour)}: ${(err as Error).message}`);
        }
        for (const name of names) files.push({ cam, path: join(camRoot, day, hour, name) });
      }
    }
  }
  deps.log.info(`rebuilding the recording index from ${files.length} files on disk`);
  let indexed = 0;
  let skipped = 0;
  for (const [i, f] of files.entries()) {
    if (deps.index.hasPath(f.path)) continue;
    const startMs = startFromSegmentPath(f.path);
    const duration = startMs === undefined ? undefined : await probeDuration(deps.ffmpeg, f.path);
    if (startMs === undefined || !duration) {
      deps.log.warn(`rebuild: cannot read ${f.path}; left on disk, not indexed`);
      skipped++;
    } else {
      try {
        deps.index.add({ cameraId: f.cam, startMs, endMs: startMs + duration * 1000, bytes: statSync(f.path).size, path: f.path });
        indexed++;
      } catch (err) {
        deps.log.error(`rebuild: cannot index ${f.path} now (${(err as Error).message}); left on disk`);
        skipped++;
      }
    }
    if ((i + 1) % 200 === 0) deps.log.info(`rebuild: ${i + 1}/${files.length} files checked`);
  }
  deps.log.info(`rebuild done: ${indexed} segments indexed, ${skipped} unreadable`);
  return { indexed, skipped };
}
