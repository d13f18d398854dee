/**
 * The recall reference: naive mode (whole frame, every frame) over exactly the frames the live
 * cameras get (the same ffmpeg filter from the same offset: frame seq k of a live camera is frame
 * k here, decoded with the cameras' own decoder options), run slower than real time with no drop: every frame is detected
 * before the next is pushed, on a clock of seq x 200 ms. Its confirmed person tracks are the
 * ground truth the live modes are scored against.
 */
import { Pipeline } from '../hub/pipeline/pipeline.ts';
import { pipelineSchema } from '../hub/pipeline/config.ts';
import type { TrackUpdate } from '../hub/pipeline/types.ts';
import { iou } from '../hub/pipeline/geometry.ts';
import { decodeFrames, asFrame } from './lib-pipeline-frames.ts';
import { DETECT, LIVE_DECODE } from './lib-pipeline-streams.ts';
import type { CameraPlan, EngineLike, PersonFrames, PersonTrack } from './lib-pipeline-run.ts';

const cache = new Map<string, PersonTrack[]>();

/** Confirmed person tracks of naive, no-drop detection over the first `frames` frames of a camera. */
export async function referenceTracks(plan: CameraPlan, frames: number, engine: EngineLike): Promise<PersonTrack[]> {
  const key = `${plan.file}@${plan.offsetSec}#${frames}`;
  const hit = cache.get(key);
  if (hit) return hit.map((t) => ({ ...t, cameraId: plan.id }));
  const data = decodeFrames(plan.file, { ...DETECT, startSec: plan.offsetSec, seconds: frames / DETECT.fps, inputArgs: LIVE_DECODE });
  const tracks = new Map<string, PersonTrack>();
  let seq = 0;
  const onTracks = (u: TrackUpdate): void => {
    for (const o of u.objects) {
      if (o.label !== 'person' || !o.confirmed || o.leftAt !== undefined) continue;
      let t = tracks.get(o.trackId);
      if (!t) tracks.set(o.trackId, (t = { cameraId: plan.id, frames: [] }));
      t.frames.push({ seq, box: o.box });
    }
  };
  let now = 0;
  const p = new Pipeline({
    config: pipelineSchema.parse({}),
    engine,
    mode: 'naive',
    now: () => now,
    sinks: { tracks: onTracks, tamper: () => {}, health: () => {} },
    ...(engine.onCrop ? { onCrop: engine.onCrop } : {}),
  });
  for (seq = 0; seq < Math.min(frames, data.length); seq++) {
    now = seq * (1000 / DETECT.fps);
    p.push(asFrame(plan.id, seq, data[seq]!, DETECT.width, DETECT.height, now));
    await p.settled();
  }
  await p.close();
  const out = [...tracks.values()];
  cache.set(key, out);
  return out;
}

export interface Recall {
  /** Reference person tracks (confirmed, at least `minFrames` frames). */
  referenceTracks: number;
  /** Share of them the run also had: a confirmed person box with IoU > 0.3 on at least one of the same frames. */
  trackRecall: number;
  /** Share of the reference tracks' frames on which the run had such a box (frames the run dropped count as misses). */
  frameRecall: number;
}

/**
 * Recall of the run against the reference's person tracks of `minFrames`+ frames, counting only
 * frames from `fromSeq` on (0: all; the warm-up's length: steady state).
 */
export function recallOf(reference: PersonTrack[], run: PersonFrames, minFrames = 3, fromSeq = 0): Recall {
  const long = reference.map((t) => (fromSeq > 0 ? { ...t, frames: t.frames.filter((f) => f.seq >= fromSeq) } : t)).filter((t) => t.frames.length >= minFrames);
  let found = 0;
  let frames = 0;
  let frameHits = 0;
  for (const t of long) {
    const cam = run.get(t.cameraId);
    let any = false;
    for (const f of t.frames) {
      frames++;
      const ok = (cam?.get(f.seq) ?? []).some((b) => iou(b, f.box) > 0.3);
      if (ok) {
        frameHits++;
        any = true;
      }
    }
    if (any) found++;
  }
  return {
    referenceTracks: long.length,
    trackRecall: long.length ? Math.round((found / long.length) * 1000) / 1000 : Number.NaN,
    frameRecall: frames ? Math.round((frameHits / frames) * 1000) / 1000 : Number.NaN,
  };
}
