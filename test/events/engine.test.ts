import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Box, TrackedObject, TrackReport } from '../../hub/pipeline/types.ts';
import type { Segment } from '../../hub/record/service.ts';
import { FakeRecordings, probeDuration, recordVtest } from './segments.ts';
import { makeHarness } from './harness.ts';
import { existsSync } from 'node:fs';
import { sweepMediaRetention } from '../../hub/events/media.ts';
import { createLogger } from '../../hub/core/log.ts';
import { decodeFrames } from '../../bench/lib-pipeline-frames.ts';
import { fixtures } from '../../tools/fixtures.ts';
import sharp from 'sharp';
import type { Frame } from '../../hub/lib/frame.ts';

const T0 = Date.parse('2025-03-03T15:30:00Z');
const W = 768;
const H = 576;
let segs: Segment[];
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'events-engine-'));
  segs = recordVtest(join(root, 'rec'), T0, 30, 10);
});

/** lastSeenAt meaning "the detector found it on this very frame" (frame() fills the time in). */
const SEEN_NOW = -1;
const person = (id: string, x: number, over: Partial<TrackedObject> = {}): TrackedObject => ({
  trackId: id,
  label: 'person',
  score: 0.8,
  medianScore: 0.8,
  box: [x - 30, 300, x + 30, 500] as Box,
  confirmed: true,
  stationary: false,
  firstSeenAt: T0,
  lastSeenAt: SEEN_NOW,
  ...over,
});
/**
 * A detect frame as the pipeline hands it on: black, each object's box white, and a grey marker
 * patch in the bottom-left corner (MARKER, outside every zone) whose level tells frames apart.
 */
const MARKER: Box = [8, H - 64, 64, H - 8];
function detectFrame(at: number, boxes: readonly Box[], marker = 128): Frame {
  const data = Buffer.alloc(W * H * 1.5, 128); // neutral chroma
  data.fill(16, 0, W * H);
  const paint = (b: Box, v: number): void => {
    for (let y = Math.max(0, Math.round(b[1])); y < Math.min(H, Math.round(b[3])); y++)
      data.fill(v, y * W + Math.max(0, Math.round(b[0])), y * W + Math.min(W, Math.round(b[2])));
  };
  for (const b of boxes) paint(b, 235);
  paint(MARKER, marker);
  return { cameraId: 'cam', seq: at, capturedAt: at, width: W, height: H, format: 'yuv420p', data };
}
const frame = (t: number, objects: TrackedObject[], marker?: number): TrackReport => ({
  cameraId: 'cam',
  frameAt: T0 + t,
  frameWidth: W,
  frameHeight: H,
  objects: objects.map((o) => (o.lastSeenAt === SEEN_NOW ? { ...o, lastSeenAt: T0 + t } : o)),
  frame: detectFrame(
    T0 + t,
    objects.map((o) => o.box),
    marker,
  ),
});
const zone = [
  [0.5, 0.5],
  [1, 0.5],
  [1, 1],
  [0.5, 1],
];
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('event engine', () => {
  it('turns a walk into one event with held footage, a hashed snapshot and clip', async () => {
    const dir = mkdtempSync(join(root, 'a-'));
    const rec = new FakeRecordings(segs);
    const h = makeHarness(
      dir,
      {
        rules: [{ id: 'yard', type: 'intrusion', camera: 'cam', zone, urgent: true, alarm: { device: 'relay-1', output: 'siren' } }],
        preRollSeconds: 3,
        postRollSeconds: 2,
      },
      rec,
      T0,
    );
    // Walks right from x = 100 to x = 700 over 12 s at 5 fps; the zone starts at x = 384.
    for (let i = 0; i <= 60; i++) h.engine.onTracks(frame(i * 200, [person('t1', 100 + i * 10)]));
    h.engine.onTracks(frame(12_400, [person('t1', 700, { leftAt: T0 + 12_400 })]));
    await h.media.idle();
    const [e] = h.store.query({});
    expect(h.store.query({})).toHaveLength(1);
    // First frame with the feet centre past x = 384: i = 29 (x = 390).
    expect(e!.startAt - T0).toBe(29 * 200);
    expect(e!.endAt! - T0).toBe(60 * 200);
    expect(e!.tier).toBe('alert');
    expect(h.alarms).toEqual([{ device: 'relay-1', output: 'siren', seconds: 30 }]);
    // Stopping the engine switches the alarm outputs off (it never did: a siren outlived the hub).
    await h.engine.stop();
    expect(h.alarmStops.n).toBe(1);
    expect(h.messages.map((m) => m.type)).toContain('new');
    expect(h.messages.map((m) => m.type).slice(-2)).toEqual(['ended', 'media']);
    expect(rec.holds.get(`event:${e!.id}`)).toMatchObject({ cameraId: 'cam', fromMs: e!.startAt - 3000, toMs: e!.endAt! + 2000 });
    const media = h.store.media(e!.id);
    expect(media.map((m) => m.kind).sort()).toEqual(['clip', 'snapshot']);
    for (const m of media) expect(sha(m.path)).toBe(m.sha256);
    const clip = media.find((m) => m.kind === 'clip')!;
    expect(probeDuration(clip.path)).toBeGreaterThanOrEqual((e!.endAt! - e!.startAt + 5000) / 1000 - 0.3);
    expect(h.store.require(e!.id).mediaState).toBe('ready');
    // Past media retention: files gone, hashes kept, footage released.
    const log = createLogger('t', () => {});
    expect(sweepMediaRetention(h.store, h.media, rec, e!.endAt! - 1, log)).toBe(0);
    expect(sweepMediaRetention(h.store, h.media, rec, e!.endAt! + 1, log)).toBe(1);
    expect(media.map((m) => existsSync(m.path))).toEqual([false, false]);
    expect(h.store.media(e!.id).map((m) => [m.sha256, m.deletedAt !== null])).toEqual(media.map((m) => [m.sha256, true]));
    expect(h.store.require(e!.id).mediaState).toBe('expired');
    expect(rec.holds.has(`event:${e!.id}`)).toBe(false);
    h.close();
  });

  it('takes the snapshot from the recorded frame matching the detect frame at full resolution, else the detect frame', async () => {
    const dir = mkdtempSync(join(root, 'snap-'));
    const h = makeHarness(
      dir,
      { rules: [{ id: 'yard', type: 'intrusion', camera: 'cam', zone }], preRollSeconds: 1, postRollSeconds: 1, footageWaitSeconds: 1 },
      new FakeRecordings(segs),
      T0,
    );
    // The detect frame at 5.0 s of vtest (the recording starts at T0), and a flat grey one.
    const real = decodeFrames(fixtures.vtestH264, { width: 320, height: 180, fps: 5, startSec: 5, seconds: 0.2 })[0]!;
    const flat = Buffer.alloc(real.length, 128);
    const sizeOf = async (at: number, data: Buffer): Promise<number[]> => {
      const e = h.store.start({
        cameraId: 'cam',
        ruleId: 'yard',
        ruleType: 'intrusion',
        subject: `s${at}${data[0]}`,
        label: 'person',
        tier: 'detection',
        severity: 'medium',
        startAt: at,
        at,
        best: { at, score: 0.8, box: [10, 10, 50, 90], frame: { width: 320, height: 180 } },
        geometry: null,
      });
      h.store.end(e.id, at + 500, 'end');
      h.media.enqueue(e.id, { cameraId: 'cam', seq: 1, capturedAt: at, width: 320, height: 180, format: 'yuv420p', data });
      await h.media.idle();
      const snap = h.store.media(e.id).find((m) => m.kind === 'snapshot')!;
      const m = await sharp(snap.path).metadata();
      return [m.width!, m.height!];
    };
    expect(await sizeOf(T0 + 5000, real)).toEqual([W, H]); // found in the recording: vtest's own size
    expect(await sizeOf(T0 + 5000, flat)).toEqual([320, 180]); // nothing recorded looks like it
    expect(await sizeOf(T0 + 40_000, real)).toEqual([320, 180]); // past the recording
    h.close();
  });

  it('cuts the snapshot from the very frame its best box was reported on, even one before the event started', async () => {
    const dir = mkdtempSync(join(root, 'best-'));
    const h = makeHarness(
      dir,
      { rules: [{ id: 'yard', type: 'intrusion', camera: 'cam', zone, minDurationSeconds: 2 }], preRollSeconds: 1, postRollSeconds: 1, footageWaitSeconds: 1 },
      new FakeRecordings(segs),
      T0,
    );
    // Walks right 20 px a frame from x = 300 at 5 fps: in the zone (x >= 384) from i = 5, the event
    // starts 2 s later (i = 15); the surest view is i = 7, in the wait. Each frame has its own
    // marker level (luma 20 + 10 i), so the picture names the frame it was cut from.
    for (let i = 0; i < 20; i++) h.engine.onTracks(frame(i * 200, [person('t1', 300 + i * 20, { score: i === 7 ? 0.95 : 0.7 })], 20 + 10 * i));
    h.engine.onTracks(frame(4000, [person('t1', 700, { leftAt: T0 + 4000 })], 250));
    await h.media.idle();
    const [e] = h.store.query({});
    expect(e!.startAt - T0).toBe(5 * 200);
    expect(e!.best.at - T0, 'the best moment came before the start').toBe(7 * 200);
    expect(e!.best.box).toEqual([410, 300, 470, 500]);
    const snap = h.store.media(e!.id).find((m) => m.kind === 'snapshot')!;
    const { data, info } = await sharp(snap.path).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height], 'the detect frame itself (nothing recorded looks like it)').toEqual([W, H]);
    // Mean grey inside a box, 8 px in from its edges (past the drawn stroke).
    const mean = (b: Box): number => {
      let sum = 0;
      let n = 0;
      for (let y = b[1] + 8; y < b[3] - 8; y++) for (let x = b[0] + 8; x < b[2] - 8; x++, n++) sum += data[y * info.width + x]!;
      return sum / n;
    };
    const full = (luma: number): number => ((luma - 16) * 255) / 219;
    expect(Math.abs(mean(MARKER) - full(20 + 10 * 7)), `marker ${mean(MARKER).toFixed(1)}: frame 7's is ${full(90).toFixed(1)}`).toBeLessThan(4);
    expect(mean(e!.best.box!), 'the person (white) inside the best box').toBeGreaterThan(225);
    h.close();
  });

  it('raises tamper while the signal is on and ends it when it clears', () => {
    const h = makeHarness(mkdtempSync(join(root, 'b-')), { rules: [{ id: 'cover', type: 'tamper', camera: 'cam' }] }, undefined, T0);
    h.engine.onTamper({ cameraId: 'cam', at: T0 + 1000, kind: 'blackout', active: true, value: 3 });
    h.clock.now = T0 + 5000;
    h.engine.tick();
    h.engine.onTamper({ cameraId: 'cam', at: T0 + 9000, kind: 'blackout', active: false, value: 120 });
    const [e] = h.store.query({});
    expect([e!.label, e!.startAt - T0, e!.endAt! - T0]).toEqual(['tamper:blackout', 1000, 9000]);
    h.close();
  });

  it('raises offline when the camera goes down and ends it when it comes back', () => {
    const h = makeHarness(mkdtempSync(join(root, 'c-')), { rules: [{ id: 'dark', type: 'offline', camera: 'cam', minDurationSeconds: 5 }] }, undefined, T0);
    const state = (status: 'online' | 'offline') => ({ id: 'cam', status, online: status === 'online', fpsIn: 0, bitrateKbps: 0, restarts: 0, since: '' });
    h.engine.onCameraState(state('offline'));
    for (let s = 1; s <= 8; s++) {
      h.clock.now = T0 + s * 1000;
      h.engine.tick();
    }
    expect(h.store.query({ state: 'active' })).toHaveLength(1);
    h.clock.now = T0 + 20_000;
    h.engine.onCameraState(state('online'));
    const [e] = h.store.query({});
    expect([e!.startAt - T0, e!.endAt! - T0]).toEqual([0, 20_000]);
    h.close();
  });

  it('ends an object event a killed hub left open, at its last sighting, and makes its media', async () => {
    const dir = mkdtempSync(join(root, 'd-'));
    const rules = { rules: [{ id: 'yard', type: 'intrusion', camera: 'cam', zone }] };
    const first = makeHarness(dir, rules, new FakeRecordings(segs), T0);
    for (let i = 0; i < 20; i++) first.engine.onTracks(frame(i * 200, [person('t1', 500)]));
    first.close(); // no stop(): as if killed
    const rec = new FakeRecordings(segs);
    const second = makeHarness(dir, rules, rec, T0 + 60_000);
    expect(second.store.open()).toHaveLength(1);
    expect(second.engine.recover()).toEqual({ resumed: 0, ended: 1, pendingMedia: 1 });
    await second.media.idle();
    const [e] = second.store.query({});
    expect(e!.endAt).toBe(e!.lastAt);
    expect(
      second.store
        .updates(e!.id)
        .map((u) => u.kind)
        .at(-1),
    ).toBe('ended-on-restart');
    expect(second.store.media(e!.id)).toHaveLength(2);
    second.close();
  });

  it('resumes a camera offline event across a restart when the camera is still down', () => {
    const dir = mkdtempSync(join(root, 'e-'));
    const rules = { rules: [{ id: 'dark', type: 'offline', camera: 'cam' }] };
    const state = (status: 'online' | 'offline') => ({ id: 'cam', status, online: status === 'online', fpsIn: 0, bitrateKbps: 0, restarts: 0, since: '' });
    const first = makeHarness(dir, rules, undefined, T0);
    first.engine.onCameraState(state('offline'));
    first.close();
    const second = makeHarness(dir, rules, undefined, T0 + 10_000);
    expect(second.engine.recover().resumed).toBe(1);
    second.clock.now = T0 + 20_000;
    second.engine.tick(); // inside the grace: still running
    second.engine.onCameraState(state('offline'));
    second.clock.now = T0 + 40_000;
    second.engine.onCameraState(state('online'));
    const all = second.store.query({});
    expect(all).toHaveLength(1);
    expect([all[0]!.startAt - T0, all[0]!.endAt! - T0]).toEqual([0, 40_000]);
    second.close();
  });

  it('ends the events of a rule removed from the configuration, and keeps unchanged rules running', () => {
    const yard = { id: 'yard', type: 'intrusion', camera: 'cam', zone };
    const gate = { id: 'gate', type: 'intrusion', camera: 'cam', zone };
    const h = makeHarness(mkdtempSync(join(root, 'g-')), { rules: [yard, gate] }, undefined, T0);
    h.engine.onTracks(frame(0, [person('t1', 500)]));
    expect(h.store.query({ state: 'active' })).toHaveLength(2);
    h.clock.now = T0 + 1000;
    h.engine.build([h.config.rules[0]!]);
    expect(h.store.query({ state: 'active' }).map((e) => e.ruleId)).toEqual(['yard']);
    expect(h.store.query({ rule: 'gate' })[0]!.endAt).toBe(T0);
    h.close();
  });

  it('records the police workflow with user and time, and queries by state', () => {
    const h = makeHarness(mkdtempSync(join(root, 'f-')), { rules: [{ id: 'yard', type: 'intrusion', camera: 'cam', zone }] }, undefined, T0);
    h.engine.onTracks(frame(0, [person('t1', 500)]));
    h.engine.onTracks(frame(200, [person('t1', 500), person('t2', 600)]));
    const [b, a] = h.store.query({});
    h.store.act(a!.id, 'user:lan', 'acknowledge', {}, T0 + 1);
    h.store.act(a!.id, 'user:lan', 'assign', { to: 'minh' }, T0 + 2);
    h.store.act(a!.id, 'user:minh', 'note', { text: 'trèo tường' }, T0 + 3);
    h.store.act(a!.id, 'user:minh', 'verdict', { verdict: 'incident' }, T0 + 4);
    h.store.act(b!.id, 'user:lan', 'verdict', { verdict: 'false-alarm' }, T0 + 5);
    h.store.act(b!.id, 'user:lan', 'close', {}, T0 + 6);
    expect(h.store.actions(a!.id).map((x) => [x.user, x.action, x.at - T0])).toEqual([
      ['user:lan', 'acknowledge', 1],
      ['user:lan', 'assign', 2],
      ['user:minh', 'note', 3],
      ['user:minh', 'verdict', 4],
    ]);
    expect(h.store.require(a!.id)).toMatchObject({ status: 'acknowledged', assignee: 'minh', verdict: 'incident' });
    expect(h.store.query({ state: 'incident' }).map((e) => e.id)).toEqual([a!.id]);
    expect(h.store.query({ state: 'closed' }).map((e) => e.id)).toEqual([b!.id]);
    expect(h.store.query({ state: 'active' })).toHaveLength(2);
    // Retention skips the open incident, takes the closed false alarm once both have ended.
    h.clock.now = T0 + 60_000;
    h.engine.tick();
    expect(h.store.expiring(T0 + 120_000).map((e) => e.id)).toEqual([b!.id]);
    h.close();
  });
});
