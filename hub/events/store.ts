/**
 * Events at rest (SQLite, owner 'events'): the events, their updates, the police workflow and
 * the media with the sha256 taken at creation. Every change is one transaction, so a hub killed
 * mid-event leaves whole rows: an event is open (end_at NULL) or ended, never half-written.
 */
import type { Db, Migration } from '../store/database.ts';
import type { Box } from '../pipeline/index.ts';
import { HubError } from '../core/errors.ts';

export const migrations: Migration[] = [
  {
    owner: 'events',
    version: 1,
    description: 'security events, updates, workflow actions, media and exports',
    up: (db) =>
      db.exec(`
        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          camera_id TEXT NOT NULL, rule_id TEXT NOT NULL, rule_type TEXT NOT NULL, subject TEXT NOT NULL,
          track_id TEXT, label TEXT NOT NULL, tier TEXT NOT NULL, severity TEXT NOT NULL,
          start_at INTEGER NOT NULL, last_at INTEGER NOT NULL, end_at INTEGER,
          best_at INTEGER NOT NULL, best_score REAL NOT NULL, best_box TEXT, frame_w INTEGER, frame_h INTEGER,
          geometry TEXT, data TEXT,
          status TEXT NOT NULL DEFAULT 'new', verdict TEXT, assignee TEXT,
          media_state TEXT NOT NULL DEFAULT 'pending',
          created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE INDEX events_start ON events(start_at);
        CREATE INDEX events_camera ON events(camera_id, start_at);
        CREATE INDEX events_rule ON events(rule_id, start_at);
        CREATE INDEX events_open ON events(end_at) WHERE end_at IS NULL;
        CREATE TABLE event_updates (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
          at INTEGER NOT NULL, kind TEXT NOT NULL, score REAL, box TEXT, data TEXT);
        CREATE INDEX event_updates_event ON event_updates(event_id, at);
        CREATE TABLE event_actions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
          at INTEGER NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, detail TEXT);
        CREATE INDEX event_actions_event ON event_actions(event_id, at);
        CREATE TABLE event_media (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
          kind TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
          from_ms INTEGER, to_ms INTEGER, created_at INTEGER NOT NULL, deleted_at INTEGER,
          UNIQUE (event_id, kind));
        CREATE TABLE event_exports (
          id TEXT PRIMARY KEY, event_id INTEGER NOT NULL REFERENCES events(id),
          created_at INTEGER NOT NULL, created_by TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL,
          manifest_sha256 TEXT NOT NULL);`),
  },
  {
    owner: 'events',
    version: 2,
    description: 'the police workflow record is append-only',
    // Issue 11, finding 9: acknowledge, verdict and close were rows anyone with the database could
    // rewrite. The audit log holds the record (with the client's address); event_actions, which
    // the event view reads, is now append-only too. Events are never deleted, so the cascade from
    // events never needs a delete here.
    up: (db) =>
      db.exec(`
        CREATE TRIGGER event_actions_no_update BEFORE UPDATE ON event_actions
          BEGIN SELECT RAISE(ABORT, 'event actions are append-only'); END;
        CREATE TRIGGER event_actions_no_delete BEFORE DELETE ON event_actions
          BEGIN SELECT RAISE(ABORT, 'event actions are append-only'); END;`),
  },
];

export type Tier = 'alert' | 'detection';
export type Status = 'new' | 'acknowledged' | 'closed';
export type Verdict = 'false-alarm' | 'incident';
export type MediaState = 'pending' | 'ready' | 'partial' | 'failed' | 'expired';
export type MediaKind = 'snapshot' | 'clip';
export type WorkflowAction = 'acknowledge' | 'assign' | 'note' | 'verdict' | 'close' | 'reopen';

/** One security event as the API and the export show it. Times are epoch ms. */
export interface SecurityEvent {
  id: number;
  cameraId: string;
  ruleId: string;
  ruleType: string;
  subject: string;
  trackId: string | null;
  label: string;
  tier: Tier;
  severity: string;
  startAt: number;
  lastAt: number;
  endAt: number | null;
  active: boolean;
  best: { at: number; score: number; box: Box | null; frame: { width: number; height: number } | null };
  /** The rule's zone or line at the time of the event (normalised points). */
  geometry: { zone?: Array<[number, number]>; line?: Array<[number, number]> } | null;
  data: Record<string, unknown> | null;
  status: Status;
  verdict: Verdict | null;
  assignee: string | null;
  mediaState: MediaState;
  createdAt: number;
  updatedAt: number;
}

export interface MediaRow {
  id: number;
  eventId: number;
  kind: MediaKind;
  path: string;
  bytes: number;
  sha256: string;
  fromMs: number | null;
  toMs: number | null;
  createdAt: number;
  deletedAt: number | null;
}

export interface ActionRow {
  id: number;
  eventId: number;
  at: number;
  user: string;
  action: string;
  detail: Record<string, unknown> | null;
}

export interface NewEvent {
  cameraId: string;
  ruleId: string;
  ruleType: string;
  subject: string;
  trackId?: string;
  label: string;
  tier: Tier;
  severity: string;
  startAt: number;
  at: number;
  best: SecurityEvent['best'];
  geometry: SecurityEvent['geometry'];
  data?: Record<string, unknown>;
}

export interface EventQuery {
  camera?: string;
  rule?: string;
  label?: string;
  tier?: Tier;
  /** active | ended | new | acknowledged | closed | false-alarm | incident */
  state?: string;
  from?: number;
  to?: number;
  /** Paging: events with id below this. */
  before?: number;
  limit?: number;
}

type Row = Record<string, unknown>;
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = <T>(v: unknown): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null);

function toEvent(r: Row): SecurityEvent {
  const fw = r.frame_w as number | null;
  const fh = r.frame_h as number | null;
  return {
    id: r.id as number,
    cameraId: r.camera_id as string,
    ruleId: r.rule_id as string,
    ruleType: r.rule_type as string,
    subject: r.subject as string,
    trackId: (r.track_id as string | null) ?? null,
    label: r.label as string,
    tier: r.tier as Tier,
    severity: r.severity as string,
    startAt: r.start_at as number,
    lastAt: r.last_at as number,
    endAt: (r.end_at as number | null) ?? null,
    active: r.end_at === null,
    best: { at: r.best_at as number, score: r.best_score as number, box: parse<Box>(r.best_box), frame: fw && fh ? { width: fw, height: fh } : null },
    geometry: parse(r.geometry),
    data: parse(r.data),
    status: r.status as Status,
    verdict: (r.verdict as Verdict | null) ?? null,
    assignee: (r.assignee as string | null) ?? null,
    mediaState: r.media_state as MediaState,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toMedia(r: Row): MediaRow {
  return {
    id: r.id as number,
    eventId: r.event_id as number,
    kind: r.kind as MediaKind,
    path: r.path as string,
    bytes: r.bytes as number,
    sha256: r.sha256 as string,
    fromMs: (r.from_ms as number | null) ?? null,
    toMs: (r.to_ms as number | null) ?? null,
    createdAt: r.created_at as number,
    deletedAt: (r.deleted_at as number | null) ?? null,
  };
}

export class EventStore {
  constructor(private readonly db: Db) {}

  /** Creates the event and its first update in one transaction. */
  start(e: NewEvent, now = Date.now()): SecurityEvent {
    const id = this.db.transaction(() => {
      const res = this.db
        .prepare(
          `INSERT INTO events (camera_id, rule_id, rule_type, subject, track_id, label, tier, severity, start_at, last_at,
          best_at, best_score, best_box, frame_w, frame_h, geometry, data, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          e.cameraId,
          e.ruleId,
          e.ruleType,
          e.subject,
          e.trackId ?? null,
          e.label,
          e.tier,
          e.severity,
          e.startAt,
          e.at,
          e.best.at,
          e.best.score,
          json(e.best.box),
          e.best.frame?.width ?? null,
          e.best.frame?.height ?? null,
          json(e.geometry),
          json(e.data),
          now,
          now,
        );
      const eventId = Number(res.lastInsertRowid);
      this.addUpdate(eventId, e.at, 'start', e.best.score, e.best.box, e.data);
      return eventId;
    })();
    return this.get(id)!;
  }

  /** Moves the event's last-seen time, and its best picture when given; records an update row. */
  update(
    id: number,
    u: { at: number; score?: number; box?: Box | null; best?: SecurityEvent['best']; data?: Record<string, unknown> },
    now = Date.now(),
  ): void {
    this.db.transaction(() => {
      if (u.best) {
        this.db
          .prepare(
            'UPDATE events SET last_at = MAX(last_at, ?), best_at = ?, best_score = ?, best_box = ?, frame_w = ?, frame_h = ?, updated_at = ? WHERE id = ?',
          )
          .run(u.at, u.best.at, u.best.score, json(u.best.box), u.best.frame?.width ?? null, u.best.frame?.height ?? null, now, id);
      } else {
        this.db.prepare('UPDATE events SET last_at = MAX(last_at, ?), updated_at = ? WHERE id = ?').run(u.at, now, id);
      }
      if (u.data) this.db.prepare('UPDATE events SET data = ? WHERE id = ?').run(json(u.data), id);
      this.addUpdate(id, u.at, 'update', u.score ?? null, u.box ?? null, u.data);
    })();
  }

  /** Ends an open event; ending an ended one is a no-op (returns false). */
  end(id: number, endAt: number, kind: 'end' | 'ended-on-restart' = 'end', best?: SecurityEvent['best'], now = Date.now()): boolean {
    return this.db.transaction(() => {
      const res = this.db
        .prepare('UPDATE events SET end_at = MAX(start_at, ?), last_at = MAX(last_at, ?), updated_at = ? WHERE id = ? AND end_at IS NULL')
        .run(endAt, endAt, now, id);
      if (res.changes === 0) return false;
      if (best) {
        this.db
          .prepare('UPDATE events SET best_at = ?, best_score = ?, best_box = ?, frame_w = ?, frame_h = ? WHERE id = ?')
          .run(best.at, best.score, json(best.box), best.frame?.width ?? null, best.frame?.height ?? null, id);
      }
      this.addUpdate(id, endAt, kind, null, null, undefined);
      return true;
    })();
  }

  /** Events a previous run left open (crash or kill -9). */
  open(): SecurityEvent[] {
    return (this.db.prepare('SELECT * FROM events WHERE end_at IS NULL ORDER BY id').all() as Row[]).map(toEvent);
  }

  get(id: number): SecurityEvent | undefined {
    const r = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Row | undefined;
    return r ? toEvent(r) : undefined;
  }

  /** Like get, but a missing event is a 404. */
  require(id: number): SecurityEvent {
    const e = this.get(id);
    if (!e) throw new HubError(404, `events: no event ${id}`);
    return e;
  }

  query(q: EventQuery): SecurityEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown): void => {
      where.push(sql);
      args.push(v);
    };
    if (q.camera) add('camera_id = ?', q.camera);
    if (q.rule) add('rule_id = ?', q.rule);
    if (q.label) add('label = ?', q.label);
    if (q.tier) add('tier = ?', q.tier);
    if (q.from !== undefined) add('COALESCE(end_at, last_at) >= ?', q.from);
    if (q.to !== undefined) add('start_at <= ?', q.to);
    if (q.before !== undefined) add('id < ?', q.before);
    switch (q.state) {
      case undefined:
        break;
      case 'active':
        where.push('end_at IS NULL');
        break;
      case 'ended':
        where.push('end_at IS NOT NULL');
        break;
      case 'new':
      case 'acknowledged':
      case 'closed':
        add('status = ?', q.state);
        break;
      case 'false-alarm':
      case 'incident':
        add('verdict = ?', q.state);
        break;
      default:
        throw new HubError(400, `events: unknown state "${q.state}"`, {
          allowed: ['active', 'ended', 'new', 'acknowledged', 'closed', 'false-alarm', 'incident'],
        });
    }
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toEvent);
  }

  updates(id: number, limit = 500): Array<{ at: number; kind: string; score: number | null; box: Box | null; data: unknown }> {
    return (this.db.prepare('SELECT * FROM event_updates WHERE event_id = ? ORDER BY id LIMIT ?').all(id, limit) as Row[]).map((r) => ({
      at: r.at as number,
      kind: r.kind as string,
      score: (r.score as number | null) ?? null,
      box: parse<Box>(r.box),
      data: parse(r.data),
    }));
  }

  /**
   * A police action (acknowledge, assign, note, verdict, close) with who and when, in one
   * transaction; `record` runs inside it with the changed event (the audit entry), and if it
   * throws nothing is changed.
   */
  act(
    id: number,
    user: string,
    action: WorkflowAction,
    detail: Record<string, unknown> = {},
    now = Date.now(),
    record?: (e: SecurityEvent) => void,
  ): SecurityEvent {
    return this.db.transaction(() => {
      const e = this.require(id);
      switch (action) {
        case 'acknowledge':
          if (e.status === 'closed') throw new HubError(409, `events: event ${id} is closed`);
          this.db.prepare("UPDATE events SET status = 'acknowledged', updated_at = ? WHERE id = ?").run(now, id);
          break;
        case 'assign':
          this.db.prepare('UPDATE events SET assignee = ?, updated_at = ? WHERE id = ?').run(String(detail.to), now, id);
          break;
        case 'verdict':
          this.db.prepare('UPDATE events SET verdict = ?, updated_at = ? WHERE id = ?').run(String(detail.verdict), now, id);
          break;
        case 'close':
          this.db.prepare("UPDATE events SET status = 'closed', updated_at = ? WHERE id = ?").run(now, id);
          break;
        case 'reopen':
          this.db.prepare("UPDATE events SET status = 'acknowledged', updated_at = ? WHERE id = ?").run(now, id);
          break;
        case 'note':
          this.db.prepare('UPDATE events SET updated_at = ? WHERE id = ?').run(now, id);
          break;
      }
      this.db.prepare('INSERT INTO event_actions (event_id, at, user, action, detail) VALUES (?, ?, ?, ?, ?)').run(id, now, user, action, json(detail));
      const after = this.require(id);
      record?.(after);
      return after;
    })();
  }

  actions(id: number): ActionRow[] {
    return (this.db.prepare('SELECT * FROM event_actions WHERE event_id = ? ORDER BY id').all(id) as Row[]).map((r) => ({
      id: r.id as number,
      eventId: r.event_id as number,
      at: r.at as number,
      user: r.user as string,
      action: r.action as string,
      detail: parse(r.detail),
    }));
  }

  /** Records a media file (already renamed into place) with its hash. */
  addMedia(m: Omit<MediaRow, 'id' | 'createdAt' | 'deletedAt'>, now = Date.now()): MediaRow {
    this.db
      .prepare('INSERT INTO event_media (event_id, kind, path, bytes, sha256, from_ms, to_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(m.eventId, m.kind, m.path, m.bytes, m.sha256, m.fromMs, m.toMs, now);
    return this.media(m.eventId).find((x) => x.kind === m.kind)!;
  }

  media(eventId: number): MediaRow[] {
    return (this.db.prepare('SELECT * FROM event_media WHERE event_id = ? ORDER BY id').all(eventId) as Row[]).map(toMedia);
  }

  setMediaState(id: number, state: MediaState, now = Date.now()): void {
    this.db.prepare('UPDATE events SET media_state = ?, updated_at = ? WHERE id = ?').run(state, now, id);
  }

  /** Ended events whose media still wait to be made (after a crash, or footage that came late). */
  pendingMedia(): SecurityEvent[] {
    return (this.db.prepare("SELECT * FROM events WHERE end_at IS NOT NULL AND media_state = 'pending' ORDER BY id").all() as Row[]).map(toEvent);
  }

  /**
   * Events whose media are past retention: ended before `beforeMs`, not an incident still open
   * (a case keeps its evidence until closed), media not yet expired.
   */
  expiring(beforeMs: number): SecurityEvent[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM events WHERE end_at IS NOT NULL AND end_at < ? AND media_state != 'expired'
          AND NOT (COALESCE(verdict, '') = 'incident' AND status != 'closed') ORDER BY id LIMIT 500`,
        )
        .all(beforeMs) as Row[]
    ).map(toEvent);
  }

  markMediaDeleted(eventId: number, now = Date.now()): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE event_media SET deleted_at = ? WHERE event_id = ? AND deleted_at IS NULL').run(now, eventId);
      this.setMediaState(eventId, 'expired', now);
    })();
  }

  addExport(x: { id: string; eventId: number; createdBy: string; path: string; format: string; manifestSha256: string }, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO event_exports (id, event_id, created_at, created_by, path, format, manifest_sha256) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(x.id, x.eventId, now, x.createdBy, x.path, x.format, x.manifestSha256);
  }

  export(id: string): { id: string; eventId: number; path: string; format: string; createdBy: string; createdAt: number } | undefined {
    const r = this.db.prepare('SELECT * FROM event_exports WHERE id = ?').get(id) as Row | undefined;
    return r
      ? {
          id: r.id as string,
          eventId: r.event_id as number,
          path: r.path as string,
          format: r.format as string,
          createdBy: r.created_by as string,
          createdAt: r.created_at as number,
        }
      : undefined;
  }

  private addUpdate(eventId: number, at: number, kind: string, score: number | null, box: Box | null | undefined, data: unknown): void {
    this.db
      .prepare('INSERT INTO event_updates (event_id, at, kind, score, box, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(eventId, at, kind, score, json(box), json(data));
  }
}
