/** From candidates in model-input pixels to the Detections the hub hands out. Pure. */
import type { Detection } from './types.ts';
import { nms, type Candidate } from './nms.ts';
import { unletterboxBox, type Letterbox } from './letterbox.ts';

export interface PostprocessOptions {
  iouThreshold: number;
  labels: readonly string[];
  srcWidth: number;
  srcHeight: number;
  maxDetections?: number;
}

export function toDetections(cands: readonly Candidate[], lb: Letterbox, o: PostprocessOptions): Detection[] {
  return nms(cands, o.iouThreshold, o.maxDetections).map((c) => ({
    label: o.labels[c.classId] ?? `class-${c.classId}`,
    classId: c.classId,
    score: Math.round(c.score * 1e4) / 1e4,
    box: unletterboxBox(c.box, lb, o.srcWidth, o.srcHeight).map((v) => Math.round(v * 10) / 10) as Detection['box'],
  }));
}
