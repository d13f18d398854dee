/**
 * One pump's run facts in memory: when it started (the last hour's starts), whether a run is open
 * and when it last stopped. The start limits (starts per hour, minimum off time) read these, never
 * the database, so a journal write that fails after the drive started cannot make a start vanish
 * from the count (issue 10). Loaded from the run journal when the runtime is built; every change
 * is then written to the journal as a record. A change the journal refused waits here, in order,
 * and is written when the journal recovers (journal.ts probes and flushes).
 */
import type { History } from './history.ts';
import type { Journal } from './journal.ts';
import type { Logger } from '../core/log.ts';

const HOUR = 3_600_000;
/** Unjournalled changes kept for a later write; beyond this the oldest are dropped (and logged). */
const MAX_PENDING = 1000;

type Change = { op: 'start'; ms: number } | { op: 'stop'; ms: number; reason: string };

export class PumpRuns {
  private starts: number[];
  private openStart: number | undefined;
  private lastStopMs: number | undefined;
  private readonly pending: Change[] = [];
  private dropped = 0;
  readonly unregister: () => void;

  constructor(
    readonly pump: string,
    private readonly history: History,
    private readonly journal: Journal,
    private readonly log: Logger,
    now = Date.now(),
  ) {
    this.openStart = history.openRun(pump)?.startMs;
    this.lastStopMs = history.lastStop(pump);
    this.starts = history.startsSince(pump, now - HOUR);
    this.unregister = journal.onRecover(() => this.flush());
  }

  /** A start: counted at once, then journalled (an open run is closed as 'unknown' first). */
  start(ms: number): void {
    this.openStart = ms;
    this.starts.push(ms);
    this.starts = this.starts.filter((t) => ms - t < HOUR);
    this.record({ op: 'start', ms });
  }

  /** A stop closes the open run; with none open there is nothing to close. */
  stop(ms: number, reason: string): void {
    if (this.openStart === undefined) return;
    this.openStart = undefined;
    this.lastStopMs = ms;
    this.record({ op: 'stop', ms, reason });
  }

  openRun(): { startMs: number } | undefined {
    return this.openStart === undefined ? undefined : { startMs: this.openStart };
  }

  lastStop(): number | undefined {
    return this.lastStopMs;
  }

  startsSince(ms: number): number[] {
    return this.starts.filter((t) => t >= ms);
  }

  /** Writes the waiting changes in order; false (and they stay) if the journal still refuses. */
  flush(): boolean {
    while (this.pending.length) {
      const c = this.pending[0]!;
      const ok = this.journal.write(`pump ${this.pump} run`, () =>
        c.op === 'start' ? this.history.recordStart(this.pump, c.ms) : this.history.recordStop(this.pump, c.ms, c.reason),
      );
      if (!ok) return false;
      this.pending.shift();
    }
    if (this.dropped) {
      this.log.warn(`devices: pump ${this.pump}: ${this.dropped} run changes were not journalled (the journal was unavailable too long)`);
      this.dropped = 0;
    }
    return true;
  }

  private record(c: Change): void {
    this.pending.push(c);
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
    this.flush();
  }
}
