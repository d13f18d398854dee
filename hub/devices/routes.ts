/**
 * The devices API. Viewers read (devices:read), operators command (devices:command), installers
 * and admins configure (devices:configure). A refused pump command answers 409 with the reason in
 * Vietnamese and English; a command that the drive did not confirm answers 502. Routes go only
 * through DeviceService (service.ts).
 */
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, type ApiContext } from '../api/router.ts';
import { SseChannel } from '../api/sse.ts';
import { idParams, limit, nameParam, rangeQuery, resolveRange } from '../api/inputs.ts';
import { auditedChange } from '../api/config-change.ts';
import { alarmState } from './lib/alarms.ts';
import { DeviceCommandError, type CommandResult } from './command-result.ts';
import type { StreamEvent } from './runtime.ts';
import type { DeviceService } from './service.ts';

const commandBody = z.strictObject({ command: z.enum(['run', 'start', 'stop', 'reset', 'setFrequency']), args: z.record(z.string(), z.number()).default({}) });
const outputBody = z.strictObject({ value: z.union([z.boolean(), z.number()]) });
/** A programme as the config holds it; the configuration's schema checks it whole (422 with its path). */
const programmeBody = z.record(z.string(), z.unknown());
const outputParams = z.strictObject({ id: nameParam, point: nameParam });
const dailyQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(7) });
const historyQuery = rangeQuery({ device: nameParam, point: nameParam, resolution: z.enum(['raw', 'minute', 'auto']).default('auto') });
const auditQuery = rangeQuery({ limit: limit(1000, 200) });
const alarmLogQuery = rangeQuery({ limit: limit(1000, 200) });

/** The devices' live values and alarms, on the API's one fan-out (`sse_*{stream="devices"}`). */
export class StreamHub extends SseChannel<StreamEvent> {
  constructor(maxQueue = 500) {
    super('devices', () => maxQueue);
  }
}

function answer(c: ApiContext, r: CommandResult): Response {
  return c.json(r, r.ok ? 200 : r.status === 'refused' ? 409 : 502);
}

/** The routes go only through the DeviceService of the runtime running now (none while it is rebuilt). */
export function registerDeviceRoutes(ctx: HubContext, rt: () => DeviceService | undefined, stream: StreamHub): void {
  const { api } = ctx;
  const runtime = (): DeviceService => {
    const r = rt();
    if (!r) throw new HubError(503, 'devices: subsystem not running');
    return r;
  };

  const get = { method: 'GET', access: 'devices:read' } as const;
  const command = { method: 'POST', access: 'devices:command' } as const;

  api.route({ ...get, path: '/api/devices', summary: 'Devices with their live values and quality' }, (c) => c.json(runtime().devices()));

  api.route({ ...get, path: '/api/devices/buses', summary: 'Modbus buses and their statistics' }, (c) => c.json(runtime().buses()));

  // `drive` is kept for clients written before contactor pumps: it names the switching device.
  api.route({ ...get, path: '/api/devices/pumps', summary: 'Pumps: state, start blocker, limits' }, (c) =>
    c.json(
      runtime()
        .pumps()
        .map((p) => ({ ...p, drive: p.device })),
    ),
  );

  api.route(
    {
      ...command,
      path: '/api/devices/pumps/:id/commands',
      params: idParams,
      body: commandBody,
      summary: 'Commands a pump (every start passes the safety rules)',
    },
    async (c, { params: { id }, body }) => {
      const r = runtime();
      if (!r.pumps().some((p) => p.id === id)) throw new HubError(404, `devices: no pump ${id}`);
      return answer(c, await r.command(id, body.command, body.args, actorOf(c)));
    },
  );

  api.route(
    { ...get, path: '/api/devices/pumps/:id/daily', params: idParams, query: dailyQuery, summary: 'Starts and run hours per day' },
    (c, { params: { id }, query }) => {
      const days = runtime().pumpDaily(id, query.days);
      if (!days) throw new HubError(404, `devices: no pump ${id}`);
      return c.json(days);
    },
  );

  api.route({ ...get, path: '/api/devices/alarms', summary: 'Alarms and their state' }, (c) =>
    c.json(
      runtime()
        .alarms()
        .map((a) => ({ ...a, state: alarmState(a) })),
    ),
  );

  api.route(
    {
      ...get,
      path: '/api/devices/alarms/log',
      query: alarmLogQuery,
      summary: 'The alarm journal: raises, clears, acknowledgements (default: the last 7 days)',
    },
    (c, { query }) => {
      const { from, to } = resolveRange(query, 7 * 86_400_000);
      return c.json(runtime().alarmLog(from, to, query.limit));
    },
  );

  api.route({ ...command, path: '/api/devices/alarms/:id/ack', params: idParams, summary: 'Acknowledges an alarm' }, (c, { params: { id } }) => {
    const ok = runtime().acknowledge(id, actorOf(c));
    if (!ok) throw new HubError(404, `devices: no unacknowledged alarm ${id}`);
    return c.json({ ok: true });
  });

  api.route({ ...get, path: '/api/devices/programmes', summary: 'Irrigation programmes and lighting' }, (c) => c.json(runtime().programmes()));

  api.route(
    {
      method: 'PUT',
      path: '/api/devices/programmes/:id',
      access: 'devices:configure',
      params: idParams,
      body: programmeBody,
      summary: 'Adds or replaces a programme',
    },
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
    },
  );

  api.route({ ...command, path: '/api/devices/programmes/:id/run', params: idParams, summary: 'Runs a programme now' }, async (c, { params: { id } }) => {
    const r = runtime();
    if (!r.programmes().programmes.some((p) => p.id === id)) throw new HubError(404, `devices: no programme ${id}`);
    const started = r.runProgramme(id, actorOf(c));
    return started.ok ? c.json({ ok: true, started: id }, 202) : answer(c, started);
  });

  api.route(
    { ...command, path: '/api/devices/programmes/:id/cancel', params: idParams, summary: 'Cancels a running programme (its pump stopped, its valves closed)' },
    async (c, { params: { id } }) => {
      const r = runtime();
      if (!r.programmes().programmes.some((p) => p.id === id)) throw new HubError(404, `devices: no programme ${id}`);
      return answer(c, await r.cancelProgramme(id, actorOf(c)));
    },
  );

  api.route({ ...get, path: '/api/devices/history', query: historyQuery, summary: 'History of one point (default: the last hour)' }, (c, { query }) => {
    const { from, to } = resolveRange(query, 3_600_000);
    return c.json(runtime().history(query.device, query.point, from, to, query.resolution));
  });

  api.route({ ...get, path: '/api/devices/audit', query: auditQuery, summary: 'Audit entries of pumps, devices, programmes and alarms' }, (c, { query: q }) => {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const rows = ['pump:', 'device:', 'programme:', 'alarm:'].flatMap((target) =>
      ctx.audit.query({ target, from: iso(q.from), to: iso(q.to), limit: q.limit }),
    );
    rows.sort((a, b) => b.id - a.id);
    return c.json(rows.slice(0, q.limit));
  });

  api.stream({
    path: '/api/devices/stream',
    access: 'devices:read',
    channel: stream,
    summary: 'Live values and alarms (server-sent events)',
    hello: () => ({ event: 'hello', data: JSON.stringify({ alarms: rt()?.alarms() ?? [] }) }),
    format: (e) => ({ event: e.type, data: JSON.stringify(e.data) }),
  });

  api.route({ ...get, path: '/api/devices/:id', params: idParams, summary: 'One device' }, (c, { params: { id } }) => {
    const d = runtime()
      .devices()
      .find((x) => x.id === id);
    if (!d) throw new HubError(404, `devices: no device ${id}`);
    return c.json(d);
  });

  api.route(
    { ...command, path: '/api/devices/:id/outputs/:point', params: outputParams, body: outputBody, summary: 'Sets an output (verified by read-back)' },
    async (c, { params, body }) => {
      try {
        return answer(c, await runtime().setOutput(params.id, params.point, body.value, actorOf(c)));
      } catch (err) {
        if (err instanceof DeviceCommandError) return answer(c, err.result);
        throw err;
      }
    },
  );
}
