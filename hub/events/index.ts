/**
 * hub/events: security events. What it offers:
 * - eventsModule (module.ts): the hub module; ctx.services.events (EventsService).
 * - config.ts: the `events` section of the configuration (rules per camera, evidence, retention).
 * - rules/: pure cores: geometry, schedule, per-type evaluators, event lifecycle.
 * - store.ts: events, updates, workflow actions, media hashes, exports (SQLite, owner 'events').
 * - evidence/: clip cutting, annotated snapshots, signing key, signed exports and their check.
 * - cli.ts: runEventsCli (`hub events verify <export>`, `hub events key`).
 */
export { eventsModule, type EventsService } from './module.ts';
export { runEventsCli } from './cli.ts';
export { eventsSchema, ruleSchema, type EventsConfig, type Rule } from './config.ts';
export type { SecurityEvent } from './store.ts';
