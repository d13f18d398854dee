import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fixtures } from '../../tools/fixtures.ts';
import { makeDataDir, startTestHub, type TestHub } from '../helpers/test-hub.ts';
import { segmentPath } from '../../hub/record/paths.ts';
import { recordTestHooks } from '../../hub/record/module.ts';

const DAY = 86_400_000;
const TZ = 'Asia/Ho_Chi_Minh';

/** A real 2-second fragmented-MP4 segment cut from vtest, made once. */
function realSegment(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seg-'));
  const out = join(dir, 'seg.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    fixtures.vtestH264,
    '-t',
    '2',
    '-c',
    'copy',
    '-movflags',
    '+frag_keyframe+empty_moov+default_base_moof',
    out,
  ]);
  return out;
}

/** Lays real segment files on disk, as a hub would have recorded them, at the given start times. */
function layFootage(dataDir: string, camera: string, starts: number[]): string[] {
  const src = realSegment();
  return starts.map((ms) => {
    const p = segmentPath(dataDir, camera, ms, TZ);
    mkdirSync(dirname(p), { recursive: true });
    copyFileSync(src, p);
    return p;
  });
}

describe('retention', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    recordTestHooks.disk = undefined;
  });

  it("deletes footage past each camera's retention, oldest first, and keeps the rest", async () => {
    const now = Date.now();
    const dataDir = makeDataDir({
      cameras: [
        { id: 'a', name: 'A', enabled: false, source: { type: 'testsrc' } },
        { id: 'b', name: 'B', enabled: false, source: { type: 'testsrc' }, record: { retentionDays: 2 } },
      ],
    });
    const a = layFootage(dataDir, 'a', [now - 9 * DAY, now - 8 * DAY, now - 3 * DAY, now - DAY]);
    const b = layFootage(dataDir, 'b', [now - 3 * DAY, now - DAY]);
    t = await startTestHub({ dataDir }); // fresh database: index rebuilt from disk, then a retention pass
    expect(a.map(existsSync)).toEqual([false, false, true, true]); // default 7 days
    expect(b.map(existsSync)).toEqual([false, true]); // camera b keeps 2 days
    expect(t.hub.ctx.metrics.value('retention_deleted_segments_total', { camera: 'a', reason: 'age' })).toBe(2);
  });

  it('keeps the free-space watermark by deleting the oldest footage of any camera, skipping held footage', async () => {
    const now = Date.now();
    const dataDir = makeDataDir({
      recording: { minFreePercent: 10 },
      cameras: [
        { id: 'a', name: 'A', enabled: false, source: { type: 'testsrc' } },
        { id: 'b', name: 'B', enabled: false, source: { type: 'testsrc' } },
      ],
    });
    const starts = [5, 4, 3, 2, 1].map((h) => now - h * 3600_000);
    const a = layFootage(dataDir, 'a', [starts[0]!, starts[2]!, starts[4]!]);
    const b = layFootage(dataDir, 'b', [starts[1]!, starts[3]!]);
    const size = statSync(a[0]!).size;
    // A volume of 20 segments' size, other files filling it so that only 1.5 segments are free
    // while the 10% watermark wants 2.
    const recordings = join(dataDir, 'recordings');
    const onDisk = () =>
      [...readdirSync(join(recordings, 'a'), { recursive: true }), ...readdirSync(join(recordings, 'b'), { recursive: true })].filter((n) =>
        String(n).endsWith('.mp4'),
      ).length * size;
    const total = 20 * size;
    const others = total - 5 * size - 1.5 * size;
    recordTestHooks.disk = () => ({ totalBytes: total, freeBytes: total - others - onDisk() });

    t = await startTestHub({ dataDir });
    // The first pass already ran at start: the oldest segment (a, 5 h ago) went.
    expect([...a, ...b].map(existsSync)).toEqual([false, true, true, true, true]);

    // Hold b's 4-hour-old footage (an event), then fill the disk by two more segments.
    const rec = t.hub.ctx.services.recordings!;
    rec.hold('event:42', 'b', starts[1]!, starts[1]! + 1000);
    recordTestHooks.disk = () => ({ totalBytes: total, freeBytes: total - others - 2 * size - onDisk() });
    (rec as unknown as { sweep(): void }).sweep();
    // 1.5 segments short: b@4h is older but held, so a@3h and b@2h go; a@1h, the newest, stays.
    expect([...a, ...b].map(existsSync)).toEqual([false, false, true, true, false]);
    expect(t.hub.ctx.metrics.value('retention_deleted_segments_total', { camera: 'a', reason: 'space' })).toBe(2);
    expect(t.hub.ctx.metrics.value('retention_deleted_segments_total', { camera: 'b', reason: 'space' })).toBe(1);
  });
});
