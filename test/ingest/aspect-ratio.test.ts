/**
 * A 4:3 camera is detected at its true aspect ratio (issue 13). GStreamer's RTSP server serves
 * vtest (768x576, people walking in a lobby) to two cameras of one hub with the real detector:
 * one as configured by default (fit 'scale': 480x360 frames) and one stretched into 640x360 as
 * every camera was before. The same people, seen by the same detector, are boxed a third wider
 * relative to their height on the stretched frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../../tools/fixtures.ts';
import { startRtspServer, type RtspServer } from '../../tools/rtsp-server.ts';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import { cameraTestHooks } from '../../hub/cameras/module.ts';
import { median } from '../../hub/pipeline/geometry.ts';
import type { Frame } from '../../hub/lib/frame.ts';
import type { CameraVideo } from '../../hub/lib/frame-geometry.ts';

/** Detected (not predicted) confirmed person boxes: height / width, per camera. */
const ratios: Record<string, number[]> = { lobby: [], squashed: [] };
const firstFrame: Record<string, Frame | undefined> = {};
const NEEDED = 40;

let rtsp: RtspServer;
let t: TestHub;

beforeAll(async () => {
  rtsp = await startRtspServer({ lobby: fixtures.vtestH264 });
  cameraTestHooks.backoff = { baseMs: 300, capMs: 1500 };
  t = await startTestHub({
    config: {
      recording: { segmentSeconds: 10 },
      cameras: [
        { id: 'lobby', name: 'Sảnh', source: { type: 'rtsp', url: rtsp.url('lobby') }, record: { enabled: false }, stallSeconds: 10 },
        {
          id: 'squashed',
          name: 'Sảnh (kéo giãn)',
          source: { type: 'rtsp', url: rtsp.url('lobby') },
          detect: { fit: 'stretch' },
          record: { enabled: false },
          stallSeconds: 10,
        },
      ],
    },
    observe: (hub) => {
      hub.ctx.services.cameras!.onFrame('*', (f) => void (firstFrame[f.cameraId] ??= f));
      hub.ctx.bus.on('pipeline.tracks', 'test', (u) => {
        for (const o of u.objects) {
          if (o.label !== 'person' || !o.confirmed || o.lastSeenAt !== u.frameAt || o.leftAt !== undefined) continue;
          const [x1, y1, x2, y2] = o.box;
          // Boxes cut by the frame's edge say nothing about a person's shape.
          if (x1 <= 1 || y1 <= 1 || x2 >= u.frameWidth - 1 || y2 >= u.frameHeight - 1) continue;
          ratios[u.cameraId]?.push((y2 - y1) / (x2 - x1));
        }
      });
    },
  });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await rtsp?.kill();
  cameraTestHooks.backoff = undefined;
});

describe('a 4:3 RTSP camera', () => {
  it('delivers frames of its shape (480x360 in the default 640x360) and shows both sizes in its state', async () => {
    await waitFor(() => firstFrame.lobby && firstFrame.squashed, 30_000, 'a frame of each camera');
    expect([firstFrame.lobby!.width, firstFrame.lobby!.height, firstFrame.lobby!.data.length]).toEqual([480, 360, 480 * 360 * 1.5]);
    expect([firstFrame.squashed!.width, firstFrame.squashed!.height]).toEqual([640, 360]);
    const listed = (await (await t.request('/api/cameras', { role: 'viewer' })).json()) as Array<{ id: string; state: { video?: CameraVideo } }>;
    const video = Object.fromEntries(listed.map((c) => [c.id, c.state.video]));
    expect(video.lobby).toMatchObject({ source: { width: 768, height: 576 }, detect: { width: 480, height: 360 }, fit: 'scale' });
    expect(video.squashed).toMatchObject({ source: { width: 768, height: 576 }, detect: { width: 640, height: 360 }, fit: 'stretch' });
    expect(video.lobby?.note).toBeUndefined();
  }, 40_000);

  it('has its people detected at their true proportions: boxes 4/3 taller for their width than on the stretched frame', async () => {
    await waitFor(
      () => ratios.lobby!.length >= NEEDED && ratios.squashed!.length >= NEEDED,
      90_000,
      `${NEEDED} detected person boxes on each camera (so far ${ratios.lobby!.length} and ${ratios.squashed!.length})`,
    );
    const trueRatio = median(ratios.lobby!);
    const squashedRatio = median(ratios.squashed!);
    console.log(
      `aspect-ratio: median person box height/width ${trueRatio.toFixed(2)} on 480x360 (${ratios.lobby!.length} boxes), ${squashedRatio.toFixed(2)} on 640x360 stretched (${ratios.squashed!.length}); ratio ${(trueRatio / squashedRatio).toFixed(3)}`,
    );
    expect(trueRatio / squashedRatio).toBeGreaterThan(1.15);
    expect(trueRatio / squashedRatio).toBeLessThan(1.55);
  }, 100_000);
});
