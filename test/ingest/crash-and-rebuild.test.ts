import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../../tools/fixtures.ts';
import { startRtspServer, type RtspServer } from '../../tools/rtsp-server.ts';
import { freePort } from '../../tools/ports.ts';
import { ffprobeDuration, makeDataDir, startTestHub, waitFor } from '../helpers/test-hub.ts';

/** Every final segment file under recordings/ (not .incoming, not .damaged). */
function segmentFiles(dataDir: string): string[] {
  const root = join(dataDir, 'recordings');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name));
      else if (e.isFile() && /^\d+\.mp4$/.test(e.name)) out.push(join(dir, e.name));
    }
  };
  walk(root);
  return out.sort();
}

describe('crash safety of recordings', () => {
  let rtsp: RtspServer;
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    rtsp = await startRtspServer({ yard: fixtures.vtestH264 });
    dataDir = makeDataDir({
      recording: { segmentSeconds: 2 },
      // Recording only: the detector's start-up and inference took most of a loaded box's CPU
      // (the kill -9 test ran past 90 s at load 15) and play no part here.
      detect: { enabled: false },
      pipeline: { enabled: false },
      cameras: [{ id: 'yard', name: 'Sân', source: { type: 'rtsp', url: rtsp.url('yard') } }],
    });
  });
  afterAll(async () => {
    // A child hub left running by a failed test would hold the camera and the data dir.
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await rtsp?.kill();
  });

  it('kill -9 mid-recording leaves no index row pointing at an unplayable file', async () => {
    const port = await freePort();
    const hub = spawn(process.execPath, ['bin/hub.mjs', 'start', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1'], {
      stdio: 'ignore',
      env: { ...process.env, HUB_LOG_LEVEL: 'warn' },
    });
    child = hub;
    const exited = new Promise((r) => hub.once('exit', r));
    await waitFor(() => segmentFiles(dataDir).length >= 3, 30_000, 'three finished segments');
    // Kill it while ffmpeg is half-way through the next segment: once that segment holds a
    // fragment (bytes past the empty moov), whatever a loaded box took to get there.
    const incoming = join(dataDir, 'recordings', 'yard', '.incoming');
    const growing = (): boolean =>
      existsSync(incoming) &&
      readdirSync(incoming).some((n) => n.endsWith('.mp4') && (statSync(join(incoming, n), { throwIfNoEntry: false })?.size ?? 0) > 4096);
    await waitFor(growing, 15_000, 'a segment being written');
    hub.kill('SIGKILL');
    await exited;

    const t = await startTestHub({ dataDir });
    try {
      await t.hub.ctx.services.cameras!.state('yard'); // started; repair ran before it
      const rows = t.hub.ctx.db.prepare('SELECT path FROM segments').all() as Array<{ path: string }>;
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const { path } of rows) {
        expect(await ffprobeDuration(path), `${path} must play`).toBeDefined();
      }
      // The half-written segment was repaired into place or set aside, not left in .incoming.
      const leftovers = readdirSync(incoming).filter((n) => n.endsWith('.mp4'));
      const current = leftovers.length; // only the new ffmpeg's growing segment may be there
      expect(current).toBeLessThanOrEqual(1);
    } finally {
      await t.stop();
    }
  }, 90_000);

  it('deleting the SQLite file and restarting rebuilds the index and deletes no footage', async () => {
    const before = segmentFiles(dataDir);
    expect(before.length).toBeGreaterThanOrEqual(3);
    for (const ext of ['', '-wal', '-shm']) rmSync(join(dataDir, `hub.db${ext}`), { force: true });

    const t = await startTestHub({ dataDir });
    try {
      const rows = (t.hub.ctx.db.prepare('SELECT path FROM segments').all() as Array<{ path: string }>).map((r) => r.path);
      for (const f of before) expect(existsSync(f), `${f} must still exist`).toBe(true);
      for (const f of before) expect(rows).toContain(f);
    } finally {
      await t.stop();
    }
  }, 60_000);

  it('a corrupt SQLite file is moved aside, not deleted, and the index is rebuilt', async () => {
    const before = segmentFiles(dataDir);
    for (const ext of ['-wal', '-shm']) rmSync(join(dataDir, `hub.db${ext}`), { force: true });
    writeFileSync(join(dataDir, 'hub.db'), Buffer.alloc(8192, 0x5a));
    const t = await startTestHub({ dataDir });
    try {
      const rows = (t.hub.ctx.db.prepare('SELECT path FROM segments').all() as Array<{ path: string }>).map((r) => r.path);
      for (const f of before) expect(rows).toContain(f);
      expect(readdirSync(dataDir).some((n) => n.startsWith('hub.db.corrupt-'))).toBe(true);
    } finally {
      await t.stop();
    }
  }, 60_000);
});
