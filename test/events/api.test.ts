/**
 * The events API on a whole hub (HTTP, auth, audit), with events fed on the bus as the pipeline
 * sends them and footage from real recorded vtest segments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import type { Box, TrackedObject } from '../../hub/pipeline/types.ts';
import type { Frame } from '../../hub/lib/frame.ts';
import { runEventsCli } from '../../hub/events/cli.ts';
import type { SecurityEvent } from '../../hub/events/store.ts';
import { FakeRecordings, recordVtest } from './segments.ts';

const T0 = Date.now() - 60_000;
let t: TestHub;
let eventId = 0;
const sse: string[] = [];
const sseDetections: string[] = [];
let sseAbort: AbortController;

const person = (x: number, over: Partial<TrackedObject> = {}): TrackedObject => ({
  trackId: 't1',
  label: 'person',
  score: 0.9,
  medianScore: 0.9,
  box: [x - 20, 200, x + 20, 300] as Box,
  confirmed: true,
  stationary: false,
  firstSeenAt: T0,
  lastSeenAt: T0,
  ...over,
});

beforeAll(async () => {
  t = await startTestHub({
    config: {
      detect: { enabled: false },
      cameras: [{ id: 'cam', name: 'Sân trường', enabled: false, source: { type: 'testsrc' } }],
      events: {
        rules: [
          {
            id: 'yard',
            type: 'intrusion',
            camera: 'cam',
            zone: [
              [0.5, 0],
              [1, 0],
              [1, 1],
              [0.5, 1],
            ],
            urgent: true,
          },
        ],
        preRollSeconds: 2,
        postRollSeconds: 2,
      },
    },
  });
  const segs = recordVtest(mkdtempSync(join(tmpdir(), 'events-api-')), T0, 30, 10).map((s) => ({ ...s, cameraId: 'cam' }));
  t.hub.ctx.services.recordings = new FakeRecordings(segs);

  sseAbort = new AbortController();
  const res = await t.request('/api/events/stream', { role: 'viewer', signal: sseAbort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  void (async () => {
    const dec = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        sse.push(dec.decode(value));
      }
    } catch {
      /* aborted */
    }
  })();
  await waitFor(() => sse.join('').includes('event: hello'), 5000, 'stream hello');
  const onlyDetections = await t.request('/api/events/stream?tier=detection', { role: 'viewer', signal: sseAbort.signal });
  void (async () => {
    const r = onlyDetections.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await r.read();
        if (done) break;
        sseDetections.push(new TextDecoder().decode(value));
      }
    } catch {
      /* aborted */
    }
  })();

  // A person walks into the right half of a 768x576 frame over 4 s, then leaves (each report
  // with its detect frame, flat grey here).
  const frame = (at: number): Frame => ({
    cameraId: 'cam',
    seq: at,
    capturedAt: at,
    width: 768,
    height: 576,
    format: 'yuv420p',
    data: Buffer.alloc(768 * 576 * 1.5, 128),
  });
  for (let i = 0; i <= 20; i++) {
    const at = T0 + 5000 + i * 200;
    t.hub.ctx.bus.emit('pipeline.tracks', {
      cameraId: 'cam',
      frameAt: at,
      frameWidth: 768,
      frameHeight: 576,
      objects: [person(200 + i * 20, { lastSeenAt: at })],
      frame: frame(at),
    });
  }
  t.hub.ctx.bus.emit('pipeline.tracks', {
    cameraId: 'cam',
    frameAt: T0 + 9200,
    frameWidth: 768,
    frameHeight: 576,
    objects: [person(600, { leftAt: T0 + 9200 })],
    frame: frame(T0 + 9200),
  });
  const [e] = t.hub.ctx.services.events!.store.query({ rule: 'yard' });
  eventId = e!.id;
  await waitFor(() => t.hub.ctx.services.events!.store.require(eventId).mediaState === 'ready', 30_000, 'media ready');
}, 120_000);

afterAll(async () => {
  sseAbort?.abort();
  await t?.stop();
});

describe('events API', () => {
  it('streams the new event to a signed-in viewer', async () => {
    await waitFor(() => sse.join('').includes('event: media'), 5000, 'media message');
    const text = sse.join('');
    const newMsg = text.split('\n\n').find((b) => b.includes('event: new'))!;
    const data = JSON.parse(
      newMsg
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    ) as { event: SecurityEvent };
    expect(data.event.id).toBe(eventId);
    expect(data.event.tier).toBe('alert');
    // A client asking for detections only gets none of this alert's messages.
    expect(sseDetections.join('')).toContain('event: hello');
    expect(sseDetections.join('')).not.toContain('event: new');
  });

  it('lists and filters events, and refuses roles without events:read', async () => {
    const list = (await (await t.request('/api/events?camera=cam&state=ended&class=person', { role: 'viewer' })).json()) as SecurityEvent[];
    expect(list.map((e) => e.id)).toEqual([eventId]);
    const none = (await (await t.request('/api/events?state=active', { role: 'viewer' })).json()) as SecurityEvent[];
    expect(none).toEqual([]);
    expect((await t.request('/api/events?state=bogus', { role: 'viewer' })).status).toBe(400);
    expect((await t.request('/api/events', { role: 'installer' })).status).toBe(403);
    expect((await t.request('/api/events')).status).toBe(401);
  });

  it('serves the clip with HTTP ranges and writes who watched it to the audit log', async () => {
    const res = await t.request(`/api/events/${eventId}/clip.mp4`, { role: 'viewer', headers: { range: 'bytes=0-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await res.arrayBuffer()).byteLength).toBe(100);
    const snap = await t.request(`/api/events/${eventId}/snapshot.jpg`, { role: 'viewer' });
    expect(snap.headers.get('content-type')).toBe('image/jpeg');
    const audit = t.hub.ctx.audit.query({ target: `event:${eventId}`, action: 'footage.view' });
    expect(audit.map((a) => [a.actor, a.detail?.media])).toEqual(
      expect.arrayContaining([
        ['user:viewer', 'clip'],
        ['user:viewer', 'snapshot'],
      ]),
    );
  });

  it('records the workflow with who and when, for operators only', async () => {
    const post = (path: string, role: 'viewer' | 'operator', body?: unknown) =>
      t.request(`/api/events/${eventId}/${path}`, {
        role,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await post('acknowledge', 'viewer')).status).toBe(403);
    expect((await post('acknowledge', 'operator')).status).toBe(200);
    expect((await post('assign', 'operator', { to: 'minh' })).status).toBe(200);
    expect((await post('note', 'operator', { text: 'Người lạ trèo tường' })).status).toBe(200);
    expect((await post('verdict', 'operator', { verdict: 'maybe' })).status).toBe(400);
    expect((await post('verdict', 'operator', { verdict: 'incident' })).status).toBe(200);
    const detail = (await (await t.request(`/api/events/${eventId}`, { role: 'viewer' })).json()) as SecurityEvent & {
      actions: Array<{ user: string; action: string; at: number }>;
      media: Array<{ kind: string; sha256: string }>;
    };
    expect(detail.actions.map((a) => `${a.user} ${a.action}`)).toEqual([
      'user:operator acknowledge',
      'user:operator assign',
      'user:operator note',
      'user:operator verdict',
    ]);
    expect(detail.actions.every((a) => a.at > T0)).toBe(true);
    expect(detail).toMatchObject({ status: 'acknowledged', assignee: 'minh', verdict: 'incident' });
    expect(detail.media.map((m) => m.sha256)).toHaveLength(2);
  });

  it('exports a signed zip that verifies, and audits the export and its download', async () => {
    expect((await t.request(`/api/events/${eventId}/export`, { role: 'viewer', method: 'POST' })).status).toBe(403);
    const res = await t.request(`/api/events/${eventId}/export`, {
      role: 'operator',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"format":"zip"}',
    });
    expect(res.status).toBe(201);
    const x = (await res.json()) as { id: string; download: string };
    const zip = Buffer.from(await (await t.request(x.download, { role: 'operator' })).arrayBuffer());
    const file = join(mkdtempSync(join(tmpdir(), 'events-dl-')), 'export.zip');
    writeFileSync(file, zip);
    const key = (await (await t.request('/api/events/key', { role: 'viewer' })).json()) as { fingerprint: string };
    expect(await runEventsCli(['verify', file, '--fingerprint', key.fingerprint], () => {})).toBe(0);
    const actions = t.hub.ctx.audit.query({ target: `event:${eventId}`, action: 'footage.export' }).map((a) => `${a.actor} ${a.action}`);
    expect(actions).toEqual(expect.arrayContaining(['user:operator footage.export', 'user:operator footage.export.download']));
  });
});
