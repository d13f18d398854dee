import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { cancelTransposes, sortTopologically } from './tfjs-to-onnx.ts';
import { encodeModel, DataType, type OnnxNode } from './onnx-proto.ts';

const t = (name: string, input: string, perm: number[]): OnnxNode => ({
  name,
  opType: 'Transpose',
  inputs: [input],
  outputs: [name],
  attributes: [{ name: 'perm', type: 'ints', value: perm }],
});

describe('cancelTransposes', () => {
  it('removes an NCHW→NHWC→NCHW round trip and the nodes nothing reads', () => {
    const nodes = [t('a', 'x', [0, 2, 3, 1]), t('b', 'a', [0, 3, 1, 2]), { name: 'y', opType: 'Relu', inputs: ['b'], outputs: ['y'] }];
    expect(cancelTransposes(nodes, ['y'])).toEqual([{ name: 'y', opType: 'Relu', inputs: ['x'], outputs: ['y'] }]);
  });

  it('merges two transposes that do not cancel into one', () => {
    const out = cancelTransposes([t('a', 'x', [0, 2, 3, 1]), t('b', 'a', [0, 2, 3, 1])], ['b']);
    expect(out).toEqual([{ ...t('b', 'x', [0, 3, 1, 2]) }]);
  });
});

describe('sortTopologically', () => {
  it('orders nodes so each input exists before it is read', () => {
    const n2 = { name: 'z', opType: 'Relu', inputs: ['y'], outputs: ['z'] };
    const n1 = { name: 'y', opType: 'Relu', inputs: ['x'], outputs: ['y'] };
    expect(sortTopologically([n2, n1], ['x'], []).map((n) => n.name)).toEqual(['y', 'z']);
  });
});

describe('encodeModel', () => {
  it('writes a file onnxruntime loads and runs', async () => {
    const bytes = encodeModel({
      irVersion: 8,
      opsetVersion: 18,
      producerName: 'test',
      producerVersion: '1',
      graph: {
        name: 'g',
        nodes: [
          { name: 'add', opType: 'Add', inputs: ['x', 'b'], outputs: ['y'] },
          { name: 'lr', opType: 'LeakyRelu', inputs: ['y'], outputs: ['z'], attributes: [{ name: 'alpha', type: 'float', value: 0.5 }] },
        ],
        initializers: [{ name: 'b', dataType: DataType.FLOAT, dims: [2], raw: new Uint8Array(new Float32Array([1, -10]).buffer) }],
        inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 2] }],
        outputs: [{ name: 'z', elemType: DataType.FLOAT }],
      },
    });
    const s = await ort.InferenceSession.create(bytes);
    const r = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]) });
    expect(Array.from(r.z!.data as Float32Array)).toEqual([2, -4, 4, -3]);
    await s.release();
  });
});
