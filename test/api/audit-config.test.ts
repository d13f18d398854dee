/**
 * Issue 11, finding 7 (and 9b for configuration changes): settings that destroy footage need
 * system:configure and have floors, an older file beyond the floors still loads (migrated, backed
 * up), and the audit entry of every configuration change says what changed, secrets masked, who
 * and from which address. The real hub over HTTP, one user per role.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, startTestHub, type TestHub } from '../helpers/test-hub.ts';
import type { HubConfigInput } from '../../hub/config/schema.ts';
import type { AuditRow } from '../../hub/audit/audit-log.ts';
import { CONFIG_VERSION } from '../../hub/config/migrations.ts';

const SECRET = 'Pl4nted-s3cret';
const NEW_SECRET = 'N3w-pl4nted-s3cret';
const gate = (over: Record<string, unknown> = {}) => ({
  id: 'gate',
  name: 'Cổng',
  enabled: false,
  source: { type: 'rtsp', url: `rtsp://admin:${SECRET}@127.0.0.1:9/ch1` },
  record: { retentionDays: 30 },
  ...over,
});
const put = (body: unknown) => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('footage settings and configuration audit', () => {
  let t: TestHub;
  const lastAudit = (action: string, target: string): AuditRow => t.hub.ctx.audit.query({ action, target, limit: 1 })[0]!;
  const retention = (): number | undefined => t.hub.ctx.config.get().cameras.find((c) => c.id === 'gate')!.record.retentionDays;

  beforeAll(async () => {
    t = await startTestHub({ config: { cameras: [gate()] } as HubConfigInput });
  });
  afterAll(async () => t?.stop());

  it("refuses an installer's change of a camera's retention with 403 and audits the refused attempt with what it would have changed", async () => {
    for (const days of [2, 365]) {
      const res = await t.request('/api/cameras/gate', { ...put(gate({ record: { retentionDays: days } })), role: 'installer' });
      expect(res.status, `retention ${days}`).toBe(403);
      expect(((await res.json()) as { error: string }).error).toMatch(/cameras\[gate\]\.record\.retentionDays.*system:configure/);
      const row = lastAudit('cameras.update', 'camera:gate');
      expect(row).toMatchObject({ actor: 'user:installer', result: 'refused' });
      expect(row.detail?.changes).toContainEqual({ path: 'cameras[gate].record.retentionDays', before: 30, after: days });
    }
    // Clearing the camera's own retention (left out of the body) is a change too.
    const { record: _r, ...withoutRecord } = gate();
    expect((await t.request('/api/cameras/gate', { ...put(withoutRecord), role: 'installer' })).status).toBe(403);
    expect(retention()).toBe(30);
  });

  it('lets an installer change what destroys no footage, and a camera added without its own retention', async () => {
    expect((await t.request('/api/cameras/gate', { ...put(gate({ name: 'Cổng chính' })), role: 'installer' })).status).toBe(200);
    expect(lastAudit('cameras.update', 'camera:gate').detail?.changes).toEqual([{ path: 'cameras[gate].name', before: 'Cổng', after: 'Cổng chính' }]);
    const add = await t.request('/api/cameras', {
      ...put({ id: 'kho', name: 'Kho', enabled: false, source: { type: 'testsrc' } }),
      method: 'POST',
      role: 'installer',
    });
    expect(add.status).toBe(201);
    const withRetention = await t.request('/api/cameras', {
      ...put({ id: 'san', name: 'Sân', enabled: false, source: { type: 'testsrc' }, record: { retentionDays: 3 } }),
      method: 'POST',
      role: 'installer',
    });
    expect(withRetention.status).toBe(403);
  });

  it('holds an admin to the 1-day floor, and applies a change above it', async () => {
    for (const role of ['admin', 'installer'] as const) {
      const low = await t.request('/api/cameras/gate', { ...put(gate({ record: { retentionDays: 0.5 } })), role });
      expect(low.status).toBe(400);
      expect(((await low.json()) as { detail: unknown }).detail).toEqual([{ path: 'body.record.retentionDays', message: 'must be at least 1 day' }]);
    }
    expect((await t.request('/api/cameras/gate', { ...put(gate({ name: 'Cổng chính', record: { retentionDays: 2 } })), role: 'admin' })).status).toBe(200);
    expect(retention()).toBe(2);
    const row = lastAudit('cameras.update', 'camera:gate');
    expect(row).toMatchObject({ actor: 'user:admin', result: 'ok' });
    expect(row.detail?.changes).toEqual([{ path: 'cameras[gate].record.retentionDays', before: 30, after: 2 }]);
  });

  it('lists a changed camera password masked, with who and the client address, in the log and in GET /api/audit', async () => {
    const url = `rtsp://admin:${NEW_SECRET}@127.0.0.1:9/ch2?token=${NEW_SECRET}`;
    const res = await t.request('/api/cameras/gate', {
      ...put(gate({ name: 'Cổng chính', record: { retentionDays: 2 }, source: { type: 'rtsp', url } })),
      role: 'installer',
    });
    expect(res.status).toBe(200);
    const row = lastAudit('cameras.update', 'camera:gate');
    expect(row).toMatchObject({ actor: 'user:installer', result: 'ok' });
    expect(row.client).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    const changes = row.detail?.changes as Array<{ path: string }>;
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((ch) => ch.path.startsWith('cameras[gate].source'))).toBe(true);
    expect(JSON.stringify(changes)).toContain('***');
    expect(JSON.stringify(row)).not.toMatch(new RegExp(`${SECRET}|${NEW_SECRET}`));
    const answer = await (await t.request('/api/audit?action=cameras.&limit=5000', { role: 'admin' })).text();
    expect(answer).not.toContain(SECRET);
    expect(answer).not.toContain(NEW_SECRET);
    const rows = JSON.parse(answer) as AuditRow[];
    expect(rows[0]).toMatchObject({ id: row.id, client: row.client });
    expect(rows.every((r) => typeof r.client === 'string')).toBe(true);
  });
});

describe('a version 2 configuration with footage settings beyond the floors', () => {
  it('still starts: raised to 1 day and 30 %, the old file backed up', async () => {
    const v2 = {
      version: 2,
      recording: { retentionDays: 0.01, minFreePercent: 90 },
      cameras: [{ id: 'gate', name: 'Cổng', enabled: false, source: { type: 'testsrc' }, record: { retentionDays: 0.01 } }],
      events: { mediaRetentionDays: 0.01 },
    };
    const dataDir = makeDataDir(v2 as unknown as HubConfigInput);
    const t = await startTestHub({ dataDir });
    try {
      const cfg = t.hub.ctx.config.get();
      expect([
        cfg.version,
        cfg.recording.retentionDays,
        cfg.recording.minFreePercent,
        cfg.cameras[0]!.record.retentionDays,
        cfg.events.mediaRetentionDays,
      ]).toEqual([CONFIG_VERSION, 1, 30, 1, 1]);
      expect(JSON.parse(readFileSync(join(dataDir, 'config.json.v2.bak'), 'utf8'))).toEqual(v2);
      expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8'))).toMatchObject({
        version: CONFIG_VERSION,
        recording: { retentionDays: 1, minFreePercent: 30 },
      });
    } finally {
      await t.stop();
    }
  });
});
