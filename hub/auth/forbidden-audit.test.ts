import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../audit/audit-log.ts';
import type { Refusal } from '../api/router.ts';
import { ForbiddenAudit } from './forbidden-audit.ts';

const refusal = (username: string, route = 'GET /api/users'): Refusal => ({
  username,
  route,
  path: route.split(' ')[1]!,
  reason: 'permission',
  access: 'users:manage',
});

describe('ForbiddenAudit', () => {
  it('writes one row per user and route a minute and counts the rest into the next row', () => {
    const rows: AuditEntry[] = [];
    let unrecorded = 0;
    const audit = new ForbiddenAudit(
      (e) => rows.push(e),
      () => unrecorded++,
    );
    for (let i = 0; i < 50; i++) audit.record(refusal('lan'), 1_000 + i * 100);
    audit.record(refusal('lan', 'GET /api/audit'), 2_000);
    audit.record(refusal('minh'), 2_000);
    expect(rows).toHaveLength(3);
    expect(unrecorded).toBe(49);
    audit.record(refusal('lan'), 61_000);
    expect(rows[3]).toEqual({
      actor: 'user:lan',
      action: 'auth.forbidden',
      target: 'GET /api/users',
      result: 'refused',
      detail: { reason: 'permission', need: 'users:manage', path: '/api/users', unrecordedBefore: 49 },
    });
  });

  it('keeps a refusal it could not write for the next row, and throws what the writer threw', () => {
    const rows: AuditEntry[] = [];
    let failing = true;
    const audit = new ForbiddenAudit((e) => {
      if (failing) throw new Error('audit: the disk is full');
      rows.push(e);
    });
    expect(() => audit.record(refusal('lan'), 0)).toThrow(/disk is full/);
    audit.record(refusal('lan'), 10_000);
    failing = false;
    audit.record(refusal('lan'), 60_000);
    expect(rows.map((r) => r.detail?.unrecordedBefore)).toEqual([2]);
  });

  it('keeps only the start of a long requested path', () => {
    const rows: AuditEntry[] = [];
    new ForbiddenAudit((e) => rows.push(e)).record({ ...refusal('lan'), path: `/api/users/${'x'.repeat(5000)}` }, 0);
    expect(String(rows[0]!.detail!.path)).toHaveLength(200);
  });
});
