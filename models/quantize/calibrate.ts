/**
 * `node --import tsx models/quantize/calibrate.ts [--method max|percentile] [--percentile P] [--headroom H] [--out FILE]`
 *
 * Runs the fp32 model on real vtest.avi frames with every tensor the quantizer needs a range for
 * added as a graph output, and writes those ranges to models/nanodet-int8.calibration.json. The
 * file is committed: the int8 model is built from it, so the build never depends on a
 * calibration run (onnxruntime's float results may differ by a few ulps between machines).
 *
 * - max: the smallest and largest value seen over all frames.
 * - percentile: per tensor, the P-th percentile of the values above 0 and the (100-P)-th of the
 *   values below 0, from a 4096-bin histogram over the max range (second pass).
 * Either is then widened by `headroom` (default 1.5; not the input's, which already spans the
 * pixel values 0-255): the clip is one scene, and a camera that sees
 * brighter, more contrasted scenes would otherwise have its activations clipped (on
 * motorcycle_right.png, a close-up daylight photo, plain max ranges cost 0.14 of the motorcycle's
 * score, 1.5x costs 0.05; on 20 unseen vtest frames the mean score change of matched detections
 * goes from 0.009 to 0.013).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertSourceModel, sha256Of } from '../ensure-model.ts';
import { loadManifest, MODELS_DIR } from '../manifest.ts';
import { encodeModel, DataType, type OnnxModel } from '../converter/onnx-proto.ts';
import { letterboxInto } from '../../hub/detect/letterbox.ts';
import { ensureFixtures } from '../../tools/fixtures.ts';
import { planQuantization } from './qdq.ts';
import { CALIBRATION_FRAMES, vtestFrames } from './frames.ts';
import { formatCalibration, type CalibrationFile } from './calibration.ts';

/** Where calibrate.ts writes by default; models/nanodet-int8.manifest.json names it. */
export const CALIBRATION_FILE = join(MODELS_DIR, 'nanodet-int8.calibration.json');

const BINS = 4096;

/** The fp32 model with the tensors to calibrate as extra outputs. */
export function calibrationModel(fp32: OnnxModel): { model: OnnxModel; tensors: string[] } {
  const { roots } = planQuantization(fp32);
  const existing = new Set(fp32.graph.outputs.map((o) => o.name));
  const extra = roots.filter((t) => !existing.has(t) && !fp32.graph.inputs.some((i) => i.name === t));
  return {
    model: { ...fp32, graph: { ...fp32.graph, outputs: [...fp32.graph.outputs, ...extra.map((name) => ({ name, elemType: DataType.FLOAT }))] } },
    tensors: roots,
  };
}

const round6 = (v: number): number => Number(v.toPrecision(6));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { method: { type: 'string' }, percentile: { type: 'string' }, headroom: { type: 'string' }, out: { type: 'string' } },
  });
  const method = values.method ?? 'max';
  const pct = Number(values.percentile ?? 99.99);
  const headroom = Number(values.headroom ?? 1.5);
  if (!(headroom >= 1)) throw new Error(`calibrate: headroom ${values.headroom} must be a number >= 1`);
  if (method !== 'max' && method !== 'percentile') throw new Error(`calibrate: unknown method ${method}`);
  ensureFixtures();
  const manifest = loadManifest('nanodet');
  const fp32 = convertSourceModel(manifest);
  const fp32Sha256 = sha256Of(encodeModel(fp32));
  if (fp32Sha256 !== manifest.sha256) throw new Error(`calibrate: the fp32 conversion is ${fp32Sha256}, the manifest pins ${manifest.sha256}`);
  const { model, tensors } = calibrationModel(fp32);
  const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 2, graphOptimizationLevel: 'disabled' });
  const inputName = fp32.graph.inputs[0]!.name;
  const size = manifest.input.size;
  const frames = vtestFrames(CALIBRATION_FRAMES);
  const inputs = frames.map((f) => {
    const x = new Float32Array(3 * size * size);
    letterboxInto(f, manifest.input, x);
    return x;
  });
  const run = async (x: Float32Array): Promise<Map<string, Float32Array>> => {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', x, [1, 3, size, size]) });
    return new Map(tensors.map((t) => [t, t === inputName ? x : (out[t]!.data as Float32Array)]));
  };

  const lo = new Map(tensors.map((t) => [t, 0]));
  const hi = new Map(tensors.map((t) => [t, 0]));
  for (const x of inputs) {
    for (const [t, v] of await run(x)) {
      let a = lo.get(t)!;
      let b = hi.get(t)!;
      for (let i = 0; i < v.length; i++) {
        const e = v[i]!;
        if (e < a) a = e;
        else if (e > b) b = e;
      }
      lo.set(t, a);
      hi.set(t, b);
    }
  }
  // The input is the letterboxed image: its range over 32 frames is already every pixel value's.
  const widen = (t: string): number => (t === inputName ? 1 : headroom);
  const ranges: Record<string, [number, number]> = {};
  if (method === 'max') {
    for (const t of tensors) ranges[t] = [round6(lo.get(t)! * widen(t)), round6(hi.get(t)! * widen(t))];
  } else {
    // Separate histograms for the negative and positive halves, each over [0, |extreme|].
    const neg = new Map(tensors.map((t) => [t, new Float64Array(BINS)]));
    const pos = new Map(tensors.map((t) => [t, new Float64Array(BINS)]));
    for (const x of inputs) {
      for (const [t, v] of await run(x)) {
        const hn = neg.get(t)!;
        const hp = pos.get(t)!;
        const kn = lo.get(t)! < 0 ? BINS / -lo.get(t)! : 0;
        const kp = hi.get(t)! > 0 ? BINS / hi.get(t)! : 0;
        for (let i = 0; i < v.length; i++) {
          const e = v[i]!;
          if (e < 0) hn[Math.min(BINS - 1, Math.floor(-e * kn))]!++;
          else if (e > 0) hp[Math.min(BINS - 1, Math.floor(e * kp))]!++;
        }
      }
    }
    const edge = (h: Float64Array, extreme: number): number => {
      const total = h.reduce((a, b) => a + b, 0);
      if (total === 0) return 0;
      let seen = 0;
      for (let k = 0; k < BINS; k++) {
        seen += h[k]!;
        if (seen >= (pct / 100) * total) return ((k + 1) / BINS) * extreme;
      }
      return extreme;
    };
    for (const t of tensors) ranges[t] = [round6(-edge(neg.get(t)!, -lo.get(t)!) * widen(t)), round6(edge(pos.get(t)!, hi.get(t)!) * widen(t))];
  }
  await session.release();
  const file: CalibrationFile = {
    model: manifest.id,
    fp32Sha256,
    method: `${method === 'max' ? 'max' : `percentile ${pct}`}, x${headroom} headroom`,
    frames: [...CALIBRATION_FRAMES],
    ranges,
  };
  const out = values.out ?? CALIBRATION_FILE;
  writeFileSync(out, formatCalibration(file));
  process.stderr.write(`calibrate: ${tensors.length} ranges (${file.method}) from ${frames.length} frames → ${out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
