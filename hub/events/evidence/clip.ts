/**
 * Event clips cut from recorded segments by stream copy (no re-encode): the concat demuxer over
 * the fMP4 segments, an input seek to the pre-roll and a duration. With stream copy the cut
 * starts on the keyframe before the seek point, so a clip covers at least the asked range.
 */
import { rmSync, writeFileSync, statSync } from 'node:fs';
import type { Segment } from '../../record/index.ts';
import { runFfmpeg } from './ffmpeg.ts';
import { fileInput } from '../../core/ffmpeg-input.ts';
import { commitFile, sha256File, tempBeside } from '../../core/files.ts';

/**
 * The concat list for the clip [fromMs, toMs]: the first file gets an `inpoint` and the last an
 * `outpoint`. Seeking the concat input itself fails on fragmented MP4 (ffmpeg reads from the
 * start), while `inpoint` seeks inside the file and, with stream copy, starts on the keyframe
 * at or before it, so the clip covers at least the asked range.
 */
export function concatList(segments: readonly Pick<Segment, 'path' | 'startMs' | 'endMs'>[], fromMs: number, toMs: number): string {
  const quote = (p: string): string => `'${p.replace(/'/g, "'\\''")}'`;
  return segments
    .map((s, i) => {
      let text = `file ${quote(s.path)}\n`;
      if (i === 0 && fromMs > s.startMs) text += `inpoint ${((fromMs - s.startMs) / 1000).toFixed(3)}\n`;
      if (i === segments.length - 1 && toMs < s.endMs) text += `outpoint ${((toMs - s.startMs) / 1000 + OUT_MARGIN_S).toFixed(3)}\n`;
      return text;
    })
    .join('');
}

/** A little past the end, so the last asked frame is in whatever the container's start offset. */
const OUT_MARGIN_S = 0.3;

/** ffmpeg arguments that copy the concat list's range into `outPath`. */
export function clipArgs(listPath: string, outPath: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    // `-safe 0` takes absolute paths; the whitelist keeps every listed name a local file.
    ...fileInput(listPath, ['-f', 'concat', '-safe', '0']),
    '-map',
    '0:v:0',
    '-map',
    '0:a?',
    '-c',
    'copy',
    '-avoid_negative_ts',
    'make_zero',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    outPath,
  ];
}

export interface CutClip {
  path: string;
  bytes: number;
  sha256: string;
  fromMs: number;
  toMs: number;
}

/** Cuts the clip to `outPath` through a temp file; hashes the file that landed. */
export async function cutClip(segments: readonly Segment[], fromMs: number, toMs: number, outPath: string): Promise<CutClip> {
  if (segments.length === 0) throw new Error('events: no recorded footage for the clip');
  const sorted = [...segments].filter((s) => s.endMs > fromMs && s.startMs < toMs).sort((a, b) => a.startMs - b.startMs);
  if (sorted.length === 0) throw new Error("events: no recorded footage in the clip's range");
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const listPath = tempBeside(`${outPath}.txt`);
  const tmp = tempBeside(outPath);
  try {
    writeFileSync(listPath, concatList(sorted, fromMs, toMs));
    await runFfmpeg(clipArgs(listPath, tmp), 120_000);
    commitFile(tmp, outPath);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    rmSync(listPath, { force: true });
  }
  return {
    path: outPath,
    bytes: statSync(outPath).size,
    sha256: await sha256File(outPath),
    fromMs: Math.max(fromMs, first.startMs),
    toMs: Math.min(toMs, last.endMs),
  };
}
