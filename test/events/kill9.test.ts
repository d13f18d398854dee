/**
 * kill -9 of the hub during an event: after a restart the event is ended (at its last sighting)
 * or resumed, never half-written, and it gets its media from the recorded footage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FIXTURE_DIR, fixtures } from '../../tools/fixtures.ts';
import { makeDataDir, startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';

let t: TestHub | undefined;
let child: ChildProcess | undefined;
afterAll(async () => {
  // The child hub, if a failure came before the kill: it would hold the data dir and its ffmpeg.
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((ok) => child!.once('exit', ok));
    child.kill('SIGKILL');
    await exited;
  }
  await t?.stop();
});

describe('kill -9 during an event', () => {
  it('leaves an ended event with its media after restart', async () => {
    const dataDir = makeDataDir({
      recording: { segmentSeconds: 2 },
      detect: { enabled: false },
      pipeline: { enabled: false },
      media: { folders: [FIXTURE_DIR] },
      cameras: [{ id: 'cam', name: 'Cổng', source: { type: 'file', path: fixtures.vtestH264 } }],
      events: {
        footageWaitSeconds: 5,
        preRollSeconds: 3,
        postRollSeconds: 3,
        rules: [
          {
            id: 'gate',
            type: 'intrusion',
            camera: 'cam',
            zone: [
              [0.5, 0],
              [1, 0],
              [1, 1],
              [0.5, 1],
            ],
          },
        ],
      },
    });
    const hub = spawn(process.execPath, ['--import', 'tsx', 'test/events/kill9-child.ts', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = hub;
    let out = '';
    hub.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((ok) => hub.once('exit', (_c, sig) => ok(sig)));
    // A few recorded segments into the event, and the event stored that long: conditions, not a
    // fixed wait (on a loaded box 6 s of waiting held less of both).
    const progress = (): { id: number; from: number; stored: number } | undefined => {
      const m = [...out.matchAll(/event (\d+) from (\d+) stored (\d+)/g)].at(-1);
      return m && { id: Number(m[1]), from: Number(m[2]), stored: Number(m[3]) };
    };
    const recordings = join(dataDir, 'recordings', 'cam');
    const finishedSince = (from: number): number =>
      !existsSync(recordings)
        ? 0
        : readdirSync(recordings, { recursive: true })
            .map((n) => String(n))
            .filter((n) => !n.startsWith('.') && /^\d+\.mp4$/.test(basename(n)) && Number(basename(n, '.mp4')) >= from).length;
    await waitFor(() => progress(), 60_000, 'the child hub to open an event');
    await waitFor(() => progress()!.stored >= 6000 && finishedSince(progress()!.from) >= 2, 60_000, 'the event stored 6 s long, two segments recorded in it');
    hub.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const id = progress()!.id;

    t = await startTestHub({ dataDir });
    const events = t.hub.ctx.services.events!;
    expect(events.store.open()).toEqual([]);
    const e = events.store.require(id);
    expect(e.endAt).toBe(e.lastAt);
    expect(e.endAt! - e.startAt).toBeGreaterThanOrEqual(5000);
    const kinds = events.store.updates(id).map((u) => u.kind);
    expect(kinds[0]).toBe('start');
    expect(kinds.at(-1)).toBe('ended-on-restart');
    await waitFor(() => events.store.require(id).mediaState !== 'pending', 60_000, 'media after restart');
    expect(events.store.require(id).mediaState).toBe('ready');
    for (const m of events.store.media(id)) expect(createHash('sha256').update(readFileSync(m.path)).digest('hex')).toBe(m.sha256);
    // Footage of the event stays held against retention.
    const holds = t.hub.ctx.db.prepare('SELECT * FROM segment_holds WHERE holder = ?').all(`event:${id}`);
    expect(holds).toHaveLength(1);
  }, 200_000);
});
