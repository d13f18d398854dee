/**
 * Box and polygon maths for the pipeline stages. Pure: imports nothing from the hub.
 * Boxes are [x1, y1, x2, y2] in pixels, x2/y2 exclusive-ish (width = x2 - x1).
 */
import type { Box } from './types.ts';

export type Point = readonly [number, number];
export type Polygon = readonly Point[];

export function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function intersection(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

export function iou(a: Box, b: Box): number {
  const i = intersection(a, b);
  if (i === 0) return 0;
  return i / (area(a) + area(b) - i);
}

/** Fraction of `inner` that lies inside `outer`. */
export function coverage(inner: Box, outer: Box): number {
  const a = area(inner);
  return a === 0 ? 0 : intersection(inner, outer) / a;
}

export function union(a: Box, b: Box): Box {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

export function center(b: Box): Point {
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

/** Grows a box by `frac` of its size on each side. */
export function expand(b: Box, frac: number): Box {
  const dx = (b[2] - b[0]) * frac;
  const dy = (b[3] - b[1]) * frac;
  return [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy];
}

export function clampBox(b: Box, width: number, height: number): Box {
  return [Math.max(0, Math.min(width, b[0])), Math.max(0, Math.min(height, b[1])), Math.max(0, Math.min(width, b[2])), Math.max(0, Math.min(height, b[3]))];
}

/**
 * The square of side `side` centred on `b`, shifted (not shrunk) to stay inside the frame where it
 * fits; a side larger than the frame's dimension is centred on the frame on that axis.
 */
export function squareAround(b: Box, side: number, width: number, height: number): Box {
  const [cx, cy] = center(b);
  const place = (c: number, limit: number): number => {
    if (side >= limit) return (limit - side) / 2;
    return Math.max(0, Math.min(limit - side, c - side / 2));
  };
  const x = place(cx, width);
  const y = place(cy, height);
  return [x, y, x + side, y + side];
}

/** Even-odd rule point-in-polygon test. */
export function pointInPolygon(x: number, y: number, poly: Polygon): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Rasterises polygons (in a `srcW` x `srcH` frame's coordinates) onto a `w` x `h` grid: 1 where a
 * cell's centre falls inside any polygon.
 */
export function rasterizeMask(polys: readonly Polygon[], srcW: number, srcH: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const sx = srcW / w;
  const sy = srcH / h;
  for (const poly of polys) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (pointInPolygon((x + 0.5) * sx, (y + 0.5) * sy, poly)) out[y * w + x] = 1;
      }
    }
  }
  return out;
}

/** Greedy non-maximum suppression over items with a box and a score (per label when given). */
export function nms<T extends { box: Box; score: number; label?: string }>(items: T[], iouThreshold: number): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const it of sorted) {
    if (!kept.some((k) => k.label === it.label && (iou(k.box, it.box) > iouThreshold || coverage(it.box, k.box) > 0.85))) kept.push(it);
  }
  return kept;
}

/** p-th percentile (0..1) of the values, by nearest rank; NaN when empty. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
}

export function median(values: ArrayLike<number>): number {
  return percentile(values, 0.5);
}
