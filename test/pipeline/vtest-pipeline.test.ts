/**
 * The pipeline on real footage (vtest: people walking in a lobby), decoded by ffmpeg to raw
 * yuv420p detect frames like a camera's. The detector is the benchmark's stand-in (people found
 * against the clip's median background) until hub/detect's engine runs here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Pipeline, type PipelineSinks } from '../../hub/pipeline/pipeline.ts';
import { pipelineSchema } from '../../hub/pipeline/config.ts';
import { MotionDetector } from '../../hub/pipeline/motion.ts';
import { iou, center } from '../../hub/pipeline/geometry.ts';
import type { Box, TamperSignal, TrackUpdate } from '../../hub/pipeline/types.ts';
import { OracleEngine, medianBackground } from '../../bench/lib-pipeline-oracle.ts';
import { asFrame, decodeFrames } from '../../bench/lib-pipeline-frames.ts';

const VTEST = join(import.meta.dirname, '../fixtures/cache/vtest.avi');
const W = 640;
const H = 360;
let frames: Buffer[] = [];
let background: Uint8Array;

beforeAll(() => {
  frames = decodeFrames(VTEST, { width: W, height: H, fps: 5, startSec: 0, seconds: 30 });
  const samples = decodeFrames(VTEST, { width: W, height: H, fps: 0.4, seconds: 79 });
  background = medianBackground(samples.map((f) => f.subarray(0, W * H)));
});

function sinks(updates: TrackUpdate[] = [], tamper: TamperSignal[] = []): PipelineSinks {
  return { tracks: (u) => updates.push(u), tamper: (s) => tamper.push(s), health: () => {} };
}

/** The longest run of frames in which one isolated person walks, linked frame to frame. */
function isolatedWalker(truth: Box[][]): Array<{ frame: number; box: Box }> {
  let best: Array<{ frame: number; box: Box }> = [];
  for (let start = 0; start < truth.length; start++) {
    for (const first of truth[start]!) {
      const chain = [{ frame: start, box: first }];
      for (let i = start + 1; i < truth.length; i++) {
        const [px, py] = center(chain[chain.length - 1]!.box);
        const near = truth[i]!.filter((b) => Math.hypot(center(b)[0] - px, center(b)[1] - py) < 60);
        if (near.length !== 1 || Math.hypot(center(near[0]!)[0] - px, center(near[0]!)[1] - py) > 25) break;
        chain.push({ frame: i, box: near[0]! });
      }
      if (chain.length > best.length) best = chain;
    }
  }
  return best;
}

describe('pipeline on vtest', () => {
  it('a person walking across keeps one track id across consecutive frames', async () => {
    const engine = new OracleEngine({ background: () => background, msPerImage: 0 });
    const updates: TrackUpdate[] = [];
    let now = 0;
    const p = new Pipeline({ config: pipelineSchema.parse({}), engine, sinks: sinks(updates), now: () => now, onCrop: engine.onCrop });
    const truth: Box[][] = [];
    for (let i = 0; i < frames.length; i++) {
      now = i * 200;
      const f = asFrame('lobby', i, frames[i]!, W, H, now);
      truth.push(engine.truthOf(f));
      p.push(f);
      await p.settled();
    }
    const walker = isolatedWalker(truth);
    const [x0, y0] = center(walker[0]!.box);
    const [x1, y1] = center(walker[walker.length - 1]!.box);
    expect(walker.length).toBeGreaterThanOrEqual(15);
    expect(Math.hypot(x1 - x0, y1 - y0)).toBeGreaterThan(60); // really walking, not standing
    const byFrame = new Map(updates.map((u) => [u.frameAt / 200, u]));
    const ids: string[] = [];
    for (const { frame, box } of walker.slice(3)) {
      const objs = byFrame.get(frame)?.objects.filter((o) => o.leftAt === undefined) ?? [];
      const hit = objs.map((o) => ({ o, v: iou(o.box, box) })).sort((a, b) => b.v - a.v)[0];
      if (hit && hit.v > 0.3) ids.push(hit.o.trackId);
    }
    expect(ids.length).toBeGreaterThanOrEqual(0.9 * (walker.length - 3));
    expect(new Set(ids).size).toBe(1);
    await engine.close();
  });

  it('overload drops frames instead of queueing, keeps latency bounded, and every camera gets inference', async () => {
    const cams = ['a', 'b', 'c', 'd', 'e', 'f'];
    // 6 cameras x 5 fps of busy footage, each image costing 60 ms of CPU: about twice what one detector can do.
    const engine = new OracleEngine({ background: () => background, msPerImage: 60, maxBatch: 1 });
    const p = new Pipeline({ config: pipelineSchema.parse({ scheduler: { batching: false } }), engine, sinks: sinks(), onCrop: engine.onCrop });
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
    for (const c of s.cameras) {
      expect(c.inferenceCalls, `camera ${c.cameraId}`).toBeGreaterThan(2);
      expect(c.latencyMs.p95, `camera ${c.cameraId}`).toBeLessThan(1000);
      expect(c.processed + c.dropped).toBeLessThanOrEqual(c.framesIn);
      expect(c.framesIn - c.processed - c.dropped).toBeLessThanOrEqual(1); // at most one frame waits
    }
    await engine.close();
  });

  it('masks suppress motion inside them but not outside', () => {
    const open = new MotionDetector({ width: W, height: H, scaleWidth: 160, threshold: 22, backgroundAlpha: 0.05, minArea: 0.0006, masks: [], sceneChangeFraction: 0.6 });
    const leftHalf: Array<[number, number]> = [[0, 0], [320, 0], [320, 360], [0, 360]];
    const masked = new MotionDetector({ width: W, height: H, scaleWidth: 160, threshold: 22, backgroundAlpha: 0.05, minArea: 0.0006, masks: [leftHalf], sceneChangeFraction: 0.6 });
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
