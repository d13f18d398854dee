/**
 * Start-up self-check of a quantized model against its float original: both run on one real
 * reference frame (the first frame of the demo clip, decoded by ffmpeg) and their detections
 * must agree. The int8 kernels multiply uint8 activations by int8 weights; on x86 CPUs without
 * VNNI (AVX2 only) onnxruntime's u8s8 path can saturate its intermediate sums, which would
 * silently degrade detection. When the two disagree the hub runs the float model instead.
 *
 * The comparison (`compareDetections`) is pure; `checkQuantized` does the I/O around it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { ffmpegPath } from '../core/ffmpeg-path.ts';
import { fileInput } from '../core/ffmpeg-input.ts';
import { DEFAULT_LABELS, DEFAULT_SCORE_THRESHOLD } from './config.ts';
import { iou } from './nms.ts';
import type { Detection, InferenceEngine, RgbImage } from './types.ts';

/** When a quantized model's detections count as the same as its float original's. */
export interface SelfCheckRules {
  /** Detections at or above this score must have a twin in the other model's output. */
  threshold: number;
  /** A twin: same class, box IoU at least this ... */
  minIoU: number;
  /** ... and score within this. Twins are looked for down to `threshold - scoreTolerance`. */
  scoreTolerance: number;
  /** The float model must find at least this many objects on the frame, or nothing was compared. */
  minObjects: number;
  labels: readonly string[];
}

/**
 * Fixed rules, whatever detect.scoreThreshold and detect.labels say: the check is about the
 * model's arithmetic on this CPU, and fixed rules make its figures comparable between hubs.
 * - IoU 0.5: the usual "same object"; measured twins on vtest and the demo clip are at 0.84 or more.
 * - score 0.1: measured int8 vs fp32 score changes are 0.026 at most on the reference frame, 0.062
 *   on 20 unseen vtest frames, 0.094 on 13 demo-clip frames; a saturating kernel changes scores by
 *   far more than that (or loses the objects).
 * - Twins are looked for down to threshold - tolerance, so an object one model scores 0.41 and the
 *   other 0.38 agrees (a 0.03 change) instead of counting as found by one model only.
 * - 3 objects: the reference frame has 7 (5 people, 2 cars); fewer means the frame or the float
 *   model is broken, and the check proves nothing.
 */
export const SELF_CHECK_RULES: SelfCheckRules = {
  threshold: DEFAULT_SCORE_THRESHOLD,
  minIoU: 0.5,
  scoreTolerance: 0.1,
  minObjects: 3,
  labels: DEFAULT_LABELS,
};

export interface Disagreement {
  /** Which model found the detection that has no close enough twin. */
  foundBy: 'float' | 'quantized';
  label: string;
  score: number;
  box: [number, number, number, number];
  /** The best same-class box of the other model, if any. */
  twin?: { score: number; iou: number };
}

export interface Comparison {
  /** Detections at or above the threshold, per model. */
  floatCount: number;
  quantizedCount: number;
  /** Of those, how many have a twin within the rules. */
  floatAgreeing: number;
  quantizedAgreeing: number;
  disagreements: Disagreement[];
  /** Over the twins found (IoU >= minIoU), both directions; 0 / 1 when there were none. */
  maxScoreDiff: number;
  meanScoreDiff: number;
  minIoU: number;
  /** True when nothing disagrees and the float model found at least minObjects. */
  agree: boolean;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Compares the detections of the float and the quantized model on the same image. */
export function compareDetections(float: readonly Detection[], quantized: readonly Detection[], rules: SelfCheckRules): Comparison {
  const diffs: number[] = [];
  let minIoU = 1;
  const disagreements: Disagreement[] = [];
  const side = (mine: readonly Detection[], other: readonly Detection[], foundBy: Disagreement['foundBy']): [number, number] => {
    const strong = mine.filter((d) => d.score >= rules.threshold);
    let agreeing = 0;
    for (const d of strong) {
      let best: { d: Detection; iou: number } | undefined;
      for (const e of other) {
        if (e.classId !== d.classId) continue;
        const o = iou(d.box, e.box);
        if (!best || o > best.iou) best = { d: e, iou: o };
      }
      const twin = best && best.iou > 0 ? { score: round3(best.d.score), iou: round3(best.iou) } : undefined;
      if (best && best.iou >= rules.minIoU) {
        const diff = Math.abs(best.d.score - d.score);
        diffs.push(diff);
        minIoU = Math.min(minIoU, best.iou);
        if (diff <= rules.scoreTolerance) {
          agreeing++;
          continue;
        }
      }
      disagreements.push({
        foundBy,
        label: d.label,
        score: round3(d.score),
        box: d.box.map((v) => Math.round(v)) as Disagreement['box'],
        ...(twin ? { twin } : {}),
      });
    }
    return [strong.length, agreeing];
  };
  const [floatCount, floatAgreeing] = side(float, quantized, 'float');
  const [quantizedCount, quantizedAgreeing] = side(quantized, float, 'quantized');
  return {
    floatCount,
    quantizedCount,
    floatAgreeing,
    quantizedAgreeing,
    disagreements,
    maxScoreDiff: round3(diffs.length > 0 ? Math.max(...diffs) : 0),
    meanScoreDiff: round3(diffs.length > 0 ? diffs.reduce((a, b) => a + b, 0) / diffs.length : 0),
    minIoU: round3(minIoU),
    agree: disagreements.length === 0 && floatCount >= rules.minObjects,
  };
}

/** The committed demo clip (real footage, see hub/demo/ATTRIBUTION.md). */
export const REFERENCE_CLIP = fileURLToPath(new URL('../demo/vtest-demo.mp4', import.meta.url));
const REFERENCE_SIZE = { width: 640, height: 360 };
export const REFERENCE_FRAME_NAME = `${relative(fileURLToPath(new URL('../..', import.meta.url)), REFERENCE_CLIP)} frame 0`;

/** Frame 0 of the demo clip as rgb24 640x360 (one ffmpeg run, ~50 ms). */
export function referenceFrame(): Promise<RgbImage> {
  const { width, height } = REFERENCE_SIZE;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...fileInput(REFERENCE_CLIP),
    '-frames:v',
    '1',
    '-vf',
    `scale=${width}:${height}`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ];
  return new Promise((ok, fail) => {
    execFile(ffmpegPath(), args, { encoding: 'buffer', maxBuffer: 4 * width * height * 3, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`cannot decode the reference frame of ${REFERENCE_CLIP}: ${stderr.toString().trim().split('\n')[0] || err.message}`));
      if (stdout.length !== width * height * 3) return fail(new Error(`the reference frame of ${REFERENCE_CLIP} came out as ${stdout.length} bytes`));
      ok({ width, height, data: new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length) });
    });
  });
}

/** What the check found, as the engine reports it (`engine.selfCheck`, GET /api/detect/status). */
export interface SelfCheckStatus {
  /**
   * passed: the quantized model runs. fell-back: it disagreed (or the check could not run) and the
   * float original runs instead. unchecked: the float original could not be loaded, so the
   * quantized model runs unverified (warning logged).
   */
  outcome: 'passed' | 'fell-back' | 'unchecked';
  /** The configured (quantized) model and its float original. */
  model: string;
  original: string;
  /** The model the detector runs now. */
  running: string;
  frame: string;
  rules: SelfCheckRules;
  /** True when the rules are not SELF_CHECK_RULES (a test's override). */
  rulesOverridden: boolean;
  comparison?: Comparison;
  /** Wall time from the quantized model ready to the other session released. */
  ms: number;
  /** One line for the log. */
  summary: string;
}

function describe(d: Disagreement, quantized: string, original: string): string {
  const [by, other] = d.foundBy === 'float' ? [original, quantized] : [quantized, original];
  const twin = d.twin ? `${other} ${d.twin.score.toFixed(3)}, IoU ${d.twin.iou.toFixed(2)}` : `nothing of that class in ${other}`;
  return `${d.label} ${d.score.toFixed(3)} in ${by} at [${d.box.join(',')}] vs ${twin}`;
}

/**
 * Runs the check for a loaded quantized engine. Resolves to the engine to run (the quantized one
 * if it passed, else the float one; the other is closed) and the status. Never rejects.
 */
export async function checkQuantized<E extends InferenceEngine>(
  quantized: E,
  opts: { original: string; startOriginal: () => Promise<E>; rules?: Partial<SelfCheckRules>; frame?: () => Promise<RgbImage> },
): Promise<{ engine: E; status: SelfCheckStatus }> {
  const t0 = performance.now();
  const rules: SelfCheckRules = { ...SELF_CHECK_RULES, ...opts.rules };
  const rulesOverridden = JSON.stringify(rules) !== JSON.stringify(SELF_CHECK_RULES);
  const model = quantized.modelId;
  const original = opts.original;
  const base = { model, original, frame: REFERENCE_FRAME_NAME, rules, rulesOverridden };
  const ms = (): number => Math.round(performance.now() - t0);
  const overridden = rulesOverridden ? ` (rules overridden: ${JSON.stringify(opts.rules)})` : '';

  const frameP = (opts.frame ?? referenceFrame)();
  frameP.catch(() => {}); // awaited below; a failure before that is not unhandled
  let float: E;
  try {
    float = await opts.startOriginal();
  } catch (err) {
    return {
      engine: quantized,
      status: {
        ...base,
        outcome: 'unchecked',
        running: model,
        ms: ms(),
        summary: `self-check of ${model} not done: its float original ${original} cannot be loaded (${(err as Error).message}); running ${model} unverified`,
      },
    };
  }
  const fallBack = async (why: string, comparison?: Comparison): Promise<{ engine: E; status: SelfCheckStatus }> => {
    await quantized.close();
    const took = ms();
    const status: SelfCheckStatus = {
      ...base,
      outcome: 'fell-back',
      running: float.modelId,
      ms: took,
      ...(comparison ? { comparison } : {}),
      summary: `self-check FAILED (${took} ms): ${why}${overridden}. Running the float model ${float.modelId} instead of ${model} (correct detections, about 2.3x the CPU per frame); see hub/detect/README.md`,
    };
    return { engine: float, status };
  };
  let comparison: Comparison;
  try {
    const frame = await frameP;
    // Twins are looked for below the threshold (see SelfCheckRules.scoreTolerance).
    const detectOpts = { labels: rules.labels, minScore: Math.max(0.01, rules.threshold - Math.max(0, rules.scoreTolerance)) };
    const [[f = []], [q = []]] = await Promise.all([float.detect([frame], detectOpts), quantized.detect([frame], detectOpts)]);
    comparison = compareDetections(f, q, rules);
  } catch (err) {
    return fallBack(`${model} could not be compared with ${original} on the reference frame (${(err as Error).message})`);
  }
  const c = comparison;
  const figures = `max score difference ${c.maxScoreDiff.toFixed(3)} (mean ${c.meanScoreDiff.toFixed(3)}), min IoU ${c.minIoU.toFixed(2)}`;
  if (!c.agree) {
    const rule = `same class, IoU >= ${rules.minIoU}, |score difference| <= ${rules.scoreTolerance}`;
    const why =
      c.floatCount < rules.minObjects
        ? `${original} found only ${c.floatCount} objects (score >= ${rules.threshold}) on the reference frame ${REFERENCE_FRAME_NAME}, fewer than ${rules.minObjects}: nothing to compare ${model} with`
        : `${model} disagrees with its float original ${original} on the reference frame ${REFERENCE_FRAME_NAME}: ` +
          `${c.floatCount - c.floatAgreeing} of ${c.floatCount} ${original} detections and ${c.quantizedCount - c.quantizedAgreeing} of ${c.quantizedCount} ${model} detections ` +
          `(score >= ${rules.threshold}) have no twin (${rule}); ${figures}; ` +
          c.disagreements
            .slice(0, 4)
            .map((d) => describe(d, model, original))
            .join('; ') +
          (c.disagreements.length > 4 ? `; and ${c.disagreements.length - 4} more` : '') +
          '. The int8 kernels may be saturating on this CPU (no VNNI?)';
    return fallBack(why, c);
  }
  await float.close();
  const took = ms();
  return {
    engine: quantized,
    status: {
      ...base,
      outcome: 'passed',
      running: model,
      comparison: c,
      ms: took,
      summary: `self-check passed: ${model} vs its float original ${original} on ${REFERENCE_FRAME_NAME}: ${c.floatAgreeing}/${c.floatCount} and ${c.quantizedAgreeing}/${c.quantizedCount} detections agree, ${figures}${overridden} (${took} ms)`,
    },
  };
}
