/**
 * Reads a TensorFlow.js graph model (model.json + weight shards) from disk into plain nodes and
 * decoded constant tensors. Only what the converter needs: float32 (plain or float16-quantised)
 * and int32 weights.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TfjsNode {
  name: string;
  op: string;
  input: string[];
  attr: Record<string, TfjsAttr>;
}

/** The attr forms a TF NodeDef takes in model.json. */
export interface TfjsAttr {
  i?: string;
  f?: number;
  b?: boolean;
  s?: string;
  type?: string;
  list?: { i?: string[]; f?: number[]; s?: string[] };
  shape?: { dim?: Array<{ size: string }> };
  tensor?: unknown;
}

export interface ConstTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface TfjsGraphModel {
  json: {
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: unknown;
    modelTopology: { node: TfjsNode[]; versions?: unknown };
    weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  };
  /** All shards concatenated, as tfjs itself loads them. */
  weightData: Uint8Array;
  weights: Map<string, ConstTensor>;
}

/** IEEE 754 half → single precision. */
export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decodeWeights(specs: WeightSpec[], data: Uint8Array, file: string): Map<string, ConstTensor> {
  const out = new Map<string, ConstTensor>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization?.dtype;
    if (spec.dtype === 'int32' && !q) {
      const arr = new Int32Array(n);
      for (let i = 0; i < n; i++) arr[i] = view.getInt32(at + i * 4, true);
      out.set(spec.name, { dtype: 'int32', shape: spec.shape, data: arr });
      at += n * 4;
    } else if (spec.dtype === 'float32' && (!q || q === 'float16')) {
      const arr = new Float32Array(n);
      const width = q ? 2 : 4;
      for (let i = 0; i < n; i++) {
        arr[i] = q ? float16ToFloat32(view.getUint16(at + i * 2, true)) : view.getFloat32(at + i * 4, true);
      }
      out.set(spec.name, { dtype: 'float32', shape: spec.shape, data: arr });
      at += n * width;
    } else {
      throw new Error(`models: ${file}: weight ${spec.name} has dtype ${spec.dtype}${q ? `/${q}` : ''}, which the converter does not read`);
    }
  }
  if (at !== data.byteLength) throw new Error(`models: ${file}: weights take ${at} bytes but the shards hold ${data.byteLength}`);
  return out;
}

/** Loads model.json and its shards (same folder). */
export function readTfjsGraphModel(jsonPath: string): TfjsGraphModel {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as TfjsGraphModel['json'];
  if (json.format !== 'graph-model') throw new Error(`models: ${jsonPath} is not a TFJS graph model (format ${json.format})`);
  const groups = json.weightsManifest;
  const shards = groups.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(jsonPath), p)));
  const weightData = new Uint8Array(Buffer.concat(shards));
  const weights = decodeWeights(
    groups.flatMap((g) => g.weights),
    weightData,
    jsonPath,
  );
  return { json, weightData, weights };
}
