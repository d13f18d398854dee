/**
 * A deterministic pass of the gated pipeline over the scene mix's frames: no real-time pace, no
 * drop (every frame is processed before the next is pushed, on a clock of seq x 200 ms), the same
 * frames the live cameras get. It shows what the region logic costs (images per frame, by check
 * reason and camera kind) and what it keeps (recall against the naive reference), free of the
 * machine's load: for tuning the regions and look-memory settings before a live run.
 *
 *   node --import tsx bench/lib-pipeline-sim.ts [cameras=4] [frames=150] [json config overrides]
 */
import { Pipeline } from '../hub/pipeline/pipeline.ts';
import { pipelineSchema } from '../hub/pipeline/config.ts';
import { decodeFrames, asFrame } from './lib-pipeline-frames.ts';
import { DETECT, LIVE_DECODE, quietSource } from './lib-pipeline-streams.ts';
import { personRecorder, round, type CameraPlan, type EngineLike } from './lib-pipeline-run.ts';
import { recallOf, referenceTracks } from './lib-pipeline-reference.ts';
import { iou } from '../hub/pipeline/geometry.ts';

export interface SimResult {
  imagesPerFrame: { busy: number; quiet: number; all: number };
  checks: Record<string, Record<string, number>>;
  recall: ReturnType<typeof recallOf>;
  perCamera: Array<{ id: string; kind: string; images: number; frames: number; recall: number }>;
}

export async function simulate(
  plans: CameraPlan[],
  frames: number,
  recallFrames: number,
  engine: EngineLike,
  overrides: Record<string, unknown> = {},
): Promise<SimResult> {
  const config = pipelineSchema.parse(overrides);
  const imgs = { busy: 0, quiet: 0 };
  const nfr = { busy: 0, quiet: 0 };
  const checks: Record<string, Record<string, number>> = { busy: {}, quiet: {} };
  const perCamera: SimResult['perCamera'] = [];
  const reference = [];
  const allPersons = new Map();
  for (const plan of plans) {
    const ref = await referenceTracks(plan, recallFrames, engine);
    reference.push(...ref);
    const data = decodeFrames(plan.file, { ...DETECT, startSec: plan.offsetSec, seconds: frames / DETECT.fps, inputArgs: LIVE_DECODE });
    let now = 0;
    const rec = personRecorder((_id, at) => Math.round(at / (1000 / DETECT.fps)), recallFrames);
    const p = new Pipeline({ config, engine, mode: 'gated', now: () => now, sinks: { tracks: rec.onTracks, tamper: () => {}, health: () => {} } });
    for (let seq = 0; seq < Math.min(frames, data.length); seq++) {
      now = seq * (1000 / DETECT.fps);
      p.push(asFrame(plan.id, seq, data[seq]!, DETECT.width, DETECT.height, now));
      await p.settled();
    }
    await p.close();
    const s = p.stats().cameras[0]!;
    imgs[plan.kind] += s.inferenceImages;
    nfr[plan.kind] += s.framesIn;
    for (const [k, v] of Object.entries(s.checks ?? {})) checks[plan.kind]![k] = (checks[plan.kind]![k] ?? 0) + v;
    for (const [k, v] of rec.persons) allPersons.set(k, v);
    if (process.env.SIM_MISSED) {
      for (const t of ref.filter((x) => x.frames.length >= 3)) {
        const cam = rec.persons.get(plan.id);
        const best = Math.max(0, ...t.frames.map((f) => Math.max(0, ...(cam?.get(f.seq) ?? []).map((b) => iou(b, f.box)))));
        if (best <= 0.3)
          process.stderr.write(
            `missed ${plan.id} seq ${t.frames[0]!.seq}-${t.frames[t.frames.length - 1]!.seq} (${t.frames.length}) ${t.frames[0]!.box.map(Math.round).join(',')} best IoU ${best.toFixed(2)}\n`,
          );
      }
    }
    perCamera.push({ id: plan.id, kind: plan.kind, images: s.inferenceImages, frames: s.framesIn, recall: recallOf(ref, rec.persons).trackRecall });
  }
  return {
    imagesPerFrame: {
      busy: round(imgs.busy / Math.max(1, nfr.busy), 3),
      quiet: round(imgs.quiet / Math.max(1, nfr.quiet), 3),
      all: round((imgs.busy + imgs.quiet) / (nfr.busy + nfr.quiet), 3),
    },
    checks,
    recall: recallOf(reference, allPersons),
    perCamera,
  };
}

if (process.argv[1]?.endsWith('lib-pipeline-sim.ts')) {
  const { join, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const here = dirname(fileURLToPath(import.meta.url));
  const BUSY = join(here, '../test/fixtures/cache/vtest-720p25.mp4');
  const n = Number(process.argv[2] ?? 4);
  const frames = Number(process.argv[3] ?? 150);
  const overrides = JSON.parse(process.argv[4] ?? '{}') as Record<string, unknown>;
  const quiet = quietSource(BUSY);
  const plans: CameraPlan[] = Array.from({ length: n }, (_, i) => {
    const busy = i % 4 === 0;
    return { id: `cam-${i}`, kind: busy ? 'busy' : 'quiet', file: busy ? BUSY : quiet, offsetSec: busy ? ((i / 4) * 13) % 52 : (i * 7) % 40 };
  });
  const { createOnnxEngine } = await import('../hub/detect/engine.ts');
  const { detectSchema } = await import('../hub/detect/config.ts');
  const engine = await createOnnxEngine(detectSchema.parse({ labels: ['person'], threads: 2 }));
  const r = await simulate(plans, frames, Math.min(100, frames), engine, overrides);
  await engine.close();
  console.log(JSON.stringify(r));
}
