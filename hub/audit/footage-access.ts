/**
 * One audit policy for every look at footage (issue 11, finding 8): a recording, an event's clip
 * or snapshot, an export download and (when it comes) a live stream are each audited once per
 * user, item and window, whatever the request looks like. A player asks for one file in many
 * range requests (`bytes=0-`, `bytes=-N` for the MP4 index at the end, `bytes=1234-` to seek), in
 * any order; auditing only the one that starts at byte 0 let a player that starts elsewhere watch
 * unrecorded, and auditing every one filled the log with one view written hundreds of times.
 *
 * The window starts at the audited access and does not slide: the first access after it has
 * passed is audited again and starts a new one, so a long session shows as one row per window.
 * The memory of recent (user, item) pairs is bounded; when it is full the oldest pair is
 * forgotten, which can only cause one more row, never one fewer.
 */
import type { AuditLog } from './audit-log.ts';

/** A user's further looks at the same item within this time write no new row. */
export const FOOTAGE_WINDOW_MS = 10 * 60_000;
/** Recent (user, item) pairs remembered; beyond this the oldest is forgotten. */
export const FOOTAGE_MEMORY = 10_000;

export type FootageKind = 'recording' | 'clip' | 'snapshot' | 'export' | 'live';

/** The audit action written for each kind. */
const ACTIONS = {
  recording: 'footage.view',
  clip: 'footage.view',
  snapshot: 'footage.view',
  export: 'footage.export.download',
  live: 'footage.live',
} as const satisfies Record<FootageKind, string>;

export interface FootageAccess {
  /** `user:NAME`. */
  actor: string;
  kind: FootageKind;
  /** What was looked at, unique within its kind: a segment id, an event id, an export id, a camera id. */
  item: string | number;
  /** The audit target: `camera:ID` or `event:N`. */
  target: string;
  /** Kept in the row with the kind and item. */
  detail?: Record<string, unknown>;
}

/**
 * Which (user, item) pairs were audited within the window: a pure core with its own clock, so a
 * test can move time. Insertion order is audit order (a renewed pair is moved to the end), so the
 * oldest pair is always first.
 */
export class FootageWindow {
  private readonly seen = new Map<string, number>();

  constructor(
    readonly windowMs = FOOTAGE_WINDOW_MS,
    readonly capacity = FOOTAGE_MEMORY,
    /** The clock; a test replaces it. */
    public now: () => number = Date.now,
  ) {}

  /** Whether an access to `key` at this moment starts a new window (and so needs a row). */
  due(key: string): boolean {
    const at = this.seen.get(key);
    return at === undefined || this.now() - at >= this.windowMs;
  }

  /** Records that `key` was audited now. */
  mark(key: string): void {
    const now = this.now();
    this.seen.delete(key);
    for (const [k, at] of this.seen) {
      if (this.seen.size < this.capacity && now - at < this.windowMs) break;
      this.seen.delete(k);
    }
    this.seen.set(key, now);
  }

  size(): number {
    return this.seen.size;
  }
}

const windows = new WeakMap<AuditLog, FootageWindow>();

/** The window kept for this audit log (one per hub); tests set its clock. */
export function footageWindow(audit: AuditLog): FootageWindow {
  let w = windows.get(audit);
  if (!w) windows.set(audit, (w = new FootageWindow()));
  return w;
}

/**
 * Audits a look at footage unless the same user was audited for the same item within the window.
 * Returns whether a row was written. Throws AuditUnavailable (503) when the row cannot be stored,
 * and then remembers nothing, so the next try writes it.
 */
export function auditFootageAccess(audit: AuditLog, access: FootageAccess): boolean {
  const w = footageWindow(audit);
  const key = `${access.actor}\u0000${access.kind}\u0000${access.item}`;
  if (!w.due(key)) return false;
  audit.write({
    actor: access.actor,
    action: ACTIONS[access.kind],
    target: access.target,
    result: 'ok',
    detail: { kind: access.kind, item: access.item, ...access.detail },
  });
  w.mark(key);
  return true;
}

/**
 * Serves footage and audits it under the one policy: the response is built first, so a refused
 * range (416) or a vanished file (404) is not recorded as a view; when the audit cannot be
 * written the response is dropped unread and the 503 goes out instead.
 */
export function servedFootage(audit: AuditLog, access: FootageAccess, serve: () => Response): Response {
  const res = serve();
  try {
    auditFootageAccess(audit, access);
  } catch (err) {
    void res.body?.cancel();
    throw err;
  }
  return res;
}
