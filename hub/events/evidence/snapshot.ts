/**
 * The event's picture: one frame of the recorded footage at the best moment, with the object's
 * box and the rule's zone or line drawn on it (an SVG overlay composed by sharp), as JPEG.
 */
import sharp from 'sharp';
import type { Box } from '../../pipeline/types.ts';
import type { Segment } from '../../record/service.ts';
import { runFfmpeg } from './ffmpeg.ts';

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
    parts.push(`<rect x="${(x1 * sx).toFixed(1)}" y="${(y1 * sy).toFixed(1)}" width="${((x2 - x1) * sx).toFixed(1)}" height="${((y2 - y1) * sy).toFixed(1)}" fill="none" stroke="#ff2020" stroke-width="${stroke}"/>`);
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
  return img.composite([{ input: Buffer.from(overlaySvg(width, height, o)), top: 0, left: 0 }]).jpeg({ quality }).toBuffer();
}

/** Grabs the frame at `atMs` from the recorded segment that covers it, as PNG. */
export async function grabFrame(segments: readonly Segment[], atMs: number): Promise<Buffer> {
  const seg = segments.find((s) => s.startMs <= atMs && atMs < s.endMs) ?? segments.find((s) => s.startMs >= atMs) ?? segments[segments.length - 1];
  if (!seg) throw new Error(`events: no recorded footage at ${new Date(atMs).toISOString()} for the snapshot`);
  const offset = Math.max(0, Math.min(atMs - seg.startMs, seg.endMs - seg.startMs - 50) / 1000);
  // Output seeking (-ss after -i) decodes up to the exact frame; segments are short so it is cheap.
  const png = await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-i', seg.path, '-ss', offset.toFixed(3), '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'], 30_000);
  if (png.length === 0) throw new Error(`events: ffmpeg gave no frame at ${offset.toFixed(1)} s in ${seg.path}`);
  return png;
}
