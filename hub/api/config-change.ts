import type { HubContext } from '../context.ts';
import type { HubConfig, HubConfigInput } from '../config/schema.ts';
import { ConfigError } from '../config/config-error.ts';
import { HubError } from '../core/errors.ts';
import { actorOf, type ApiContext } from './router.ts';

export interface ChangeAudit {
  action: string;
  target: string;
  detail?: Record<string, unknown>;
}

/**
 * A configuration change made through the API, audited whatever happens: 'ok' once applied,
 * 'refused' when the result is invalid (the 422 names the field) or the route refuses it,
 * 'failed' when it could not be written or applied. An admin reading the log sees every attempt.
 */
export async function auditedChange(
  ctx: HubContext,
  c: ApiContext,
  what: ChangeAudit,
  change: (draft: HubConfigInput) => HubConfigInput | void,
): Promise<HubConfig> {
  const actor = actorOf(c);
  let next: HubConfig;
  try {
    next = await ctx.config.update(change, actor);
  } catch (err) {
    const refused = err instanceof ConfigError || err instanceof HubError;
    const issues = err instanceof ConfigError ? err.issues : undefined;
    try {
      ctx.audit.write({ actor, action: what.action, target: what.target, result: refused ? 'refused' : 'failed',
        detail: { ...what.detail, reason: (err as Error).message, ...(issues ? { issues } : {}) } });
    } catch (auditErr) {
      // The caller must still learn why the change failed, not that the audit could not say so.
      ctx.log.error(`api: audit of refused ${what.action} on ${what.target} failed: ${(auditErr as Error).message}`);
    }
    throw err;
  }
  ctx.audit.write({ actor, action: what.action, target: what.target, result: 'ok', ...(what.detail ? { detail: what.detail } : {}) });
  return next;
}
