/**
 * What the devices subsystem keeps in SQLite: telemetry samples (raw, a few days) rolled up into
 * per-minute min/max/avg as they are written (kept for months), pump runs (start, stop, why: the
 * record behind run-hours and starts per day, and what the in-memory start limits are loaded from
 * at start, see pump-runs.ts), the alarm journal, and the hub's last-alive time (to tell which
 * programme starts were missed while it was down). Writers go through journal.ts, which turns a
 * failing write (full disk) into a reported condition instead of an exception.
 */
import type { Db, Migration } from '../store/database.ts';
import { localTime, fromLocal } from './lib/schedule.ts';

export const devicesMigrations: Migration[] = [
  {
    owner: 'devices',
    version: 1,
    description: 'telemetry, pump runs, alarm journal, state',
    up: (db) =>
      db.exec(`
        CREATE TABLE device_samples (device TEXT NOT NULL, point TEXT NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL);
        CREATE INDEX device_samples_key ON device_samples(device, point, ts);
        CREATE TABLE device_minutes (device TEXT NOT NULL, point TEXT NOT NULL, minute INTEGER NOT NULL,
          min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (device, point, minute));
        CREATE TABLE pump_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, pump TEXT NOT NULL, start_ms INTEGER NOT NULL,
          stop_ms INTEGER, stop_reason TEXT);
        CREATE INDEX pump_runs_pump ON pump_runs(pump, start_ms);
        CREATE TABLE device_alarm_log (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, alarm TEXT NOT NULL,
          change TEXT NOT NULL, kind TEXT NOT NULL, device TEXT NOT NULL, message TEXT NOT NULL, actor TEXT);
        CREATE TABLE devices_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`),
  },
  {
    owner: 'devices',
    version: 2,
    description: 'scratch table for the journal writability probe (journal.ts)',
    up: (db) => db.exec('CREATE TABLE devices_probe (b BLOB);'),
  },
];

export interface AlarmLogRow {
  id: number;
  ts: number;
  alarm: string;
  change: string;
  kind: string;
  device: string;
  message: string;
  actor: string | null;
}

export interface Sample {
  ts: number;
  value?: number;
  min?: number;
  max?: number;
  avg?: number;
}

export class History {
  readonly hubStartedAt = Date.now();
  private readonly lastSample = new Map<string, number>();
  private readonly st;

  private readonly startTx;

  constructor(
    private readonly db: Db,
    private readonly sampleMs: number,
  ) {
    this.startTx = db.transaction((pump: string, ms: number) => {
      const open = this.openRunRow(pump);
      if (open) this.st.closeRun.run(ms, 'unknown', open.id);
      this.st.insertRun.run(pump, ms);
    });
    this.st = {
      sample: db.prepare('INSERT INTO device_samples (device, point, ts, value) VALUES (?, ?, ?, ?)'),
      minute: db.prepare(`INSERT INTO device_minutes (device, point, minute, min, max, sum, n) VALUES (?, ?, ?, ?, ?, ?, 1)
        ON CONFLICT(device, point, minute) DO UPDATE SET min = min(min, excluded.min), max = max(max, excluded.max),
        sum = sum + excluded.sum, n = n + 1`),
      openRun: db.prepare('SELECT id, start_ms AS startMs FROM pump_runs WHERE pump = ? AND stop_ms IS NULL ORDER BY id DESC LIMIT 1'),
      lastStop: db.prepare('SELECT max(stop_ms) AS t FROM pump_runs WHERE pump = ?'),
      starts: db.prepare('SELECT start_ms AS t FROM pump_runs WHERE pump = ? AND start_ms >= ? ORDER BY start_ms'),
      insertRun: db.prepare('INSERT INTO pump_runs (pump, start_ms) VALUES (?, ?)'),
      closeRun: db.prepare('UPDATE pump_runs SET stop_ms = ?, stop_reason = ? WHERE id = ?'),
      getState: db.prepare('SELECT value FROM devices_state WHERE key = ?'),
      setState: db.prepare('INSERT INTO devices_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      alarm: db.prepare('INSERT INTO device_alarm_log (ts, alarm, change, kind, device, message, actor) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    };
  }

  /** Keeps one sample per point per sample period; each also lands in its minute's roll-up. */
  sample(device: string, point: string, value: number, now = Date.now()): void {
    const key = `${device}\u0000${point}`;
    if (now - (this.lastSample.get(key) ?? 0) < this.sampleMs) return;
    // Marked first: a sample the disk refused is skipped, not retried on every value change.
    this.lastSample.set(key, now);
    this.st.sample.run(device, point, now, value);
    this.st.minute.run(device, point, Math.floor(now / 60_000) * 60_000, value, value, value);
  }

  /** Samples in [from, to]: raw when asked or when the span is short, else per-minute roll-ups. */
  query(device: string, point: string, from: number, to: number, resolution: 'raw' | 'minute' | 'auto' = 'auto', limit = 5000): Sample[] {
    const raw = resolution === 'raw' || (resolution === 'auto' && to - from <= 6 * 3_600_000);
    if (raw) {
      return this.db
        .prepare('SELECT ts, value FROM device_samples WHERE device = ? AND point = ? AND ts BETWEEN ? AND ? ORDER BY ts LIMIT ?')
        .all(device, point, from, to, limit) as Sample[];
    }
    return this.db
      .prepare(
        `SELECT minute AS ts, min, max, sum / n AS avg FROM device_minutes
      WHERE device = ? AND point = ? AND minute BETWEEN ? AND ? ORDER BY minute LIMIT ?`,
      )
      .all(device, point, from, to, limit) as Sample[];
  }

  prune(now: number, rawDays: number, minuteDays: number, alarmDays = 365): void {
    this.db.prepare('DELETE FROM device_samples WHERE ts < ?').run(now - rawDays * 86_400_000);
    this.db.prepare('DELETE FROM device_minutes WHERE minute < ?').run(now - minuteDays * 86_400_000);
    this.db.prepare('DELETE FROM device_alarm_log WHERE ts < ?').run(now - alarmDays * 86_400_000);
  }

  /** The alarm journal in [from, to], newest first. */
  alarmLog(from: number, to: number, limit: number): AlarmLogRow[] {
    return this.db
      .prepare('SELECT id, ts, alarm, change, kind, device, message, actor FROM device_alarm_log WHERE ts BETWEEN ? AND ? ORDER BY id DESC LIMIT ?')
      .all(from, to, limit) as AlarmLogRow[];
  }

  /** Journals a start; a run left open is closed as 'unknown' in the same transaction. */
  recordStart(pump: string, ms: number): void {
    this.startTx(pump, ms);
  }

  recordStop(pump: string, ms: number, reason: string): void {
    const open = this.openRunRow(pump);
    if (open) this.st.closeRun.run(ms, reason, open.id);
  }

  private openRunRow(pump: string): { id: number; startMs: number } | undefined {
    return this.st.openRun.get(pump) as { id: number; startMs: number } | undefined;
  }

  openRun(pump: string): { startMs: number } | undefined {
    return this.openRunRow(pump);
  }

  lastStop(pump: string): number | undefined {
    const r = this.st.lastStop.get(pump) as { t: number | null };
    return r.t ?? undefined;
  }

  startsSince(pump: string, ms: number): number[] {
    return (this.st.starts.all(pump, ms) as Array<{ t: number }>).map((r) => r.t);
  }

  /** Starts and run-hours per local day, newest first. */
  daily(pump: string, days: number, tz: string, now = Date.now()): Array<{ day: string; starts: number; runHours: number }> {
    const out: Array<{ day: string; starts: number; runHours: number }> = [];
    const today = localTime(now, tz);
    let dayEnd = fromLocal(today.year, today.month, today.day, 24 * 60, tz);
    for (let i = 0; i < days; i++) {
      const d = localTime(dayEnd - 1, tz);
      const dayStart = fromLocal(d.year, d.month, d.day, 0, tz);
      const runs = this.db
        .prepare('SELECT start_ms AS s, stop_ms AS e FROM pump_runs WHERE pump = ? AND start_ms < ? AND (stop_ms IS NULL OR stop_ms > ?)')
        .all(pump, dayEnd, dayStart) as Array<{ s: number; e: number | null }>;
      let ms = 0;
      let starts = 0;
      for (const r of runs) {
        const s = Math.max(r.s, dayStart);
        const e = Math.min(r.e ?? now, dayEnd);
        if (e > s) ms += e - s;
        if (r.s >= dayStart) starts++;
      }
      out.push({
        day: `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`,
        starts,
        runHours: Number((ms / 3_600_000).toFixed(3)),
      });
      dayEnd = dayStart;
    }
    return out;
  }

  getState(key: string): string | undefined {
    return (this.st.getState.get(key) as { value: string } | undefined)?.value;
  }

  setState(key: string, value: string): void {
    this.st.setState.run(key, value);
  }

  logAlarm(ts: number, alarm: string, change: string, kind: string, device: string, message: string, actor?: string): void {
    this.st.alarm.run(ts, alarm, change, kind, device, message, actor ?? null);
  }
}
