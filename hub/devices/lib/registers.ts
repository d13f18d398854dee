/**
 * Register-map maths: decoding raw Modbus words into engineering values (types, word order,
 * scaling), encoding values back for writes, and merging the points of a device into as few
 * contiguous reads as the bus allows. Pure: no I/O, no subsystem imports.
 */

export type Table = 'coil' | 'discrete' | 'holding' | 'input';
export type DataType = 'bool' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32';
/** `hi-lo`: the first register holds the most significant word (Modbus "big endian"). */
export type WordOrder = 'hi-lo' | 'lo-hi';

export interface RegisterPoint {
  table: Table;
  address: number;
  type: DataType;
  wordOrder?: WordOrder;
  /** value = raw * scale + offset */
  scale?: number;
  offset?: number;
  /** For a register read as a boolean: the bit that carries it. */
  bit?: number;
}

/** How many 16-bit registers (or bits, for coil/discrete tables) a point occupies. */
export function width(type: DataType): number {
  return type === 'u32' || type === 'i32' || type === 'f32' ? 2 : 1;
}

/** Decodes one point from the words (or bits) of its read block, starting at `index`. */
export function decodePoint(p: RegisterPoint, words: ReadonlyArray<number | boolean>, index: number, defaultOrder: WordOrder = 'hi-lo'): number | boolean {
  const at = (i: number): number | boolean => {
    const v = words[index + i];
    if (v === undefined) throw new Error(`modbus: register ${p.address + i} missing from read block`);
    return v;
  };
  if (p.table === 'coil' || p.table === 'discrete') return Boolean(at(0));
  const w0 = Number(at(0)) & 0xffff;
  if (p.type === 'bool') return p.bit !== undefined ? ((w0 >> p.bit) & 1) === 1 : w0 !== 0;
  let raw: number;
  if (width(p.type) === 1) {
    raw = p.type === 'i16' && w0 >= 0x8000 ? w0 - 0x10000 : w0;
  } else {
    const w1 = Number(at(1)) & 0xffff;
    const [hi, lo] = (p.wordOrder ?? defaultOrder) === 'hi-lo' ? [w0, w1] : [w1, w0];
    const buf = Buffer.alloc(4);
    buf.writeUInt16BE(hi, 0);
    buf.writeUInt16BE(lo, 2);
    raw = p.type === 'u32' ? buf.readUInt32BE(0) : p.type === 'i32' ? buf.readInt32BE(0) : buf.readFloatBE(0);
  }
  const value = raw * (p.scale ?? 1) + (p.offset ?? 0);
  // Scaling by 0.1 leaves float dust (12.300000000000001); keep what the register can express.
  return Number.isInteger(p.scale ?? 1) ? value : Number(value.toPrecision(10));
}

/** Encodes an engineering value into the words (or one bit) a write needs. */
export function encodePoint(p: RegisterPoint, value: number | boolean, defaultOrder: WordOrder = 'hi-lo'): number[] | boolean[] {
  if (p.table === 'coil') return [Boolean(value)];
  if (p.table !== 'holding') throw new Error(`modbus: ${p.table} registers are read-only`);
  if (p.type === 'bool') {
    if (p.bit !== undefined) throw new Error('modbus: writing a single bit of a register needs a read-modify-write; give the point its own register');
    return [value ? 1 : 0];
  }
  const raw = (Number(value) - (p.offset ?? 0)) / (p.scale ?? 1);
  const buf = Buffer.alloc(4);
  switch (p.type) {
    case 'u16':
    case 'i16': {
      const r = Math.round(raw);
      const [min, max] = p.type === 'u16' ? [0, 0xffff] : [-0x8000, 0x7fff];
      if (r < min || r > max) throw new Error(`modbus: ${value} does not fit ${p.type} at register ${p.address}`);
      return [r & 0xffff];
    }
    case 'u32':
      buf.writeUInt32BE(Math.round(raw), 0);
      break;
    case 'i32':
      buf.writeInt32BE(Math.round(raw), 0);
      break;
    case 'f32':
      buf.writeFloatBE(raw, 0);
      break;
  }
  const hi = buf.readUInt16BE(0);
  const lo = buf.readUInt16BE(2);
  return (p.wordOrder ?? defaultOrder) === 'hi-lo' ? [hi, lo] : [lo, hi];
}

export interface ReadBlock {
  table: Table;
  address: number;
  count: number;
  /** The points this block serves, with their index inside it. */
  points: Array<{ name: string; index: number }>;
}

export interface PlanLimits {
  /** Most registers in one read (Modbus allows 125; many drives allow fewer, e.g. INVT 16). */
  maxRegisters: number;
  /** Most bits in one coil/discrete read. */
  maxBits: number;
  /** Unused registers a read may span to join two groups (reading a gap costs less than a new frame). */
  maxGap: number;
}

export const DEFAULT_PLAN_LIMITS: PlanLimits = { maxRegisters: 60, maxBits: 256, maxGap: 4 };

/**
 * Merges points into the fewest reads: per table, sorted by address, joined while the span stays
 * under the limit and any hole between neighbours is at most `maxGap`.
 */
export function planReads(points: Record<string, RegisterPoint>, limits: PlanLimits = DEFAULT_PLAN_LIMITS): ReadBlock[] {
  const byTable = new Map<Table, Array<{ name: string; p: RegisterPoint }>>();
  for (const [name, p] of Object.entries(points)) {
    const list = byTable.get(p.table) ?? [];
    list.push({ name, p });
    byTable.set(p.table, list);
  }
  const blocks: ReadBlock[] = [];
  for (const [table, list] of byTable) {
    const max = table === 'coil' || table === 'discrete' ? limits.maxBits : limits.maxRegisters;
    list.sort((a, b) => a.p.address - b.p.address);
    let cur: ReadBlock | undefined;
    for (const { name, p } of list) {
      const end = p.address + (table === 'coil' || table === 'discrete' ? 1 : width(p.type));
      if (cur && p.address - (cur.address + cur.count) <= limits.maxGap && end - cur.address <= max) {
        cur.count = Math.max(cur.count, end - cur.address);
        cur.points.push({ name, index: p.address - cur.address });
      } else {
        cur = { table, address: p.address, count: end - p.address, points: [{ name, index: 0 }] };
        blocks.push(cur);
      }
    }
  }
  return blocks;
}
