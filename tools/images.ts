/** Real images for the detector tests: vtest.avi frames through ffmpeg, PNGs through sharp. */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { fixtures } from './fixtures.ts';
import type { RgbImage } from '../hub/detect/types.ts';

/** Frame `n` (0-based) of vtest.avi as rgb24. */
export function vtestFrame(n: number): RgbImage {
  const data = execFileSync(
    process.env.HUB_TEST_FFMPEG ?? 'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-i', fixtures.vtestAvi, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  if (data.length !== 768 * 576 * 3) throw new Error(`test: vtest frame ${n} came out as ${data.length} bytes`);
  return { width: 768, height: 576, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export async function readRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
