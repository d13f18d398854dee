import type { HubContext } from '../context.ts';
import { parseConfig, type HubConfig, type HubConfigInput } from '../config/schema.ts';
import { ConfigError } from '../config/config-error.ts';
import { HubError } from '../core/errors.ts';
import { roleHas } from '../auth/roles.ts';
import { configDiff, type ConfigChange } from '../audit/config-diff.ts';
import { actorOf, type ApiContext } from './router.ts';

export interface ChangeAudit {
  action: string;
  target: string;
  detail?: Record<string, unknown>;
}

/**
 * Settings that destroy footage (issue 11, finding 7): lowering a retention or raising the
 * free-space watermark makes the sweeper delete evidence. Whatever route a change comes through
 * (an installer has cameras:write, which reaches a camera's retention), changing one of them needs
 * system:configure. A camera's own retention counts when it is set on a new camera or changed or
 * cleared on an existing one; removing a camera is the route's own permission.
 */
const FOOTAGE_SETTINGS = ['recording.retentionDays', 'recording.minFreePercent', 'events.mediaRetentionDays'] as const;
const FOOTAGE_PERMISSION = 'system:configure';

type Loose = Record<string, unknown>;
const section = (doc: unknown, key: string): Loose | undefined => {
  const v = (doc as Loose | undefined)?.[key];
  return typeof v === 'object' && v !== null ? (v as Loose) : undefined;
};

/**
 * The footage settings that differ between the current config and the changed draft. `draft` is
 * the parsed result when it is valid; when it is not (the store will refuse it anyway) it is the
 * raw draft, where a hub-wide setting left out means unchanged.
 */
export function footageSettingsChanged(current: HubConfig, draft: HubConfig | HubConfigInput, parsed: boolean): string[] {
  const changed: string[] = [];
  for (const path of FOOTAGE_SETTINGS) {
    const [s, k] = path.split('.') as [string, string];
    const after = section(draft, s)?.[k];
    if ((after !== undefined || parsed) && after !== section(current, s)?.[k]) changed.push(path);
  }
  const before = new Map(current.cameras.map((c) => [c.id, c.record.retentionDays]));
  for (const cam of (draft.cameras ?? []) as Array<{ id: string; record?: { retentionDays?: number } }>) {
    const after = cam.record?.retentionDays;
    if (before.has(cam.id) ? before.get(cam.id) !== after : after !== undefined) changed.push(`cameras[${cam.id}].record.retentionDays`);
  }
  return changed;
}

/**
 * A configuration change made through the API, audited whatever happens: 'ok' once applied,
 * 'refused' when the result is invalid (the 422 names the field), the user may not change a
 * footage setting it touches (403) or the route refuses it, 'failed' when it could not be written
 * or applied. Every entry lists what changed (or would have), before and after, secrets masked;
 * the audit log adds the client's address. An admin reading the log sees every attempt.
 */
export async function auditedChange(
  ctx: HubContext,
  c: ApiContext,
  what: ChangeAudit,
  change: (draft: HubConfigInput) => HubConfigInput | void,
): Promise<HubConfig> {
  const actor = actorOf(c);
  const user = c.get('user');
  let before: HubConfig | undefined;
  let attempted: unknown;
  const checked = (draft: HubConfigInput): HubConfigInput => {
    // Runs in the store's queue: the current config is the one this draft was copied from.
    before = ctx.config.get();
    const result = change(draft) ?? draft;
    let parsed: HubConfig | undefined;
    try {
      parsed = parseConfig(result, 'change');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
    }
    attempted = parsed ?? result;
    const touched = footageSettingsChanged(before, attempted as HubConfigInput, parsed !== undefined);
    if (touched.length && !roleHas(user.role, FOOTAGE_PERMISSION)) {
      throw new HubError(
        403,
        `auth: changing ${touched.join(', ')} deletes footage sooner and needs permission ${FOOTAGE_PERMISSION} (role ${user.role} lacks it)`,
      );
    }
    return result;
  };
  const changes = (after: unknown): { changes: ConfigChange[]; moreChanges?: number } => {
    if (before === undefined) return { changes: [] };
    const d = configDiff(before, after);
    return d.more ? { changes: d.changes, moreChanges: d.more } : { changes: d.changes };
  };
  let next: HubConfig;
  try {
    next = await ctx.config.update(checked, actor);
  } catch (err) {
    const refused = err instanceof ConfigError || err instanceof HubError;
    const issues = err instanceof ConfigError ? err.issues : undefined;
    try {
      ctx.audit.write({
        actor,
        action: what.action,
        target: what.target,
        result: refused ? 'refused' : 'failed',
        detail: { ...what.detail, ...changes(attempted), reason: (err as Error).message, ...(issues ? { issues } : {}) },
      });
    } catch (auditErr) {
      // The caller must still learn why the change failed, not that the audit could not say so.
      ctx.log.error(`api: audit of refused ${what.action} on ${what.target} failed: ${(auditErr as Error).message}`);
    }
    throw err;
  }
  ctx.audit.write({ actor, action: what.action, target: what.target, result: 'ok', detail: { ...what.detail, ...changes(next) } });
  return next;
}
