/**
 * The events module: rules over the pipeline's tracked objects and the cameras' signals, stored
 * events with evidence, the police workflow and the live stream. Starts after the pipeline.
 */
import { join } from 'node:path';
import type { HubContext, HubModule } from '../context.ts';
import { parkedRules, type EventsConfig } from './config.ts';
import type { Logger } from '../core/log.ts';
import { migrations, EventStore, type SecurityEvent } from './store.ts';
import { EventStream } from './stream.ts';
import { MediaMaker, sweepMediaRetention } from './media.ts';
import { RelayAlarm, outputSetterOf } from './alarm.ts';
import { EventEngine } from './service.ts';
import { registerEventRoutes } from './routes.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../core/signing-key.ts';
import { sweepExports, type ExportDeps } from './exporter.ts';
import { every, guarded } from '../core/guard.ts';
import { checkTimeZone } from './rules/schedule.ts';

/** What the events module offers on ctx.services.events. */
export interface EventsService {
  engine: EventEngine;
  store: EventStore;
  stream: EventStream;
  media: MediaMaker;
  key(): SigningKey;
  exportDeps: ExportDeps;
}

declare module '../context.ts' {
  interface HubServices {
    events: EventsService;
  }
}

declare module '../core/hub-events.ts' {
  interface HubEvents {
    /** A security event started, changed, ended or got its media (for the province link). */
    'events.event': { type: 'new' | 'updated' | 'ended' | 'media'; event: SecurityEvent };
  }
}

const RETENTION_SWEEP_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Says in health which rules cannot run and why. The schema refuses an enabled rule whose camera
 * is not configured (so the hub never stops at start-up for one); a disabled rule may wait for its
 * camera, and the version 2 migration disables rules an older hub left watching a deleted camera.
 */
function reportParkedRules(ctx: HubContext, log: Logger): void {
  const cameras = new Set(ctx.config.get().cameras.map((c) => c.id));
  const parked = parkedRules(ctx.config.get().events.rules, (id) => cameras.has(id));
  const message = parked.map((p) => p.reason).join('; ');
  if (parked.length && ctx.health.get('events/rules')?.message !== `events: ${message}`) log.warn(message);
  if (parked.length) ctx.health.set('events/rules', 'degraded', `events: ${message}`);
  else ctx.health.ok('events/rules');
}

export const eventsModule: HubModule = {
  name: 'events',
  migrations,
  start(ctx: HubContext) {
    const log = ctx.log.child('events');
    const cfg = (): EventsConfig => ctx.config.get().events;
    const timeZone = (): string => ctx.config.get().hub.timezone;
    checkTimeZone(timeZone());
    reportParkedRules(ctx, log);

    const store = new EventStore(ctx.db);
    const started = ctx.metrics.counter('events_started_total', 'Security events started, by rule type and tier');
    const dropped = ctx.metrics.counter('events_stream_dropped_total', 'Live-stream messages a slow client lost');
    const stream = new EventStream(
      () => cfg().streamQueue,
      () => dropped.inc(),
    );
    const openGauge = ctx.metrics.gauge('events_open', 'Security events running now');
    const mediaRoot = join(ctx.dataDir, 'events');
    let signingKey: SigningKey | undefined;
    const key = (): SigningKey => (signingKey ??= loadOrCreateSigningKey(ctx.dataDir));
    key();

    // The media maker reports back through the engine, which is made next (the callback runs later).
    const media = new MediaMaker({ store, dir: mediaRoot, recordings: () => ctx.services.recordings, config: cfg, log, done: (e) => engine.emit('media', e) });
    const engine: EventEngine = new EventEngine({
      store,
      media,
      alarm: new RelayAlarm(log.child('alarm'), () => outputSetterOf(ctx.services.devices)),
      stream,
      recordings: () => ctx.services.recordings,
      config: cfg,
      timeZone,
      log,
      publish: (type, event) => {
        if (type === 'new') started.inc({ type: event.ruleType, tier: event.tier });
        ctx.bus.emit('events.event', { type, event });
      },
    });

    const exportDeps: ExportDeps = {
      store,
      dir: join(ctx.dataDir, 'exports'),
      hubName: () => ctx.config.get().hub.name,
      key,
      recordings: () => ctx.services.recordings,
      config: cfg,
    };
    const svc: EventsService = { engine, store, stream, media, key, exportDeps };
    ctx.services.events = svc;

    const rec = engine.recover();
    if (rec.resumed || rec.ended || rec.pendingMedia)
      log.info(`recovered: ${rec.resumed} events resumed, ${rec.ended} ended, ${rec.pendingMedia} waiting for media`);

    const off = [
      // Each report carries the frame its tracks were computed on: an event's picture comes from it.
      ctx.bus.on('pipeline.tracks', 'events', (u) => cfg().enabled && engine.onTracks(u)),
      ctx.bus.on('pipeline.tamper', 'events', (s) => cfg().enabled && engine.onTamper(s)),
      ctx.bus.on('camera.state', 'events', (s) => cfg().enabled && engine.onCameraState(s)),
    ];
    const unwatch = ctx.config.onChange((next, prev) => {
      reportParkedRules(ctx, log);
      if (JSON.stringify(next.events.rules) === JSON.stringify(prev.events.rules)) return;
      // Every enabled rule's camera exists (the schema refused the change otherwise).
      engine.build(next.events.rules);
    });

    // Guarded: a store write failing (full disk) inside the tick must not end the hub.
    const tick = every(1000, 'events: tick', log, () => {
      engine.tick();
      openGauge.set({}, store.query({ state: 'active', limit: 1000 }).length);
    });

    // A case still open keeps its footage and exports past recording.holdDays.
    const caseOpen = (eventId: number): boolean => {
      const e = store.get(eventId);
      return !!e && (e.endAt === null || (e.verdict === 'incident' && e.status !== 'closed'));
    };
    const offKeep = ctx.services.recordings?.keepHoldsWhile((holder) => {
      const m = /^(?:event:|export:ev)(\d+)\b/.exec(holder);
      return !!m && caseOpen(Number(m[1]));
    });
    const sweep = (): void => {
      sweepMediaRetention(store, media, ctx.services.recordings, Date.now() - cfg().mediaRetentionDays * DAY_MS, log);
      sweepExports(exportDeps.dir, ctx.config.get().recording.holdDays, caseOpen, ctx.services.recordings, log);
    };
    guarded('events: media retention sweep', log, sweep)();
    const sweeper = every(RETENTION_SWEEP_MS, 'events: media retention sweep', log, sweep);

    registerEventRoutes(ctx, svc);

    return {
      async stop() {
        clearInterval(tick);
        clearInterval(sweeper);
        offKeep?.();
        unwatch();
        for (const f of off) f();
        // Awaited: media being cut and sirens being switched off finish before devices stop and
        // the database closes (they used to run on and fail after teardown).
        await media.stop();
        await engine.stop();
        stream.closeAll();
      },
    };
  },
};
