/**
 * The one mechanism every reference check of the configuration goes through: a check reports a
 * path (relative to the section it checks) and a message, never throws and never does I/O. The
 * schema turns reports into zod issues, so `hub config check`, the API (422) and start-up show
 * the same `events.rules[2].camera: ...` line. A leaf module: sections import it without a cycle.
 */
import type { z } from 'zod';

export type Report = (path: PropertyKey[], message: string) => void;

/** A report whose paths are under `prefix` (a section checked from the whole config). */
export function under(report: Report, prefix: PropertyKey[]): Report {
  return (path, message) => report([...prefix, ...path], message);
}

/** Reports into a zod refinement, so the issue carries its path like any other schema error. */
export function zodReport(ctx: z.RefinementCtx): Report {
  return (path, message) => ctx.addIssue({ code: 'custom', path, message });
}

/** Ids that others refer to must be unique; reports each repeat at `<key>[i].id`. */
export function uniqueIds(list: ReadonlyArray<{ id: string }>, key: string, what: string, report: Report): void {
  const first = new Map<string, number>();
  list.forEach((x, i) => {
    const at = first.get(x.id);
    if (at !== undefined) report([key, i, 'id'], `duplicate ${what} id "${x.id}" (also ${key}[${at}])`);
    else first.set(x.id, i);
  });
}
