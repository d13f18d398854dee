/**
 * The live value of every point with its quality. Quality is computed when a value is read, never
 * stored: a value that stopped updating turns stale by itself, so nothing downstream can take an
 * old number for a normal one.
 *   good      — read successfully within the device's max age
 *   stale     — older than the max age (or never read)
 *   comm-fail — the device's last poll failed; the value shown is the last good one
 */
import type { Quality, Reading } from './lib/interlocks.ts';

export interface PointValue {
  deviceId: string;
  point: string;
  value: number | boolean | null;
  unit?: string;
  quality: Quality;
  /** Epoch ms of the last good read. */
  goodAt?: number;
}

interface Slot {
  value: number | boolean | null;
  unit?: string;
  goodAt?: number;
}

interface DeviceSlots {
  maxAgeMs: number;
  failed: boolean;
  error?: string;
  points: Map<string, Slot>;
}

export type ValueListener = (v: PointValue) => void;

export class ValueStore {
  private readonly devices = new Map<string, DeviceSlots>();
  private readonly listeners = new Set<ValueListener>();
  /** Hears a listener's error; one failing listener never stops the others or the poll. */
  onListenerError: ((err: Error) => void) | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  addDevice(deviceId: string, maxAgeMs: number, points: Record<string, { unit?: string }>): void {
    const slots = new Map<string, Slot>();
    for (const [name, p] of Object.entries(points)) slots.set(name, { value: null, unit: p.unit });
    this.devices.set(deviceId, { maxAgeMs, failed: false, points: slots });
  }

  onChange(fn: ValueListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Records good reads of a device's points. `readAt` is when the reads began (default now): a
   * poll cycle that began before a command finished must not pass for news of that command.
   */
  update(deviceId: string, values: Record<string, number | boolean>, readAt?: number): void {
    const d = this.devices.get(deviceId);
    if (!d) return;
    const now = Math.min(readAt ?? this.now(), this.now());
    const wasFailed = d.failed;
    d.failed = false;
    d.error = undefined;
    for (const [name, value] of Object.entries(values)) {
      const slot = d.points.get(name) ?? { value: null };
      const changed = slot.value !== value || wasFailed || slot.goodAt === undefined || now - slot.goodAt > d.maxAgeMs;
      slot.value = value;
      slot.goodAt = now;
      d.points.set(name, slot);
      if (changed) this.emit(deviceId, name);
    }
  }

  /** Marks a device's last poll as failed: its values turn comm-fail. */
  fail(deviceId: string, error: string): void {
    const d = this.devices.get(deviceId);
    if (!d) return;
    const was = d.failed;
    d.failed = true;
    d.error = error;
    if (!was) for (const name of d.points.keys()) this.emit(deviceId, name);
  }

  deviceStatus(deviceId: string): { failed: boolean; error?: string } | undefined {
    const d = this.devices.get(deviceId);
    return d && { failed: d.failed, error: d.error };
  }

  get(deviceId: string, point: string): PointValue {
    const d = this.devices.get(deviceId);
    const slot = d?.points.get(point);
    if (!d || !slot) return { deviceId, point, value: null, quality: 'comm-fail' };
    const now = this.now();
    const quality: Quality = d.failed ? 'comm-fail' : slot.goodAt === undefined || now - slot.goodAt > d.maxAgeMs ? 'stale' : 'good';
    return { deviceId, point, value: slot.value, unit: slot.unit, quality, goodAt: slot.goodAt };
  }

  reading(deviceId: string, point: string): Reading {
    const v = this.get(deviceId, point);
    return { value: typeof v.value === 'number' ? v.value : v.value === null ? null : Number(v.value), quality: v.quality, goodAt: v.goodAt };
  }

  list(deviceId?: string): PointValue[] {
    const out: PointValue[] = [];
    for (const [id, d] of this.devices) {
      if (deviceId && id !== deviceId) continue;
      for (const name of d.points.keys()) out.push(this.get(id, name));
    }
    return out;
  }

  private emit(deviceId: string, point: string): void {
    const v = this.get(deviceId, point);
    for (const fn of this.listeners) {
      try {
        fn(v);
      } catch (err) {
        this.onListenerError?.(err as Error);
      }
    }
  }
}
