/**
 * Issue 11, finding 8: one audit policy for every look at footage. A recording, an event's clip
 * and snapshot and an export download are each audited once per user, item and 10-minute window,
 * whatever the Range header; a second user gets a row of their own, and once the window has
 * passed (the window's clock is moved, no sleeping) the next look writes a new row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/test-hub.ts';
import { footageWindow, FOOTAGE_WINDOW_MS } from '../../hub/audit/footage-access.ts';
import type { HubConfigInput } from '../../hub/config/schema.ts';
import { plantEvent, plantSegment } from './audit-fixtures.ts';

/** What players send: the whole file, from the start, the index at the end, a seek, a later piece. */
const RANGES = [undefined, 'bytes=0-', 'bytes=-100', 'bytes=1-', 'bytes=5000-9999', 'bytes=0-99'];

describe('footage access audit', () => {
  let t: TestHub;
  let segment = 0;
  let event = 0;
  const clock = { t: Date.now() };

  beforeAll(async () => {
    t = await startTestHub({ config: { cameras: [{ id: 'cam', name: 'Sân', enabled: false, source: { type: 'testsrc' } }] } as HubConfigInput });
    footageWindow(t.hub.ctx.audit).now = () => clock.t;
    segment = plantSegment(t, 'cam');
    event = plantEvent(t, 'cam');
  });
  afterAll(async () => t?.stop());

  const look = async (path: string, role: 'viewer' | 'operator') => {
    for (const range of RANGES) {
      const res = await t.request(path, { role, headers: range ? { range } : {} });
      expect(res.status, `${path} ${range ?? '(no range)'}`).toBe(range ? 206 : 200);
      await res.arrayBuffer();
    }
  };
  /** The rows of one user's looks at one target (for an event, at one of its media). */
  const rows = (action: string, target: string, actor: string, media?: 'clip' | 'snapshot') =>
    t.hub.ctx.audit.query({ action, target, actor }).filter((r) => r.action === action && (!media || r.detail?.media === media));

  it('audits a recording once per user and window, whatever the range, with the client address', async () => {
    await look(`/api/recordings/${segment}/file`, 'viewer');
    const viewer = rows('footage.view', 'camera:cam', 'user:viewer');
    expect(viewer).toHaveLength(1);
    expect(viewer[0]).toMatchObject({ result: 'ok', detail: { item: segment } });
    expect(viewer[0]!.client).toMatch(/127\.0\.0\.1$/);
    await look(`/api/recordings/${segment}/file`, 'operator');
    expect(rows('footage.view', 'camera:cam', 'user:operator')).toHaveLength(1);
    expect(rows('footage.view', 'camera:cam', 'user:viewer')).toHaveLength(1);
  });

  it("audits an event's clip and snapshot once each per user and window, whatever the range", async () => {
    await look(`/api/events/${event}/clip.mp4`, 'viewer');
    for (let i = 0; i < 3; i++) await (await t.request(`/api/events/${event}/snapshot.jpg`, { role: 'viewer' })).arrayBuffer();
    expect(rows('footage.view', `event:${event}`, 'user:viewer', 'clip')).toHaveLength(1);
    expect(rows('footage.view', `event:${event}`, 'user:viewer', 'snapshot')).toHaveLength(1);
    await look(`/api/events/${event}/clip.mp4`, 'operator');
    expect(rows('footage.view', `event:${event}`, 'user:operator', 'clip')).toHaveLength(1);
  });

  it('audits an export download once per user and window, whatever the range', async () => {
    const made = await t.request(`/api/events/${event}/export`, { role: 'operator', method: 'POST' });
    expect(made.status).toBe(201);
    const { download } = (await made.json()) as { download: string };
    await look(download, 'operator');
    expect(rows('footage.export.download', `event:${event}`, 'user:operator')).toHaveLength(1);
  });

  it('audits again once the window has passed, and not a moment before', async () => {
    clock.t += FOOTAGE_WINDOW_MS - 1;
    await look(`/api/recordings/${segment}/file`, 'viewer');
    await look(`/api/events/${event}/clip.mp4`, 'viewer');
    expect(rows('footage.view', 'camera:cam', 'user:viewer')).toHaveLength(1);
    expect(rows('footage.view', `event:${event}`, 'user:viewer', 'clip')).toHaveLength(1);
    clock.t += 1;
    await look(`/api/recordings/${segment}/file`, 'viewer');
    await look(`/api/events/${event}/clip.mp4`, 'viewer');
    expect(rows('footage.view', 'camera:cam', 'user:viewer')).toHaveLength(2);
    expect(rows('footage.view', `event:${event}`, 'user:viewer', 'clip')).toHaveLength(2);
  });

  it('writes no view for a range outside the file', async () => {
    clock.t += FOOTAGE_WINDOW_MS;
    expect((await t.request(`/api/events/${event}/clip.mp4`, { role: 'operator', headers: { range: 'bytes=999999-' } })).status).toBe(416);
    expect((await t.request(`/api/recordings/${segment}/file`, { role: 'operator', headers: { range: 'bytes=999999-' } })).status).toBe(416);
    expect(rows('footage.view', `event:${event}`, 'user:operator', 'clip')).toHaveLength(1);
    expect(rows('footage.view', 'camera:cam', 'user:operator')).toHaveLength(1);
  });
});
