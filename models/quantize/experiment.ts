/**
 * `node --import tsx models/quantize/experiment.ts [--calibration FILE] [--runs 30] [--profile]`
 *
 * fp32 NanoDet against its int8 QDQ build (`nanodet-int8`, or one from another calibration file)
 * in one process, on onnxruntime CPU with the worker's session options:
 * - ms per image at batch 1 with 1 and 2 intra-op threads (median of `runs` after 3 warm-ups);
 * - the annotated vtest frames of test/detect: people found at IoU >= 0.5 by each model, people
 *   matched between the two, max score difference of matched detections; on 20 more frames
 *   (neither calibrated on nor annotated) all detections paired between the two models; the
 *   motorcycle photo; no person in coffee/chelsea;
 * - with --profile, the kernels onnxruntime ran for the int8 model (QLinearConv & co. expected).
 */
import { readFileSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertSourceModel, ensureModel, sha256Of } from '../ensure-model.ts';
import { loadManifest, type ModelManifest } from '../manifest.ts';
import { encodeModel } from '../converter/onnx-proto.ts';
import { letterboxInto } from '../../hub/detect/letterbox.ts';
import { bindFamily } from '../../hub/detect/families.ts';
import { toDetections } from '../../hub/detect/postprocess.ts';
import { iou } from '../../hub/detect/nms.ts';
import { DEFAULT_SCORE_THRESHOLD } from '../../hub/detect/config.ts';
import type { Detection, RgbImage } from '../../hub/detect/types.ts';
import { ensureFixtures, fixtures } from '../../tools/fixtures.ts';
import { readRgb } from '../../tools/images.ts';
import { quantizeModel } from './qdq.ts';
import { CALIBRATION_FILE } from './calibrate.ts';
import { loadCalibration } from './calibration.ts';
import { vtestFrames } from './frames.ts';

type Box = [number, number, number, number];

/** vtest frames 5, 45, ..., 765: none is a calibration frame (12 + 25k) or an annotated one. */
const UNSEEN_FRAMES = Array.from({ length: 20 }, (_, k) => 5 + 40 * k);

/** A minimal in-process detector: the worker's session options, letterbox, decoder and NMS. */
async function detector(model: string | Uint8Array, m: ModelManifest, threads: number, profileDir?: string) {
  const session = await ort.InferenceSession.create(model as string, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    enableProfiling: profileDir !== undefined,
    profileFilePrefix: profileDir ? join(profileDir, 'int8') : undefined,
  });
  const size = m.input.size;
  const decode = bindFamily(
    m.family,
    session.outputMetadata.map((o) => ({ name: o.name, dims: o.isTensor ? o.shape : [] })),
    {
      inputSize: size,
      numClasses: m.labels.length,
      centreOffset: m.nanodet?.centreOffset,
    },
  );
  const inputName = session.inputNames[0]!;
  const run = (x: Float32Array) => session.run({ [inputName]: new ort.Tensor('float32', x, [1, 3, size, size]) });
  return {
    session,
    run,
    async detect(img: RgbImage): Promise<Detection[]> {
      const x = new Float32Array(3 * size * size);
      const lb = letterboxInto(img, m.input, x);
      const out = await run(x);
      const tensors = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]));
      return toDetections(decode(tensors, 0, { minScore: DEFAULT_SCORE_THRESHOLD, classes: null }), lb, {
        iouThreshold: 0.5,
        labels: m.labels,
        srcWidth: img.width,
        srcHeight: img.height,
      });
    },
  };
}

async function medianMs(run: () => Promise<unknown>, runs: number): Promise<number> {
  for (let i = 0; i < 3; i++) await run();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return Math.round(t[Math.floor(t.length / 2)]! * 100) / 100;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calibration: { type: 'string' }, runs: { type: 'string' }, profile: { type: 'boolean' } } });
  const runs = Number(values.runs ?? 30);
  ensureFixtures();
  const m = loadManifest('nanodet');
  const { path: fp32Path } = ensureModel('nanodet');
  // The shipped build, or one from another calibration file (e.g. calibrate.ts --out).
  const cal = loadCalibration(resolve(values.calibration ?? CALIBRATION_FILE));
  const int8 = values.calibration ? encodeModel(quantizeModel(convertSourceModel(m), cal.ranges)) : readFileSync(ensureModel('nanodet-int8').path);
  console.log(`int8 model: ${int8.length} bytes, sha256 ${sha256Of(int8)} (calibration: ${cal.method}); fp32: ${readFileSync(fp32Path).length} bytes`);

  const annotations = JSON.parse(readFileSync(new URL('../../test/detect/fixtures/vtest-people.json', import.meta.url), 'utf8')) as {
    frames: Array<{ frame: number; people: Box[] }>;
  };
  const frames = vtestFrames(annotations.frames.map((a) => a.frame));

  // Timing, same process, alternating so that a busy neighbour hurts both alike.
  const x = new Float32Array(3 * m.input.size * m.input.size);
  letterboxInto(frames[0]!, m.input, x);
  for (const threads of [1, 2]) {
    const a = await detector(fp32Path, m, threads);
    const b = await detector(int8, m, threads);
    const fa = await medianMs(() => a.run(x), runs);
    const fb = await medianMs(() => b.run(x), runs);
    const fa2 = await medianMs(() => a.run(x), runs);
    const fb2 = await medianMs(() => b.run(x), runs);
    const f = Math.min(fa, fa2);
    const q = Math.min(fb, fb2);
    console.log(`threads ${threads}: fp32 ${fa} / ${fa2} ms, int8 ${fb} / ${fb2} ms (median of ${runs}, two rounds); speed-up ${(f / q).toFixed(2)}x`);
    await a.session.release();
    await b.session.release();
  }

  // Accuracy.
  const a = await detector(fp32Path, m, 2);
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'qprof-')) : undefined;
  const b = await detector(int8, m, 2, profileDir);
  let maxDiff = 0;
  for (const [k, ann] of annotations.frames.entries()) {
    const da = await a.detect(frames[k]!);
    const db = await b.detect(frames[k]!);
    const pa = da.filter((d) => d.label === 'person');
    const pb = db.filter((d) => d.label === 'person');
    const found = (p: Detection[]) => ann.people.filter((gt) => p.some((d) => iou(gt, d.box) >= 0.5));
    const fa = found(pa);
    const fb = found(pb);
    const same = fa.length === fb.length && fa.every((g) => fb.includes(g));
    // Detections of any class matched fp32 → int8 (same class, IoU >= 0.5).
    let matched = 0;
    let frameDiff = 0;
    let minIou = 1;
    for (const d of da) {
      const best = db
        .filter((e) => e.classId === d.classId)
        .reduce<{ e?: Detection; v: number }>((acc, e) => (iou(d.box, e.box) > acc.v ? { e, v: iou(d.box, e.box) } : acc), { v: 0 });
      if (best.e && best.v >= 0.5) {
        matched++;
        frameDiff = Math.max(frameDiff, Math.abs(best.e.score - d.score));
        minIou = Math.min(minIou, best.v);
      }
    }
    maxDiff = Math.max(maxDiff, frameDiff);
    console.log(
      `frame ${ann.frame}: annotated people ${ann.people.length}; found fp32 ${fa.length}, int8 ${fb.length}${same ? ' (the same ones)' : ' (DIFFERENT)'}; ` +
        `detections fp32 ${da.length}, int8 ${db.length}, matched ${matched} (min IoU ${minIou.toFixed(3)}, max |score diff| ${frameDiff.toFixed(4)})`,
    );
  }
  console.log(`max |score diff| over matched detections on the annotated frames: ${maxDiff.toFixed(4)}`);
  // 20 frames neither calibrated on nor annotated: every detection (score >= 0.4) of one model
  // paired with the other's (same class, IoU >= 0.5).
  let both = 0;
  let onlyFp32 = 0;
  let onlyInt8 = 0;
  let sum = 0;
  let most = 0;
  for (const f of vtestFrames(UNSEEN_FRAMES)) {
    const da = await a.detect(f);
    const db = await b.detect(f);
    const paired = new Set<Detection>();
    for (const d of da) {
      const e = db.filter((x) => x.classId === d.classId && !paired.has(x)).sort((p, q) => iou(d.box, q.box) - iou(d.box, p.box))[0];
      if (e && iou(d.box, e.box) >= 0.5) {
        paired.add(e);
        both++;
        sum += Math.abs(e.score - d.score);
        most = Math.max(most, Math.abs(e.score - d.score));
      } else onlyFp32++;
    }
    onlyInt8 += db.length - paired.size;
  }
  console.log(
    `${UNSEEN_FRAMES.length} unseen vtest frames: detections paired ${both}, fp32 only ${onlyFp32}, int8 only ${onlyInt8}; ` +
      `|score diff| of pairs mean ${(sum / both).toFixed(4)}, max ${most.toFixed(4)}`,
  );
  const moto = await readRgb(fixtures.motorcycle);
  const ma = (await a.detect(moto)).find((d) => d.label === 'motorcycle');
  const mb = (await b.detect(moto)).find((d) => d.label === 'motorcycle');
  console.log(
    `motorcycle_right.png: fp32 ${ma ? `${ma.score} [${ma.box}]` : 'none'}, int8 ${mb ? `${mb.score} [${mb.box}]` : 'none'}${ma && mb ? ` IoU ${iou(ma.box, mb.box).toFixed(3)}` : ''}`,
  );
  for (const name of ['coffee', 'chelsea'] as const) {
    const img = await readRgb(fixtures[name]);
    const people = (m2: Detection[]) => m2.filter((d) => d.label === 'person').map((d) => d.score);
    console.log(`${name}.png: persons fp32 [${people(await a.detect(img))}], int8 [${people(await b.detect(img))}]`);
  }
  if (profileDir) {
    b.session.endProfiling();
    const file = join(profileDir, readdirSync(profileDir)[0]!);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as Array<{ cat: string; name: string; args?: { op_name?: string } }>;
    const ops: Record<string, number> = {};
    for (const e of trace) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) ops[e.args?.op_name ?? '?'] = (ops[e.args?.op_name ?? '?'] ?? 0) + 1;
    console.log('int8 kernels run (count over all runs):', ops);
    rmSync(profileDir, { recursive: true, force: true });
  }
  await a.session.release();
  await b.session.release();
}

await main();
