/**
 * What a configuration change changed, for its audit entry (issue 11, finding 7): the paths whose
 * values differ, with the value before and after, secrets masked. Pure: plain values in, a list
 * out. Lists of things with an `id` (cameras, rules, devices) are matched by id, so removing the
 * first camera reads as that camera removed, not as every camera after it changed; other lists
 * (a zone's points) are compared whole.
 */

export interface ConfigChange {
  /** `recording.retentionDays`, `cameras[gate].record.retentionDays`, `cameras[kho]` (added or removed). */
  path: string;
  /** Absent when the path is new. */
  before?: unknown;
  /** Absent when the path is gone. */
  after?: unknown;
}

/** At most this many changes are listed; the rest are counted. */
export const MAX_LISTED_CHANGES = 100;

export const MASK = '***';

/** Names whose values are secrets wherever they appear (`password`, `apiKey`, `mqttToken`...). */
const SECRET_NAME = /pass(word|wd|phrase)?$|token|secret|credential|key$|keys$/i;
/** `scheme://user:password@host`: the password part. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:)[^/@\s]*@/i;
/** `?password=...`, `&token=...` in a URL's query. */
const QUERY_SECRET = /([?&][^=&#]*(?:pass|pwd|token|secret|key|auth)[^=&#]*=)[^&#]*/gi;

/** A copy of `value` with every secret masked: values under secret names, passwords in URLs. */
export function maskSecrets(value: unknown, name = ''): unknown {
  if (name && SECRET_NAME.test(name) && value !== undefined && value !== null && value !== '') return MASK;
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${MASK}@`).replace(QUERY_SECRET, `$1${MASK}`);
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  return value;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyed = (v: unknown): v is Array<{ id: string }> => Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x.id === 'string');
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The changes from `before` to `after`, secrets masked, in document order. */
export function configDiff(before: unknown, after: unknown): { changes: ConfigChange[]; more: number } {
  const all: ConfigChange[] = [];
  walk(before, after, '', '', all);
  return { changes: all.slice(0, MAX_LISTED_CHANGES), more: Math.max(0, all.length - MAX_LISTED_CHANGES) };
}

function walk(a: unknown, b: unknown, path: string, name: string, out: ConfigChange[]): void {
  if (same(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], path ? `${path}.${k}` : k, k, out);
    return;
  }
  if ((keyed(a) || (Array.isArray(a) && a.length === 0)) && (keyed(b) || (Array.isArray(b) && b.length === 0)) && (keyed(a) || keyed(b))) {
    const byId = (list: unknown[]): Map<string, unknown> => new Map((list as Array<{ id: string }>).map((x) => [x.id, x]));
    const from = byId(a as unknown[]);
    const to = byId(b as unknown[]);
    for (const id of new Set([...from.keys(), ...to.keys()])) walk(from.get(id), to.get(id), `${path}[${id}]`, name, out);
    return;
  }
  const change: ConfigChange = { path };
  if (a !== undefined) change.before = maskSecrets(a, name);
  if (b !== undefined) change.after = maskSecrets(b, name);
  out.push(change);
}
