import type { Db, Migration } from '../store/database.ts';
import type { Segment } from './service.ts';
import type { StoredHold } from './space-plan.ts';

export const recordMigrations: Migration[] = [
  {
    owner: 'record',
    version: 1,
    description: 'segment index and retention holds',
    up: (db) =>
      db.exec(`
        CREATE TABLE segments (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          camera_id TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
          bytes INTEGER NOT NULL, path TEXT NOT NULL UNIQUE);
        CREATE INDEX segments_camera_time ON segments(camera_id, start_ms);
        CREATE INDEX segments_start ON segments(start_ms);
        CREATE TABLE segment_holds (
          holder TEXT NOT NULL, camera_id TEXT NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
          until_ms INTEGER, PRIMARY KEY (holder, camera_id, from_ms));`),
  },
  {
    owner: 'record',
    version: 2,
    description: 'when each hold was taken, so holds expire',
    up: (db) => {
      db.exec('ALTER TABLE segment_holds ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0');
      // Holds taken before this version count from the upgrade, not from 1970.
      db.prepare('UPDATE segment_holds SET created_ms = ?').run(Date.now());
    },
  },
];

interface SegmentRow {
  id: number;
  camera_id: string;
  start_ms: number;
  end_ms: number;
  bytes: number;
  path: string;
}

const toSegment = (r: SegmentRow): Segment => ({
  id: r.id,
  cameraId: r.camera_id,
  startMs: r.start_ms,
  endMs: r.end_ms,
  bytes: r.bytes,
  path: r.path,
});

export interface Hold {
  holder: string;
  cameraId: string;
  fromMs: number;
  toMs: number;
  untilMs: number | null;
}

/** The SQLite index of recorded segments, and the holds that keep retention off footage. */
export class SegmentIndex {
  constructor(private readonly db: Db) {}

  add(seg: Omit<Segment, 'id'>): Segment {
    const res = this.db
      .prepare('INSERT OR IGNORE INTO segments (camera_id, start_ms, end_ms, bytes, path) VALUES (?, ?, ?, ?, ?)')
      .run(seg.cameraId, Math.round(seg.startMs), Math.round(seg.endMs), seg.bytes, seg.path);
    return { ...seg, id: Number(res.lastInsertRowid) };
  }

  between(cameraId: string, fromMs: number, toMs: number, limit = 10_000): Segment[] {
    return (
      this.db
        .prepare('SELECT * FROM segments WHERE camera_id = ? AND end_ms >= ? AND start_ms <= ? ORDER BY start_ms LIMIT ?')
        .all(cameraId, fromMs, toMs, limit) as SegmentRow[]
    ).map(toSegment);
  }

  get(id: number): Segment | undefined {
    const row = this.db.prepare('SELECT * FROM segments WHERE id = ?').get(id) as SegmentRow | undefined;
    return row ? toSegment(row) : undefined;
  }

  hasPath(path: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM segments WHERE path = ?').get(path);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM segments').get() as { n: number }).n;
  }

  /** The oldest segments of all cameras, a page at a time after `after` (start, then id). */
  oldest(limit: number, after?: { startMs: number; id: number }): Segment[] {
    const rows = after
      ? this.db.prepare('SELECT * FROM segments WHERE (start_ms, id) > (?, ?) ORDER BY start_ms, id LIMIT ?').all(after.startMs, after.id, limit)
      : this.db.prepare('SELECT * FROM segments ORDER BY start_ms, id LIMIT ?').all(limit);
    return (rows as SegmentRow[]).map(toSegment);
  }

  olderThan(cameraId: string, endBeforeMs: number, limit: number): Segment[] {
    return (
      this.db.prepare('SELECT * FROM segments WHERE camera_id = ? AND end_ms < ? ORDER BY start_ms LIMIT ?').all(cameraId, endBeforeMs, limit) as SegmentRow[]
    ).map(toSegment);
  }

  cameras(): string[] {
    return (this.db.prepare('SELECT DISTINCT camera_id FROM segments').all() as Array<{ camera_id: string }>).map((r) => r.camera_id);
  }

  all(): Segment[] {
    return (this.db.prepare('SELECT * FROM segments ORDER BY start_ms').all() as SegmentRow[]).map(toSegment);
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM segments WHERE id = ?').run(id);
  }

  /** Takes or renews a hold; a renewed hold keeps the time it was first taken (expiry counts from it). */
  hold(h: Hold, nowMs = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO segment_holds (holder, camera_id, from_ms, to_ms, until_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (holder, camera_id, from_ms) DO UPDATE SET to_ms = excluded.to_ms, until_ms = excluded.until_ms`,
      )
      .run(h.holder, h.cameraId, Math.floor(h.fromMs), Math.ceil(h.toMs), h.untilMs, nowMs);
  }

  hasHolder(holder: string): boolean {
    return !!this.db.prepare('SELECT 1 FROM segment_holds WHERE holder = ?').get(holder);
  }

  release(holder: string): void {
    this.db.prepare('DELETE FROM segment_holds WHERE holder = ?').run(holder);
  }

  /** Every stored hold, in force or not (space.ts decides which are). */
  holds(): StoredHold[] {
    return (
      this.db.prepare('SELECT * FROM segment_holds').all() as Array<{
        holder: string;
        camera_id: string;
        from_ms: number;
        to_ms: number;
        until_ms: number | null;
        created_ms: number;
      }>
    ).map((r) => ({ holder: r.holder, cameraId: r.camera_id, fromMs: r.from_ms, toMs: r.to_ms, untilMs: r.until_ms, createdMs: r.created_ms }));
  }

  /** Removes one stored hold (expired). */
  dropHold(h: Pick<Hold, 'holder' | 'cameraId' | 'fromMs'>): void {
    this.db.prepare('DELETE FROM segment_holds WHERE holder = ? AND camera_id = ? AND from_ms = ?').run(h.holder, h.cameraId, h.fromMs);
  }

  /** Ids and sizes of the segments of `cameraId` overlapping [fromMs, toMs]. */
  sizesBetween(cameraId: string, fromMs: number, toMs: number): Array<{ id: number; bytes: number }> {
    return this.db.prepare('SELECT id, bytes FROM segments WHERE camera_id = ? AND end_ms >= ? AND start_ms <= ?').all(cameraId, fromMs, toMs) as Array<{
      id: number;
      bytes: number;
    }>;
  }

  /** Bytes of all indexed footage. */
  totalBytes(): number {
    return (this.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM segments').get() as { n: number }).n;
  }
}
