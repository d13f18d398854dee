/**
 * The int8 NanoDet (`nanodet-int8`, static QDQ quantization of `nanodet` by models/quantize/):
 * built byte for byte from the package and the committed calibration, run by onnxruntime as int8
 * kernels, and finding what the fp32 model finds on real footage and photos.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertFromSource, convertSourceModel, ensureModel, sha256Of } from '../../models/ensure-model.ts';
import { loadManifest } from '../../models/manifest.ts';
import { encodeModel } from '../../models/converter/onnx-proto.ts';
import { quantizeModel } from '../../models/quantize/qdq.ts';
import { formatCalibration, loadCalibration } from '../../models/quantize/calibration.ts';
import { createOnnxEngine, type OnnxEngine } from '../../hub/detect/engine.ts';
import { detectSchema } from '../../hub/detect/config.ts';
import { letterboxInto } from '../../hub/detect/letterbox.ts';
import { iou } from '../../hub/detect/nms.ts';
import type { Detection } from '../../hub/detect/types.ts';
import { fixtures } from '../../tools/fixtures.ts';
import { readRgb, vtestFrame } from '../../tools/images.ts';

type Box = [number, number, number, number];
const annotations = JSON.parse(readFileSync(new URL('./fixtures/vtest-people.json', import.meta.url), 'utf8')) as {
  frames: Array<{ frame: number; people: Box[]; vehicles: Array<{ what: string; box: Box }> }>;
};
const manifest = loadManifest('nanodet-int8');

describe('nanodet-int8 build', () => {
  it('is deterministic and gives the sha256 the manifest pins', () => {
    const a = convertFromSource(manifest);
    const b = convertFromSource(manifest);
    expect(sha256Of(a)).toBe(sha256Of(b));
    expect(sha256Of(a)).toBe(manifest.sha256);
    expect(ensureModel('nanodet-int8').path.endsWith('nanodet-int8.onnx')).toBe(true);
  });

  it('depends on the calibrated ranges: one range moved gives other bytes', () => {
    const cal = loadCalibration(manifest.quantize!.calibration);
    const [first, [lo, hi]] = Object.entries(cal.ranges)[1]!;
    const fp32 = convertSourceModel(loadManifest('nanodet'));
    const moved = encodeModel(quantizeModel(fp32, { ...cal.ranges, [first]: [lo, hi * 1.01] }));
    expect(sha256Of(moved)).not.toBe(manifest.sha256);
  });

  it('refuses a calibration taken on another fp32 model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'int8-cal-'));
    try {
      const cal = loadCalibration(manifest.quantize!.calibration);
      const file = join(dir, 'other.json');
      writeFileSync(file, formatCalibration({ ...cal, fp32Sha256: '0'.repeat(64) }));
      expect(() => convertFromSource({ ...manifest, quantize: { ...manifest.quantize!, calibration: file } })).toThrow(
        /was taken on nanodet 0{64}, not on nanodet [0-9a-f]{64}/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as int8 kernels in onnxruntime: every conv but the three output heads is a QLinearConv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'int8-prof-'));
    try {
      const { path } = ensureModel('nanodet-int8');
      const session = await ort.InferenceSession.create(path, {
        intraOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        enableProfiling: true,
        profileFilePrefix: join(dir, 'p'),
      });
      const size = manifest.input.size;
      const x = new Float32Array(3 * size * size);
      letterboxInto(vtestFrame(150), manifest.input, x);
      await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, [1, 3, size, size]) });
      session.endProfiling();
      await session.release();
      const trace = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as Array<{ cat: string; name: string; args?: { op_name?: string } }>;
      const ops = new Map<string, number>();
      for (const e of trace) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) ops.set(e.args!.op_name!, (ops.get(e.args!.op_name!) ?? 0) + 1);
      expect(ops.get('QLinearConv')).toBe(31);
      expect(ops.get('Conv')).toBe(3);
      expect(ops.get('QLinearLeakyRelu')).toBe(28);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nanodet-int8 against nanodet (fp32) on real images', () => {
  let fp32: OnnxEngine;
  let int8: OnnxEngine;
  beforeAll(async () => {
    fp32 = await createOnnxEngine(detectSchema.parse({ threads: 1 }));
    int8 = await createOnnxEngine(detectSchema.parse({ model: 'nanodet-int8', threads: 1 }));
  });
  afterAll(async () => {
    await fp32?.close();
    await int8?.close();
  });

  it('finds the same annotated people on the vtest frames (IoU >= 0.5), the parked vehicles, and scores within 0.1 of fp32', async () => {
    const frames = annotations.frames.map((a) => vtestFrame(a.frame));
    const [a, b] = await Promise.all([fp32.detect(frames), int8.detect(frames)]);
    annotations.frames.forEach((ann, k) => {
      const found = (dets: Detection[]): Box[] => ann.people.filter((gt) => dets.some((d) => d.label === 'person' && iou(gt, d.box) >= 0.5));
      const byFp32 = found(a[k]!);
      const byInt8 = found(b[k]!);
      expect(byInt8, `frame ${ann.frame}: people found by int8 vs fp32`).toEqual(byFp32);
      expect(byInt8.length / ann.people.length, `frame ${ann.frame}`).toBeGreaterThanOrEqual(0.8);
      for (const v of ann.vehicles) {
        expect(
          b[k]!.some((d) => ['car', 'truck', 'bus'].includes(d.label) && iou(v.box, d.box) >= 0.5),
          `frame ${ann.frame}: ${v.what}`,
        ).toBe(true);
      }
      // Each fp32 person scoring 0.5 or more has an int8 twin: same place, close score.
      for (const d of a[k]!.filter((x) => x.label === 'person' && x.score >= 0.5)) {
        const twin = b[k]!.find((e) => e.label === 'person' && iou(d.box, e.box) >= 0.5);
        expect(twin, `frame ${ann.frame}: fp32 person ${d.score} at [${d.box}]`).toBeDefined();
        expect(Math.abs(twin!.score - d.score), `frame ${ann.frame}: person at [${d.box}]`).toBeLessThanOrEqual(0.1);
      }
    });
  });

  it('finds the motorcycle in motorcycle_right.png where fp32 does', async () => {
    const img = await readRgb(fixtures.motorcycle);
    const [[byFp32], [byInt8]] = await Promise.all([fp32.detect([img], { labels: ['motorcycle'] }), int8.detect([img], { labels: ['motorcycle'] })]);
    const a = byFp32![0];
    const b = byInt8![0];
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    const [x1, y1, x2, y2] = b!.box;
    expect((x2 - x1) * (y2 - y1)).toBeGreaterThan(0.4 * img.width * img.height);
    expect(iou(a!.box, b!.box)).toBeGreaterThan(0.9);
  });

  it('finds no person above the threshold in coffee.png and chelsea.png', async () => {
    const results = await int8.detect([await readRgb(fixtures.coffee), await readRgb(fixtures.chelsea)], { labels: ['person'] });
    expect(results).toEqual([[], []]);
  });
});
