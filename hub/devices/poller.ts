/**
 * The poll loop: each device is polled at its own interval on a fixed schedule (a late cycle does
 * not push later ones back); lateness is recorded as poll jitter. The reads themselves are the
 * device I/O layer's (device-io.ts), on the same bus queue as commands and their read-back.
 */
import type { Logger } from '../core/log.ts';
import { later } from '../core/guard.ts';
import { pollOnce, pointUnits, type Device } from './device-io.ts';
import type { ValueStore } from './values.ts';

/** Polls devices on their schedules until stopped. */
export class Poller {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Cycles under way: idle() awaits them, so no value lands after the runtime stopped. */
  private readonly cycles = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly devices: Device[],
    private readonly values: ValueStore,
    private readonly log: Logger,
    private readonly onPolled?: (d: Device) => void,
  ) {}

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
      this.values.update(d.cfg.id, v, started);
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
