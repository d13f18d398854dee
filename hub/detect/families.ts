/**
 * Model families: how to read a model's raw outputs. Each entry checks the model's output
 * shapes once at load (so a mismatched model fails there with a clear error, not on the first
 * frame) and returns a decoder for one batch item. Pure: no I/O.
 */
import type { Candidate } from './nms.ts';
import { decodeNanodet, type NanodetLevel } from './nanodet-decoder.ts';
import { decodeYolo } from './yolo-decoder.ts';

export interface OutputInfo {
  name: string;
  /** Symbolic dims (batch) come as strings. */
  dims: ReadonlyArray<number | string>;
}

export interface OutputTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface DecodeParams {
  minScore: number;
  classes: ReadonlySet<number> | null;
}

export type Decoder = (outputs: Record<string, OutputTensor>, item: number, p: DecodeParams) => Candidate[];

export interface FamilyOptions {
  inputSize: number;
  numClasses: number;
  /** NanoDet anchor centre offset in cells (0 or 0.5). */
  centreOffset?: number;
}

type FamilyFactory = (outputs: readonly OutputInfo[], o: FamilyOptions) => Decoder;

const last = (o: OutputInfo): number => Number(o.dims[o.dims.length - 1]);
const cellsOf = (o: OutputInfo): number => Number(o.dims[o.dims.length - 2]);

/** One item's slice of a [N, ...] tensor. */
function itemSlice(t: OutputTensor, item: number): Float32Array {
  const per = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return t.data.subarray(item * per, (item + 1) * per);
}

const nanodet: FamilyFactory = (outputs, o) => {
  // Outputs come in pairs per level: [N, cells, C] scores and [N, cells, 4 * (regMax + 1)] boxes.
  const cls = outputs.filter((x) => x.dims.length === 3 && last(x) === o.numClasses);
  const reg = outputs.filter((x) => x.dims.length === 3 && last(x) !== o.numClasses);
  const levels = cls.map((c) => {
    const r = reg.find((x) => cellsOf(x) === cellsOf(c));
    const grid = Math.sqrt(cellsOf(c));
    if (!r || !Number.isInteger(grid) || last(r) % 4 !== 0) return undefined;
    return { cls: c.name, reg: r.name, stride: o.inputSize / grid, regMax: last(r) / 4 - 1 };
  });
  const shapes = outputs.map((x) => `${x.name}[${x.dims}]`).join(', ');
  if (levels.length === 0 || levels.length !== reg.length || levels.some((l) => !l)) {
    throw new Error(`detect: outputs ${shapes} are not NanoDet GFL levels ([N, cells, ${o.numClasses}] scores with [N, cells, 4*(regMax+1)] boxes)`);
  }
  const lv = levels as NonNullable<(typeof levels)[number]>[];
  const regMax = lv[0]!.regMax;
  if (lv.some((l) => l.regMax !== regMax)) throw new Error(`detect: outputs ${shapes} disagree on regMax`);
  return (outs, item, p) => {
    const data: NanodetLevel[] = lv.map((l) => ({ stride: l.stride, cls: itemSlice(outs[l.cls]!, item), reg: itemSlice(outs[l.reg]!, item) }));
    return decodeNanodet(data, { inputSize: o.inputSize, numClasses: o.numClasses, regMax, centreOffset: o.centreOffset ?? 0, ...p });
  };
};

const yolo: FamilyFactory = (outputs, o) => {
  const rows = 4 + o.numClasses;
  const out = outputs.find((x) => x.dims.length === 3 && (Number(x.dims[1]) === rows || Number(x.dims[2]) === rows));
  if (!out) {
    throw new Error(
      `detect: no output of ${outputs.map((x) => `${x.name}[${x.dims}]`).join(', ')} has the YOLO layout [N, ${rows}, anchors] (4 + ${o.numClasses} classes)`,
    );
  }
  return (outs, item, p) => {
    const t = outs[out.name]!;
    return decodeYolo(t.data, t.dims, item, { numClasses: o.numClasses, ...p });
  };
};

/** The registry of model families, keyed by the `family` of a manifest or of the config. */
export const FAMILIES = {
  'nanodet-gfl': nanodet,
  yolo,
} satisfies Record<string, FamilyFactory>;

export type FamilyName = keyof typeof FAMILIES;

export function isFamily(name: string): name is FamilyName {
  return Object.hasOwn(FAMILIES, name);
}

/** Binds a family to a model's outputs; throws `detect: unknown model family ...` for a name not in the registry. */
export function bindFamily(name: string, outputs: readonly OutputInfo[], o: FamilyOptions): Decoder {
  if (!isFamily(name)) throw new Error(`detect: unknown model family "${name}" (known: ${Object.keys(FAMILIES).join(', ')})`);
  return FAMILIES[name](outputs, o);
}
