import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertFromSource, ensureModel, sha256Of } from './ensure-model.ts';
import { loadManifest } from './manifest.ts';

describe('nanodet conversion', () => {
  const manifest = loadManifest('nanodet');

  it('is deterministic and gives the sha256 the manifest pins', () => {
    const a = convertFromSource(manifest);
    const b = convertFromSource(manifest);
    expect(sha256Of(a)).toBe(sha256Of(b));
    expect(sha256Of(a)).toBe(manifest.sha256);
  });

  it('caches the converted file and refuses a cached file that was altered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'detect-cache-'));
    try {
      const { path } = ensureModel('nanodet', dir);
      expect(sha256Of(readFileSync(path))).toBe(manifest.sha256);
      const bytes = readFileSync(path);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      writeFileSync(path, bytes);
      expect(() => ensureModel('nanodet', dir)).toThrow(new RegExp(`^detect: model nanodet sha256 mismatch: expected ${manifest.sha256}, got [0-9a-f]{64}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the model when there is no manifest for an id', () => {
    expect(() => loadManifest('yolo-nope')).toThrow(/^detect: no model "yolo-nope"/);
  });
});
