/**
 * NanoDet's GFL head: per stride level, class scores (already sigmoid) and, per box side, a
 * distribution over regMax+1 bins whose expectation is the side's distance in strides.
 * Pure: works on flat arrays.
 */
import type { Candidate } from './nms.ts';

export interface NanodetLevel {
  stride: number;
  /** [cells, numClasses] for one image. */
  cls: Float32Array;
  /** [cells, 4 * (regMax + 1)] for one image, sides in order left, top, right, bottom. */
  reg: Float32Array;
}

export interface NanodetDecodeOptions {
  inputSize: number;
  numClasses: number;
  regMax: number;
  centreOffset: number;
  minScore: number;
  /** Class ids to keep; null keeps all. */
  classes: ReadonlySet<number> | null;
}

/** Expected value of softmax(logits[at .. at+n]) over bins 0..n-1. */
export function distributionMean(logits: Float32Array, at: number, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[at + i]!);
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[at + i]! - max);
    sum += e;
    weighted += e * i;
  }
  return weighted / sum;
}

export function decodeNanodet(levels: readonly NanodetLevel[], o: NanodetDecodeOptions): Candidate[] {
  const out: Candidate[] = [];
  const bins = o.regMax + 1;
  for (const lv of levels) {
    const grid = Math.ceil(o.inputSize / lv.stride);
    const cells = lv.cls.length / o.numClasses;
    if (cells !== grid * grid || lv.reg.length !== cells * 4 * bins) {
      throw new Error(
        `detect: nanodet level stride ${lv.stride} has ${cells} cells and ${lv.reg.length} box values; expected ${grid * grid} and ${grid * grid * 4 * bins}`,
      );
    }
    for (let cell = 0; cell < cells; cell++) {
      let box: [number, number, number, number] | undefined;
      const base = cell * o.numClasses;
      for (let c = 0; c < o.numClasses; c++) {
        const score = lv.cls[base + c]!;
        if (score < o.minScore || (o.classes && !o.classes.has(c))) continue;
        if (!box) {
          const cx = ((cell % grid) + o.centreOffset) * lv.stride;
          const cy = (Math.floor(cell / grid) + o.centreOffset) * lv.stride;
          const r = cell * 4 * bins;
          box = [
            cx - distributionMean(lv.reg, r, bins) * lv.stride,
            cy - distributionMean(lv.reg, r + bins, bins) * lv.stride,
            cx + distributionMean(lv.reg, r + 2 * bins, bins) * lv.stride,
            cy + distributionMean(lv.reg, r + 3 * bins, bins) * lv.stride,
          ];
        }
        out.push({ box: [...box], score, classId: c });
      }
    }
  }
  return out;
}
