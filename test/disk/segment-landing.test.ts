/**
 * Issue 10, finding 1: a finished segment that cannot be moved into place (here a file stands
 * where its date folder should be, as a full or broken disk would refuse the folder) is not lost
 * silently: it stays in .incoming for the next start's repair, and /api/health says so.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir, startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import { incomingDir, segmentPath } from '../../hub/record/paths.ts';

describe('a segment that cannot land', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('stays in .incoming and is reported on /api/health', async () => {
    const dataDir = makeDataDir({
      recording: { segmentSeconds: 2 },
      cameras: [{ id: 'cam', name: 'Cam', source: { type: 'testsrc', width: 320, height: 240, fps: 10 } }],
    });
    // The date folders of today (and of the next hour, should the test cross midnight) are files.
    for (const at of [Date.now(), Date.now() + 3_600_000]) {
      const dateDir = dirname(dirname(segmentPath(dataDir, 'cam', at, 'Asia/Ho_Chi_Minh')));
      mkdirSync(dirname(dateDir), { recursive: true });
      writeFileSync(dateDir, 'not a folder');
    }
    t = await startTestHub({ dataDir });
    const cond = await waitFor(() => t!.hub.ctx.health.get('record/segments'), 60_000, 'record/segments on the health board');
    expect(cond.level).toBe('degraded');
    expect(cond.message).toMatch(/\.incoming/);
    const health = (await (await t.request('/api/health')).json()) as { conditions: Array<{ component: string }> };
    expect(health.conditions.map((c) => c.component)).toContain('record/segments');
    // Finished segments are still there for the repair, beside the one ffmpeg writes now.
    await waitFor(() => readdirSync(incomingDir(dataDir, 'cam')).filter((n) => n.endsWith('.mp4')).length >= 2, 30_000, 'kept segments in .incoming');
    expect(t.hub.ctx.metrics.value('record_segments_unplaced_total', { camera: 'cam' })).toBeGreaterThan(0);
  });
});
