import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore, checkConfigFile } from './config-store.ts';
import { ConfigError, CONFIG_VERSION, type HubConfig } from './schema.ts';
import { createLogger } from '../core/log.ts';

const log = createLogger('test', () => {});
const good = { cameras: [{ id: 'gate', name: 'Cổng', source: { type: 'rtsp', url: 'rtsp://10.0.0.2/ch1' } }] };

describe('ConfigStore', () => {
  it('starts on the demo defaults when there is no file, and writes nothing until a change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const store = ConfigStore.load(join(dir, 'config.json'), log);
    expect(store.demo).toBe(true);
    expect(store.get().cameras.map((c) => c.source.type)).toEqual(['file', 'file']);
  });

  it('refuses an invalid change and keeps the previous good config in memory and on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(good));
    const store = ConfigStore.load(path, log);
    const before = readFileSync(path, 'utf8');
    await expect(
      store.update((d) => {
        d.cameras![0]!.source = { type: 'rtsp', url: 'not a url' };
      }),
    ).rejects.toThrow(/cameras\[0\]\.source\.url/);
    expect(store.get().cameras[0]!.source).toEqual({ type: 'rtsp', url: 'rtsp://10.0.0.2/ch1', transport: 'tcp' });
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('writes a valid change atomically and keeps the old file as .bak', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(good));
    const store = ConfigStore.load(path, log);
    await store.update((d) => {
      d.recording = { retentionDays: 14 };
    });
    expect(checkConfigFile(path).config.recording.retentionDays).toBe(14);
    expect(JSON.parse(readFileSync(`${path}.bak`, 'utf8'))).toEqual(good);
  });

  it('reports a JSON syntax error with the file it is in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"cameras": [');
    expect(() => ConfigStore.load(path, log)).toThrow(ConfigError);
    expect(() => ConfigStore.load(path, log)).toThrow(new RegExp(`${path}.*\\n.*not valid JSON`));
  });

  it('migrates a version 1 file on load: backs it up first, writes the result, logs what it changed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    // What a version 1 hub's API left behind: camera "kho" deleted while rule "kho-dem" watched it.
    const v1 = JSON.stringify({ version: 1, ...good, events: { rules: [{ id: 'kho-dem', type: 'offline', camera: 'kho' }] } });
    writeFileSync(path, v1);
    const lines: string[] = [];
    const store = ConfigStore.load(
      path,
      createLogger('test', (l) => lines.push(JSON.stringify(l))),
    );
    expect(store.get().events.rules[0]).toMatchObject({ id: 'kho-dem', enabled: false });
    expect(readFileSync(`${path}.v1.bak`, 'utf8')).toBe(v1);
    const written = checkConfigFile(path);
    expect([written.from, written.config.version, written.config.events.rules[0]!.enabled]).toEqual([CONFIG_VERSION, CONFIG_VERSION, false]);
    expect(lines.join('\n')).toMatch(new RegExp(`migrated from version 1 to ${CONFIG_VERSION}; the old file is kept at .*config\\.json\\.v1\\.bak`));
    expect(lines.join('\n')).toMatch(/rules\[0\] \(\\"kho-dem\\"\) disabled: it watches camera \\"kho\\"/);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'config.json.v1.bak']);
  });

  it('never overwrites an earlier backup of the same version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(`${path}.v1.bak`, 'an earlier backup');
    writeFileSync(path, JSON.stringify({ version: 1, ...good }));
    ConfigStore.load(path, log);
    expect(readFileSync(`${path}.v1.bak`, 'utf8')).toBe('an earlier backup');
    expect(JSON.parse(readFileSync(`${path}.v1.bak.2`, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('refuses a file from a newer hub and leaves it as it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    const newer = JSON.stringify({ version: CONFIG_VERSION + 1, ...good });
    writeFileSync(path, newer);
    expect(() => ConfigStore.load(path, log)).toThrow(/written by a newer hub/);
    expect(readFileSync(path, 'utf8')).toBe(newer);
    expect(readdirSync(dir)).toEqual(['config.json']);
  });

  it('writes nothing when a migrated file is still invalid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    const bad = JSON.stringify({ version: 1, recording: { retentionDays: -1 } });
    writeFileSync(path, bad);
    expect(() => ConfigStore.load(path, log)).toThrow(/recording\.retentionDays/);
    expect(readFileSync(path, 'utf8')).toBe(bad);
    expect(existsSync(`${path}.v1.bak`)).toBe(false);
  });

  it('has a slow listener apply changes one at a time, in the order they were made, each on top of the last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ ...good, hub: { name: 'Hub' } }));
    const store = ConfigStore.load(path, log);
    const seen: string[] = [];
    let applying = 0;
    let overlapped = false;
    store.onChange(async (next, prev) => {
      overlapped ||= applying > 0;
      applying++;
      // A module applying a change takes time (stopping a runner, a device runtime); the next
      // change must wait for it.
      await new Promise((r) => setTimeout(r, 30));
      seen.push(`${prev.hub.name} -> ${next.hub.name}`);
      applying--;
    });
    const names = ['a', 'b', 'c'];
    // Each change appends to the name it sees: a change that ran on a stale copy would lose a letter.
    const results = await Promise.all(
      names.map((name) =>
        store.update((d) => {
          d.hub = { ...d.hub, name: `${d.hub?.name} ${name}` };
        }),
      ),
    );
    expect(overlapped).toBe(false);
    expect(seen).toEqual(['Hub -> Hub a', 'Hub a -> Hub a b', 'Hub a b -> Hub a b c']);
    expect(checkConfigFile(path).config.hub.name).toBe('Hub a b c');
    expect(results.map((r: HubConfig) => r.hub.name)).toEqual(['Hub a', 'Hub a b', 'Hub a b c']);
  });

  it('takes media folders from the file and the command line, and refuses any change to them made while running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ ...good, media: { folders: ['/srv/video'] } }));
    const store = ConfigStore.load(path, log, { mediaFolders: ['/mnt/usb'] });
    expect(store.mediaFolders()).toEqual(['/srv/video', '/mnt/usb']);
    const before = readFileSync(path, 'utf8');
    await expect(
      store.update((d) => {
        d.media = { folders: ['/'] };
      }),
    ).rejects.toThrow(ConfigError);
    await expect(
      store.update((d) => {
        d.media = { folders: ['/'] };
      }),
    ).rejects.toMatchObject({ issues: [{ path: 'media.folders' }] });
    expect(store.mediaFolders()).toEqual(['/srv/video', '/mnt/usb']);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('keeps config.json and its backups owner-only (0600), narrowing wider ones at load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ version: 1, cameras: [] }), { mode: 0o644 });
    writeFileSync(`${path}.bak`, '{}', { mode: 0o644 });
    chmodSync(path, 0o644);
    chmodSync(`${path}.bak`, 0o664);
    const lines: string[] = [];
    const store = ConfigStore.load(
      path,
      createLogger('test', (l) => lines.push(l)),
    );
    await store.update((d) => {
      d.hub = { name: 'Hub Long Đức' };
    });
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['config.json', 'config.json.bak', 'config.json.v1.bak']);
    for (const f of files) expect((statSync(join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
    expect(lines.some((l) => / was readable by others \(mode 644\); now 600/.test(l))).toBe(true);
  });
});
