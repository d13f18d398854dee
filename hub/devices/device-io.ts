/**
 * The device I/O layer: every read and write of a device point goes through here, on the device's
 * bus queue. A device is its configuration, its profile (with overrides), its merged read blocks
 * and the outputs reserved for pumps. Reads: a whole poll cycle (`pollOnce`) or one point.
 * Writes: `writePoint` (refuses a pump's output without the pump's key), and the verified forms
 * `writeAndVerify` / `runCommand` / `verifiedOutput`, which prove by read-back that the device
 * acted: a write the device accepted but did not act on is a failure, not a success.
 */
import type { BusQueue, DeviceLink } from './bus/bus-queue.ts';
import { decodePoint, encodePoint, planReads, type ReadBlock } from './lib/registers.ts';
import { reasons } from './lib/reasons.ts';
import { derive, polledPoints, withOverrides, PROFILES, type Profile } from './profile.ts';
import { failed, refused, type CommandResult } from './command-result.ts';
import type { DeviceConfig } from './config.ts';

export interface Device {
  cfg: DeviceConfig;
  profile: Profile;
  link: DeviceLink;
  bus: BusQueue;
  blocks: ReadBlock[];
  stats: { polls: number; failures: number; jitterMs: number[]; lastPollAt?: number };
  /**
   * Outputs owned by a pump (a contactor on a relay), by `table:address`: writePoint refuses them
   * to anyone without the owner's key, whatever the point is called.
   */
  reserved: Map<string, Reservation>;
}

export interface Reservation {
  /** The owning pump's id and name (for the refusal). */
  pumpId: string;
  pumpName: string;
  key: symbol;
}

/** A write to an output that a pump owns, without the pump's key. */
export class OutputReserved extends Error {
  override name = 'OutputReserved';
  constructor(
    readonly deviceId: string,
    readonly point: string,
    readonly owner: Reservation,
  ) {
    super(`devices: ${deviceId}.${point} switches pump ${owner.pumpId}'s contactor; only the pump's commands may write it`);
  }
}

const wordsOf = (p: { table: string; type: string }): number =>
  p.table === 'coil' || p.table === 'discrete' || p.type === 'u16' || p.type === 'i16' || p.type === 'bool' ? 1 : 2;

export function makeDevice(cfg: DeviceConfig, bus: BusQueue, busDefaults: { timeoutMs: number; retries: number }): Device {
  const profile = withOverrides(PROFILES[cfg.profile], cfg.points as Record<string, Record<string, unknown>> | undefined);
  const link: DeviceLink = {
    id: cfg.id,
    unit: cfg.unit,
    timeoutMs: cfg.timeoutMs ?? busDefaults.timeoutMs,
    retries: cfg.retries ?? busDefaults.retries,
    minGapMs: cfg.minGapMs,
  };
  const blocks = planReads(polledPoints(profile), { maxRegisters: profile.maxRegisters, maxBits: 256, maxGap: 4 });
  return { cfg, profile, link, bus, blocks, stats: { polls: 0, failures: 0, jitterMs: [] }, reserved: new Map() };
}

/** Reserves `point` of `d` for a pump; returns the key its writes must carry. */
export function reserveOutput(d: Device, point: string, pumpId: string, pumpName: string): symbol {
  const p = d.profile.points[point];
  if (!p) throw new Error(`devices: ${d.cfg.id} has no point "${point}"`);
  const key = Symbol(`pump:${pumpId}`);
  for (let i = 0; i < wordsOf(p); i++) d.reserved.set(`${p.table}:${p.address + i}`, { pumpId, pumpName, key });
  return key;
}

/** The pump that owns `point` of `d`, if any. */
export function ownerOf(d: Device, point: string): Reservation | undefined {
  const p = d.profile.points[point];
  if (!p) return undefined;
  for (let i = 0; i < wordsOf(p); i++) {
    const r = d.reserved.get(`${p.table}:${p.address + i}`);
    if (r) return r;
  }
  return undefined;
}

/** The value units of every point of a device (polled and derived). */
export function pointUnits(p: Profile): Record<string, { unit?: string }> {
  const out: Record<string, { unit?: string }> = {};
  for (const [n, pt] of Object.entries(p.points)) if (pt.access !== 'w') out[n] = { unit: pt.unit };
  for (const [n, d] of Object.entries(p.derived)) out[n] = { unit: d.unit };
  return out;
}

/** Reads every block of a device once and decodes points and derived points. */
export async function pollOnce(d: Device): Promise<Record<string, number | boolean>> {
  const values: Record<string, number | boolean> = {};
  // Queued together, so one device's cycle stays contiguous on the line.
  const results = await Promise.allSettled(d.blocks.map((b) => d.bus.read(d.link, b.table, b.address, b.count)));
  d.blocks.forEach((b, i) => {
    const r = results[i]!;
    if (r.status === 'rejected') throw r.reason;
    for (const { name, index } of b.points) values[name] = decodePoint(d.profile.points[name]!, r.value, index, d.profile.wordOrder);
  });
  for (const [name, def] of Object.entries(d.profile.derived)) {
    const src = values[def.from];
    if (src !== undefined) values[name] = derive(def, src);
  }
  return values;
}

/** Reads one point (or derived point) now, through the queue. */
export async function readPoint(d: Device, point: string): Promise<number | boolean> {
  const def = d.profile.derived[point];
  const src = def ? def.from : point;
  const p = d.profile.points[src];
  if (!p) throw new Error(`devices: ${d.cfg.id} has no point "${point}"`);
  const words = await d.bus.read(d.link, p.table, p.address, wordsOf(p));
  const raw = decodePoint(p, words, 0, d.profile.wordOrder);
  return def ? derive(def, raw) : raw;
}

/** Writes one point through the queue; an output owned by a pump needs that pump's `key`. */
export async function writePoint(d: Device, point: string, value: number | boolean, key?: symbol): Promise<void> {
  const p = d.profile.points[point];
  if (!p || p.access === 'r') throw new Error(`devices: ${d.cfg.id} point "${point}" is not writable`);
  const owner = ownerOf(d, point);
  if (owner && owner.key !== key) throw new OutputReserved(d.cfg.id, point, owner);
  await d.bus.write(d.link, p.table, p.address, encodePoint(p, value, d.profile.wordOrder));
}

const pause = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/**
 * Makes the writes in order, then reads `verifyPoint` until it gives `expected` or `deadlineMs`
 * pass. `key` is a pump's key to its own contactor output (see reserveOutput).
 */
export async function writeAndVerify(
  d: Device,
  writes: Array<{ point: string; value: number | boolean }>,
  verifyPoint: string,
  expected: number | boolean,
  deadlineMs: number,
  label: string,
  key?: symbol,
): Promise<CommandResult> {
  const t0 = Date.now();
  try {
    for (const w of writes) await writePoint(d, w.point, w.value, key);
  } catch (err) {
    return failed(reasons.writeFailed((err as Error).message));
  }
  while (Date.now() - t0 < deadlineMs) {
    try {
      const v = await readPoint(d, verifyPoint);
      const same = typeof expected === 'number' ? Math.abs(Number(v) - expected) < 1e-6 : Boolean(v) === expected;
      if (same) return { ok: true, status: 'done', verifiedMs: Date.now() - t0 };
    } catch {
      // A missed read-back is retried until the deadline.
    }
    await pause(Math.min(100, Math.max(10, deadlineMs / 20)));
  }
  return failed(reasons.notVerified(label, deadlineMs));
}

/** Executes the profile command `name` with `args`, verified by read-back within `deadlineMs`. */
export async function runCommand(d: Device, name: string, args: Record<string, number>, deadlineMs: number): Promise<CommandResult> {
  const cmd = d.profile.commands[name];
  if (!cmd) return refused(reasons.unknownCommand(name));
  for (const [arg, range] of Object.entries(cmd.args ?? {})) {
    const v = args[arg];
    if (typeof v !== 'number' || v < range.min || v > range.max) {
      return refused({
        code: 'bad-argument',
        en: `refused: ${arg} must be ${range.min}..${range.max}`,
        vi: `từ chối: ${arg} phải trong khoảng ${range.min}..${range.max}`,
      });
    }
  }
  const writes = cmd.writes.map((w) => ({ point: w.point, value: w.arg !== undefined ? args[w.arg]! : w.value! }));
  const expected = cmd.verify.equalsArg !== undefined ? args[cmd.verify.equalsArg]! : cmd.verify.equals!;
  return writeAndVerify(d, writes, cmd.verify.point, expected, deadlineMs, name);
}

/** Sets an output point (a relay coil, a setpoint) and verifies it by reading it back. */
export async function verifiedOutput(d: Device, point: string, value: number | boolean, deadlineMs: number): Promise<CommandResult> {
  const p = d.profile.points[point];
  if (!p || p.access === 'r')
    return refused({ code: 'not-writable', en: `refused: ${d.cfg.id}.${point} is not an output`, vi: `từ chối: ${d.cfg.id}.${point} không phải đầu ra` });
  const owner = ownerOf(d, point);
  if (owner) return refused(reasons.contactorOutput(`${d.cfg.id}.${point}`, owner.pumpName));
  return writeAndVerify(d, [{ point, value }], point, value, deadlineMs, `${point}=${String(value)}`);
}
