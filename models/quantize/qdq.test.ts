/** The quantizer's graph rewrites on a small hand-built graph, run by onnxruntime. */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, type OnnxModel, type OnnxTensor } from '../converter/onnx-proto.ts';
import { activationParams, foldPads, planQuantization, quantizeModel, quantizeWeights, resizeWithScales } from './qdq.ts';

const f32 = (name: string, dims: number[], values: number[]): OnnxTensor => ({
  name,
  dataType: DataType.FLOAT,
  dims,
  raw: new Uint8Array(Float32Array.from(values).buffer),
});
const i64 = (name: string, values: number[]): OnnxTensor => ({
  name,
  dataType: DataType.INT64,
  dims: [values.length],
  raw: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
});

/** x[N,2,8,8] → Pad 1 → Conv 3x3 (3 out) → LeakyRelu → Pad -inf → MaxPool 2/2 → Conv 1x1 (head) → Resize to 8x8 (sizes, axes 2,3). */
function tinyModel(): OnnxModel {
  const w1 = Array.from({ length: 3 * 2 * 9 }, (_, k) => Math.sin(k * 1.7) * 0.5);
  const w2 = Array.from({ length: 2 * 3 }, (_, k) => Math.cos(k) * 0.8);
  return {
    irVersion: 8,
    opsetVersion: 18,
    producerName: 'test',
    producerVersion: '1',
    graph: {
      name: 'tiny',
      inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 2, 8, 8] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT }],
      initializers: [
        i64('p1', [0, 0, 1, 1, 0, 0, 1, 1]),
        f32('w1', [3, 2, 3, 3], w1),
        f32('b1', [3], [0.1, -0.2, 0.05]),
        i64('p2', [0, 0, 0, 0, 0, 0, 1, 1]),
        f32('ninf', [], [-Infinity]),
        f32('w2', [2, 3, 1, 1], w2),
        f32('b2', [2], [0, 0.3]),
        i64('sz', [8, 8]),
      ],
      nodes: [
        { name: 'pad1', opType: 'Pad', inputs: ['x', 'p1'], outputs: ['xp'], attributes: [{ name: 'mode', type: 'string', value: 'constant' }] },
        {
          name: 'c1',
          opType: 'Conv',
          inputs: ['xp', 'w1', 'b1'],
          outputs: ['c1'],
          attributes: [
            { name: 'kernel_shape', type: 'ints', value: [3, 3] },
            { name: 'strides', type: 'ints', value: [1, 1] },
            { name: 'dilations', type: 'ints', value: [1, 1] },
          ],
        },
        { name: 'lr', opType: 'LeakyRelu', inputs: ['c1'], outputs: ['lr'], attributes: [{ name: 'alpha', type: 'float', value: 0.1 }] },
        { name: 'pad2', opType: 'Pad', inputs: ['lr', 'p2', 'ninf'], outputs: ['lp'], attributes: [{ name: 'mode', type: 'string', value: 'constant' }] },
        {
          name: 'mp',
          opType: 'MaxPool',
          inputs: ['lp'],
          outputs: ['mp'],
          attributes: [
            { name: 'kernel_shape', type: 'ints', value: [3, 3] },
            { name: 'strides', type: 'ints', value: [2, 2] },
          ],
        },
        {
          name: 'c2',
          opType: 'Conv',
          inputs: ['mp', 'w2', 'b2'],
          outputs: ['c2'],
          attributes: [
            { name: 'kernel_shape', type: 'ints', value: [1, 1] },
            { name: 'strides', type: 'ints', value: [1, 1] },
          ],
        },
        {
          name: 'rs',
          opType: 'Resize',
          inputs: ['c2', '', '', 'sz'],
          outputs: ['y'],
          attributes: [
            { name: 'mode', type: 'string', value: 'linear' },
            { name: 'coordinate_transformation_mode', type: 'string', value: 'half_pixel' },
            { name: 'axes', type: 'ints', value: [2, 3] },
          ],
        },
      ],
    },
  };
}

const input = Float32Array.from({ length: 2 * 2 * 64 }, (_, k) => Math.sin(k * 0.37) * 2);

async function run(m: OnnxModel): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(encodeModel(m), { graphOptimizationLevel: 'all' });
  const out = await s.run({ x: new ort.Tensor('float32', input, [2, 2, 8, 8]) });
  await s.release();
  return out.y!.data as Float32Array;
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('quantizer rewrites', () => {
  it('folds the Pads into Conv and MaxPool and gives Resize its scales, with the same outputs', async () => {
    const m = tinyModel();
    const r = foldPads(resizeWithScales(m));
    expect(r.graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'LeakyRelu', 'MaxPool', 'Conv', 'Resize']);
    expect(r.graph.nodes[0]!.attributes).toContainEqual({ name: 'pads', type: 'ints', value: [1, 1, 1, 1] });
    expect(r.graph.nodes[2]!.attributes).toContainEqual({ name: 'pads', type: 'ints', value: [0, 0, 1, 1] });
    expect(r.graph.nodes[4]!.inputs).toEqual(['c2', '', 'rs/scales']);
    expect(maxDiff(await run(m), await run(r))).toBeLessThan(1e-6);
  });

  it('keeps the head conv float and quantizes the rest within a few steps of the fp32 outputs', async () => {
    const m = tinyModel();
    const plan = planQuantization(m);
    expect([...plan.floatNodes]).toEqual(['c2', 'rs']);
    expect(plan.roots).toEqual(['x', 'c1', 'lr']);
    const ranges = { x: [-2, 2], c1: [-3, 3], lr: [-0.3, 3] } as const;
    const q = quantizeModel(m, ranges);
    expect(q.graph.nodes.filter((n) => n.opType === 'QuantizeLinear').map((n) => n.inputs[0])).toEqual(['x', 'c1', 'lr', 'mp']);
    const [a, b] = [await run(m), await run(q)];
    const peak = a.reduce((p, v) => Math.max(p, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(0.5);
    expect(maxDiff(a, b)).toBeLessThan(0.05 * peak);
    expect(maxDiff(a, b)).toBeGreaterThan(0); // it did quantize
    expect(() => quantizeModel(m, { x: [-2, 2], c1: [-3, 3] })).toThrow(/no calibrated range for lr/);
  });

  it('quantizes weights per output channel, symmetric, and keeps 0 exact in activations', () => {
    const { q, scales } = quantizeWeights(Float32Array.from([0.5, -1, 0.25, 0, 0, 0]), 2);
    expect(Array.from(q)).toEqual([64, -127, 32, 0, 0, 0]);
    expect(scales[0]).toBeCloseTo(1 / 127, 9);
    expect(scales[1]).toBe(1);
    const p = activationParams([-0.5, 2]);
    expect(p.zeroPoint).toBe(51);
    expect(activationParams([0.2, 1]).zeroPoint).toBe(0);
  });
});
