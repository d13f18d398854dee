/**
 * The pipeline on real footage (vtest: people walking in a lobby), decoded by ffmpeg to raw
 * yuv420p detect frames like a camera's. The track-id test runs the real detector (hub/detect,
 * NanoDet via onnxruntime) on a few seconds of frames; the overload test keeps the benchmark's
 * stand-in detector, whose cost per image is fixed, because it is about scheduling, not seeing.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { join } from 'node:path';
import { Pipeline, type PipelineSinks } from '../../hub/pipeline/pipeline.ts';
import { pipelineSchema } from '../../hub/pipeline/config.ts';
import { MotionDetector } from '../../hub/pipeline/motion.ts';
import { iou, center } from '../../hub/pipeline/geometry.ts';
import type { Box, TamperSignal, TrackReport } from '../../hub/pipeline/types.ts';
import { lumaPlane, type Frame } from '../../hub/lib/frame.ts';
import { createOnnxEngine, detectSchema, type OnnxEngine } from '../../hub/detect/index.ts';
import { OracleEngine, medianBackground } from '../../bench/lib-pipeline-oracle.ts';
import { asFrame, decodeFrames } from '../../bench/lib-pipeline-frames.ts';

const VTEST = join(import.meta.dirname, '../fixtures/cache/vtest.avi');
const W = 640;
const H = 360;
let frames: Buffer[] = [];
let background: Uint8Array;
let engine: OnnxEngine | undefined;

beforeAll(async () => {
  frames = decodeFrames(VTEST, { width: W, height: H, fps: 5, startSec: 0, seconds: 30 });
  const samples = decodeFrames(VTEST, { width: W, height: H, fps: 0.4, seconds: 79 });
  background = medianBackground(samples.map((f) => f.subarray(0, W * H)));
  engine = await createOnnxEngine(detectSchema.parse({ labels: ['person'], threads: 2 }));
});

afterAll(async () => {
  await engine?.close();
});

/** Mean |frame - empty scene| of the luma inside `box` shrunk by a fifth on each side. */
function boxVsBackground(luma: Uint8Array, box: Box): number {
  const [x1, y1, x2, y2] = box;
  const dx = (x2 - x1) / 5;
  const dy = (y2 - y1) / 5;
  let sum = 0;
  let n = 0;
  for (let y = Math.round(y1 + dy); y < Math.round(y2 - dy); y++) {
    for (let x = Math.round(x1 + dx); x < Math.round(x2 - dx); x++, n++) sum += Math.abs(luma[y * W + x]! - background[y * W + x]!);
  }
  return n ? sum / n : 0;
}

function sinks(updates: TrackReport[] = [], tamper: TamperSignal[] = []): PipelineSinks {
  return { tracks: (u) => updates.push(u), tamper: (s) => tamper.push(s), health: () => {} };
}

describe('pipeline on vtest', () => {
  it('a person walking across keeps one track id across consecutive frames (real detector)', async () => {
    // vtest frame 400 (10 fps, 768x576) is hand-annotated (test/detect/fixtures/vtest-people.json):
    // a person walks near the camera at [688, 300, 744, 411]. Eight seconds around it, at 5 fps.
    const sx = W / 768;
    const sy = H / 576;
    const annotated: Box = [688 * sx, 300 * sy, 744 * sx, 411 * sy];
    const clip = decodeFrames(VTEST, { width: W, height: H, fps: 5, startSec: 36, seconds: 8 });
    const at400 = 20;
    const updates: TrackReport[] = [];
    const pushed = new Map<number, Frame>();
    let now = 0;
    const p = new Pipeline({ config: pipelineSchema.parse({}), engine: engine!, sinks: sinks(updates), now: () => now });
    for (let i = 0; i < clip.length; i++) {
      now = i * 200;
      const f = asFrame('lobby', i, clip[i]!, W, H, now);
      pushed.set(now, f);
      p.push(f);
      await p.settled();
    }
    const byFrame = new Map(updates.map((u) => [u.frameAt / 200, u]));
    const live = (i: number) => byFrame.get(i)?.objects.filter((o) => o.leftAt === undefined && o.label === 'person') ?? [];
    const hit = live(at400)
      .map((o) => ({ o, v: iou(o.box, annotated) }))
      .sort((a, b) => b.v - a.v)[0];
    expect(hit?.v ?? 0).toBeGreaterThan(0.3);
    const id = hit!.o.trackId;
    // Two seconds either side, every processed frame (looked at or predicted) carries the same id.
    const window = Array.from({ length: 21 }, (_, k) => at400 - 10 + k);
    for (const i of window)
      expect(
        live(i).map((o) => o.trackId),
        `frame ${i}`,
      ).toContain(id);
    const boxAt = (i: number) => live(i).find((o) => o.trackId === id)!.box;
    const [x0, y0] = center(boxAt(window[0]!));
    const [x1, y1] = center(boxAt(window[window.length - 1]!));
    expect(Math.hypot(x1 - x0, y1 - y0)).toBeGreaterThan(30); // really walking, not standing
    // Every update carries the very frame its tracks were computed on (the object, not a copy),
    // and the walker's box lies on the walker in it: inside the box (shrunk by a fifth a side)
    // the carried frame differs from the empty lobby.
    for (const u of updates) expect(u.frame, `update at ${u.frameAt}`).toBe(pushed.get(u.frameAt));
    expect(boxVsBackground(lumaPlane(byFrame.get(at400)!.frame), boxAt(at400))).toBeGreaterThan(25);
    // Gated: the detector did not look at every frame.
    expect(p.stats().inferenceImages).toBeLessThan(clip.length);
    await p.close();
  });

  it('overload drops frames instead of queueing, keeps latency bounded, and every camera gets inference', async () => {
    const cams = ['a', 'b', 'c', 'd', 'e', 'f'];
    // 6 cameras x 5 fps of busy footage, each image costing 60 ms of CPU: about twice what one detector can do.
    const engine = new OracleEngine({ background: () => background, msPerImage: 60, maxBatch: 1 });
    // Its burn worker is closed whatever happens: a failed assertion must not leave the thread.
    onTestFinished(() => engine.close());
    const updates: TrackReport[] = [];
    const p = new Pipeline({ config: pipelineSchema.parse({ scheduler: { batching: false } }), engine, sinks: sinks(updates), onCrop: engine.onCrop });
    const t0 = Date.now();
    let tick = 0;
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        cams.forEach((id, k) => p.push(asFrame(id, tick, frames[(tick + k * 20) % frames.length]!, W, H, Date.now())));
        tick++;
        if (Date.now() - t0 > 6000) {
          clearInterval(timer);
          done();
        }
      }, 200);
    });
    await p.close();
    const s = p.stats();
    const dropped = s.cameras.reduce((n, c) => n + c.dropped, 0);
    expect(dropped).toBeGreaterThan(0);
    // With newer frames replacing waiting ones, each update still carries the frame it was computed on.
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) expect([u.frame.cameraId, u.frame.capturedAt]).toEqual([u.cameraId, u.frameAt]);
    for (const c of s.cameras) {
      expect(c.inferenceCalls, `camera ${c.cameraId}`).toBeGreaterThan(2);
      expect(c.latencyMs.p95, `camera ${c.cameraId}`).toBeLessThan(1000);
      expect(c.processed + c.dropped).toBeLessThanOrEqual(c.framesIn);
      expect(c.framesIn - c.processed - c.dropped).toBeLessThanOrEqual(1); // at most one frame waits
    }
  });

  it('masks suppress motion inside them but not outside', () => {
    const open = new MotionDetector({
      width: W,
      height: H,
      scaleWidth: 160,
      threshold: 22,
      backgroundAlpha: 0.05,
      minArea: 0.0006,
      masks: [],
      sceneChangeFraction: 0.6,
    });
    const leftHalf: Array<[number, number]> = [
      [0, 0],
      [0.5, 0],
      [0.5, 1],
      [0, 1],
    ]; // fractions of the picture
    const masked = new MotionDetector({
      width: W,
      height: H,
      scaleWidth: 160,
      threshold: 22,
      backgroundAlpha: 0.05,
      minArea: 0.0006,
      masks: [leftHalf],
      sceneChangeFraction: 0.6,
    });
    let openLeft = 0;
    let maskedLeft = 0;
    let maskedRight = 0;
    for (const f of frames.slice(0, 60)) {
      const luma = f.subarray(0, W * H);
      openLeft += open.process(luma).boxes.filter((b) => b[2] <= 320).length;
      const mb = masked.process(luma).boxes;
      maskedLeft += mb.filter((b) => b[2] <= 320).length;
      maskedRight += mb.filter((b) => b[0] >= 320).length;
    }
    expect(openLeft).toBeGreaterThan(10);
    expect(maskedLeft).toBe(0);
    expect(maskedRight).toBeGreaterThan(10);
  });

  it('a covered (black) camera raises a blackout tamper signal, without a detector', async () => {
    const black = decodeFrames(VTEST, { width: W, height: H, fps: 5, startSec: 5, seconds: 3, filter: 'drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill' });
    const tamper: TamperSignal[] = [];
    const p = new Pipeline({ config: pipelineSchema.parse({}), sinks: sinks([], tamper) });
    const seq = [...frames.slice(0, 20), ...black];
    seq.forEach((f, i) => p.push(asFrame('gate', i, f, W, H, i * 200)));
    expect(tamper.filter((t) => t.kind === 'blackout').map((t) => t.active)).toEqual([true]);
    expect(tamper.find((t) => t.kind === 'blackout')!.at).toBeGreaterThanOrEqual(20 * 200);
  });
});
