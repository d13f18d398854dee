import { execFile } from 'node:child_process';
import { fileInput } from '../core/ffmpeg-input.ts';

function run(bin: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

/**
 * The playable duration of a media file in seconds, read by ffmpeg itself (the hub ships no
 * ffprobe), or undefined when ffmpeg cannot open it.
 */
export async function probeDuration(ffmpeg: string, file: string): Promise<number | undefined> {
  const { stderr } = await run(ffmpeg, ['-hide_banner', ...fileInput(file)]);
  const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  if (!m || !/Stream #\d+:\d+.*Video/.test(stderr)) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * Rewrites a segment cut short by a crash into a clean fragmented MP4 holding every whole
 * fragment it had. Resolves true when the result exists and ffmpeg reported no failure.
 */
export async function remuxSegment(ffmpeg: string, input: string, output: string): Promise<boolean> {
  const { code } = await run(ffmpeg, [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    ...fileInput(input),
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-movflags',
    '+frag_keyframe+empty_moov+default_base_moof',
    '-f',
    'mp4',
    output,
  ]);
  return code === 0;
}
