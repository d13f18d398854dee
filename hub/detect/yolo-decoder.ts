/**
 * Ultralytics YOLO v8/v11 detect head as exported to ONNX: one output [N, 4 + C, anchors] with
 * rows cx, cy, w, h (model-input pixels) then one score per class (already sigmoid, no
 * objectness). Also reads the transposed [N, anchors, 4 + C] some exporters write. Pure.
 */
import type { Candidate } from './nms.ts';

export interface YoloDecodeOptions {
  numClasses: number;
  minScore: number;
  classes: ReadonlySet<number> | null;
}

/** Decodes batch item `item` of the output tensor (`dims` = [N, a, b]). */
export function decodeYolo(data: Float32Array, dims: readonly number[], item: number, o: YoloDecodeOptions): Candidate[] {
  const rows = 4 + o.numClasses;
  if (dims.length !== 3) throw new Error(`detect: yolo output has dims [${dims}], expected [N, ${rows}, anchors]`);
  const [, a = 0, b = 0] = dims;
  const channelMajor = a === rows;
  if (!channelMajor && b !== rows)
    throw new Error(`detect: yolo output dims [${dims}] hold neither ${rows} rows nor ${rows} columns (4 + ${o.numClasses} classes)`);
  const anchors = channelMajor ? b : a;
  const base = item * rows * anchors;
  const at = channelMajor ? (row: number, n: number) => base + row * anchors + n : (row: number, n: number) => base + n * rows + row;
  const out: Candidate[] = [];
  for (let n = 0; n < anchors; n++) {
    for (let c = 0; c < o.numClasses; c++) {
      const score = data[at(4 + c, n)]!;
      if (score < o.minScore || (o.classes && !o.classes.has(c))) continue;
      const cx = data[at(0, n)]!;
      const cy = data[at(1, n)]!;
      const w = data[at(2, n)]!;
      const h = data[at(3, n)]!;
      out.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, classId: c });
    }
  }
  return out;
}
