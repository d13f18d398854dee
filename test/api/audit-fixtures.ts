/**
 * Footage planted in a running test hub for the audit tests: a recorded segment in the recording
 * index and an ended event with a clip and a snapshot, as the recorder and the events engine
 * leave them (files on disk, rows with their sha256), without running cameras.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestHub } from '../helpers/test-hub.ts';
import { SegmentIndex } from '../../hub/record/segment-index.ts';
import { sha256 } from '../../hub/core/files.ts';

const file = (dir: string, name: string, bytes: number): { path: string; data: Buffer } => {
  mkdirSync(dir, { recursive: true });
  const data = randomBytes(bytes);
  const path = join(dir, name);
  writeFileSync(path, data);
  return { path, data };
};

/** A 20 kB segment of camera `cameraId`, recorded a minute ago; returns its id. */
export function plantSegment(t: TestHub, cameraId: string): number {
  const { path, data } = file(join(t.dataDir, 'planted', cameraId), `${Date.now()}.mp4`, 20_000);
  const start = Date.now() - 60_000;
  return new SegmentIndex(t.hub.ctx.db).add({ cameraId, startMs: start, endMs: start + 10_000, bytes: data.length, path }).id;
}

/** An ended event of `cameraId` with a 20 kB clip and a 5 kB snapshot; returns its id. */
export function plantEvent(t: TestHub, cameraId: string): number {
  const store = t.hub.ctx.services.events!.store;
  const at = Date.now() - 30_000;
  const e = store.start({
    cameraId,
    ruleId: 'planted',
    ruleType: 'intrusion',
    subject: 'person',
    label: 'person',
    tier: 'alert',
    severity: 'high',
    startAt: at,
    at,
    best: { at, score: 0.9, box: null, frame: null },
    geometry: null,
  });
  const dir = join(t.dataDir, 'planted', `event-${e.id}`);
  for (const [kind, name, bytes] of [
    ['clip', 'clip.mp4', 20_000],
    ['snapshot', 'snapshot.jpg', 5_000],
  ] as const) {
    const f = file(dir, name, bytes);
    store.addMedia({ eventId: e.id, kind, path: f.path, bytes, sha256: sha256(f.data), fromMs: at - 2000, toMs: at + 7000 });
  }
  store.setMediaState(e.id, 'ready');
  store.end(e.id, at + 5000);
  return e.id;
}
