/** `npm run detect` as a script would use it: stdout must parse as JSON. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixtures } from '../../tools/fixtures.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

describe('npm run detect', () => {
  it('with --silent and --json prints exactly one JSON array on stdout, logs on stderr', async () => {
    const out = mkdtempSync(join(tmpdir(), 'detect-cli-'));
    try {
      const { stdout } = await run('npm', ['run', '--silent', 'detect', '--', fixtures.motorcycle, fixtures.coffee, '--json', '--out', out], { cwd: root });
      const parsed = JSON.parse(stdout) as Array<{ file: string; detections: Array<{ label: string; score: number; box: number[] }> }>;
      expect(parsed.map((r) => r.file)).toEqual([fixtures.motorcycle, fixtures.coffee]);
      const moto = parsed[0]!.detections.find((d) => d.label === 'motorcycle');
      expect(moto?.box).toHaveLength(4);
      expect(Object.keys(moto!).sort()).toEqual(['box', 'label', 'score']);
      expect(parsed[1]!.detections).toEqual([]);
      // --out wrote an annotated JPEG per image, at the image's own size.
      expect(readdirSync(out).sort()).toEqual(['coffee.detect.jpg', 'motorcycle_right.detect.jpg']);
      const meta = await sharp(join(out, 'motorcycle_right.detect.jpg')).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 741, 500]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('exits 1 with the reason on stderr when the model cannot load', async () => {
    const err = await run('node', ['bin/hub.mjs', 'detect', fixtures.coffee, '--json', '--model', '/nope/model.onnx', '--family', 'yolo'], { cwd: root }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 1, stdout: '' });
    expect((err as { stderr: string }).stderr).toMatch(/^detect: model file \/nope\/model\.onnx not found/m);
  });
});
