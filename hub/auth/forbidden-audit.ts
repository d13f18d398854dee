/**
 * Refused requests (403) in the audit log, without letting a flood of them fill the disk: one row
 * per user and route per minute. The refusals left out in between are counted, in the next row
 * for that user and route (`detail.unrecordedBefore`) and in a metric, so nothing goes unseen.
 * Pure bookkeeping: the writer and the clock are passed in.
 */
import type { AuditEntry } from '../audit/audit-log.ts';
import type { Refusal } from '../api/router.ts';

const WINDOW_MS = 60_000;
/** Past this many user-and-route pairs, those whose minute is over are forgotten. */
const PRUNE_AT = 1_000;
/** A requested path is attacker-chosen: the row keeps its start only. */
const MAX_PATH = 200;

export class ForbiddenAudit {
  private readonly windows = new Map<string, { since: number; unrecorded: number }>();

  constructor(
    private readonly write: (entry: AuditEntry) => void,
    /** Called for each refusal that gets no row of its own. */
    private readonly onUnrecorded: () => void = () => {},
  ) {}

  /** Records `r`, or counts it when its user and route already have a row this minute. Throws what `write` throws. */
  record(r: Refusal, nowMs: number): void {
    const key = `${r.username}\n${r.route}`;
    const prev = this.windows.get(key);
    if (prev && nowMs - prev.since < WINDOW_MS) {
      prev.unrecorded++;
      this.onUnrecorded();
      return;
    }
    if (this.windows.size >= PRUNE_AT) this.prune(nowMs);
    const unrecordedBefore = prev?.unrecorded ?? 0;
    const entry = { since: nowMs, unrecorded: 0 };
    this.windows.set(key, entry);
    try {
      this.write({
        actor: `user:${r.username}`,
        action: 'auth.forbidden',
        target: r.route,
        result: 'refused',
        detail: { reason: r.reason, need: r.access, path: r.path.slice(0, MAX_PATH), ...(unrecordedBefore ? { unrecordedBefore } : {}) },
      });
    } catch (err) {
      // Not written: this refusal and the ones before it wait for the next row.
      entry.unrecorded = unrecordedBefore + 1;
      this.onUnrecorded();
      throw err;
    }
  }

  private prune(nowMs: number): void {
    for (const [key, w] of this.windows) if (nowMs - w.since >= WINDOW_MS && w.unrecorded === 0) this.windows.delete(key);
  }
}
