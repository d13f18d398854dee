/**
 * Recorded footage for events tests: real vtest video cut into fragmented-MP4 segments by stream
 * copy, as the recorder writes them, with a fake recording index over them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures } from '../../tools/fixtures.ts';
import type { HoldResult, RecordingService, Segment } from '../../hub/record/service.ts';

/** Cuts the first `seconds` of vtest into `segmentSeconds` fMP4 files under `dir`, recorded from `startMs`. */
export function recordVtest(dir: string, startMs: number, seconds = 30, segmentSeconds = 10): Segment[] {
  mkdirSync(dir, { recursive: true });
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    fixtures.vtestH264,
    '-t',
    String(seconds),
    '-an',
    '-c',
    'copy',
    '-f',
    'segment',
    '-segment_time',
    String(segmentSeconds),
    '-reset_timestamps',
    '1',
    '-segment_format',
    'mp4',
    '-segment_format_options',
    'movflags=+frag_keyframe+empty_moov+default_base_moof',
    join(dir, 'seg-%03d.mp4'),
  ]);
  const files = readdirSync(dir)
    .filter((f) => f.startsWith('seg-'))
    .sort();
  return files.map((f, i) => ({
    id: i + 1,
    cameraId: 'cam',
    startMs: startMs + i * segmentSeconds * 1000,
    endMs: startMs + Math.min((i + 1) * segmentSeconds, seconds) * 1000,
    bytes: statSync(join(dir, f)).size,
    path: join(dir, f),
  }));
}

/** A recording index over fixed segments, recording the holds it is asked for. */
export class FakeRecordings implements RecordingService {
  readonly holds = new Map<string, { cameraId: string; fromMs: number; toMs: number; untilMs?: number }>();
  constructor(private readonly segs: Segment[]) {}
  segments(cameraId: string, fromMs: number, toMs: number): Segment[] {
    return this.segs.filter((s) => s.cameraId === cameraId && s.endMs > fromMs && s.startMs < toMs);
  }
  segment(id: number): Segment | undefined {
    return this.segs.find((s) => s.id === id);
  }
  hold(holder: string, cameraId: string, fromMs: number, toMs: number, untilMs?: number): HoldResult {
    this.holds.set(holder, { cameraId, fromMs, toMs, untilMs });
    return { ok: true };
  }
  release(holder: string): void {
    this.holds.delete(holder);
  }
  keepHoldsWhile(): () => void {
    return () => {};
  }
  noSpace(): void {}
  async waitForFootage(cameraId: string, atMs: number): Promise<boolean> {
    return this.segs.some((s) => s.cameraId === cameraId && s.endMs >= atMs);
  }
}

export function probeDuration(path: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]).toString().trim();
  return Number(out);
}
