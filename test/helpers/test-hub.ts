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
  /** The hub's ERROR lines so far (also written to stderr), for tests that expect none or some. */
  errors: string[];
  stop(): Promise<void>;
}

/**
 * A test hub's log sink. Lines go to stderr as ever; ERROR lines are kept, and two kinds become
 * unhandled errors, which fail the vitest run instead of scrolling past in a loaded run's output:
 * - an error logged once the hub's stop() has resolved: work that outlived teardown (a write into
 *   the closed database, a timer still firing). The hub's guards catch such errors and only log
 *   them, so without this they would never fail anything;
 * - an error of a bus listener the test registered itself (owner `test`): the bus catches a
 *   failed assertion there and logs it.
 */
function testSink(name: string): { sink: (line: string) => void; errors: string[]; stopped(): void } {
  const errors: string[] = [];
  let stopped = false;
  const escape = (why: string, line: string): void => {
    setImmediate(() => {
      throw new Error(`${name}: ${why}: ${line.trim()}`);
    });
  };
  return {
    errors,
    stopped: () => void (stopped = true),
    sink(line) {
      process.stderr.write(line);
      if (!/^\S+ ERROR /.test(line)) return;
      errors.push(line);
      if (stopped) escape('logged an error after stop() returned', line);
      else if (/ owned by test failed: /.test(line)) escape('a test listener failed', line);
      else if (/: stopping \S+ failed: /.test(line)) escape('a module failed to stop', line);
    },
  };
}

export interface TestHubOptions {
  config?: HubConfigInput;
  dataDir?: string;
  /**
   * Attaches the test's own observers (bus listeners, frame listeners) before any camera starts,
   * so they see every frame the hub sees. Without it a camera runs from the moment its module
   * starts, and a listener attached after startTestHub returns misses the first seconds: on a
   * loaded box those seconds (module start-up, scrypt for the users) reached 3 s, and the e2e
   * test judged the parked, crowd and loitering rules against a log that began after them.
   * The hub starts with the configured cameras disabled; they are enabled (through a config
   * update, awaited) once `observe` has run.
   */
  observe?: (hub: RunningHub) => void;
  /**
   * Keep the hub's own per-address sign-in limit (20 attempts a minute). By default a test hub
   * raises it: every test signs in from 127.0.0.1, and the limit is not what most tests are about.
   */
  keepLoginLimits?: boolean;
}

/** Starts a whole hub in this process on a free port, with one user per role. */
export async function startTestHub(opts: TestHubOptions = {}): Promise<TestHub> {
  const enabled = new Set((opts.config?.cameras ?? []).filter((c) => c.enabled !== false).map((c) => c.id));
  const held = opts.observe && opts.config && !opts.dataDir && { ...opts.config, cameras: opts.config.cameras?.map((c) => ({ ...c, enabled: false })) };
  const dataDir = opts.dataDir ?? makeDataDir(held || opts.config);
  const name = `hub@${dataDir.slice(-6)}`;
  const out = testSink(name);
  const log = createLogger(name, out.sink);
  const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', log });
  if (!opts.keepLoginLimits) hub.ctx.users.setLimits({ attemptsPerMinute: 100_000 });
  const roles: Role[] = ['admin', 'operator', 'viewer', 'installer'];
  const tokens = {} as Record<Role, string>;
  for (const role of roles) {
    if (!hub.ctx.users.list().some((u) => u.username === role)) await hub.ctx.users.add(role, role, TEST_PASSWORD);
    tokens[role] = (await hub.ctx.users.login(role, TEST_PASSWORD)).token;
  }
  if (opts.observe) {
    opts.observe(hub);
    if (held) {
      await hub.ctx.config.update((d) => {
        for (const c of d.cameras ?? []) if (enabled.has(c.id)) c.enabled = true;
      }, 'test');
    }
  }
  const base = `http://127.0.0.1:${hub.port}`;
  return {
    hub,
    dataDir,
    base,
    tokens,
    errors: out.errors,
    request(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.role) headers.set('authorization', `Bearer ${tokens[init.role]}`);
      return fetch(base + path, { ...init, headers });
    },
    async stop() {
      await hub.stop();
      out.stopped();
    },
  };
}

export { waitFor } from '../../tools/wait-for.ts';

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
    execFile(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file],
      (err, out) => {
        const n = Number(String(out).trim());
        resolve(err || !Number.isFinite(n) ? 0 : n);
      },
    );
  });
}
