/**
 * Issue 10, finding 2: the configuration is the one source of truth. A change that would break a
 * reference between sections is refused by the schema with the field's path (the API answers 422),
 * so the hub never meets at start-up a reference it could have refused on write; and a file an
 * older hub wrote with such a reference is migrated, so the hub still starts, records and runs its
 * pumps. Real hubs, real HTTP, real ffmpeg and the pump simulator.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir, startTestHub, waitFor, type TestHub } from '../helpers/test-hub.ts';
import { demoDevices } from '../../hub/devices/demo.ts';
import type { HubConfigInput } from '../../hub/config/schema.ts';
import { CONFIG_VERSION } from '../../hub/config/migrations.ts';

/** A cheap camera: a small test pattern, recorded like any other. */
const pattern = (id: string) => ({
  id,
  name: id,
  source: { type: 'testsrc' as const, width: 160, height: 120, fps: 5 },
  detect: { width: 64, height: 64, fps: 1 },
});
const quiet = { detect: { enabled: false }, pipeline: { enabled: false } } satisfies HubConfigInput;

const hubs: TestHub[] = [];
async function start(opts: Parameters<typeof startTestHub>[0]): Promise<TestHub> {
  const t = await startTestHub(opts);
  hubs.push(t);
  return t;
}
afterEach(async () => {
  for (const t of hubs.splice(0)) await t.stop();
});

const segmentsOf = (dataDir: string, cam: string): string[] => {
  const dir = join(dataDir, 'recordings', cam);
  return existsSync(dir)
    ? readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => /\d{4}-\d{2}-\d{2}\/\d{2}\/\d+\.mp4$/.test(f))
    : [];
};

describe('references between sections through the API', () => {
  it('refuses to delete a camera a rule watches (422 naming events.rules[i].camera), and the hub restarts fine on that data dir', async () => {
    const t = await start({
      config: {
        ...quiet,
        cameras: [pattern('cong'), pattern('kho')],
        events: {
          rules: [
            { id: 'cong-mat', type: 'offline', camera: 'cong' },
            { id: 'kho-mat', type: 'offline', camera: 'kho' },
          ],
        },
      },
    });
    const before = readFileSync(join(t.dataDir, 'config.json'), 'utf8');

    const res = await t.request('/api/cameras/kho', { method: 'DELETE', role: 'installer' });

    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: Array<{ path: string; message: string }> };
    expect(body.detail).toEqual([{ path: 'events.rules[1].camera', message: expect.stringMatching(/^no camera "kho": rule "kho-mat" watches it/) }]);
    expect(t.hub.ctx.config.get().cameras.map((c) => c.id)).toEqual(['cong', 'kho']);
    expect(readFileSync(join(t.dataDir, 'config.json'), 'utf8')).toBe(before);
    expect(t.hub.ctx.audit.query({ action: 'cameras.remove' }).filter((a) => a.result === 'ok')).toEqual([]);

    await t.stop();
    hubs.length = 0;
    const again = await start({ dataDir: t.dataDir });
    const states = await waitFor(
      () => {
        const s = ['cong', 'kho'].map((id) => again.hub.ctx.services.cameras!.state(id));
        return s.every((x) => x?.online) ? s : undefined;
      },
      20_000,
      'both cameras online after the restart',
    );
    expect(states).toHaveLength(2);
  }, 60_000);

  it('refuses a rule on a camera that is not configured and an alarm output on a missing relay, through a config change', async () => {
    const t = await start({ config: { ...quiet, cameras: [pattern('cong')] } });
    await expect(
      t.hub.ctx.config.update((d) => {
        d.events = { rules: [{ id: 'x', type: 'offline', camera: 'khong-co' }] };
      }),
    ).rejects.toThrow(/events\.rules\[0\]\.camera: no camera "khong-co"/);
    await expect(
      t.hub.ctx.config.update((d) => {
        d.events = { rules: [{ id: 'x', type: 'offline', camera: 'cong', alarm: { device: 'coi', output: 'relay1' } }] };
      }),
    ).rejects.toThrow(/events\.rules\[0\]\.alarm\.device: no device "coi"/);
    expect(t.hub.ctx.config.get().events.rules).toEqual([]);
  }, 30_000);
});

describe('a configuration an older hub wrote with a dangling reference', () => {
  it('still starts, records and runs the pumps; the rule is disabled, reported with its reason, the old file kept', async () => {
    // What a version 1 hub left after its API deleted camera "kho" while rule "kho-dem" watched it.
    const v1 = {
      version: 1,
      ...quiet,
      cameras: [pattern('cong')],
      pipeline: { enabled: false, cameras: { kho: { priority: 2 } } },
      devices: demoDevices(),
      events: {
        rules: [
          {
            id: 'kho-dem',
            name: 'Kho ban đêm',
            type: 'intrusion',
            camera: 'kho',
            zone: [
              [0, 0],
              [1, 0],
              [1, 1],
            ],
          },
        ],
      },
    };
    const dataDir = makeDataDir(v1 as HubConfigInput);

    const t = await start({ dataDir });

    expect(t.hub.ctx.config.get().events.rules[0]).toMatchObject({ id: 'kho-dem', enabled: false });
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json.v1.bak'), 'utf8'))).toEqual(v1);
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8'))).toMatchObject({ version: CONFIG_VERSION });
    const health = (await (await t.request('/api/health')).json()) as { conditions: Array<{ component: string; level: string; message: string }> };
    expect(health.conditions).toContainEqual(
      expect.objectContaining({
        component: 'events/rules',
        level: 'degraded',
        message: 'events: rule "kho-dem" is disabled: it watches camera "kho", which is not configured',
      }),
    );
    await waitFor(() => segmentsOf(dataDir, 'cong').length > 0, 30_000, 'a recorded segment of camera cong');
    const pumps = await waitFor(
      async () => {
        const list = (await (await t.request('/api/devices/pumps', { role: 'operator' })).json()) as Array<{ id: string; reachable: boolean }>;
        return list.some((p) => p.reachable) ? list : undefined;
      },
      20_000,
      'the pump drive reachable',
    );
    expect(pumps.map((p) => p.id)).toEqual(['bom-1']);
  }, 60_000);
});
