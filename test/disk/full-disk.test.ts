/**
 * Issue 10, finding 1, done-when: a full data disk cannot take the hub down. A real hub runs as a
 * child process in a private mount namespace (`unshare -m`, so a killed test leaves no mount
 * behind) on a small tmpfs holding its whole data folder: a camera recording and detecting the
 * demo clip, and the pump station simulator. The test fills the volume, then empties it, and
 * watches over HTTP: the process stays up, supervises the pump, refuses a start it cannot
 * journal, says so on /api/health, frees space by policy and records again when space returns.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDevices } from '../../hub/devices/demo.ts';
import { waitFor } from '../helpers/test-hub.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_CLIP = join(ROOT, 'hub/demo/vtest-demo.mp4');
const VOLUME_MB = 32;

interface Condition {
  component: string;
  level: string;
  message: string;
}

describe('a full data disk', () => {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let dir = '';
  let base = '';
  let token = '';
  const stderr: string[] = [];

  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  const json = async <T>(path: string): Promise<T> => (await api(path)).json() as Promise<T>;
  const conditions = async (): Promise<Condition[]> => (await json<{ conditions: Condition[] }>('/api/health')).conditions;
  const disk = async (): Promise<Condition | undefined> => (await conditions()).find((c) => c.component === 'record/disk');
  /** Runs a shell command inside the hub's mount namespace, where the tmpfs is. */
  const inVolume = (script: string): void => {
    try {
      execFileSync('nsenter', ['--target', String(child!.pid), '--mount', 'sh', '-c', script], { stdio: 'pipe' });
    } catch (err) {
      // `cat /dev/zero > filler` ends with ENOSPC by design; anything else is a real failure.
      if (!/No space left/.test(String((err as { stderr?: Buffer }).stderr ?? ''))) throw err;
    }
  };
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await api('/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const segmentsSince = async (fromMs: number): Promise<number> =>
    (await json<unknown[]>(`/api/recordings?camera=cam&from=${fromMs}&to=${Date.now() + 60_000}`)).length;
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-full-disk-'));
    const config = {
      recording: { segmentSeconds: 2, sweepSeconds: 5, minFreePercent: 10 },
      cameras: [{ id: 'cam', name: 'Cam', source: { type: 'file', path: DEMO_CLIP }, record: { priority: 10 } }],
      devices: demoDevices(),
    };
    // The tmpfs lives only in the child's namespace: when the child ends, so does the mount.
    child = spawn(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs -o size=${VOLUME_MB}m hub-full-disk "$0" && exec node --import tsx test/disk/full-disk-child.ts "$0"`,
        dir,
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, FULL_DISK_CONFIG: JSON.stringify(config) },
      },
    );
    exited = new Promise((resolve) => child!.once('exit', () => resolve()));
    createInterface({ input: child.stderr! }).on('line', (l) => {
      stderr.push(l);
      if (stderr.length > 200) stderr.shift();
    });
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child!.stdout! }).once('line', resolve);
      child!.once('exit', (code) => reject(new Error(`hub child exited (${code}) before starting:\n${stderr.join('\n')}`)));
    });
    const started = JSON.parse(first) as { port: number; token: string };
    base = `http://127.0.0.1:${started.port}`;
    token = started.token;
  }, 180_000);

  afterAll(async () => {
    if (alive()) {
      child!.kill('SIGTERM');
      const hard = setTimeout(() => child!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(hard);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('keeps the hub and the pump going, frees space by policy, and records again when space returns', async () => {
    try {
      // Recording and the pump station are running.
      await waitFor(async () => (await segmentsSince(0)) >= 3, 90_000, 'three segments recorded');
      await waitFor(
        async () => (await json<Array<{ id: string; reachable: boolean }>>('/api/devices/pumps'))[0]?.reachable,
        60_000,
        'the pump drive answering',
      );

      // Fill the volume to 1 MB short of full: under the 10% watermark. Retention deletes the
      // (unheld) footage oldest first; the filler is not footage, so it stays short and the
      // camera stops recording while it keeps detecting.
      inVolume(`fallocate -l $(( $(df --output=avail -B1 "${dir}" | tail -1) - 1048576 )) "${dir}/filler"`);
      const full = await waitFor(
        async () => {
          const d = await disk();
          return d?.level === 'failed' ? d : undefined;
        },
        60_000,
        'record/disk failed on /api/health',
      );
      expect(full.message).toMatch(/disk full: recording of cam stopped/);
      expect(await metric('retention_deleted_segments_total', 'reason="space"')).toBeGreaterThan(0);
      // Every unheld segment goes (the last one the camera finished as it stopped recording too).
      await waitFor(async () => (await segmentsSince(0)) === 0, 30_000, 'all unheld footage deleted');
      const text = await (await api('/metrics')).text();
      expect(text).toMatch(/^disk_free_bytes \d+/m);
      expect(text).toMatch(/^record_held_bytes 0/m);

      // Now take the last byte too: SQLite cannot write either.
      inVolume(`cat /dev/zero > "${dir}/filler2"`);
      const filledAt = Date.now();

      // The hub keeps supervising the pump: fresh readings from the drive, a stop goes through,
      // and a start it could not journal is refused with that reason.
      await waitFor(
        async () => {
          const drive = await json<{ values: Array<{ goodAt?: number }> }>('/api/devices/bien-tan-1');
          return drive.values.some((v) => (v.goodAt ?? 0) > filledAt);
        },
        30_000,
        'a fresh pump drive reading on the full disk',
      );
      const stop = await api('/api/devices/pumps/bom-1/commands', { method: 'POST', body: JSON.stringify({ command: 'stop' }) });
      expect(stop.status).toBe(200);
      const start = await waitFor(
        async () => {
          const r = await api('/api/devices/pumps/bom-1/commands', { method: 'POST', body: JSON.stringify({ command: 'run' }) });
          return r.status === 409 ? r : undefined;
        },
        30_000,
        'a pump start refused',
      );
      const refusal = (await start.json()) as { reason?: { code?: string; en?: string } };
      expect(`${refusal.reason?.code} ${refusal.reason?.en}`).toMatch(/journal|disk|space/i);
      // The health board says why, on /api/health and in /metrics.
      const journal = (await conditions()).find((c) => c.component === 'devices/journal');
      expect(journal?.level, JSON.stringify(await conditions())).not.toBe(undefined);
      expect(await metric('hub_health_condition', 'component="record/disk"')).toBe(2);
      // The camera still detects while it does not record.
      await waitFor(
        async () => (await json<{ cameras: Array<{ online: boolean }> }>('/api/health')).cameras[0]?.online,
        30_000,
        'camera online (detecting) on the full disk',
      );
      expect(alive()).toBe(true);

      // Space returns: recording resumes by itself and new segments are indexed.
      inVolume(`rm -f "${dir}/filler" "${dir}/filler2"`);
      const freedAt = Date.now();
      await waitFor(async () => (await disk())?.level !== 'failed', 60_000, 'record/disk no longer failed');
      await waitFor(async () => (await segmentsSince(freedAt)) >= 1, 90_000, 'a new segment indexed after space returned');
      expect(alive()).toBe(true);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- hub log (last lines) ---\n${stderr.slice(-60).join('\n')}`, { cause: err });
    }
  }, 400_000);
});
