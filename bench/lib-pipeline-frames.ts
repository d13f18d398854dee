/** Decodes footage to raw yuv420p frames with ffmpeg (the detect stream's format), for tests and the benchmark. */
import { execFileSync } from 'node:child_process';
import { frameBytes, type Frame } from '../hub/lib/frame.ts';

export function ffmpegBin(): string {
  return process.env.FFMPEG_PATH ?? 'ffmpeg';
}

/**
 * All frames of `file` from `startSec` for `seconds`, at `fps`, scaled to width x height.
 * `inputArgs` go before `-i` (decoder options: LIVE_DECODE gives the live cameras' frames).
 */
export function decodeFrames(
  file: string,
  opts: { width: number; height: number; fps: number; startSec?: number; seconds: number; filter?: string; inputArgs?: readonly string[] },
): Buffer[] {
  const vf = [`fps=${opts.fps}`, `scale=${opts.width}:${opts.height}`, ...(opts.filter ? [opts.filter] : [])].join(',');
  const out = execFileSync(
    ffmpegBin(),
    [
      '-v',
      'error',
      '-ss',
      String(opts.startSec ?? 0),
      '-t',
      String(opts.seconds),
      ...(opts.inputArgs ?? []),
      '-i',
      file,
      '-vf',
      vf,
      '-pix_fmt',
      'yuv420p',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { maxBuffer: 1 << 30 },
  );
  const size = frameBytes(opts.width, opts.height, 'yuv420p');
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= out.length; o += size) frames.push(Buffer.from(out.subarray(o, o + size)));
  return frames;
}

export function asFrame(cameraId: string, seq: number, data: Buffer, width: number, height: number, capturedAt: number): Frame {
  return { cameraId, seq, capturedAt, width, height, format: 'yuv420p', data };
}
