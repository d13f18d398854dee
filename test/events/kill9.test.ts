/**
 * kill -9 of the hub during an event: after a restart the event is ended (at its last sighting)
 * or resumed, never half-written, and it gets its media from the recorded footage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixtures } from '../fixtures/fetch-fixtures.ts';
import { makeDataDir, startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';

let t: TestHub | undefined;
afterAll(async () => {
  await t?.stop();
});

describe('kill -9 during an event', () => {
  it('leaves an ended event with its media after restart', async () => {
    const dataDir = makeDataDir({
      recording: { segmentSeconds: 2 },
      detect: { enabled: false },
      pipeline: { enabled: false },
      cameras: [{ id: 'cam', name: 'Cổng', source: { type: 'file', path: fixtures.vtestH264 } }],
      events: { footageWaitSeconds: 5, preRollSeconds: 3, postRollSeconds: 3, rules: [{ id: 'gate', type: 'intrusion', camera: 'cam', zone: [[0.5, 0], [1, 0], [1, 1], [0.5, 1]] }] },
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/events/kill9-child.ts', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.once('exit', (_c, sig) => ok(sig)));
    await waitFor(() => /event (\d+)/.exec(out), 60_000, 'the child hub to open an event');
    await new Promise((r) => setTimeout(r, 6000)); // a few recorded segments into the event
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const id = Number(/event (\d+)/.exec(out)![1]);

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
  }, 150_000);
});
