/**
 * Is a level transmitter telling the truth? (issue 12, finding 7: a transmitter stuck at a good
 * value let a contactor pump run the sump dry.) Pure: the pump controller feeds it each new good
 * reading with whether the pump runs, and asks for a verdict.
 * - frozen: while the pump runs, the value stays inside a band of `noiseBand` for `frozenMs` (a
 *   running pump moves the level; a live 4-20 mA loop also wanders by more than its noise);
 * - rate: the value moves faster than `maxRatePerS` allows between two readings (physics: a sump
 *   does not empty in a second; a spike is a wiring or a transmitter fault);
 * - float: a float switch says dry while the transmitter says there is water above `dryLevel`.
 * Any of them makes the reading "implausible": a permissive that is not good.
 */
export interface PlausibilityLimits {
  /** null: not checked. */
  frozenMs: number | null;
  noiseBand: number;
  maxRatePerS: number | null;
}

export type Implausible = { why: 'frozen'; forMs: number } | { why: 'rate'; perS: number } | { why: 'float' };

export class LevelPlausibility {
  private band: { lo: number; hi: number; since: number } | undefined;
  private last: { at: number; value: number } | undefined;
  private rate: number | undefined;

  constructor(private readonly limits: PlausibilityLimits) {}

  /** A new good reading taken at `at`, with whether the pump was running then. */
  observe(at: number, value: number, running: boolean): void {
    const l = this.limits;
    if (this.last && at > this.last.at && l.maxRatePerS !== null) {
      const perS = Math.abs(value - this.last.value) / ((at - this.last.at) / 1000);
      // A jump latches until the pump is seen stopped: the transmitter can no longer be trusted.
      if (perS > l.maxRatePerS) this.rate = Math.max(this.rate ?? 0, perS);
    }
    this.last = { at, value };
    if (!running) {
      this.band = undefined;
      this.rate = undefined;
      return;
    }
    const b = this.band;
    if (!b) this.band = { lo: value, hi: value, since: at };
    else {
      const lo = Math.min(b.lo, value);
      const hi = Math.max(b.hi, value);
      this.band = hi - lo > l.noiseBand ? { lo: value, hi: value, since: at } : { lo, hi, since: b.since };
    }
  }

  /** Why the reading is implausible at `now`, or null. `floatDry`: a float switch says dry. */
  verdict(now: number, floatDry = false, level?: number, dryLevel?: number): Implausible | null {
    if (floatDry && level !== undefined && dryLevel !== undefined && level >= dryLevel) return { why: 'float' };
    if (this.rate !== undefined) return { why: 'rate', perS: this.rate };
    const f = this.limits.frozenMs;
    if (f !== null && this.band && now - this.band.since >= f) return { why: 'frozen', forMs: now - this.band.since };
    return null;
  }
}
