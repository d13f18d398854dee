/**
 * The devices API in process (ctx.api.app.request) on the real module, router, users and audit
 * log, against the simulator over Modbus TCP: roles are enforced and a refused start says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubContext, Running } from '../../hub/context.ts';
import { devicesModule } from '../../hub/devices/module.ts';
import type { PumpStationSimulator } from '../../hub/devices/sim/simulator.ts';
import { startModuleHub, waitFor, type ModuleHub } from './harness.ts';

describe('devices API', () => {
  let base: ModuleHub | undefined;
  let sim: PumpStationSimulator;
  let ctx: HubContext;
  let running: Running;
  const token: Record<string, string> = {};
  const alarms: unknown[] = [];

  beforeAll(async () => {
    base = await startModuleHub('devices-api-');
    ({ sim, ctx } = base);
    sim.model.salinityOverride = 3.4; // before the devices module first polls it
    ctx.bus.on('device.alarm', 'test', (a) => alarms.push(a));
    for (const [name, role] of [
      ['van', 'viewer'],
      ['lan', 'operator'],
    ] as const) {
      await ctx.users.add(name, role, 'a-long-enough-Passw0rd!');
      token[name] = (await ctx.users.login(name, 'a-long-enough-Passw0rd!')).token;
    }
    running = await devicesModule.start(ctx);
    await waitFor(() => ctx.services.devices?.values('salinity').some((v) => v.point === 'salinity' && v.quality === 'good') ?? false, 5000);
    await waitFor(() => ctx.services.devices?.values('io').some((v) => v.point === 'input2' && v.quality === 'good') ?? false, 5000);
  });

  afterAll(async () => {
    await base?.close(running);
  });

  const req = (path: string, who?: string, init: RequestInit = {}) =>
    ctx.api.app.request(path, { ...init, headers: { 'content-type': 'application/json', ...(who ? { authorization: `Bearer ${token[who]}` } : {}) } });

  it('every devices route declares a permission; none is public', () => {
    const routes = ctx.api.routes.filter((r) => r.path.startsWith('/api/devices'));
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) expect(['devices:read', 'devices:command', 'devices:configure']).toContain(r.access);
  });

  it('a viewer reads live values with their quality', async () => {
    const res = await req('/api/devices', 'van');
    expect(res.status).toBe(200);
    const list = (await res.json()) as Array<{ id: string; values: Array<{ point: string; value: unknown; quality: string }> }>;
    const sal = list.find((d) => d.id === 'salinity')!.values.find((v) => v.point === 'salinity');
    expect(sal).toMatchObject({ value: 3.4, quality: 'good' });
  });

  it('a viewer cannot command a pump', async () => {
    const res = await req('/api/devices/pumps/pump/commands', 'van', { method: 'POST', body: JSON.stringify({ command: 'run' }) });
    expect(res.status).toBe(403);
    expect(sim.model.running).toBe(false);
  });

  it("an operator's refused start answers 409 with the reason in Vietnamese and English, and is audited", async () => {
    const res = await req('/api/devices/pumps/pump/commands', 'lan', { method: 'POST', body: JSON.stringify({ command: 'run' }) });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { ok: boolean; reason: { en: string; vi: string } };
    expect(body.ok).toBe(false);
    expect(body.reason.en).toBe('blocked: salinity 3.4‰ > 2‰');
    expect(body.reason.vi).toBe('bị chặn: độ mặn 3,4‰ > 2‰');
    expect(sim.model.running).toBe(false);
    const audit = (await (await req('/api/devices/audit', 'van')).json()) as Array<{ actor: string; result: string; action: string }>;
    expect(audit[0]).toMatchObject({ actor: 'user:lan', action: 'pump.run', result: 'refused' });
  });

  it('an operator sets a valve output, verified by read-back; unauthenticated callers get 401', async () => {
    expect((await req('/api/devices/io/outputs/relay1', undefined, { method: 'POST', body: '{"value":true}' })).status).toBe(401);
    const res = await req('/api/devices/io/outputs/relay1', 'lan', { method: 'POST', body: JSON.stringify({ value: true }) });
    expect(res.status).toBe(200);
    expect(sim.model.coils.get(4)![0]).toBe(true);
  });

  it('alarms are listed, published on the bus and acknowledged by an operator only', async () => {
    sim.model.silent.add(2); // the level sensor goes quiet: a comm-loss alarm
    expect(await waitFor(() => ctx.services.devices!.alarms().some((a) => a.id === 'level:comm-loss'), 5000)).toBe(true);
    expect(alarms.some((a) => (a as { alarm: { id: string } }).alarm.id === 'level:comm-loss')).toBe(true);
    const list = (await (await req('/api/devices/alarms', 'van')).json()) as Array<{ id: string; state: string }>;
    expect(list.find((a) => a.id === 'level:comm-loss')?.state).toBe('active');
    expect((await req('/api/devices/alarms/level:comm-loss/ack', 'van', { method: 'POST' })).status).toBe(403);
    expect((await req('/api/devices/alarms/level:comm-loss/ack', 'lan', { method: 'POST' })).status).toBe(200);
    const after = (await (await req('/api/devices/alarms', 'van')).json()) as Array<{ id: string; state: string }>;
    expect(after.find((a) => a.id === 'level:comm-loss')?.state).toBe('acknowledged');
    const journal = (await (await req('/api/devices/alarms/log', 'van')).json()) as Array<{ alarm: string; change: string; actor: string | null }>;
    expect(journal[0]).toMatchObject({ alarm: 'level:comm-loss', change: 'acknowledged', actor: 'user:lan' });
    expect(journal.some((r) => r.alarm === 'level:comm-loss' && r.change === 'raised')).toBe(true);
    sim.model.silent.delete(2);
  });

  it('the SSE stream sends value changes to a viewer', async () => {
    const ac = new AbortController();
    const res = await ctx.api.app.request('/api/devices/stream', { headers: { authorization: `Bearer ${token.van}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    sim.model.salinityOverride = 2.2;
    const end = Date.now() + 3000;
    while (!text.includes('event: value') && Date.now() < end) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    await reader.cancel().catch(() => undefined);
    expect(text).toContain('event: hello');
    expect(text).toContain('event: value');
  });
});
