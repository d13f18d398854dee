import { describe, expect, it } from 'vitest';
import { decodeYolo } from './yolo-decoder.ts';
import { bindFamily } from './families.ts';
import { toDetections } from './postprocess.ts';
import { letterboxParams } from './letterbox.ts';

/**
 * Builds an Ultralytics v8/11 detect output [1, 4 + C, anchors] (channel-major, as `yolo export
 * format=onnx` writes it) from boxes given as [cx, cy, w, h, classId, score].
 */
function yoloTensor(numClasses: number, anchors: number, boxes: Array<[number, number, number, number, number, number]>) {
  const rows = 4 + numClasses;
  const data = new Float32Array(rows * anchors);
  boxes.forEach(([cx, cy, w, h, cls, score], n) => {
    [cx, cy, w, h].forEach((v, r) => (data[r * anchors + n] = v));
    data[(4 + cls) * anchors + n] = score;
  });
  return { data, dims: [1, rows, anchors] };
}

describe('Ultralytics YOLO decoder', () => {
  // 80 classes, 8400 anchors: the layout of yolov8n / yolo11n at 640.
  const t = yoloTensor(80, 8400, [
    [320, 240, 100, 200, 0, 0.91], // person
    [322, 242, 104, 198, 0, 0.85], // the same person again: suppressed by NMS
    [100, 500, 60, 40, 2, 0.7], // car
    [600, 100, 20, 20, 16, 0.95], // dog: filtered out by class
    [50, 50, 10, 10, 0, 0.2], // below threshold
  ]);

  it('reads cx,cy,w,h and per-class scores from the [1, 4+C, N] layout', () => {
    const out = decodeYolo(t.data, t.dims, 0, { numClasses: 80, minScore: 0.5, classes: new Set([0, 2]) });
    expect(out.map((c) => [c.classId, c.score, c.box])).toEqual([
      [0, expect.closeTo(0.91, 5), [270, 140, 370, 340]],
      [0, expect.closeTo(0.85, 5), [270, 143, 374, 341]],
      [2, expect.closeTo(0.7, 5), [70, 480, 130, 520]],
    ]);
  });

  it('reads the transposed [1, N, 4+C] layout the same way', () => {
    const rows = 84;
    const tr = new Float32Array(t.data.length);
    for (let r = 0; r < rows; r++) for (let n = 0; n < 8400; n++) tr[n * rows + r] = t.data[r * 8400 + n]!;
    const a = decodeYolo(t.data, t.dims, 0, { numClasses: 80, minScore: 0.5, classes: null });
    const b = decodeYolo(tr, [1, 8400, rows], 0, { numClasses: 80, minScore: 0.5, classes: null });
    expect(b).toEqual(a);
  });

  it('gives NMS-suppressed detections in source pixels through the family registry', () => {
    const decode = bindFamily('yolo', [{ name: 'output0', dims: ['N', 84, 8400] }], { inputSize: 640, numClasses: 80 });
    const cands = decode({ output0: t }, 0, { minScore: 0.5, classes: new Set([0, 2]) });
    const labels = Array.from({ length: 80 }, (_, i) => (i === 0 ? 'person' : i === 2 ? 'car' : `c${i}`));
    // A 1280x720 frame letterboxed into 640: scale 0.5, 140 px bars top and bottom.
    const dets = toDetections(cands, letterboxParams(1280, 720, 640), { iouThreshold: 0.5, labels, srcWidth: 1280, srcHeight: 720 });
    expect(dets).toEqual([
      { label: 'person', classId: 0, score: 0.91, box: [540, 0, 740, 400] },
      { label: 'car', classId: 2, score: 0.7, box: [140, 680, 260, 720] },
    ]);
  });

  it('refuses an output that has neither 4+C rows nor columns', () => {
    expect(() => bindFamily('yolo', [{ name: 'out', dims: [1, 85, 8400] }], { inputSize: 640, numClasses: 80 })).toThrow(
      /^detect: no output of out\[1,85,8400\] has the YOLO layout/,
    );
  });
});
