/**
 * Static QDQ int8 quantization of a converted ONNX model (our own; no onnx Python package).
 *
 * - Weights of each Conv: per-output-channel symmetric int8 (scale = max|w| / 127, zero point 0),
 *   stored as int8 initializers read through DequantizeLinear (axis 0). Biases: int32 with scale
 *   input scale * weight scale, as QLinearConv wants them.
 * - Activations: every tensor of the quantized part of the graph goes through a
 *   QuantizeLinear → DequantizeLinear pair, per tensor, uint8 asymmetric, from calibrated ranges.
 *   Ops that only move values (Pad, MaxPool, Resize, Reshape, ...) reuse their input's
 *   parameters, so only the outputs of computing ops (and the graph input) need a range.
 * - The output heads stay float: a Conv from which no other Conv can be reached, and everything
 *   after it.
 * - Before that, two exact rewrites of the fp32 graph: explicit Pads fold into the Conv/MaxPool
 *   after them (a quantized Pad runs in float between DQ and Q: 29 round trips per image), and
 *   Resize gets 4-D scales instead of sizes + axes (see resizeWithScales).
 *
 * onnxruntime's graph optimizer then fuses DQ → Conv → Q into QLinearConv, DQ → LeakyRelu → Q into
 * QLinearLeakyRelu, and so on. Everything is computed with plain IEEE arithmetic and written in a
 * fixed order, so the same fp32 model and ranges give the same bytes on every machine.
 */
import { sortTopologically } from '../converter/tfjs-to-onnx.ts';
import { DataType, float32Raw, type DataTypeCode, type OnnxModel, type OnnxNode, type OnnxTensor } from '../converter/onnx-proto.ts';

/** TensorProto.DataType codes the converter's own table does not list. */
const UINT8 = 2 as DataTypeCode;
const INT8 = 3 as DataTypeCode;

/** Ops whose output values are input values (or interpolations of them): they share the input's parameters. */
const PASS_THROUGH = new Set(['Pad', 'MaxPool', 'Resize', 'Reshape', 'Transpose', 'Split', 'Identity']);

/** A calibrated activation range, [min, max]. */
export type Range = readonly [number, number];

export interface QuantizePlan {
  /** Nodes kept in float (the heads and everything after them), by node name. */
  floatNodes: Set<string>;
  /** Tensors that get a Q/DQ pair, in graph order. */
  quantized: string[];
  /** Tensor → the tensor whose range (and so parameters) it uses. */
  rootOf: Map<string, string>;
  /** The tensors that need a calibrated range, in graph order. */
  roots: string[];
}

interface Wiring {
  producer: Map<string, OnnxNode>;
  consumers: Map<string, OnnxNode[]>;
  initializers: Map<string, OnnxTensor>;
}

function wiring(model: OnnxModel): Wiring {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  for (const n of model.graph.nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) {
      if (!i) continue;
      const list = consumers.get(i) ?? [];
      list.push(n);
      consumers.set(i, list);
    }
  }
  return { producer, consumers, initializers: new Map(model.graph.initializers.map((t) => [t.name, t])) };
}

/** Decides what is quantized and which tensors need a range. Pure and deterministic. */
export function planQuantization(model: OnnxModel): QuantizePlan {
  const { producer, consumers, initializers } = wiring(model);
  // Nodes downstream of each node, to find the convs that reach no further conv (the heads).
  const reachesConv = new Map<OnnxNode, boolean>();
  const reaches = (n: OnnxNode): boolean => {
    const known = reachesConv.get(n);
    if (known !== undefined) return known;
    const users = n.outputs.flatMap((o) => consumers.get(o) ?? []);
    const r = users.some((u) => u.opType === 'Conv' || reaches(u));
    reachesConv.set(n, r);
    return r;
  };
  const floatNodes = new Set<string>();
  const markFloat = (n: OnnxNode): void => {
    if (floatNodes.has(n.name)) return;
    floatNodes.add(n.name);
    for (const o of n.outputs) for (const u of consumers.get(o) ?? []) markFloat(u);
  };
  for (const n of model.graph.nodes) if (n.opType === 'Conv' && !reaches(n)) markFloat(n);

  const quantized: string[] = [];
  const rootOf = new Map<string, string>();
  const roots: string[] = [];
  const add = (t: string, root: string): void => {
    quantized.push(t);
    rootOf.set(t, root);
    if (root === t) roots.push(t);
  };
  for (const i of model.graph.inputs) add(i.name, i.name);
  for (const n of model.graph.nodes) {
    if (floatNodes.has(n.name)) continue;
    for (const o of n.outputs) {
      if (PASS_THROUGH.has(n.opType)) {
        const src = n.inputs[0]!;
        const root = rootOf.get(src);
        if (!root) throw new Error(`quantize: ${n.opType} ${n.name} reads ${src}, which is not quantized`);
        add(o, root);
      } else add(o, o);
    }
    for (const i of n.inputs) {
      if (i && !initializers.has(i) && !rootOf.has(i) && producer.has(i)) {
        throw new Error(`quantize: node ${n.name} reads ${i} before it is quantized (graph not in order?)`);
      }
    }
  }
  return { floatNodes, quantized, rootOf, roots };
}

/** uint8 asymmetric parameters for a range; the range is widened to hold 0 so that 0 is exact. */
export function activationParams([lo, hi]: Range): { scale: number; zeroPoint: number } {
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  if (!(max > min)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((max - min) / 255);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  return { scale, zeroPoint };
}

function i32Raw(values: Int32Array): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setInt32(i * 4, x, true));
  return b;
}

function readF32(t: OnnxTensor): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`quantize: initializer ${t.name} is not float`);
  const v = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  const out = new Float32Array(t.raw.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = v.getFloat32(i * 4, true);
  return out;
}

/** Per-output-channel symmetric int8 weights: scale = max|w| / 127 per row of dims[0]. */
export function quantizeWeights(data: Float32Array, outChannels: number): { q: Int8Array; scales: Float32Array } {
  const per = data.length / outChannels;
  const q = new Int8Array(data.length);
  const scales = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let m = 0;
    for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(data[o * per + k]!));
    const s = m > 0 ? Math.fround(m / 127) : 1;
    scales[o] = s;
    for (let k = 0; k < per; k++) q[o * per + k] = Math.max(-127, Math.min(127, Math.round(data[o * per + k]! / s)));
  }
  return { q, scales };
}

function readI64(t: OnnxTensor): number[] {
  const v = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  return Array.from({ length: t.raw.byteLength / 8 }, (_, i) => Number(v.getBigInt64(i * 8, true)));
}

/**
 * Rewrites each Resize given `sizes` for axes [2, 3] as one given 4-D `scales` [1, 1, sy, sx]
 * (same output: onnxruntime derives the scale from the sizes anyway). onnxruntime's transpose
 * optimizer, which moves the quantized graph to NHWC, permutes a Resize's sizes as if they had
 * one entry per dimension, ignoring `axes`, and the session fails to load. The spatial size of
 * each Resize input comes from a small shape walk from the graph input (Pad, Conv, MaxPool,
 * Resize change it; elementwise ops, Concat and Split along channels keep it).
 */
export function resizeWithScales(model: OnnxModel): OnnxModel {
  const { producer, initializers } = wiring(model);
  const input = model.graph.inputs[0]!;
  const known = new Map<string, [number, number]>([[input.name, [Number(input.dims?.[2]), Number(input.dims?.[3])]]]);
  const ints = (n: OnnxNode, name: string): number[] => {
    const a = n.attributes?.find((x) => x.name === name);
    return a && a.type === 'ints' ? a.value : [];
  };
  const hw = (t: string): [number, number] => {
    const k = known.get(t);
    if (k) return k;
    const n = producer.get(t);
    if (!n) throw new Error(`quantize: no shape for ${t}`);
    const [h, w] = hw(n.inputs[0]!);
    let r: [number, number];
    switch (n.opType) {
      case 'Pad': {
        const p = readI64(initializers.get(n.inputs[1]!)!);
        r = [h + p[2]! + p[6]!, w + p[3]! + p[7]!];
        break;
      }
      case 'Conv':
      case 'MaxPool': {
        const k = n.opType === 'Conv' ? initializers.get(n.inputs[1]!)!.dims.slice(2) : ints(n, 'kernel_shape');
        const s = ints(n, 'strides');
        if (ints(n, 'pads').some((v) => v !== 0)) throw new Error(`quantize: ${n.name} has pads; the shape walk does not read them`);
        const d = n.opType === 'Conv' ? ints(n, 'dilations') : [1, 1];
        r = [Math.floor((h - (d[0] ?? 1) * (k[0]! - 1) - 1) / (s[0] ?? 1)) + 1, Math.floor((w - (d[1] ?? 1) * (k[1]! - 1) - 1) / (s[1] ?? 1)) + 1];
        break;
      }
      case 'Resize': {
        const sizes = readI64(initializers.get(n.inputs[3]!)!);
        r = [sizes[0]!, sizes[1]!];
        break;
      }
      case 'LeakyRelu':
      case 'Add':
      case 'Concat':
      case 'Split':
      case 'Identity':
        r = [h, w];
        break;
      default:
        throw new Error(`quantize: the shape walk does not know ${n.opType} (${n.name})`);
    }
    known.set(t, r);
    return r;
  };
  const extra: OnnxTensor[] = [];
  const nodes = model.graph.nodes.map((n) => {
    const axes = ints(n, 'axes');
    if (n.opType !== 'Resize' || !n.inputs[3]) return n;
    if (axes.join() !== '2,3') throw new Error(`quantize: Resize ${n.name} resizes axes [${axes}]; only [2,3] is rewritten`);
    const [h, w] = hw(n.inputs[0]!);
    const [oh, ow] = readI64(initializers.get(n.inputs[3])!);
    const scales = [1, 1, oh! / h, ow! / w];
    if (Math.floor(h * scales[2]!) !== oh || Math.floor(w * scales[3]!) !== ow)
      throw new Error(`quantize: Resize ${n.name} ${h}x${w} → ${oh}x${ow} is not a whole scale`);
    const name = `${n.name}/scales`;
    extra.push({ name, dataType: DataType.FLOAT, dims: [4], raw: float32Raw(scales) });
    return { ...n, inputs: [n.inputs[0]!, '', name], attributes: n.attributes?.filter((a) => a.name !== 'axes') };
  });
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return { ...model, graph: { ...model.graph, nodes, initializers: [...model.graph.initializers, ...extra].filter((t) => used.has(t.name)) } };
}

/**
 * Folds each explicit Pad (constant mode, spatial axes only) into the `pads` attribute of the
 * Conv (pad value 0) or MaxPool (pad value -inf) that reads it, when that is its only reader: the
 * same arithmetic, one op less, and in the quantized graph one Q/DQ pair less per Pad
 * (onnxruntime runs a quantized Pad in float between a DequantizeLinear and a QuantizeLinear).
 */
export function foldPads(model: OnnxModel): OnnxModel {
  const { consumers, initializers } = wiring(model);
  const folded = new Map<string, { from: string; pads: number[] }>(); // consumer node name → its new input and pads
  const dropped = new Set<OnnxNode>();
  for (const n of model.graph.nodes) {
    if (n.opType !== 'Pad') continue;
    const mode = n.attributes?.find((a) => a.name === 'mode');
    if (mode && mode.type === 'string' && mode.value !== 'constant') continue;
    const pads = initializers.get(n.inputs[1]!);
    if (!pads || n.inputs[3]) continue;
    const p = readI64(pads);
    if (p.length !== 8 || p[0] !== 0 || p[1] !== 0 || p[4] !== 0 || p[5] !== 0 || p.some((v) => v < 0)) continue;
    const valueName = n.inputs[2];
    const value = valueName ? readF32(initializers.get(valueName)!)[0] : 0;
    const users = consumers.get(n.outputs[0]!) ?? [];
    const fits = (u: OnnxNode): boolean =>
      u.inputs[0] === n.outputs[0] &&
      !u.attributes?.some((a) => a.name === 'pads' || a.name === 'auto_pad') &&
      ((u.opType === 'Conv' && value === 0) || (u.opType === 'MaxPool' && value === -Infinity));
    if (users.length !== 1 || !fits(users[0]!) || model.graph.outputs.some((o) => o.name === n.outputs[0])) continue;
    folded.set(users[0]!.name, { from: n.inputs[0]!, pads: [p[2]!, p[3]!, p[6]!, p[7]!] });
    dropped.add(n);
  }
  const nodes = model.graph.nodes
    .filter((n) => !dropped.has(n))
    .map((n) => {
      const f = folded.get(n.name);
      if (!f) return n;
      return { ...n, inputs: [f.from, ...n.inputs.slice(1)], attributes: [...(n.attributes ?? []), { name: 'pads', type: 'ints' as const, value: f.pads }] };
    });
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return { ...model, graph: { ...model.graph, nodes, initializers: model.graph.initializers.filter((t) => used.has(t.name)) } };
}

/**
 * Returns the QDQ model. `ranges` maps each of `planQuantization(model).roots` to its calibrated
 * [min, max]; a missing one is an error.
 */
export function quantizeModel(fp32: OnnxModel, ranges: Readonly<Record<string, Range>>, docString?: string): OnnxModel {
  const model = foldPads(resizeWithScales(fp32));
  const plan = planQuantization(model);
  const { initializers } = wiring(model);
  const inits: OnnxTensor[] = [];
  const added = new Set<string>();
  const init = (t: OnnxTensor): string => {
    if (!added.has(t.name)) {
      added.add(t.name);
      inits.push(t);
    }
    return t.name;
  };
  const params = new Map<string, { scale: number; zeroPoint: number; scaleName: string; zpName: string }>();
  for (const root of plan.roots) {
    const r = ranges[root];
    if (!r) throw new Error(`quantize: no calibrated range for ${root}`);
    const p = activationParams(r);
    const scaleName = init({ name: `${root}/act_scale`, dataType: DataType.FLOAT, dims: [], raw: float32Raw([p.scale]) });
    const zpName = init({ name: `${root}/act_zero_point`, dataType: UINT8, dims: [], raw: Uint8Array.of(p.zeroPoint) });
    params.set(root, { ...p, scaleName, zpName });
  }
  const paramOf = (t: string) => params.get(plan.rootOf.get(t)!)!;
  const dqName = (t: string): string => `${t}/dq`;

  const nodes: OnnxNode[] = [];
  const qdq = (t: string): void => {
    const p = paramOf(t);
    nodes.push({ name: `${t}/quantize`, opType: 'QuantizeLinear', inputs: [t, p.scaleName, p.zpName], outputs: [`${t}/q`] });
    nodes.push({ name: `${t}/dequantize`, opType: 'DequantizeLinear', inputs: [`${t}/q`, p.scaleName, p.zpName], outputs: [dqName(t)] });
  };
  const isQ = new Set(plan.quantized);
  for (const i of model.graph.inputs) if (isQ.has(i.name)) qdq(i.name);
  for (const n of model.graph.nodes) {
    if (plan.floatNodes.has(n.name)) {
      // A float node reading a quantized tensor reads its dequantized value (the Q/DQ pair is
      // there anyway, so that the producer can be fused).
      nodes.push({ ...n, inputs: n.inputs.map((i) => (isQ.has(i) ? dqName(i) : i)) });
      for (const i of n.inputs) if (initializers.has(i)) init(initializers.get(i)!);
      continue;
    }
    const inputs = n.inputs.map((i) => (isQ.has(i) ? dqName(i) : i));
    if (n.opType === 'Conv') {
      const w = initializers.get(n.inputs[1]!)!;
      const outC = w.dims[0]!;
      const { q, scales } = quantizeWeights(readF32(w), outC);
      const wq = init({ name: `${w.name}/int8`, dataType: INT8, dims: w.dims, raw: new Uint8Array(q.buffer) });
      const ws = init({ name: `${w.name}/scale`, dataType: DataType.FLOAT, dims: [outC], raw: float32Raw(scales) });
      const wz = init({ name: `${w.name}/zero_point`, dataType: INT8, dims: [outC], raw: new Uint8Array(outC) });
      nodes.push({
        name: `${w.name}/dequantize`,
        opType: 'DequantizeLinear',
        inputs: [wq, ws, wz],
        outputs: [`${w.name}/dq`],
        attributes: [{ name: 'axis', type: 'int', value: 0 }],
      });
      inputs[1] = `${w.name}/dq`;
      const biasName = n.inputs[2];
      if (biasName) {
        // The int32 bias depends on this conv's input scale: one bias read by two convs cannot be shared.
        if (added.has(`${biasName}/int32`)) throw new Error(`quantize: bias ${biasName} is read by more than one Conv`);
        const b = readF32(initializers.get(biasName)!);
        const xs = paramOf(n.inputs[0]!).scale;
        const bs = new Float32Array(outC);
        const bq = new Int32Array(outC);
        for (let o = 0; o < outC; o++) {
          bs[o] = Math.fround(xs * scales[o]!);
          bq[o] = Math.round(b[o]! / bs[o]!);
        }
        const bqn = init({ name: `${biasName}/int32`, dataType: DataType.INT32, dims: [outC], raw: i32Raw(bq) });
        const bsn = init({ name: `${biasName}/scale`, dataType: DataType.FLOAT, dims: [outC], raw: float32Raw(bs) });
        const bzn = init({ name: `${biasName}/zero_point`, dataType: DataType.INT32, dims: [outC], raw: new Uint8Array(outC * 4) });
        nodes.push({
          name: `${biasName}/dequantize`,
          opType: 'DequantizeLinear',
          inputs: [bqn, bsn, bzn],
          outputs: [`${biasName}/dq`],
          attributes: [{ name: 'axis', type: 'int', value: 0 }],
        });
        inputs[2] = `${biasName}/dq`;
      }
    } else {
      for (const i of n.inputs) if (initializers.has(i)) init(initializers.get(i)!);
    }
    nodes.push({ ...n, inputs });
    for (const o of n.outputs) if (isQ.has(o)) qdq(o);
  }
  const sorted = sortTopologically(
    nodes,
    model.graph.inputs.map((i) => i.name),
    inits.map((t) => t.name),
  );
  return {
    ...model,
    docString: docString ?? model.docString,
    graph: { ...model.graph, nodes: sorted, initializers: inits },
  };
}
