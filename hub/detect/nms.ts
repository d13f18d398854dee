/** Non-maximum suppression and IoU. Pure. */

export type Box = readonly [number, number, number, number];

/** A scored box before suppression, in model-input pixels. */
export interface Candidate {
  box: [number, number, number, number];
  score: number;
  classId: number;
}

export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy NMS per class: highest score first, dropping boxes of the same class that overlap a
 * kept one by more than `iouThreshold`. Returns at most `maxDetections`, best first.
 */
export function nms(cands: readonly Candidate[], iouThreshold: number, maxDetections = 300): Candidate[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.classId === c.classId && iou(k.box, c.box) > iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}
