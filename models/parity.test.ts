/**
 * The converted ONNX model against the original TFJS graph model run by @tensorflow/tfjs on its
 * pure-JS CPU backend: same real inputs, every raw output within 1e-3.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { ensureModel } from './ensure-model.ts';
import { loadTfjsReference } from './tfjs-reference.ts';
import { letterboxInto } from '../hub/detect/letterbox.ts';
import { vtestFrame, readRgb } from '../tools/images.ts';
import { fixtures } from '../tools/fixtures.ts';

describe('nanodet ONNX parity with TFJS', () => {
  it('matches every raw output within 1e-3 on real frames, batched', async () => {
    const { manifest, path } = ensureModel('nanodet');
    const size = manifest.input.size;
    const plane = 3 * size * size;
    const images = [vtestFrame(150), await readRgb(fixtures.motorcycle)];
    const input = new Float32Array(images.length * plane);
    images.forEach((img, k) => letterboxInto(img, manifest.input, input, k * plane));

    const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
    const onnx = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, [images.length, 3, size, size]) });
    const ref = await loadTfjsReference(manifest);
    const tfjs = await ref.run(input, images.length);
    ref.dispose();

    const diffs = session.outputNames.map((name, k) => {
      const a = onnx[name]!.data as Float32Array;
      const b = tfjs[k]!;
      expect(a.length).toBe(b.length);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
      return max;
    });
    expect(Math.max(...diffs)).toBeLessThanOrEqual(1e-3);
    // The scores are not all zero: the comparison saw real activations.
    await session.release();
    expect((onnx[session.outputNames[0]!]!.data as Float32Array).reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(0.5);
  }, 120_000);
});
