/**
 * The composition root: builds the shared context and starts the hub's modules in order.
 * Read it top to bottom to see what the hub is made of.
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createLogger, type Logger } from './core/log.ts';
import { EventBus } from './core/event-bus.ts';
import type { HubEvents } from './core/hub-events.ts';
import { ConfigStore } from './config/config-store.ts';
import { openDatabase } from './store/database.ts';
import { MetricsRegistry } from './metrics/registry.ts';
import { HealthBoard } from './core/health.ts';
import { AuditLog, auditMigrations } from './audit/audit-log.ts';
import { UserStore, authMigrations } from './auth/users.ts';
import { generatePassword } from './auth/passwords.ts';
import { ApiRouter } from './api/router.ts';
import { registerSystemRoutes } from './system/routes.ts';
import type { HubContext, HubModule, Running } from './context.ts';
import { camerasModule } from './cameras/module.ts';
import { killOrphanFfmpeg } from './cameras/orphans.ts';
import { DEMO_MEDIA_DIR } from './cameras/media-folders.ts';
import { recordModule } from './record/module.ts';
import { detectModule } from './detect/module.ts';
import { pipelineModule } from './pipeline/module.ts';
import { eventsModule } from './events/module.ts';
import { devicesModule } from './devices/module.ts';
import { auditModule } from './audit/module.ts';

/**
 * The modules, in start order. Each offers its services on ctx.services for the ones after it.
 */
const MODULES: HubModule[] = [
  auditModule, // the audit log's health and metrics; old entries archived to signed files (bounded, still append-only)
  recordModule, // recording index, crash repair, rebuild from disk, retention (before ffmpeg writes anew)
  camerasModule, // one supervised ffmpeg per camera: segments to disk, detect frames to the pipeline
  detectModule, // the model in an inference worker; a model that fails to load leaves recording running
  pipelineModule, // motion, regions, batched detection, tracking: tracked-object updates for events
  devicesModule, // Modbus buses, pump safety, irrigation and lighting schedules, alarms (simulator in demo)
  eventsModule, // rules over tracked objects and camera signals: events, evidence, workflow, live stream
];

export interface HubOptions {
  dataDir: string;
  port: number;
  host?: string;
  log?: Logger;
  /**
   * Folders file cameras may read from, beside the configuration file's `media.folders`
   * (`hub start --media-dir`, HUB_MEDIA_DIR). The data folder's media/ and the bundled demo
   * footage are always allowed; nothing else is.
   */
  mediaFolders?: readonly string[];
}

export interface RunningHub {
  ctx: HubContext;
  port: number;
  /** Set when the demo admin was created on this start; printed once, never stored in clear. */
  demoAdminPassword?: string;
  stop(): Promise<void>;
}

export async function startHub(opts: HubOptions): Promise<RunningHub> {
  const dataDir = resolve(opts.dataDir);
  const log = opts.log ?? createLogger('hub');
  // 0. The data folder holds camera passwords, users, footage and the signing key: owner-only.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if (mode & 0o077) {
    chmodSync(dataDir, 0o700);
    log.warn(`hub: data folder ${dataDir} was open to others (mode ${mode.toString(8)}); now 700, owner only`);
  }

  // 1. Configuration: validated on load; with no file, the embedded demo defaults.
  const mediaFolders = [join(dataDir, 'media'), DEMO_MEDIA_DIR, ...(opts.mediaFolders ?? []).map((d) => resolve(d))];
  const config = ConfigStore.load(join(dataDir, 'config.json'), log.child('config'), { mediaFolders });

  // 2. Storage for everything that grows, with every module's migrations.
  const migrations = [...auditMigrations, ...authMigrations, ...MODULES.flatMap((m) => m.migrations ?? [])];
  const { db, recreated } = openDatabase(join(dataDir, 'hub.db'), migrations, log.child('store'));

  // 3. Shared services: metrics, audit, users, the API router.
  const metrics = new MetricsRegistry({ log: log.child('metrics') });
  const audit = new AuditLog(db);
  const users = new UserStore(db);
  const api = new ApiRouter(users, log.child('api'), metrics);
  const ctx: HubContext = {
    dataDir,
    config,
    db,
    dbRecreated: recreated,
    log,
    bus: new EventBus<HubEvents>(log.child('bus')),
    metrics,
    audit,
    users,
    api,
    health: new HealthBoard(),
    services: {},
  };

  // The hub's own conditions as a metric too: 0 ok, 1 degraded, 2 failed, by component.
  const healthGauge = metrics.gauge('hub_health_condition', "The hub's own conditions (0 ok, 1 degraded, 2 failed), by component");
  metrics.collect(() => {
    for (const h of ctx.health.list()) healthGauge.set({ component: h.component }, h.level === 'ok' ? 0 : h.level === 'degraded' ? 1 : 2);
  });

  // 4. Demo mode gets an admin with a one-time password; otherwise the first admin comes from
  //    `hub user add` or a provisioning file. There is never a default password.
  let demoAdminPassword: string | undefined;
  if (config.demo && users.count() === 0) {
    demoAdminPassword = generatePassword();
    await users.add('admin', 'admin', demoAdminPassword, { mustChangePassword: true });
  } else if (users.count() === 0) {
    log.warn('no users yet: create the first admin with `npm run hub -- user add --username NAME --role admin`');
  }

  // 5. ffmpeg children a crashed run left behind would hold cameras' RTSP sessions and write
  //    into segments about to be repaired: kill them first.
  killOrphanFfmpeg(dataDir, log.child('cameras'));

  // 6. Modules, in order; a failure stops the ones already started.
  const running: Array<{ name: string; handle: Running }> = [];
  const stopAll = async (): Promise<void> => {
    for (const { name, handle } of running.reverse()) {
      try {
        await handle.stop();
      } catch (err) {
        log.error(`stopping ${name} failed: ${(err as Error).message}`);
      }
    }
    running.length = 0;
  };
  try {
    registerSystemRoutes(ctx);
    for (const mod of MODULES) {
      running.push({ name: mod.name, handle: await mod.start(ctx) });
      log.debug(`module ${mod.name} started`);
    }
  } catch (err) {
    await stopAll();
    db.close();
    throw err;
  }

  // 7. HTTP last, once everything it serves exists.
  const server: ServerType = await new Promise((ok) => {
    const s = serve({ fetch: ctx.api.app.fetch, port: opts.port, hostname: opts.host ?? '0.0.0.0' }, () => ok(s));
  });
  // Keep idle connections longer than any client's own keep-alive (fetch/undici: 4 s), so a client
  // never reuses a socket the hub is closing at that moment (ECONNRESET under load).
  (server as unknown as { keepAliveTimeout: number; headersTimeout: number }).keepAliveTimeout = 65_000;
  (server as unknown as { keepAliveTimeout: number; headersTimeout: number }).headersTimeout = 66_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info(`listening on http://${opts.host ?? '0.0.0.0'}:${port} (data in ${dataDir})`);

  return {
    ctx,
    port,
    demoAdminPassword,
    async stop() {
      // Event streams never end on their own: close every connection, not just idle ones.
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closed;
      await stopAll();
      db.close();
    },
  };
}
