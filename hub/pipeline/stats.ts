/**
 * Small bounded measuring tools for the stages: an event-rate window and a latency reservoir.
 * Both have fixed memory whatever the load.
 */
import { percentile } from './geometry.ts';

/** Counts events in a sliding time window (ring of timestamps, bounded). */
export class RateWindow {
  private readonly times: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    private readonly windowMs = 5000,
    capacity = 1024,
  ) {
    this.times = new Float64Array(capacity);
  }

  mark(at: number): void {
    this.times[this.head] = at;
    this.head = (this.head + 1) % this.times.length;
    if (this.size < this.times.length) this.size++;
  }

  /** Events per second over the window ending at `at`. */
  rate(at: number): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const t = this.times[(this.head - 1 - i + this.times.length) % this.times.length]!;
      if (at - t > this.windowMs) break;
      n++;
    }
    return (n * 1000) / this.windowMs;
  }
}

/** The last `capacity` samples, for p50/p95. */
export class Reservoir {
  private readonly values: Float64Array;
  private head = 0;
  private size = 0;
  count = 0;
  /** Sum of every sample ever added (a stage's total time). */
  total = 0;

  constructor(capacity = 512) {
    this.values = new Float64Array(capacity);
  }

  add(v: number): void {
    this.values[this.head] = v;
    this.head = (this.head + 1) % this.values.length;
    if (this.size < this.values.length) this.size++;
    this.count++;
    this.total += v;
  }

  p(q: number): number {
    return percentile(this.values.subarray(0, this.size), q);
  }

  summary(): { count: number; p50: number; p95: number; total: number } {
    return { count: this.count, p50: round(this.p(0.5)), p95: round(this.p(0.95)), total: round(this.total) };
  }
}

export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return v;
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
