/**
 * The devices API. Viewers read (devices:read), operators command (devices:command), installers
 * and admins configure (devices:configure). A refused pump command answers 409 with the reason in
 * Vietnamese and English; a command that the drive did not confirm answers 502.
 */
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { HubContext } from '../context.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, jsonBody, type ApiContext } from '../api/router.ts';
import { alarmState } from './lib/alarms.ts';
import type { CommandResult } from './commander.ts';
import type { DevicesRuntime, StreamEvent } from './runtime.ts';

const commandBody = z.strictObject({ command: z.enum(['run', 'start', 'stop', 'reset', 'setFrequency']), args: z.record(z.string(), z.number()).default({}) });
const outputBody = z.strictObject({ value: z.union([z.boolean(), z.number()]) });

/** Live fan-out to SSE clients; each client's queue is bounded and drops its oldest on overflow. */
export class StreamHub {
  private readonly clients = new Set<{ queue: StreamEvent[]; wake?: () => void; dropped: number }>();
  constructor(private readonly maxQueue = 500) {}
  publish(e: StreamEvent): void {
    for (const c of this.clients) {
      if (c.queue.length >= this.maxQueue) {
        c.queue.shift();
        c.dropped++;
      }
      c.queue.push(e);
      c.wake?.();
    }
  }
  attach(): { next(signal: AbortSignal): Promise<StreamEvent | undefined>; dropped(): number; close(): void } {
    const c: { queue: StreamEvent[]; wake?: () => void; dropped: number } = { queue: [], dropped: 0 };
    this.clients.add(c);
    return {
      next: async (signal) => {
        while (!c.queue.length && !signal.aborted) await new Promise<void>((ok) => { c.wake = ok; setTimeout(ok, 15_000); });
        c.wake = undefined;
        return c.queue.shift();
      },
      dropped: () => c.dropped,
      close: () => this.clients.delete(c),
    };
  }
  get size(): number {
    return this.clients.size;
  }
}

function param(c: ApiContext, name: string): string {
  const v = c.req.param(name);
  if (!v) throw new HubError(400, `devices: missing ${name}`);
  return v;
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

  api.get('/api/devices', 'devices:read', (c) => c.json(runtime().devices()));

  api.get('/api/devices/buses', 'devices:read', (c) => c.json([...runtime().buses.values()].map((b) => ({ id: b.name, ...b.stats() }))));

  api.get('/api/devices/pumps', 'devices:read', (c) => {
    const r = runtime();
    return c.json([...r.pumps.values()].map((p) => {
      const s = p.state();
      return { id: p.id, name: p.cfg.name, actuator: p.act.kind, drive: p.drive.cfg.id, contactor: p.cfg.contactor, running: s.running, mode: s.mode, remote: s.remote, fault: s.fault,
        reachable: s.driveReachable, startsLastHour: s.starts.length, startBlocker: p.blocker(), limits: p.cfg.limits };
    }));
  });

  api.post('/api/devices/pumps/:id/commands', 'devices:command', async (c) => {
    const r = runtime();
    const id = param(c, 'id');
    if (!r.pumps.has(id)) throw new HubError(404, `devices: no pump ${id}`);
    const body = commandBody.safeParse(await jsonBody(c));
    if (!body.success) throw new HubError(400, 'devices: body must be {command: run|stop|reset|setFrequency, args?}');
    return answer(c, await r.command(id, body.data.command, body.data.args, actorOf(c)));
  });

  api.get('/api/devices/pumps/:id/daily', 'devices:read', (c) => {
    const r = runtime();
    const id = param(c, 'id');
    if (!r.pumps.has(id)) throw new HubError(404, `devices: no pump ${id}`);
    const days = Math.min(Math.max(Number(c.req.query('days') ?? 7) || 7, 1), 366);
    return c.json(r.history.daily(id, days, ctx.config.get().hub.timezone));
  });

  api.get('/api/devices/alarms', 'devices:read', (c) => c.json(runtime().alarms().map((a) => ({ ...a, state: alarmState(a) }))));

  api.post('/api/devices/alarms/:id/ack', 'devices:command', (c) => {
    const ok = runtime().acknowledge(param(c, 'id'), actorOf(c));
    if (!ok) throw new HubError(404, `devices: no unacknowledged alarm ${param(c, 'id')}`);
    return c.json({ ok: true });
  });

  api.get('/api/devices/programmes', 'devices:read', (c) => {
    const r = runtime();
    const active = new Set(r.automation.running());
    return c.json({ programmes: r.cfg.programmes.map((p) => ({ ...p, running: active.has(p.id) })), lighting: r.cfg.lighting });
  });

  api.put('/api/devices/programmes/:id', 'devices:configure', async (c) => {
    const id = param(c, 'id');
    const body = (await jsonBody(c)) as Record<string, unknown>;
    await ctx.config.update((draft) => {
      const d = (draft.devices ??= {}) as { programmes?: Array<Record<string, unknown>> };
      const list = (d.programmes ??= []);
      const i = list.findIndex((p) => p.id === id);
      const next = { ...body, id };
      if (i >= 0) list[i] = next;
      else list.push(next);
    }, actorOf(c));
    ctx.audit.write({ actor: actorOf(c), action: 'programme.save', target: `programme:${id}`, result: 'ok', detail: body });
    return c.json({ ok: true });
  });

  api.post('/api/devices/programmes/:id/run', 'devices:command', async (c) => {
    const r = runtime();
    const p = r.cfg.programmes.find((x) => x.id === param(c, 'id'));
    if (!p) throw new HubError(404, `devices: no programme ${param(c, 'id')}`);
    ctx.audit.write({ actor: actorOf(c), action: 'programme.run-now', target: `programme:${p.id}`, result: 'ok' });
    void r.automation.runProgramme(p);
    return c.json({ ok: true, started: p.id }, 202);
  });

  api.get('/api/devices/history', 'devices:read', (c) => {
    const q = c.req.query();
    if (!q.device || !q.point) throw new HubError(400, 'devices: history needs device and point');
    const to = q.to ? Date.parse(q.to) : Date.now();
    const from = q.from ? Date.parse(q.from) : to - 3_600_000;
    if (Number.isNaN(from) || Number.isNaN(to)) throw new HubError(400, 'devices: from/to must be ISO times');
    const res = q.resolution === 'raw' || q.resolution === 'minute' ? q.resolution : 'auto';
    return c.json(runtime().history.query(q.device, q.point, from, to, res));
  });

  api.get('/api/devices/audit', 'devices:read', (c) => {
    const q = c.req.query();
    const limit = Math.min(Number(q.limit ?? 200) || 200, 1000);
    const rows = ['pump:', 'device:', 'programme:', 'alarm:'].flatMap((target) => ctx.audit.query({ target, from: q.from, to: q.to, limit }));
    rows.sort((a, b) => b.id - a.id);
    return c.json(rows.slice(0, limit));
  });

  api.get('/api/devices/stream', 'devices:read', (c) =>
    streamSSE(c, async (s) => {
      const sub = stream.attach();
      const ac = new AbortController();
      s.onAbort(() => ac.abort());
      try {
        await s.writeSSE({ event: 'hello', data: JSON.stringify({ alarms: rt()?.alarms() ?? [] }) });
        while (!ac.signal.aborted) {
          const e = await sub.next(ac.signal);
          if (!e) {
            await s.writeSSE({ event: 'ping', data: String(sub.dropped()) });
            continue;
          }
          await s.writeSSE({ event: e.type, data: JSON.stringify(e.data) });
        }
      } finally {
        sub.close();
      }
    }));

  api.get('/api/devices/:id', 'devices:read', (c) => {
    const d = runtime().devices().find((x) => x.id === param(c, 'id'));
    if (!d) throw new HubError(404, `devices: no device ${param(c, 'id')}`);
    return c.json(d);
  });

  api.post('/api/devices/:id/outputs/:point', 'devices:command', async (c) => {
    const body = outputBody.safeParse(await jsonBody(c));
    if (!body.success) throw new HubError(400, 'devices: body must be {value}');
    return answer(c, await runtime().output(param(c, 'id'), param(c, 'point'), body.data.value, actorOf(c)));
  });
}
