/**
 * The event's picture: one frame of the recorded footage at the best moment, with the object's
 * box and the rule's zone or line drawn on it (an SVG overlay composed by sharp), as JPEG.
 */
import sharp from 'sharp';
import type { Box } from '../../pipeline/index.ts';
import type { Segment } from '../../record/index.ts';
import { runFfmpeg } from './ffmpeg.ts';
import { fileInput } from '../../core/ffmpeg-input.ts';

export interface Overlay {
  /** Box in detect-frame pixels and the detect frame's size. */
  box?: Box | null;
  frame?: { width: number; height: number } | null;
  zone?: ReadonlyArray<readonly [number, number]>;
  line?: ReadonlyArray<readonly [number, number]>;
  caption?: string;
}

const esc = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The SVG drawn over a `width` x `height` picture. */
export function overlaySvg(width: number, height: number, o: Overlay): string {
  const parts: string[] = [];
  const stroke = Math.max(3, Math.round(width / 200));
  const pts = (p: ReadonlyArray<readonly [number, number]>): string => p.map(([x, y]) => `${(x * width).toFixed(1)},${(y * height).toFixed(1)}`).join(' ');
  if (o.zone) parts.push(`<polygon points="${pts(o.zone)}" fill="rgba(255,200,0,0.15)" stroke="#ffc800" stroke-width="${stroke}"/>`);
  if (o.line) parts.push(`<polyline points="${pts(o.line)}" fill="none" stroke="#00c8ff" stroke-width="${stroke * 1.5}"/>`);
  if (o.box && o.frame) {
    const sx = width / o.frame.width;
    const sy = height / o.frame.height;
    const [x1, y1, x2, y2] = o.box;
    parts.push(
      `<rect x="${(x1 * sx).toFixed(1)}" y="${(y1 * sy).toFixed(1)}" width="${((x2 - x1) * sx).toFixed(1)}" height="${((y2 - y1) * sy).toFixed(1)}" fill="none" stroke="#ff2020" stroke-width="${stroke}"/>`,
    );
  }
  if (o.caption) {
    const size = Math.max(12, Math.round(height / 30));
    parts.push(`<rect x="0" y="0" width="${width}" height="${size + 8}" fill="rgba(0,0,0,0.55)"/>`);
    parts.push(`<text x="6" y="${size}" font-family="sans-serif" font-size="${size}" fill="#ffffff">${esc(o.caption)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Draws the overlay on an encoded picture (PNG/JPEG) or raw RGB pixels and returns a JPEG. */
export async function annotate(picture: Buffer | { data: Buffer; width: number; height: number }, o: Overlay, quality = 85): Promise<Buffer> {
  const img = Buffer.isBuffer(picture) ? sharp(picture) : sharp(picture.data, { raw: { width: picture.width, height: picture.height, channels: 3 } });
  const { width, height } = Buffer.isBuffer(picture) ? await img.metadata() : picture;
  if (!width || !height) throw new Error('events: snapshot frame has no size');
  return img
    .composite([{ input: Buffer.from(overlaySvg(width, height, o)), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
}

/** Grabs the frame at `atMs` from the recorded segment that covers it, as PNG. */
export async function grabFrame(segments: readonly Segment[], atMs: number): Promise<Buffer> {
  const seg = segments.find((s) => s.startMs <= atMs && atMs < s.endMs) ?? segments.find((s) => s.startMs >= atMs) ?? segments[segments.length - 1];
  if (!seg) throw new Error(`events: no recorded footage at ${new Date(atMs).toISOString()} for the snapshot`);
  const offset = Math.max(0, Math.min(atMs - seg.startMs, seg.endMs - seg.startMs - 50) / 1000);
  // Output seeking (-ss after -i) decodes up to the exact frame; segments are short so it is cheap.
  const png = await runFfmpeg(
    ['-hide_banner', '-loglevel', 'error', ...fileInput(seg.path), '-ss', offset.toFixed(3), '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'],
    30_000,
  );
  if (png.length === 0) throw new Error(`events: ffmpeg gave no frame at ${offset.toFixed(1)} s in ${seg.path}`);
  return png;
}

/** Splits a stream of PNG images (ffmpeg's image2pipe) into single images. */
export function splitPngs(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = buf.indexOf('IEND', start);
    if (i < 0) break;
    out.push(buf.subarray(start, i + 8)); // 'IEND' then its 4-byte CRC
    start = i + 8;
  }
  return out;
}

/**
 * The recorded frame showing the same moment as a detect frame, at the recording's full
 * resolution (PNG). The recording's clock is placed on the detect frames' within a few hundred
 * ms (hub/cameras/stream-clock.ts), and a few hundred ms is a small person's width: so the frames
 * within ±windowMs are each brought to the detect size in grey and compared with the detect
 * frame's luma, and the closest wins. Undefined when none is close (mean absolute difference over
 * maxMad), so the caller keeps the detect frame.
 */
export async function matchRecordedFrame(
  segments: readonly Segment[],
  atMs: number,
  luma: Buffer,
  width: number,
  height: number,
  windowMs = 500,
  maxMad = 10,
): Promise<{ png: Buffer; mad: number; index: number; frames: number } | undefined> {
  const seg = segments.find((s) => s.startMs <= atMs && atMs < s.endMs);
  if (!seg) return undefined;
  const from = Math.max(0, atMs - windowMs - seg.startMs) / 1000;
  const pngs = splitPngs(
    await runFfmpeg(
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...fileInput(seg.path),
        '-ss',
        from.toFixed(3),
        '-t',
        ((2 * windowMs) / 1000).toFixed(3),
        '-f',
        'image2pipe',
        '-c:v',
        'png',
        '-',
      ],
      30_000,
    ),
  );
  let best: { png: Buffer; mad: number; index: number } | undefined;
  for (const [index, png] of pngs.entries()) {
    const grey = await sharp(png).resize(width, height, { fit: 'fill' }).greyscale().raw().toBuffer();
    let sum = 0;
    for (let i = 0; i < grey.length; i++) sum += Math.abs(grey[i]! - luma[i]!);
    const mad = sum / grey.length;
    if (!best || mad < best.mad) best = { png, mad, index };
  }
  return best && best.mad <= maxMad ? { ...best, frames: pngs.length } : undefined;
}
