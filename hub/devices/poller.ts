/**
 * Devices on their buses: each device's profile (with its overrides), its merged read blocks and
 * its poll loop. A device is polled at its own interval on a fixed schedule (a late cycle does not
 * push later ones back); lateness is recorded as poll jitter. Reads and writes of single points
 * (commands, read-back) go through the same bus queue as the polls.
 */
import type { Logger } from '../core/log.ts';
import { later } from '../core/guard.ts';
import { BusQueue, type DeviceLink } from './bus/bus-queue.ts';
import { decodePoint, encodePoint, planReads, type ReadBlock } from './lib/registers.ts';
import { derive, polledPoints, withOverrides, PROFILES, type Profile } from './profile.ts';
import type { DeviceConfig } from './config.ts';
import type { ValueStore } from './values.ts';

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
  constructor(readonly deviceId: string, readonly point: string, readonly owner: Reservation) {
    super(`devices: ${deviceId}.${point} switches pump ${owner.pumpId}'s contactor; only the pump's commands may write it`);
  }
}

const wordsOf = (p: { table: string; type: string }): number => (p.table === 'coil' || p.table === 'discrete' || p.type === 'u16' || p.type === 'i16' || p.type === 'bool' ? 1 : 2);

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

export function makeDevice(cfg: DeviceConfig, bus: BusQueue, busDefaults: { timeoutMs: number; retries: number }): Device {
  const profile = withOverrides(PROFILES[cfg.profile], cfg.points as Record<string, Record<string, unknown>> | undefined);
  const link: DeviceLink = { id: cfg.id, unit: cfg.unit, timeoutMs: cfg.timeoutMs ?? busDefaults.timeoutMs, retries: cfg.retries ?? busDefaults.retries, minGapMs: cfg.minGapMs };
  const blocks = planReads(polledPoints(profile), { maxRegisters: profile.maxRegisters, maxBits: 256, maxGap: 4 });
  return { cfg, profile, link, bus, blocks, stats: { polls: 0, failures: 0, jitterMs: [] }, reserved: new Map() };
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

/** Polls devices on their schedules until stopped. */
export class Poller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Cycles under way: idle() awaits them, so no value lands after the runtime stopped. */
  private readonly cycles = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly devices: Device[], private readonly values: ValueStore, private readonly log: Logger, private readonly onPolled?: (d: Device) => void) {}

  start(): void {
    for (const d of this.devices) {
      this.values.addDevice(d.cfg.id, d.cfg.maxAgeMs ?? d.cfg.intervalMs * 3, pointUnits(d.profile));
      this.schedule(d, Date.now());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Resolves when no poll cycle is under way (call after stop()). */
  async idle(): Promise<void> {
    while (this.cycles.size) await Promise.allSettled([...this.cycles]);
  }

  private schedule(d: Device, at: number): void {
    if (this.stopped) return;
    const t = later(Math.max(0, at - Date.now()), `devices: poll ${d.cfg.id}`, this.log, () => {
      const run = this.cycle(d, at);
      this.cycles.add(run);
      return run.finally(() => this.cycles.delete(run));
    });
    this.timers.set(d.cfg.id, t);
  }

  private async cycle(d: Device, due: number): Promise<void> {
    const started = Date.now();
    const jitter = d.stats.jitterMs;
    jitter.push(started - due);
    if (jitter.length > 200) jitter.shift();
    try {
      let v: Record<string, number | boolean>;
      try {
        v = await pollOnce(d);
      } catch (err) {
        // Only the line's own failures make a device comm-fail, never a listener's error.
        d.stats.failures++;
        this.values.fail(d.cfg.id, (err as Error).message);
        return;
      }
      d.stats.polls++;
      d.stats.lastPollAt = Date.now();
      this.values.update(d.cfg.id, v);
      if (!this.stopped) this.onPolled?.(d);
    } finally {
      // Whatever happened above, the device stays on its schedule.
      let next = due + d.cfg.intervalMs;
      const now = Date.now();
      if (next < now) next = now; // late: do not burst to catch up
      this.schedule(d, next);
    }
  }
}
