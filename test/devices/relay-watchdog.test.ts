/**
 * Issue 12, finding 11: a contactor pump has no protection while the hub is down (a sump was
 * emptied in 56 s after a kill -9 of the hub). A contactor pump on a Wiren Board WB-MR6C declared
 * with `protection: relay-watchdog`: the hub arms the module's safe mode before the first start,
 * and the module drops the contactor by itself once a killed hub stops talking to it. The hub runs
 * in a child process (crash-child.ts) so that it can be killed with SIGKILL. Waits are for a
 * condition, measured where they can be on the simulator's own clock; never a fixed sleep.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../hub/store/database.ts';
import { AuditLog, auditMigrations } from '../../hub/audit/audit-log.ts';
import { devicesMigrations } from '../../hub/devices/history.ts';
import { PROFILES } from '../../hub/devices/profile.ts';
import { CONTACTOR, RELAY_REGS, UNITS } from '../../hub/devices/sim/station-model.ts';
import { log, startRuntime, useStation, waitFor, waitSimSteps } from './harness.ts';
import { wbContactorConfig } from './station-config.ts';

/** The safe-mode timeout the wb-mr6c profile writes (ms), and the pump's dry-run level (m). */
const SAFE_MODE_MS = 1000 * Number(PROFILES['wb-mr6c'].commLossWatchdog?.find((w) => w.point === 'safeModeTimeout')?.value);
const DRY_RUN_M = 0.5;
/** The sump without protection runs dry (2 m down to the dry-run level) in 75 s: the 56 s, about. */
const DRAW_MPS = 0.02;

describe('finding 11: a contactor pump on a relay module with a communication-loss watchdog (WB-MR6C, Modbus tcp)', () => {
  const t = useStation('tcp');
  const model = () => t.st.sim.model;
  const relayWrites = () => t.st.sim.writes.filter((w) => w.unit === UNITS.relay);

  /** Runs the hub in a child process until it printed `ready`, then kills it with SIGKILL; resolves at the kill, with the model's clock then. */
  async function killHubOnceRunning(scenario: string, ready: string): Promise<{ killedAtMs: number }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/devices/crash-child.ts', t.st.dir, String(t.st.sim.tcpPort), scenario], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((ok) => child.once('exit', ok));
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      expect(await waitFor(() => out.includes(ready), 30_000), `child said: ${out}`).toBe(true);
      expect(model().contactorRunning).toBe(true);
      model().drawMps = DRAW_MPS;
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    return { killedAtMs: Date.now() };
  }

  it('before its first start the hub arms the safe mode and turns power-up restore off, verified and audited; while it polls, the safe mode never trips', async () => {
    model().writeRegister(UNITS.relay, RELAY_REGS.powerUpRestore, 1); // an installer left "restore relays at power-up"
    t.hub = startRuntime(t.st.dir, wbContactorConfig(t.st.busSpec, { type: 'relay-watchdog' }));
    const h = t.hub;
    expect(await waitFor(() => !h.rt.pumps()[0]?.startBlocker, 10_000)).toBe(true);
    expect((await h.rt.command('pump2', 'run', {}, 'user:lan')).ok).toBe(true);

    expect(model().reg(UNITS.relay, RELAY_REGS.safeModeS)).toBe(SAFE_MODE_MS / 1000);
    expect(model().reg(UNITS.relay, RELAY_REGS.powerUpRestore)).toBe(0);
    // Both written (06H) before the contactor's coil, in the profile's order.
    const writes = relayWrites().map((w) => `${w.table} ${w.addr}=${Number(w.value)}`);
    expect(writes.slice(0, 3)).toEqual([`holding 8=${SAFE_MODE_MS / 1000}`, 'holding 6=0', `coil ${CONTACTOR.coil}=1`]);
    const audited = h.audit.query({ action: 'pump.commission' }).reverse();
    expect(audited.map((a) => [a.target, a.result, a.detail?.point, a.detail?.value])).toEqual([
      ['pump:pump2', 'ok', 'safeModeTimeout', SAFE_MODE_MS / 1000],
      ['pump:pump2', 'ok', 'powerUpRestore', 0],
    ]);

    // The pump runs past the timeout by the simulator's clock; the hub's polls keep the module armed but quiet.
    const from = model().lastStepMs;
    expect(await waitFor(() => model().lastStepMs - from > SAFE_MODE_MS + 1000, SAFE_MODE_MS + 20_000)).toBe(true);
    expect(model().relaySafeModeTrips).toEqual([]);
    expect(model().contactorRunning).toBe(true);
  }, 60_000);

  it('a hub killed with SIGKILL while the pump runs: the module drops the contactor within its safe-mode timeout and the sump keeps its water', async () => {
    const { killedAtMs } = await killHubOnceRunning('contactor:relay-watchdog', 'pump-running');
    const levelAtKill = model().level;
    // The child set and verified the watchdog before its start, and audited it.
    expect(model().reg(UNITS.relay, RELAY_REGS.safeModeS)).toBe(SAFE_MODE_MS / 1000);
    expect(model().reg(UNITS.relay, RELAY_REGS.powerUpRestore)).toBe(0);
    const { db } = openDatabase(join(t.st.dir, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
    const audited = new AuditLog(db).query({ action: 'pump.commission', target: 'pump:pump2' });
    db.close();
    expect(audited.map((a) => a.result)).toEqual(['ok', 'ok']);

    expect(await waitFor(() => !model().contactorRunning, SAFE_MODE_MS + 15_000)).toBe(true);
    const [trip] = model().relaySafeModeTrips;
    // On the simulator's clock: no request for the timeout, then dropped at the next step or so.
    expect(trip?.quietMs).toBeGreaterThan(SAFE_MODE_MS);
    expect(trip?.quietMs).toBeLessThan(SAFE_MODE_MS + 2_500);
    expect(trip!.atMs - killedAtMs).toBeLessThan(SAFE_MODE_MS + 2_500);
    expect(
      model()
        .coils.get(UNITS.relay)!
        .every((c) => !c),
    ).toBe(true);
    // The sump kept well above the dry-run level, and fills again now that the pump stopped.
    const levelAtDrop = model().level;
    expect(levelAtDrop).toBeGreaterThan(DRY_RUN_M + 0.5);
    expect(levelAtKill - levelAtDrop).toBeLessThan(DRAW_MPS * ((SAFE_MODE_MS + 2_500) / 1000) + 0.01);
    await waitSimSteps(t.st.sim, 10);
    expect(model().level).toBeGreaterThan(levelAtDrop);
  }, 60_000);

  it('the negative: without the watchdog (risk accepted on the same module) the contactor stays closed after the kill, past the timeout, and the sump keeps emptying', async () => {
    await killHubOnceRunning('contactor:risk-accepted', 'pump-running');
    const levelAtKill = model().level;
    expect(model().reg(UNITS.relay, RELAY_REGS.safeModeS)).toBe(0);
    expect(relayWrites().filter((w) => w.table === 'holding')).toEqual([]);
    // Measured on the simulator's clock: no request has reached the module for the timeout and more.
    expect(await waitFor(() => model().relayQuietMs() > SAFE_MODE_MS + 1000, SAFE_MODE_MS + 15_000)).toBe(true);
    expect(model().contactorRunning).toBe(true);
    expect(model().relaySafeModeTrips).toEqual([]);
    expect(model().level).toBeLessThan(levelAtKill - DRAW_MPS * (SAFE_MODE_MS / 1000) * 0.9);
  }, 60_000);
});
