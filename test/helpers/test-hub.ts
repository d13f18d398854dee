import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type RunningHub } from '../../hub/main.ts';
import { createLogger } from '../../hub/core/log.ts';
import type { HubConfigInput } from '../../hub/config/schema.ts';
import type { Role } from '../../hub/auth/roles.ts';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

/** A fresh data directory holding `config` as its config.json. */
export function makeDataDir(config?: HubConfigInput): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  mkdirSync(dir, { recursive: true });
  if (config) writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

export interface TestHub {
  hub: RunningHub;
  dataDir: string;
  base: string;
  /** Session tokens of one user per role (users named after their role). */
  tokens: Record<Role, string>;
  /** fetch against the hub as `role` (or without a session when role is undefined). */
  request(path: string, init?: RequestInit & { role?: Role }): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts a whole hub in this process on a free port, with one user per role. */
export async function startTestHub(opts: { config?: HubConfigInput; dataDir?: string } = {}): Promise<TestHub> {
  const dataDir = opts.dataDir ?? makeDataDir(opts.config);
  const log = createLogger(`hub@${dataDir.slice(-6)}`);
  const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', log });
  const roles: Role[] = ['admin', 'operator', 'viewer', 'installer'];
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    if (!hub.ctx.users.list().some((u) => u.username === role)) await hub.ctx.users.add(role, role, TEST_PASSWORD);
    tokens[role] = (await hub.ctx.users.login(role, TEST_PASSWORD)).token;
  }
  const base = `http://127.0.0.1:${hub.port}`;
  return {
    hub, dataDir, base, tokens,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.role) headers.set('authorization', `Bearer ${tokens[init.role]}`);
      return fetch(base + path, { ...init, headers });
    },
    stop: () => hub.stop(),
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string, everyMs = 200): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Duration in seconds as Debian's ffprobe reads it, or undefined when it cannot read the file. */
export async function ffprobeDuration(file: string): Promise<number | undefined> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], (err, out) => {
      const d = Number(String(out).trim());
      resolve(err || !Number.isFinite(d) || d <= 0 ? undefined : d);
    });
  });
}

/** Frames Debian's ffprobe decodes from a file's video stream (0 when it cannot read it). */
export async function ffprobeFrameCount(file: string): Promise<number> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], (err, out) => {
      const n = Number(String(out).trim());
      resolve(err || !Number.isFinite(n) ? 0 : n);
    });
  });
}
