/**
 * Issue 11, finding 9: the police workflow (acknowledge, assign, note, verdict, close) is in the
 * append-only audit log with who, the event and the client's address, refused actions included;
 * event_actions, which the event view reads, is append-only too; and no events or recordings
 * answer carries a path on the hub's disk (exports answer with ids and URLs).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/test-hub.ts';
import type { HubConfigInput } from '../../hub/config/schema.ts';
import { SegmentIndex } from '../../hub/record/segment-index.ts';
import { plantEvent, plantSegment } from './audit-fixtures.ts';

const post = (body?: unknown): RequestInit => ({
  method: 'POST',
  ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
});

describe('workflow and export audit', () => {
  let t: TestHub;
  let event = 0;
  beforeAll(async () => {
    t = await startTestHub({ config: { cameras: [{ id: 'cam', name: 'Sân', enabled: false, source: { type: 'testsrc' } }] } as HubConfigInput });
    event = plantEvent(t, 'cam');
  });
  afterAll(async () => t?.stop());

  it('writes every workflow action to the audit log with who, the event, what and the client address', async () => {
    const steps: Array<[string, unknown]> = [
      ['acknowledge', undefined],
      ['assign', { to: 'minh' }],
      ['note', { text: 'Người lạ trèo tường' }],
      ['verdict', { verdict: 'false-alarm' }],
      ['close', undefined],
    ];
    for (const [action, body] of steps)
      expect((await t.request(`/api/events/${event}/${action}`, { ...post(body), role: 'operator' })).status, action).toBe(200);
    const rows = t.hub.ctx.audit.query({ target: `event:${event}`, action: 'event.' }).reverse();
    expect(rows.map((r) => [r.actor, r.action, r.result])).toEqual(steps.map(([a]) => ['user:operator', `event.${a}`, 'ok']));
    expect(rows.every((r) => /127\.0\.0\.1$/.test(r.client ?? ''))).toBe(true);
    expect(rows[1]!.detail).toMatchObject({ to: 'minh', assignee: 'minh' });
    expect(rows[2]!.detail).toMatchObject({ text: 'Người lạ trèo tường' });
    expect(rows[3]!.detail).toMatchObject({ verdict: 'false-alarm' });
    expect(rows[4]!.detail).toMatchObject({ status: 'closed' });
    // The event view still shows the workflow.
    const view = (await (await t.request(`/api/events/${event}`, { role: 'viewer' })).json()) as { actions: Array<{ action: string }> };
    expect(view.actions.map((a) => a.action)).toEqual(steps.map(([a]) => a));
  });

  it('audits a refused workflow action (a closed event, an unknown one) as refused', async () => {
    expect((await t.request(`/api/events/${event}/acknowledge`, { ...post(), role: 'operator' })).status).toBe(409);
    expect(t.hub.ctx.audit.query({ target: `event:${event}`, action: 'event.acknowledge', limit: 1 })[0]).toMatchObject({
      actor: 'user:operator',
      result: 'refused',
      detail: { reason: expect.stringMatching(/closed/) },
    });
    expect((await t.request('/api/events/999999/note', { ...post({ text: 'x' }), role: 'operator' })).status).toBe(404);
    expect(t.hub.ctx.audit.query({ target: 'event:999999', limit: 1 })[0]).toMatchObject({ action: 'event.note', result: 'refused' });
  });

  it('keeps the workflow append-only: audit rows and event actions can be neither changed nor deleted', () => {
    const db = t.hub.ctx.db;
    expect(() => db.prepare("UPDATE audit_log SET actor = 'user:x' WHERE action LIKE 'event.%'").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM audit_log WHERE action LIKE 'event.%'").run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE event_actions SET user = 'user:x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM event_actions').run()).toThrow(/append-only/);
    expect((db.prepare('SELECT count(*) AS n FROM event_actions WHERE event_id = ?').get(event) as { n: number }).n).toBe(5);
  });

  it('answers exports, events and recordings with ids and URLs, never a path on the hub', async () => {
    const other = plantEvent(t, 'cam');
    const segment = plantSegment(t, 'cam');
    const answers: Array<[string, number, string]> = [];
    const ask = async (path: string, init: RequestInit & { role: 'operator' | 'viewer' }) => {
      const res = await t.request(path, init);
      const text = await res.text();
      answers.push([path, res.status, text]);
      return { status: res.status, json: () => JSON.parse(text) as Record<string, unknown> };
    };
    const zip = await ask(`/api/events/${other}/export`, { ...post({ format: 'zip' }), role: 'operator' });
    expect(zip.status).toBe(201);
    expect(zip.json()).toMatchObject({ download: expect.stringMatching(/^\/api\/events\/exports\//) });
    const folder = await ask(`/api/events/${other}/export`, { ...post({ format: 'folder' }), role: 'operator' });
    expect(folder.status).toBe(201);
    expect((await ask(`/api/events/exports/${String(folder.json().id)}`, { role: 'operator' })).status).toBe(409);
    await ask(`/api/events/${other}`, { role: 'viewer' });
    await ask('/api/events?limit=1000', { role: 'viewer' });
    await ask('/api/recordings?camera=cam', { role: 'viewer' });
    // A segment whose file went: the 404 says so without saying where it was.
    rmSync(new SegmentIndex(t.hub.ctx.db).get(segment)!.path);
    expect((await ask(`/api/recordings/${segment}/file`, { role: 'viewer' })).status).toBe(404);

    for (const [path, status, text] of answers) {
      expect(text, `${path} (${status})`).not.toContain(t.dataDir);
      expect(text, `${path} (${status})`).not.toContain(tmpdir());
      const strings: string[] = [];
      JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && strings.push(v), v));
      expect(
        strings.filter((s) => /(^|\s)\/(?!api\/)[\w.-]+\//.test(s)),
        `${path} (${status})`,
      ).toEqual([]);
    }
  });
});
