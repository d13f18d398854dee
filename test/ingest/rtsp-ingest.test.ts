import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../../tools/fixtures.ts';
import { startRtspServer, type RtspServer } from '../../tools/rtsp-server.ts';
import { ffprobeDuration, ffprobeFrameCount, startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import { cameraTestHooks } from '../../hub/cameras/module.ts';
import type { Segment } from '../../hub/record/service.ts';

/** Ingest from a real GStreamer RTSP server serving real footage (vtest.avi as H.264). */
describe('RTSP ingest', () => {
  let rtsp: RtspServer;
  let t: TestHub;
  const segments: Segment[] = [];

  beforeAll(async () => {
    rtsp = await startRtspServer({ gate: fixtures.vtestH264 });
    cameraTestHooks.backoff = { baseMs: 300, capMs: 1500 };
    t = await startTestHub({
      config: {
        recording: { segmentSeconds: 3 },
        // Ingest only (the frames cameras deliver, not what is seen in them): no detector to
        // compete with ffmpeg for a loaded box's CPU.
        detect: { enabled: false },
        pipeline: { enabled: false },
        // Stretched to the box (vtest is 4:3): the clock test compares the detect frame with the
        // recording scaled to the same 640x360.
        cameras: [
          { id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: rtsp.url('gate') }, detect: { fps: 5, fit: 'stretch' }, stallSeconds: 5 },
          {
            id: 'gate-udp',
            name: 'Cổng (UDP)',
            source: { type: 'rtsp', url: rtsp.url('gate'), transport: 'udp' },
            detect: { width: 320, height: 180, fps: 2, fit: 'stretch' },
            record: { enabled: false },
          },
        ],
      },
      // Before the cameras start, so the first segments are seen too.
      observe: (hub) => hub.ctx.bus.on('record.segment', 'test', (s) => segments.push(s)),
    });
  });

  afterAll(async () => {
    await t?.stop();
    await rtsp?.kill();
    cameraTestHooks.backoff = undefined;
  });

  it('delivers detect frames at the configured rate (±10%)', async () => {
    const cameras = t.hub.ctx.services.cameras!;
    await waitFor(() => cameras.state('gate')?.online, 15_000, 'camera online');
    // Counted in frames, not in seconds of waiting: the first 2 s of stream time are skipped (the
    // first GOP arrives in a burst), then 50 intervals are measured, however long a loaded box
    // takes to deliver them.
    let first: number | undefined;
    const times: number[] = [];
    const sizes = new Set<number>();
    const off = cameras.onFrame('gate', (f) => {
      first ??= f.capturedAt;
      if (f.capturedAt - first < 2000 || times.length > 50) return;
      times.push(f.capturedAt);
      sizes.add(f.data.length);
    });
    await waitFor(() => times.length > 50, 30_000, '51 frames past the first 2 s');
    off();
    const fps = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    expect(fps).toBeGreaterThan(4.5);
    expect(fps).toBeLessThan(5.5);
    expect([...sizes]).toEqual([640 * 360 * 1.5]);
  }, 40_000);

  it('also takes RTSP over UDP when a camera asks for it', async () => {
    const cameras = t.hub.ctx.services.cameras!;
    await waitFor(() => cameras.state('gate-udp')?.online, 15_000, 'UDP camera online');
    const frame = await new Promise<{ length: number }>((resolve) => {
      const off = cameras.onFrame('gate-udp', (f) => {
        off();
        resolve(f.data);
      });
    });
    expect(frame.length).toBe(320 * 180 * 1.5);
  }, 30_000);

  it('records segments whose total duration matches wall time within 5%', async () => {
    await waitFor(() => segments.length >= 4, 30_000, 'four segments');
    const recorded = segments.slice(); // more arrive while we probe
    const first = recorded[0]!;
    const last = recorded.at(-1)!;
    const wall = (last.endMs - first.startMs) / 1000;
    let total = 0;
    for (const s of recorded) {
      const d = await ffprobeDuration(s.path);
      expect(d, `segment ${s.path} must play`).toBeDefined();
      total += d!;
      // Every frame the camera sent is recorded (10 fps source), although the detect decoder
      // skips the frames nothing is predicted from.
      const frames = await ffprobeFrameCount(s.path);
      // (ffprobe's duration of a fragmented segment can stop up to 0.2 s short of its last frame.)
      expect(frames, `${s.path}: ${frames} frames in ${d} s`).toBeGreaterThanOrEqual(Math.round(d! * 10) - 1);
      expect(frames, `${s.path}: ${frames} frames in ${d} s`).toBeLessThanOrEqual(Math.round(d! * 10) + 3);
    }
    expect(Math.abs(total - wall) / wall, JSON.stringify({ total, wall, segments: recorded.map((s) => [s.startMs, s.endMs]) })).toBeLessThan(0.05);
    // Footage has no holes and no overlaps: each segment starts where the one before it ended
    // (past the first, which may end before the first detect frame sets the clock).
    for (let i = 2; i < recorded.length; i++)
      expect(recorded[i]!.startMs, `segment ${i} of ${JSON.stringify(recorded.map((s) => [s.startMs, s.endMs]))}`).toBe(recorded[i - 1]!.endMs);
    // And the index answers the API's query for that time range.
    const res = await t.request(`/api/recordings?camera=gate&from=${first.startMs}&to=${last.endMs}`, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBeGreaterThanOrEqual(recorded.length);
  }, 60_000);

  it('places recordings on the same clock as the detect frames (the same moment is the same picture)', async () => {
    const cameras = t.hub.ctx.services.cameras!;
    // Away from the start of the stream, where the first segment's start is only approximate.
    await waitFor(
      () => {
        const s = cameras.state('gate');
        return s?.online && Date.now() - Date.parse(s.since) > 6000;
      },
      20_000,
      'camera online for 6 s',
    );
    const frame = await new Promise<{ at: number; luma: Buffer }>((resolve) => {
      const off = cameras.onFrame('gate', (f) => {
        off();
        resolve({ at: f.capturedAt, luma: Buffer.from(f.data.subarray(0, 640 * 360)) });
      });
    });
    const rec = t.hub.ctx.services.recordings!;
    const shifts = [-1200, -900, -600, -300, 0, 300, 600, 900, 1200];
    expect(await rec.waitForFootage('gate', frame.at + 1500, 20_000)).toBe(true);
    await waitFor(() => shifts.every((s) => rec.segments('gate', frame.at + s, frame.at + s).length > 0), 10_000, 'footage indexed at every shift').catch(
      (err: Error) => {
        const ranges = rec.segments('gate', frame.at - 10_000, frame.at + 10_000).map((s) => [s.startMs - frame.at, s.endMs - frame.at]);
        throw new Error(`${err.message}; segments around the frame (ms from it): ${JSON.stringify(ranges)}`);
      },
    );
    const diffAt = async (shiftMs: number): Promise<number> => {
      const at = frame.at + shiftMs;
      const seg = rec.segments('gate', at, at).at(-1)!;
      const offset = Math.max(0, (at - seg.startMs) / 1000);
      // The same conversion as the hub's detect stream (yuv420p); its first plane is the luma.
      const grey = execFileSync(
        'ffmpeg',
        ['-v', 'error', '-ss', offset.toFixed(3), '-i', seg.path, '-frames:v', '1', '-vf', 'scale=640:360', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'],
        { maxBuffer: 1 << 22 },
      ).subarray(0, 640 * 360);
      if (grey.length < frame.luma.length) return Number.POSITIVE_INFINITY; // past the end of the footage
      let sum = 0;
      for (let i = 0; i < grey.length; i++) sum += Math.abs(grey[i]! - frame.luma[i]!);
      return sum / grey.length;
    };
    // Compare the detect frame with the recording at shifts of -1.2 s to +1.2 s: people walk in
    // vtest, so the best-matching picture tells where the recording's clock puts that moment.
    const diffs: number[] = [];
    for (const shift of shifts) diffs.push(await diffAt(shift));
    const best = shifts[diffs.indexOf(Math.min(...diffs))]!;
    expect(Math.abs(best), JSON.stringify({ shifts, diffs })).toBeLessThanOrEqual(300);
  }, 40_000);

  it('serves a segment with HTTP range requests', async () => {
    const seg = segments[0]!;
    const res = await t.request(`/api/recordings/${seg.id}/file`, { role: 'viewer', headers: { range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 0-99/${seg.bytes}`);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
    const audit = t.hub.ctx.audit.query({ actor: 'user:viewer', action: 'footage.view' });
    expect(audit.length).toBeGreaterThan(0);
  });

  it('marks the camera offline within 10 s of the server dying and online within 10 s of its return', async () => {
    const cameras = t.hub.ctx.services.cameras!;
    await waitFor(() => cameras.state('gate')?.online, 10_000, 'camera online');
    const killedAt = Date.now();
    await rtsp.kill();
    await waitFor(() => cameras.state('gate')?.online === false, 10_000, 'camera offline');
    const offlineAfter = Date.now() - killedAt;
    const state = cameras.state('gate')!;
    expect(state.reason).toBeTruthy();
    const health = (await (await t.request('/api/health')).json()) as { status: string; cameras: Array<{ id: string; online: boolean }> };
    expect(health.status).toBe('degraded');
    expect(health.cameras.find((c) => c.id === 'gate')).toEqual({ id: 'gate', online: false, fpsIn: expect.any(Number) });

    // "Its return" is when the server answers again: a loaded box may take seconds to start
    // GStreamer, which is not the hub's reconnection time.
    await rtsp.restart();
    const backAt = Date.now();
    await waitFor(() => cameras.state('gate')?.online, 10_000, 'camera back online');
    expect(offlineAfter).toBeLessThan(10_000);
    expect(Date.now() - backAt).toBeLessThan(10_000);
    expect(cameras.state('gate')!.restarts).toBeGreaterThan(0);
    const metrics = await (await t.request('/metrics', { role: 'admin' })).text();
    expect(metrics).toMatch(/camera_online\{camera="gate"\} 1/);
    expect(metrics).toMatch(/camera_restarts\{camera="gate"\} [1-9]/);
  }, 40_000);
});
