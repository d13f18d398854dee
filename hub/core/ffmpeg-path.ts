import { createRequire } from 'node:module';

/** The ffmpeg binary: HUB_FFMPEG if set, else the static build from @ffmpeg-installer/ffmpeg. */
export function ffmpegPath(): string {
  if (process.env.HUB_FFMPEG) return process.env.HUB_FFMPEG;
  const require = createRequire(import.meta.url);
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}
