/** vtest.avi frames for calibration and the quantization experiment, decoded by one ffmpeg call. */
import { execFileSync } from 'node:child_process';
import { fixtures } from '../../tools/fixtures.ts';
import type { RgbImage } from '../../hub/detect/types.ts';

const W = 768;
const H = 576;

/** Frames `numbers` (0-based, ascending) of vtest.avi as rgb24, in that order. */
export function vtestFrames(numbers: readonly number[]): RgbImage[] {
  const sorted = [...numbers].sort((a, b) => a - b);
  if (sorted.some((n, k) => n !== numbers[k])) throw new Error('quantize: frame numbers must be ascending');
  const select = numbers.map((n) => `eq(n\\,${n})`).join('+');
  const data = execFileSync(
    process.env.HUB_TEST_FFMPEG ?? 'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      fixtures.vtestAvi,
      '-vf',
      `select=${select}`,
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { maxBuffer: numbers.length * W * H * 3 + 1024 },
  );
  const size = W * H * 3;
  if (data.length !== numbers.length * size) throw new Error(`quantize: ${numbers.length} vtest frames came out as ${data.length} bytes`);
  return numbers.map((_, k) => ({ width: W, height: H, data: new Uint8Array(data.buffer, data.byteOffset + k * size, size) }));
}

/** The calibration frames: 32 spread over the 795-frame clip, none of the annotated test frames (150, 400, 700). */
export const CALIBRATION_FRAMES: readonly number[] = Array.from({ length: 32 }, (_, k) => 12 + 25 * k);
