/**
 * Converts a TFJS graph model to an ONNX model (opset 18).
 *
 * TF works in NHWC where ONNX works in NCHW: each NHWC op (Conv2D, MaxPool, ResizeBilinear) is
 * emitted between a pair of Transposes, then a peephole pass cancels Transpose pairs that undo
 * each other, so a model that was NCHW to start with (like NanoDet, exported from ONNX by onnx-tf)
 * comes back with no layout shuffles around its convolutions. Constant subgraphs (the shape
 * arithmetic onnx-tf leaves behind) are folded. Everything is ordered, so the output bytes are
 * the same on every run.
 */
import type { ConstTensor, TfjsAttr, TfjsGraphModel, TfjsNode } from './tfjs-graph.ts';
import { DataType, float32Raw, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-proto.ts';

export interface ConvertOptions {
  /** Make axis 0 of the input and of every reshape symbolic ("N") so one call takes several images. */
  dynamicBatch: boolean;
  producerVersion: string;
  docString?: string;
}

const OPSET = 18;
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/** "x", "x:0" → "x"; "x:1" stays. Control inputs ("^x") are dropped by the caller. */
function tensorName(ref: string): string {
  return ref.endsWith(':0') ? ref.slice(0, -2) : ref;
}

function int64Raw(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigInt64(i * 8, BigInt(x), true));
  return b;
}

/** HWIO (TF filter) → OIHW (ONNX weight). */
function hwioToOihw(t: ConstTensor): { dims: number[]; data: Float32Array } {
  const [h = 0, w = 0, ci = 0, co = 0] = t.shape;
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * h + y) * w + x] = src[((y * w + x) * ci + i) * co + o]!;
  return { dims: [co, ci, h, w], data: out };
}

function attrInts(a: TfjsAttr | undefined): number[] {
  return (a?.list?.i ?? []).map(Number);
}

function attrString(a: TfjsAttr | undefined): string {
  return a?.s ? Buffer.from(a.s, 'base64').toString('utf8') : '';
}

class Converter {
  private consts = new Map<string, ConstTensor>();
  private nodes: OnnxNode[] = [];
  private initializers = new Map<string, OnnxTensor>();
  private inputs: OnnxValueInfo[] = [];
  private consumers = new Map<string, TfjsNode[]>();
  /** TF tensor → the name it got in the ONNX graph (fused or aliased ops rename). */
  private alias = new Map<string, string>();
  private fusedAway = new Set<string>();
  private counter = 0;

  constructor(
    private readonly model: TfjsGraphModel,
    private readonly opts: ConvertOptions,
  ) {
    for (const [k, v] of model.weights) this.consts.set(k, v);
  }

  private fail(node: TfjsNode, why: string): never {
    throw new Error(`models: cannot convert ${node.op} node ${node.name}: ${why}`);
  }

  private name(ref: string): string {
    const n = tensorName(ref);
    return this.alias.get(n) ?? n;
  }

  private constOf(node: TfjsNode, ref: string | undefined): ConstTensor {
    const c = ref === undefined ? undefined : this.consts.get(tensorName(ref));
    if (!c) this.fail(node, `input ${ref} must be a constant`);
    return c;
  }

  private fresh(base: string): string {
    return `${base}__${this.counter++}`;
  }

  private emit(opType: string, inputs: string[], outputs: string[], attributes?: OnnxAttribute[]): void {
    this.nodes.push({ name: outputs[0] ?? this.fresh(opType), opType, inputs, outputs, attributes });
  }

  private initializer(name: string, dataType: typeof DataType.FLOAT | typeof DataType.INT64, dims: number[], raw: Uint8Array): string {
    if (!this.initializers.has(name)) this.initializers.set(name, { name, dataType, dims, raw });
    return name;
  }

  private floatInit(ref: string, c: ConstTensor): string {
    const n = tensorName(ref);
    return this.initializer(n, DataType.FLOAT, c.shape, float32Raw(c.data as Float32Array));
  }

  private int64Init(name: string, values: number[]): string {
    return this.initializer(name, DataType.INT64, [values.length], int64Raw(values));
  }

  /** Wraps an NHWC op: NHWC → NCHW, op, NCHW → NHWC under the TF output's name. */
  private nhwc(node: TfjsNode, out: string, build: (nchwIn: string, nchwOut: string) => void): void {
    const tin = this.fresh(`${node.name}/to_nchw`);
    const tout = this.fresh(`${node.name}/nchw`);
    this.emit('Transpose', [this.name(node.input[0]!)], [tin], [{ name: 'perm', type: 'ints', value: NHWC_TO_NCHW }]);
    build(tin, tout);
    this.emit('Transpose', [tout], [out], [{ name: 'perm', type: 'ints', value: NCHW_TO_NHWC }]);
  }

  /** Folds ops whose inputs are all constants (onnx-tf's shape arithmetic). */
  private tryFold(node: TfjsNode): boolean {
    const ins = node.input.filter((i) => !i.startsWith('^'));
    if (ins.length === 0 || !ins.every((i) => this.consts.has(tensorName(i)))) return false;
    const c = ins.map((i) => this.consts.get(tensorName(i))!);
    let result: ConstTensor | undefined;
    if (node.op === 'SparseToDense') {
      const [indices, shape, values, dflt] = c as [ConstTensor, ConstTensor, ConstTensor, ConstTensor];
      if (shape.data.length !== 1) this.fail(node, 'only 1-D dense outputs fold');
      const n = shape.data[0]!;
      const data = dflt.dtype === 'int32' ? new Int32Array(n).fill(dflt.data[0]!) : new Float32Array(n).fill(dflt.data[0]!);
      indices.data.forEach((ix, k) => (data[ix] = values.data.length === 1 ? values.data[0]! : values.data[k]!));
      result = { dtype: dflt.dtype, shape: [n], data };
    } else if (node.op === 'AddV2' || node.op === 'Add') {
      const [a, b] = c as [ConstTensor, ConstTensor];
      if (a.data.length !== b.data.length && b.data.length !== 1 && a.data.length !== 1) this.fail(node, 'constant add needs equal sizes');
      const n = Math.max(a.data.length, b.data.length);
      const data = a.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
      for (let k = 0; k < n; k++) data[k] = a.data[a.data.length === 1 ? 0 : k]! + b.data[b.data.length === 1 ? 0 : k]!;
      result = { dtype: a.dtype, shape: a.data.length >= b.data.length ? a.shape : b.shape, data };
    } else if (node.op === 'Identity') {
      result = c[0];
    }
    if (!result) return false;
    this.consts.set(node.name, result);
    return true;
  }

  /** Conv2D followed only by Add/BiasAdd of a 1-D constant: fuse the bias into the Conv. */
  private fusableBias(node: TfjsNode, cout: number): { add: TfjsNode; bias: string } | undefined {
    const users = this.consumers.get(node.name) ?? [];
    const add = users[0];
    if (users.length !== 1 || !add || !['Add', 'AddV2', 'BiasAdd'].includes(add.op)) return undefined;
    const other = add.input.find((i) => tensorName(i) !== node.name);
    const c = other ? this.consts.get(tensorName(other)) : undefined;
    if (!other || !c || c.shape.length !== 1 || c.shape[0] !== cout) return undefined;
    return { add, bias: other };
  }

  private convertNode(node: TfjsNode): void {
    const a = node.attr ?? {};
    const x = (k: number): string => this.name(node.input[k]!);
    switch (node.op) {
      case 'Placeholder': {
        const dims = (a.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.some((d) => d < 0)) this.fail(node, 'the input needs a fixed shape');
        this.inputs.push({ name: node.name, elemType: DataType.FLOAT, dims: this.opts.dynamicBatch ? ['N', ...dims.slice(1)] : dims });
        return;
      }
      case 'Conv2D': {
        if (attrString(a.data_format) !== 'NHWC') this.fail(node, 'only NHWC Conv2D is read');
        if (attrString(a.padding) !== 'VALID') this.fail(node, `padding ${attrString(a.padding)} is not supported (VALID only)`);
        const filter = this.constOf(node, node.input[1]);
        const { dims, data } = hwioToOihw(filter);
        const w = this.initializer(`${tensorName(node.input[1]!)}/oihw`, DataType.FLOAT, dims, float32Raw(data));
        const fused = this.fusableBias(node, dims[0]!);
        const inputs = [w];
        if (fused) {
          inputs.push(this.floatInit(fused.bias, this.constOf(fused.add, fused.bias)));
          this.fusedAway.add(fused.add.name);
        }
        const strides = attrInts(a.strides);
        const dil = attrInts(a.dilations);
        this.nhwc(node, fused ? fused.add.name : node.name, (i, o) =>
          this.emit(
            'Conv',
            [i, ...inputs],
            [o],
            [
              { name: 'kernel_shape', type: 'ints', value: dims.slice(2) },
              { name: 'strides', type: 'ints', value: [strides[1] ?? 1, strides[2] ?? 1] },
              { name: 'dilations', type: 'ints', value: [dil[1] ?? 1, dil[2] ?? 1] },
              { name: 'group', type: 'int', value: 1 },
            ],
          ),
        );
        return;
      }
      case 'MaxPool': {
        if (attrString(a.data_format) !== 'NHWC' || attrString(a.padding) !== 'VALID') this.fail(node, 'only NHWC VALID MaxPool is read');
        const k = attrInts(a.ksize);
        const s = attrInts(a.strides);
        this.nhwc(node, node.name, (i, o) =>
          this.emit(
            'MaxPool',
            [i],
            [o],
            [
              { name: 'kernel_shape', type: 'ints', value: [k[1]!, k[2]!] },
              { name: 'strides', type: 'ints', value: [s[1]!, s[2]!] },
            ],
          ),
        );
        return;
      }
      case 'ResizeBilinear': {
        const size = this.constOf(node, node.input[1]);
        const mode = a.half_pixel_centers?.b ? 'half_pixel' : a.align_corners?.b ? 'align_corners' : 'asymmetric';
        const sizes = this.int64Init(`${tensorName(node.input[1]!)}/i64`, Array.from(size.data));
        this.nhwc(node, node.name, (i, o) =>
          this.emit(
            'Resize',
            [i, '', '', sizes],
            [o],
            [
              { name: 'mode', type: 'string', value: 'linear' },
              { name: 'coordinate_transformation_mode', type: 'string', value: mode },
              { name: 'axes', type: 'ints', value: [2, 3] },
            ],
          ),
        );
        return;
      }
      case 'Pad':
      case 'PadV2': {
        const p = Array.from(this.constOf(node, node.input[1]).data);
        const begins = p.filter((_, k) => k % 2 === 0);
        const ends = p.filter((_, k) => k % 2 === 1);
        if (this.opts.dynamicBatch && (begins[0] !== 0 || ends[0] !== 0)) this.fail(node, 'pads the batch axis');
        const ins = [x(0), this.int64Init(`${node.name}/pads`, [...begins, ...ends])];
        if (node.op === 'PadV2') ins.push(this.floatInit(node.input[2]!, this.constOf(node, node.input[2])));
        this.emit('Pad', ins, [node.name], [{ name: 'mode', type: 'string', value: 'constant' }]);
        return;
      }
      case 'Transpose': {
        const perm = Array.from(this.constOf(node, node.input[1]).data);
        if (this.opts.dynamicBatch && perm[0] !== 0) this.fail(node, 'moves the batch axis');
        this.emit('Transpose', [x(0)], [node.name], [{ name: 'perm', type: 'ints', value: perm }]);
        return;
      }
      case 'Reshape': {
        const shape = Array.from(this.constOf(node, node.input[1]).data);
        if (this.opts.dynamicBatch) {
          if (shape[0] !== 1) this.fail(node, `reshapes to [${shape}], which does not keep the batch axis`);
          shape[0] = 0; // ONNX: 0 copies the input's dim, so the batch passes through
        }
        this.emit('Reshape', [x(0), this.int64Init(`${node.name}/shape`, shape)], [node.name]);
        return;
      }
      case 'ConcatV2': {
        const axisRef = node.input[node.input.length - 1];
        const axis = this.constOf(node, axisRef).data[0]!;
        if (this.opts.dynamicBatch && axis === 0) this.fail(node, 'concatenates along the batch axis');
        const ins = node.input
          .slice(0, -1)
          .filter((i) => !i.startsWith('^'))
          .map((i) => this.name(i));
        this.emit('Concat', ins, [node.name], [{ name: 'axis', type: 'int', value: axis }]);
        return;
      }
      case 'SplitV': {
        const sizes = Array.from(this.constOf(node, node.input[1]).data);
        const axis = this.constOf(node, node.input[2]).data[0]!;
        if (this.opts.dynamicBatch && axis === 0) this.fail(node, 'splits along the batch axis');
        const outs = sizes.map((_, k) => (k === 0 ? node.name : `${node.name}:${k}`));
        this.emit('Split', [x(0), this.int64Init(`${node.name}/split`, sizes)], outs, [{ name: 'axis', type: 'int', value: axis }]);
        return;
      }
      case 'Add':
      case 'AddV2':
        this.emit('Add', [x(0), x(1)], [node.name]);
        return;
      case 'Sigmoid':
        this.emit('Sigmoid', [x(0)], [node.name]);
        return;
      case 'LeakyRelu':
        this.emit('LeakyRelu', [x(0)], [node.name], [{ name: 'alpha', type: 'float', value: a.alpha?.f ?? 0.2 }]);
        return;
      case 'Identity':
        this.emit('Identity', [x(0)], [node.name]);
        return;
      default:
        this.fail(node, 'op not supported by the converter');
    }
  }

  run(outputNames: string[]): OnnxModel {
    const graphNodes = this.model.json.modelTopology.node;
    for (const n of graphNodes) {
      for (const i of n.input ?? []) {
        const t = tensorName(i.replace(/^\^/, '')).replace(/:\d+$/, '');
        const list = this.consumers.get(t) ?? [];
        list.push(n);
        this.consumers.set(t, list);
      }
    }
    // Constants and folding first, in dependency order (model.json lists nodes unordered).
    const pending = graphNodes.filter((n) => n.op !== 'Const');
    for (const n of graphNodes) if (n.op === 'Const' && !this.consts.has(n.name)) this.fail(n, 'constant without weights');
    let folded = true;
    while (folded) {
      folded = false;
      for (const n of pending) if (!this.consts.has(n.name) && this.tryFold({ ...n, input: n.input ?? [] })) folded = true;
    }
    for (const n of pending) {
      if (this.consts.has(n.name) || this.fusedAway.has(n.name)) continue;
      this.convertNode({ ...n, input: n.input ?? [], attr: n.attr ?? {} });
    }
    const outputs: OnnxValueInfo[] = outputNames.map((o) => ({ name: tensorName(o), elemType: DataType.FLOAT }));
    const nodes = sortTopologically(
      cancelTransposes(
        this.nodes,
        outputs.map((o) => o.name),
      ),
      this.inputs.map((i) => i.name),
      [...this.initializers.keys()],
    );
    const used = new Set(nodes.flatMap((n) => n.inputs));
    return {
      irVersion: 8,
      opsetVersion: OPSET,
      producerName: 'commune-edge-hub tfjs-to-onnx',
      producerVersion: this.opts.producerVersion,
      docString: this.opts.docString,
      graph: {
        name: 'converted',
        nodes,
        initializers: [...this.initializers.values()].filter((t) => used.has(t.name)),
        inputs: this.inputs,
        outputs, // shapes left to the runtime's inference
      },
    };
  }
}

function permOf(n: OnnxNode): number[] {
  const p = n.attributes?.find((a) => a.name === 'perm');
  return p && p.type === 'ints' ? p.value : [];
}

/**
 * Peephole: Transpose(Transpose(x, p1), p2) becomes x when the two undo each other, or one
 * Transpose otherwise. Then drops nodes nothing reads.
 */
export function cancelTransposes(nodes: OnnxNode[], outputs: string[]): OnnxNode[] {
  let current = nodes;
  for (let changed = true; changed;) {
    changed = false;
    const producer = new Map<string, OnnxNode>();
    for (const n of current) for (const o of n.outputs) producer.set(o, n);
    const rename = new Map<string, string>();
    const next: OnnxNode[] = [];
    for (const n of current) {
      const first = n.opType === 'Transpose' ? producer.get(n.inputs[0]!) : undefined;
      if (first?.opType === 'Transpose') {
        const p1 = permOf(first);
        const p2 = permOf(n);
        const composed = p2.map((k) => p1[k]!);
        if (composed.every((v, i) => v === i) && !outputs.includes(n.outputs[0]!)) {
          rename.set(n.outputs[0]!, first.inputs[0]!);
        } else {
          next.push({ ...n, inputs: [first.inputs[0]!], attributes: [{ name: 'perm', type: 'ints', value: composed }] });
        }
        changed = true;
        continue;
      }
      next.push(n);
    }
    const resolve = (s: string): string => {
      let r = s;
      while (rename.has(r)) r = rename.get(r)!;
      return r;
    };
    current = next.map((n) => ({ ...n, inputs: n.inputs.map(resolve) }));
    // Dead-node elimination from the graph outputs back.
    const live = new Set(outputs);
    const keep = new Set<OnnxNode>();
    for (let grew = true; grew;) {
      grew = false;
      for (const n of current) {
        if (!keep.has(n) && n.outputs.some((o) => live.has(o))) {
          keep.add(n);
          n.inputs.forEach((i) => live.add(i));
          grew = true;
        }
      }
    }
    if (keep.size !== current.length) changed = true;
    current = current.filter((n) => keep.has(n));
  }
  return current;
}

/** Kahn's sort, stable in the given order, so the file is the same every time. */
export function sortTopologically(nodes: OnnxNode[], graphInputs: string[], initializers: string[]): OnnxNode[] {
  const ready = new Set<string>(['', ...graphInputs, ...initializers]);
  const out: OnnxNode[] = [];
  let left = nodes;
  while (left.length > 0) {
    const still: OnnxNode[] = [];
    for (const n of left) {
      if (n.inputs.every((i) => ready.has(i))) {
        out.push(n);
        n.outputs.forEach((o) => ready.add(o));
      } else still.push(n);
    }
    if (still.length === left.length) throw new Error(`models: graph has a cycle or a missing input at ${still[0]?.name}`);
    left = still;
  }
  return out;
}

/** Converts a loaded TFJS graph model; `outputs` are the TF output tensor names in the order wanted. */
export function convertTfjsToOnnx(model: TfjsGraphModel, outputs: string[], opts: ConvertOptions): OnnxModel {
  return new Converter(model, opts).run(outputs);
}
