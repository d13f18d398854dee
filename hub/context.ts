import type { ConfigStore } from './config/config-store.ts';
import type { Db } from './store/database.ts';
import type { Logger } from './core/log.ts';
import type { EventBus } from './core/event-bus.ts';
import type { HubEvents } from './core/hub-events.ts';
import type { MetricsRegistry } from './metrics/registry.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { UserStore } from './auth/users.ts';
import type { ApiRouter } from './api/router.ts';
import type { HealthBoard } from './core/health.ts';

/**
 * What one module offers the others once started (the recording index, the frame sources, the
 * inference engine...). Each module adds its entry by declaration merging in its own folder:
 *
 *   declare module '../context.ts' { interface HubServices { recordings: RecordingService } }
 */
export interface HubServices {}

/** The one context object every module's `start(ctx)` receives. */
export interface HubContext {
  /** Root of everything the hub writes: config, database, recordings, keys. */
  dataDir: string;
  config: ConfigStore;
  db: Db;
  /** True when the database file was missing or unreadable and was created afresh. */
  dbRecreated: boolean;
  log: Logger;
  bus: EventBus<HubEvents>;
  metrics: MetricsRegistry;
  audit: AuditLog;
  users: UserStore;
  api: ApiRouter;
  /** The hub's own conditions (disk, audit, journals); shown by /api/health and /metrics. */
  health: HealthBoard;
  services: Partial<HubServices>;
}

/** A running module. */
export interface Running {
  stop(): Promise<void> | void;
}

/** A hub module: started in order by hub/main.ts, stopped in reverse. */
export interface HubModule {
  name: string;
  /** Schema changes of the tables this module owns. */
  migrations?: import('./store/database.ts').Migration[];
  start(ctx: HubContext): Promise<Running> | Running;
}
