/**
 * The devices journal's writability (issue 10): every write the devices subsystem makes to SQLite
 * (samples, pump runs, alarm log, saved state, pruning) goes through `write`, which never throws.
 * A write that fails (SQLITE_FULL on a full disk, an I/O error, a read-only volume) is counted,
 * logged once per outage and put on health as `devices/journal`; supervision carries on from
 * memory. While the journal is failing, pump starts are refused (pump-controller.ts asks
 * `writable()` before the drive is commanded); stops and trips go through whatever it does.
 *
 * Recovery is found by a probe, not by luck: a failing journal is declared writable again only
 * after a committed page-sized write works and everything left unjournalled meanwhile (pump runs,
 * see pump-runs.ts) has been written. The runtime probes on its tick; a start probes first.
 */
import type { Db } from '../store/database.ts';
import type { Logger } from '../core/log.ts';
import { isNoSpace } from '../core/guard.ts';
import type { HealthBoard } from '../core/health.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';

export const JOURNAL_COMPONENT = 'devices/journal';

/** Writes what was kept in memory while the journal failed; false if it still cannot. */
export type Flusher = () => boolean;

export interface JournalOptions {
  health?: HealthBoard;
  metrics?: MetricsRegistry;
}

export class Journal {
  private failing: string | undefined;
  private readonly flushers = new Set<Flusher>();
  private readonly probeSt: () => void;
  private readonly failures;

  constructor(
    db: Db,
    private readonly log: Logger,
    private readonly opts: JournalOptions = {},
  ) {
    const insert = db.prepare('INSERT INTO devices_probe (b) VALUES (zeroblob(8192))');
    const clear = db.prepare('DELETE FROM devices_probe');
    // A row bigger than a page needs free pages or a growing file: what a full disk refuses.
    const probe = db.transaction(() => {
      insert.run();
      clear.run();
    });
    this.probeSt = () => probe();
    this.failures = opts.metrics?.counter('devices_journal_write_failures_total', 'Devices journal writes (samples, pump runs, alarm log, state) that failed');
  }

  /**
   * Runs one journal write; a failure is counted and reported, never thrown. Returns whether it
   * was written. `what` names the write in the log ("alarm log", "pump p1 run").
   */
  write(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.fail(what, err as Error);
      return false;
    }
  }

  /** Why the journal cannot be written, while it cannot (no probe). */
  unavailable(): string | undefined {
    return this.failing;
  }

  /**
   * Whether the journal can be written now. While it is failing this probes (a committed write,
   * then everything left unjournalled) and clears the condition when both work.
   */
  writable(): boolean {
    if (!this.probe()) return false;
    if (this.failing !== undefined && !this.flush()) return false;
    this.opts.health?.ok(JOURNAL_COMPONENT);
    return true;
  }

  /** Registers what to write back when the journal recovers; returns its unregister. */
  onRecover(fn: Flusher): () => void {
    this.flushers.add(fn);
    return () => this.flushers.delete(fn);
  }

  private probe(): boolean {
    return this.write('write probe', this.probeSt);
  }

  private flush(): boolean {
    for (const fn of this.flushers) if (!fn()) return false;
    this.failing = undefined;
    this.log.info('devices: the journal can be written again; pump starts are allowed');
    return true;
  }

  private fail(what: string, err: Error): void {
    this.failures?.inc();
    const why = isNoSpace(err) ? 'the disk is full' : err.message;
    if (this.failing !== undefined) return; // one log line and one health change per outage
    this.failing = why;
    this.log.error(`devices: journal write failed (${what}): ${err.message}; supervision goes on from memory, pump starts are refused until it can be written`);
    this.opts.health?.set(
      JOURNAL_COMPONENT,
      'degraded',
      `devices: the pump journal cannot be written (${why}); pump starts are refused until it can, stops and trips go through`,
    );
  }
}
