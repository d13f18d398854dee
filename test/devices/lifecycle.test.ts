/**
 * Issue 10, findings 3 and 7 (devices): a runtime's stop awaits everything it started, so nothing
 * writes to the database after it resolves; device configuration changes apply one at a time, in
 * order, and leave exactly one runtime supervising the pumps, none after the hub stops.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../hub/store/database.ts';
import { auditMigrations, AuditLog } from '../../hub/audit/audit-log.ts';
import { devicesMigrations } from '../../hub/devices/history.ts';
import { devicesModule } from '../../hub/devices/module.ts';
import type { DevicesRuntime } from '../../hub/devices/runtime.ts';
import type { Running } from '../../hub/context.ts';
import { log, startModuleHub, startRuntime, stationConfig, useStation, waitFor, waitSimSteps, type ModuleHub } from './harness.ts';

const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);
beforeEach(() => {
  escaped.length = 0;
  process.on('unhandledRejection', onEscape);
});
afterEach(() => {
  process.off('unhandledRejection', onEscape);
});

describe('devices runtime stop', () => {
  const t = useStation('tcp');

  it('stop awaits a pump command being verified: it finishes and is audited before the database closes', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    const hub = t.hub;
    const good = (d: string, p: string) => hub.rt.store.get(d, p).quality === 'good';
    expect(await waitFor(() => good('drive', 'running') && good('level', 'level') && good('salinity', 'salinity') && good('io', 'input2'), 5000)).toBe(true);
    const cmd = hub.rt.command('pump', 'run', {}, 'user:lan');
    // The drive took the run command, then stops answering: the command's read-back keeps trying
    // until its deadline, so the runtime is stopped while the command is in flight.
    expect(await waitFor(() => t.st.sim.model.running, 3000, 'the pump running', 1)).toBe(true);
    t.st.sim.model.silent.add(1);
    t.hub = undefined;
    await hub.stop(); // the runtime's stop, then db.close()
    const r = await cmd;
    expect(r.status).not.toBe('refused');
    expect(escaped).toEqual([]);
    // The command's audit entry landed before the database closed.
    const { db } = openDatabase(join(t.st.dir, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
    try {
      expect(new AuditLog(db).query({ target: 'pump:pump', action: 'pump.run' })[0]).toMatchObject({ actor: 'user:lan' });
    } finally {
      db.close();
    }
  });

  it('a command made after stop began is refused, not run on a stopping runtime', async () => {
    t.hub = startRuntime(t.st.dir, stationConfig(t.st.busSpec));
    const hub = t.hub;
    expect(await waitFor(() => hub.rt.store.get('drive', 'running').quality === 'good', 5000)).toBe(true);
    const stopping = hub.rt.stop();
    const r = await hub.rt.command('pump', 'run', {}, 'user:lan');
    await stopping;
    expect(r).toMatchObject({ status: 'refused', reason: { code: 'devices-stopping' } });
    expect(t.st.sim.model.running).toBe(false);
  });
});

describe('devices module and configuration changes', () => {
  let base: ModuleHub | undefined;
  let running: Running | undefined;

  afterEach(async () => {
    await base?.close(running);
    base = undefined;
    running = undefined;
  });

  it('two quick device changes apply in order: one runtime polls afterwards, none after stop', async () => {
    base = await startModuleHub('devices-rebuild-');
    const { ctx, sim } = base;
    running = await devicesModule.start(ctx);
    const rt = (): DevicesRuntime | undefined => ctx.services.devices as DevicesRuntime | undefined;
    expect(await waitFor(() => (rt()?.devs.get('level')?.stats.polls ?? 0) > 2, 5000)).toBe(true);
    const setLevelUnit = (unit: number) =>
      ctx.config.update((d) => {
        (d.devices!.devices as Array<{ id: string; unit: number }>).find((x) => x.id === 'level')!.unit = unit;
      });
    // Level moved to the canal sensor's address, then straight back.
    await Promise.all([setLevelUnit(6), setLevelUnit(2)]);
    await ctx.config.settled();
    const now = rt();
    expect(now?.cfg.devices.find((d) => d.id === 'level')?.unit).toBe(2);
    expect(await waitFor(() => (now?.devs.get('level')?.stats.polls ?? 0) > 3, 5000)).toBe(true);
    // Nobody polls the canal address any more: the runtime built for the first change is gone.
    const canal = sim.answered.get(6) ?? 0;
    const polls = now!.devs.get('level')!.stats.polls;
    expect(await waitFor(() => now!.devs.get('level')!.stats.polls >= polls + 5, 5000)).toBe(true);
    expect(sim.answered.get(6) ?? 0).toBe(canal);

    await running.stop();
    running = undefined;
    const total = (): number => [...sim.answered.values()].reduce((a, b) => a + b, 0);
    const after = total();
    // Negative check: over 20 simulator steps (ten poll intervals), no runtime is left to ask anything.
    await waitSimSteps(sim, 20);
    expect(total()).toBe(after);
    expect(escaped).toEqual([]);
  });

  it('stop during a rebuild waits for it and leaves nothing running', async () => {
    base = await startModuleHub('devices-rebuild-stop-');
    const { ctx, sim } = base;
    running = await devicesModule.start(ctx);
    expect(await waitFor(() => (ctx.services.devices as DevicesRuntime | undefined)?.devs.get('level')?.stats.polls ?? 0, 5000)).toBeTruthy();
    const change = ctx.config.update((d) => {
      (d.devices!.devices as Array<{ id: string; intervalMs: number }>).find((x) => x.id === 'level')!.intervalMs = 150;
    });
    // Stop while the old runtime is being stopped for the rebuild.
    const old = ctx.services.devices as DevicesRuntime;
    await waitFor(() => old.stopping, 3000, 'the old runtime stopping', 1);
    const r = running;
    running = undefined;
    await r.stop();
    await change;
    await ctx.config.settled();
    const total = (): number => [...sim.answered.values()].reduce((a, b) => a + b, 0);
    const after = total();
    await waitSimSteps(sim, 20);
    expect(total()).toBe(after);
    expect(ctx.services.devices).toBeUndefined();
  });
});
