/**
 * The devices API. Viewers read (devices:read), operators command (devices:command), installers
 * and admins configure (devices:configure). A refused pump command answers 409 with the reason in
 * Vietnamese and English; a command that the drive did not confirm answers 502.
 */
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, type ApiContext } from '../api/router.ts';
import { SseChannel } from '../api/sse.ts';
import { idParams, limit, nameParam, rangeQuery, resolveRange } from '../api/inputs.ts';
import { auditedChange } from '../api/config-change.ts';
import { alarmState } from './lib/alarms.ts';
import type { CommandResult } from './commander.ts';
import type { DevicesRuntime, StreamEvent } from './runtime.ts';

const commandBody = z.strictObject({ command: z.enum(['run', 'start', 'stop', 'reset', 'setFrequency']), args: z.record(z.string(), z.number()).default({}) });
const outputBody = z.strictObject({ value: z.union([z.boolean(), z.number()]) });
/** A programme as the config holds it; the configuration's schema checks it whole (422 with its path). */
const programmeBody = z.record(z.string(), z.unknown());
const outputParams = z.strictObject({ id: nameParam, point: nameParam });
const dailyQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(7) });
const historyQuery = rangeQuery({ device: nameParam, point: nameParam, resolution: z.enum(['raw', 'minute', 'auto']).default('auto') });
const auditQuery = rangeQuery({ limit: limit(1000, 200) });

/** The devices' live values and alarms, on the API's one fan-out (`sse_*{stream="devices"}`). */
export class StreamHub extends SseChannel<StreamEvent> {
  constructor(maxQueue = 500) {
    super('devices', () => maxQueue);
  }
}

function answer(c: ApiContext, r: CommandResult): Response {
  return c.json(r, r.ok ? 200 : r.status === 'refused' ? 409 : 502);
}

export function registerDeviceRoutes(ctx: HubContext, rt: () => DevicesRuntime | undefined, stream: StreamHub): void {
  const { api } = ctx;
  const runtime = (): DevicesRuntime => {
    const r = rt();
    if (!r) throw new HubError(503, 'devices: subsystem not running');
    return r;
  };

  const get = { method: 'GET', access: 'devices:read' } as const;
  const command = { method: 'POST', access: 'devices:command' } as const;

  api.route({ ...get, path: '/api/devices', summary: 'Devices with their live values and quality' }, (c) => c.json(runtime().devices()));

  api.route({ ...get, path: '/api/devices/buses', summary: 'Modbus buses and their statistics' },
    (c) => c.json([...runtime().buses.values()].map((b) => ({ id: b.name, ...b.stats() }))));

  api.route({ ...get, path: '/api/devices/pumps', summary: 'Pumps: state, start blocker, limits' }, (c) => {
    const r = runtime();
    return c.json([...r.pumps.values()].map((p) => {
      const s = p.state();
      return { id: p.id, name: p.cfg.name, actuator: p.act.kind, drive: p.drive.cfg.id, contactor: p.cfg.contactor, running: s.running, mode: s.mode, remote: s.remote, fault: s.fault,
        reachable: s.driveReachable, startsLastHour: s.starts.length, startBlocker: p.blocker(), limits: p.cfg.limits };
    }));
  });

  api.route({ ...command, path: '/api/devices/pumps/:id/commands', params: idParams, body: commandBody, summary: 'Commands a pump (every start passes the safety rules)' },
    async (c, { params: { id }, body }) => {
      const r = runtime();
      if (!r.pumps.has(id)) throw new HubError(404, `devices: no pump ${id}`);
      return answer(c, await r.command(id, body.command, body.args, actorOf(c)));
    });

  api.route({ ...get, path: '/api/devices/pumps/:id/daily', params: idParams, query: dailyQuery, summary: 'Starts and run hours per day' },
    (c, { params: { id }, query }) => {
      const r = runtime();
      if (!r.pumps.has(id)) throw new HubError(404, `devices: no pump ${id}`);
      return c.json(r.history.daily(id, query.days, ctx.config.get().hub.timezone));
    });

  api.route({ ...get, path: '/api/devices/alarms', summary: 'Alarms and their state' }, (c) => c.json(runtime().alarms().map((a) => ({ ...a, state: alarmState(a) }))));

  api.route({ ...command, path: '/api/devices/alarms/:id/ack', params: idParams, summary: 'Acknowledges an alarm' }, (c, { params: { id } }) => {
    const ok = runtime().acknowledge(id, actorOf(c));
    if (!ok) throw new HubError(404, `devices: no unacknowledged alarm ${id}`);
    return c.json({ ok: true });
  });

  api.route({ ...get, path: '/api/devices/programmes', summary: 'Irrigation programmes and lighting' }, (c) => {
    const r = runtime();
    const active = new Set(r.automation.running());
    return c.json({ programmes: r.cfg.programmes.map((p) => ({ ...p, running: active.has(p.id) })), lighting: r.cfg.lighting });
  });

  api.route({ method: 'PUT', path: '/api/devices/programmes/:id', access: 'devices:configure', params: idParams, body: programmeBody, summary: 'Adds or replaces a programme' },
    async (c, { params: { id }, body }) => {
      await auditedChange(ctx, c, { action: 'programme.save', target: `programme:${id}`, detail: body }, (draft) => {
        const d = (draft.devices ??= {}) as { programmes?: Array<Record<string, unknown>> };
        const list = (d.programmes ??= []);
        const i = list.findIndex((p) => p.id === id);
        const next = { ...body, id };
        if (i >= 0) list[i] = next;
        else list.push(next);
      });
      return c.json({ ok: true });
    });

  api.route({ ...command, path: '/api/devices/programmes/:id/run', params: idParams, summary: 'Runs a programme now' }, async (c, { params: { id } }) => {
    const r = runtime();
    const p = r.cfg.programmes.find((x) => x.id === id);
    if (!p) throw new HubError(404, `devices: no programme ${id}`);
    ctx.audit.write({ actor: actorOf(c), action: 'programme.run-now', target: `programme:${p.id}`, result: 'ok' });
    void r.automation.runProgramme(p);
    return c.json({ ok: true, started: p.id }, 202);
  });

  api.route({ ...get, path: '/api/devices/history', query: historyQuery, summary: 'History of one point (default: the last hour)' }, (c, { query }) => {
    const { from, to } = resolveRange(query, 3_600_000);
    return c.json(runtime().history.query(query.device, query.point, from, to, query.resolution));
  });

  api.route({ ...get, path: '/api/devices/audit', query: auditQuery, summary: 'Audit entries of pumps, devices, programmes and alarms' }, (c, { query: q }) => {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const rows = ['pump:', 'device:', 'programme:', 'alarm:'].flatMap((target) => ctx.audit.query({ target, from: iso(q.from), to: iso(q.to), limit: q.limit }));
    rows.sort((a, b) => b.id - a.id);
    return c.json(rows.slice(0, q.limit));
  });

  api.stream({
    path: '/api/devices/stream', access: 'devices:read', channel: stream, summary: 'Live values and alarms (server-sent events)',
    hello: () => ({ event: 'hello', data: JSON.stringify({ alarms: rt()?.alarms() ?? [] }) }),
    format: (e) => ({ event: e.type, data: JSON.stringify(e.data) }),
  });

  api.route({ ...get, path: '/api/devices/:id', params: idParams, summary: 'One device' }, (c, { params: { id } }) => {
    const d = runtime().devices().find((x) => x.id === id);
    if (!d) throw new HubError(404, `devices: no device ${id}`);
    return c.json(d);
  });

  api.route({ ...command, path: '/api/devices/:id/outputs/:point', params: outputParams, body: outputBody, summary: 'Sets an output (verified by read-back)' },
    async (c, { params, body }) => answer(c, await runtime().output(params.id, params.point, body.value, actorOf(c))));
}
