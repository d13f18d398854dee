/**
 * Issue 10, finding 1: holds expire and have a bounded share. A whole hub with footage laid on
 * disk, the volume simulated by the record module's disk probe.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtures } from '../../tools/fixtures.ts';
import { makeDataDir, startTestHub, type TestHub } from '../helpers/test-hub.ts';
import { segmentPath } from '../../hub/record/paths.ts';
import { recordTestHooks } from '../../hub/record/module.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function layFootage(dataDir: string, camera: string, starts: number[]): string[] {
  const tmp = join(mkdtempSync(join(tmpdir(), 'seg-')), 'seg.mp4');
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
    tmp,
  ]);
  return starts.map((ms) => {
    const p = segmentPath(dataDir, camera, ms, 'Asia/Ho_Chi_Minh');
    mkdirSync(dirname(p), { recursive: true });
    copyFileSync(tmp, p);
    return p;
  });
}

describe('holds', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    recordTestHooks.disk = undefined;
  });

  it('refuses a new hold beyond the held share, with an alarm, and keeps the ones it took', async () => {
    const now = Date.now();
    const dataDir = makeDataDir({ recording: { maxHeldPercent: 30 }, cameras: [{ id: 'a', name: 'A', enabled: false, source: { type: 'testsrc' } }] });
    const segs = layFootage(dataDir, 'a', [now - 4 * HOUR, now - 3 * HOUR, now - 2 * HOUR, now - HOUR]);
    const size = statSync(segs[0]!).size;
    // A volume of 5 segments: the 30% share holds one segment and a half.
    recordTestHooks.disk = () => ({ totalBytes: 5 * size, freeBytes: 5 * size });
    t = await startTestHub({ dataDir });
    const rec = t.hub.ctx.services.recordings!;
    const refused: string[] = [];
    t.hub.ctx.bus.on('record.hold-refused', 'test', (r) => refused.push(r.holder));

    expect(rec.hold('event:1', 'a', now - 4 * HOUR, now - 4 * HOUR + 1000)).toEqual({ ok: true });
    const second = rec.hold('export:x', 'a', now - 3 * HOUR, now - HOUR + 1000);
    expect(second.ok).toBe(false);
    expect(refused).toEqual(['export:x']);
    expect(t.hub.ctx.health.get('record/holds')?.level).toBe('degraded');
    // Renewing a hold already taken is not a new hold.
    expect(rec.hold('event:1', 'a', now - 4 * HOUR, now - 4 * HOUR + 1000, now + DAY)).toEqual({ ok: true });
  });

  it('lets holds expire after recording.holdDays, except an open case', async () => {
    const now = Date.now();
    const dataDir = makeDataDir({ recording: { holdDays: 90 }, cameras: [{ id: 'a', name: 'A', enabled: false, source: { type: 'testsrc' } }] });
    const [exported, incident] = layFootage(dataDir, 'a', [now - 2 * HOUR, now - HOUR]);
    t = await startTestHub({ dataDir });
    const rec = t.hub.ctx.services.recordings!;
    const sweep = (): void => (rec as unknown as { sweep(): void }).sweep();
    expect(rec.hold('export:a', 'a', now - 2 * HOUR, now - 2 * HOUR + 1000).ok).toBe(true);
    expect(rec.hold('event:7', 'a', now - HOUR, now - HOUR + 1000).ok).toBe(true);
    rec.keepHoldsWhile((holder) => holder === 'event:7');

    // The disk is full: held footage stays while its holds are young.
    recordTestHooks.disk = () => ({ totalBytes: 1e9, freeBytes: 0 });
    sweep();
    expect([exported, incident].map((p) => existsSync(p!))).toEqual([true, true]);

    // 100 days later (the holds' start moved back): the export's hold has expired, the open case's has not.
    t.hub.ctx.db.prepare('UPDATE segment_holds SET created_ms = ?').run(now - 100 * DAY);
    sweep();
    expect([exported, incident].map((p) => existsSync(p!))).toEqual([false, true]);
  });
});
