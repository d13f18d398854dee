import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Segment } from '../../hub/record/service.ts';
import { concatList, cutClip } from '../../hub/events/evidence/clip.ts';
import { annotate, grabFrame } from '../../hub/events/evidence/snapshot.ts';
import { loadOrCreateSigningKey } from '../../hub/core/signing-key.ts';
import { writeExport, verifyExport } from '../../hub/events/evidence/export.ts';
import { runEventsCli } from '../../hub/events/cli.ts';
import { sha256File } from '../../hub/core/files.ts';
import { probeDuration, recordVtest } from './segments.ts';

const T0 = Date.parse('2025-03-03T15:30:00Z');
let dir: string;
let segs: Segment[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'events-evidence-'));
  segs = recordVtest(join(dir, 'rec'), T0, 30, 10);
});

describe('clip', () => {
  it('seeks inside the first and last segments of the concat list', () => {
    const list = concatList(
      [
        { path: '/r/a.mp4', startMs: 0, endMs: 10_000 },
        { path: "/r/it's.mp4", startMs: 10_000, endMs: 20_000 },
      ],
      7_500,
      16_500,
    );
    expect(list).toBe("file '/r/a.mp4'\ninpoint 7.500\nfile '/r/it'\\''s.mp4'\noutpoint 6.800\n");
  });
  it('cuts a playable clip across segments that covers the asked range', async () => {
    const clip = await cutClip(segs, T0 + 7_500, T0 + 16_500, join(dir, 'clip.mp4'));
    const d = probeDuration(clip.path);
    // Stream copy starts on the keyframe before 7.5 s (1 s GOP): at least 9 s, at most ~10.5 s.
    expect(d).toBeGreaterThanOrEqual(8.9);
    expect(d).toBeLessThan(10.6);
    expect(clip.sha256).toBe(await sha256File(clip.path));
  });
  it('fails with an events: message when there is no footage', async () => {
    await expect(cutClip([], T0, T0 + 1000, join(dir, 'none.mp4'))).rejects.toThrow(/^events: no recorded footage/);
  });
});

describe('snapshot', () => {
  it('draws the box and zone on the recorded frame', async () => {
    const frame = await grabFrame(segs, T0 + 12_000);
    const raw = await sharp(frame).metadata();
    expect([raw.width, raw.height]).toEqual([768, 576]);
    // A box in detect coordinates (384x288, half size) drawn in red on the full-size frame.
    const jpeg = await annotate(frame, {
      box: [100, 100, 150, 200],
      frame: { width: 384, height: 288 },
      zone: [
        [0.6, 0.6],
        [0.9, 0.6],
        [0.9, 0.9],
      ],
    });
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number): number[] => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    const [r, g, b] = px(200, 300); // left edge of the box: x = 100 * 2, y between 200 and 400
    expect(r).toBeGreaterThan(180);
    expect(g! + b!).toBeLessThan(200);
  });
});

describe('export', () => {
  it('verifies with the documented command, and fails when one byte of the clip changes', async () => {
    const key = loadOrCreateSigningKey(join(dir, 'data'));
    expect(statSync(join(dir, 'data', 'keys', 'hub-ed25519.key')).mode & 0o777).toBe(0o600);
    const clip = await cutClip(segs, T0, T0 + 5_000, join(dir, 'c2.mp4'));
    const files = [
      { name: 'clip.mp4', data: readFileSync(clip.path) },
      { name: 'event.json', data: Buffer.from('{"id":1}') },
    ];
    for (const format of ['zip', 'folder'] as const) {
      const x = writeExport(join(dir, 'exports'), { hub: 'test', eventId: 1, createdBy: 'user:lan', files }, key, format);
      const lines: string[] = [];
      expect(await runEventsCli(['verify', x.path, '--fingerprint', key.fingerprint], (s) => lines.push(s))).toBe(0);
      expect(lines.join('')).toContain('VERIFIED');
      // Flip one byte in the middle of the clip.
      const clipPath = format === 'zip' ? x.path : join(x.path, 'clip.mp4');
      const buf = readFileSync(clipPath);
      const at = format === 'zip' ? 30 + 'clip.mp4'.length + 1000 : 1000;
      buf[at] = buf[at]! ^ 0x01;
      writeFileSync(clipPath, buf);
      const after: string[] = [];
      expect(await runEventsCli(['verify', x.path], (s) => after.push(s))).toBe(1);
      expect(after.join('')).toMatch(/clip\.mp4: content differs/);
    }
  });
  it('refuses an export signed by another key when the hub fingerprint is given', () => {
    const key = loadOrCreateSigningKey(join(dir, 'other'));
    const x = writeExport(join(dir, 'exports2'), { hub: 't', eventId: 2, createdBy: 'u', files: [{ name: 'a.txt', data: Buffer.from('a') }] }, key, 'zip');
    expect(verifyExport(x.path).ok).toBe(true);
    expect(verifyExport(x.path, 'ab'.repeat(32)).ok).toBe(false);
  });
});
