/**
 * Issue 10, finding 1 (devices): a journal that cannot be written (a full disk, a volume remounted
 * read-only) never stops supervision. No error escapes a timer, trips and stops still go through,
 * starts are refused with the reason before the drive is commanded, the condition shows on health,
 * and the start limits keep counting from memory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../hub/store/database.ts';
import { stationConfig, useStation, waitFor } from './harness.ts';
import { startRuntime } from './harness.ts';

/** Fills the database for real: no page may be added, and the free room left is used up. */
function fillDatabase(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS test_filler (b BLOB)');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const insert = db.prepare('INSERT INTO test_filler (b) VALUES (zeroblob(?))');
  for (const size of [4000, 1000, 200, 20]) {
    try {
      for (;;) insert.run(size);
    } catch {
      // full at this row size; smaller rows may still fit
    }
  }
}

function unfill(db: Db): void {
  db.pragma('max_page_count = 1073741823');
}

describe('devices journal that cannot be written', () => {
  const t = useStation('tcp');
  const escaped: unknown[] = [];
  const onEscape = (err: unknown): void => void escaped.push(err);
  beforeEach(() => {
    escaped.length = 0;
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
  });
  afterEach(() => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
  });

  const ready = async (): Promise<void> => {
    const good = (d: string, p: string) => t.hub!.rt.store.get(d, p).quality === 'good';
    expect(
      await waitFor(
        () => good('drive', 'running') && good('drive', 'remote') && good('level', 'level') && good('salinity', 'salinity') && good('io', 'input2'),
        5000,
      ),
    ).toBe(true);
  };

  it('a read-only journal: the alarm is raised, the pump still trips, nothing escapes and health says why', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    await ready();
    expect((await t.hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    // The volume turns read-only (an SD card's file system remounted after errors): every write
    // to the journal and the audit log fails from now on.
    t.hub.db.pragma('query_only = ON');
    t.st.sim.model.silent.add(3); // the salinity sensor stops answering
    // Comm-loss alarm (journalled through logAlarm, the write that killed the hub) and the
    // stale-sensor failsafe trip, which must stop the pump whatever the journal does.
    expect(await waitFor(() => !t.st.sim.model.running, 5000)).toBe(true);
    expect(await waitFor(() => t.hub!.rt.alarms().some((a) => a.id === 'salinity:comm-loss'))).toBeTruthy();
    expect(t.hub.rt.alarms().some((a) => a.kind === 'trip' && a.id.includes('sensor-failsafe'))).toBe(true);
    expect(t.hub.health.get('devices/journal')).toMatchObject({ level: 'degraded' });
    // The trip's stop is audited once its read-back confirms it: that write fails too.
    expect(await waitFor(() => t.hub!.health.get('audit')?.level === 'degraded')).toBe(true);
    expect(t.hub.metrics.value('devices_journal_write_failures_total')).toBeGreaterThan(0);
    // Polling goes on: the level is still read with good quality.
    const polls = t.hub.rt.devs.get('level')!.stats.polls;
    expect(await waitFor(() => t.hub!.rt.devs.get('level')!.stats.polls > polls + 3)).toBe(true);
    expect(t.hub.rt.store.get('level', 'level').quality).toBe('good');
    expect(escaped).toEqual([]);
  });

  it('a full database: starts are refused before the drive is commanded, stops go through, starts resume when space returns', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    await ready();
    const hub = t.hub;
    expect((await hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    fillDatabase(hub.db);
    const stop = await hub.rt.command('pump', 'stop', {}, 'user:lan');
    expect(stop.ok).toBe(true);
    expect(t.st.sim.model.running).toBe(false);
    const starts = t.st.sim.model.starts;
    const refused = await hub.rt.command('pump', 'run', {}, 'user:lan');
    expect(refused).toMatchObject({ ok: false, status: 'refused', reason: { code: 'journal-unavailable' } });
    expect(refused.reason?.vi).toMatch(/nhật ký/);
    expect(t.st.sim.model.starts).toBe(starts); // the drive never saw a run command
    expect(hub.rt.pumpControllers.get('pump')!.blocker()?.code).toBe('journal-unavailable');
    expect(hub.health.get('devices/journal')?.level).toBe('degraded');
    expect(hub.health.get('devices/journal')?.message).toMatch(/full/);

    unfill(hub.db);
    expect(await waitFor(() => hub.health.get('devices/journal')?.level === 'ok', 5000)).toBe(true);
    expect((await hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    expect(t.st.sim.model.running).toBe(true);
    // The stop made while the journal was full is in it now: the run is closed.
    const runs = hub.db.prepare("SELECT stop_ms, stop_reason FROM pump_runs WHERE pump = 'pump' ORDER BY id").all() as Array<{
      stop_ms: number | null;
      stop_reason: string | null;
    }>;
    expect(runs).toHaveLength(2);
    expect(runs[0]!.stop_reason).toBe('user:lan');
    expect(runs[1]!.stop_ms).toBeNull();
    expect(escaped).toEqual([]);
  });

  it('a start whose journal write fails after the drive started still counts against starts per hour', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec, {}, { maxStartsPerHour: 2 }));
    await ready();
    const hub = t.hub;
    expect((await hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    expect((await hub.rt.command('pump', 'stop', {}, 'user:lan')).ok).toBe(true);
    // The next run row cannot be written (the write fails after the pre-start check passed).
    hub.db.exec("CREATE TRIGGER test_runs_full BEFORE INSERT ON pump_runs BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    expect((await hub.rt.command('pump', 'run', {}, 'user:lan')).ok).toBe(true);
    expect(hub.health.get('devices/journal')?.level).toBe('degraded');
    hub.db.exec('DROP TRIGGER test_runs_full');
    expect((await hub.rt.command('pump', 'stop', {}, 'user:lan')).ok).toBe(true);
    const third = await hub.rt.command('pump', 'run', {}, 'user:lan');
    expect(third).toMatchObject({ status: 'refused', reason: { code: 'max-starts' } });
    // Once writable, the journal catches up with what happened meanwhile.
    expect(await waitFor(() => (hub.db.prepare("SELECT count(*) AS n FROM pump_runs WHERE pump = 'pump'").get() as { n: number }).n === 2, 3000)).toBe(true);
    expect(escaped).toEqual([]);
  });
});
