import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.ts';

/** Where camera runners record their ffmpeg pids. */
export function pidDir(dataDir: string): string {
  return join(dataDir, 'run');
}

/**
 * Kills ffmpeg children that a hub killed with -9 left running (their pid files remain), so they
 * neither hold the camera's only RTSP session nor write into a segment being repaired.
 */
export function killOrphanFfmpeg(dataDir: string, log: Logger): number {
  const dir = pidDir(dataDir);
  if (!existsSync(dir)) return 0;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pid'));
  } catch (err) {
    // A broken pid folder (a file in its place, a bad disk) must not stop the hub from starting.
    log.error(`cannot read the pid folder ${dir} (${(err as Error).message}); orphan ffmpeg children are not killed`);
    return 0;
  }
  let killed = 0;
  for (const name of names) {
    try {
      const pid = Number(readFileSync(join(dir, name), 'utf8'));
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ffmpeg')) {
        process.kill(pid, 'SIGKILL');
        killed++;
        log.warn(`killed orphan ffmpeg ${pid} left by a previous run (${name})`);
      }
    } catch {
      // Not running any more, or its pid file is unreadable.
    }
    try {
      rmSync(join(dir, name), { force: true });
    } catch (err) {
      log.warn(`cannot remove ${name}: ${(err as Error).message}`);
    }
  }
  return killed;
}
