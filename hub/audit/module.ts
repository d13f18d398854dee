/**
 * The audit module: reports the audit log's condition on the hub's health board and metrics, and
 * keeps the log bounded by archiving rows older than AUDIT_KEEP_DAYS to signed files (archive.ts)
 * shortly after start and then every six hours. An archive run that fails (a full disk) deletes
 * nothing, is logged and shows as `audit/archive` on health; the next run tries again.
 */
import type { HubContext, HubModule } from '../context.ts';
import { every, later } from '../core/guard.ts';
import { archiveAudit, AUDIT_KEEP_DAYS } from './archive.ts';

const ARCHIVE_EVERY_MS = 6 * 3_600_000;
const FIRST_ARCHIVE_MS = 60_000;

export const auditModule: HubModule = {
  name: 'audit',
  start(ctx: HubContext) {
    const log = ctx.log.child('audit');
    ctx.audit.reportTo({ health: ctx.health, metrics: ctx.metrics });
    const run = (): void => {
      try {
        const r = archiveAudit(ctx.db, ctx.dataDir, { keepDays: AUDIT_KEEP_DAYS });
        if (r.rows) log.info(`audit: archived ${r.rows} entries older than ${AUDIT_KEEP_DAYS} days to ${r.files.join(', ')}`);
        ctx.health.ok('audit/archive');
      } catch (err) {
        ctx.health.set('audit/archive', 'degraded', `audit: archiving old entries failed (${(err as Error).message}); nothing was deleted, retried in 6 h`);
        throw err;
      }
    };
    const first = later(FIRST_ARCHIVE_MS, 'audit: archive', log, run);
    first.unref();
    const timer = every(ARCHIVE_EVERY_MS, 'audit: archive', log, run);
    return {
      stop() {
        clearTimeout(first);
        clearInterval(timer);
      },
    };
  },
};
