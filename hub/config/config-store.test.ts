import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore, checkConfigFile } from './config-store.ts';
import { ConfigError } from './schema.ts';
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
    expect(checkConfigFile(path).recording.retentionDays).toBe(14);
    expect(JSON.parse(readFileSync(`${path}.bak`, 'utf8'))).toEqual(good);
  });

  it('reports a JSON syntax error with the file it is in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"cameras": [');
    expect(() => ConfigStore.load(path, log)).toThrow(ConfigError);
    expect(() => ConfigStore.load(path, log)).toThrow(new RegExp(`${path}.*\\n.*not valid JSON`));
  });
});
