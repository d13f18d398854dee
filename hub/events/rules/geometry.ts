/**
 * Plane geometry for rules, in normalised frame coordinates (0..1, y down). Pure: no I/O.
 */
import type { Box } from '../../pipeline/index.ts';
import { frameToPicture, type FrameContent } from '../../lib/frame-geometry.ts';

export type Pt = readonly [number, number];

/** Ray casting; points on an edge count as inside often enough for zone rules. */
export function pointInPolygon(p: Pt, poly: readonly Pt[]): boolean {
  let inside = false;
  const [x, y] = p;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Sign of the cross product (b - a) x (p - a): > 0 right of A→B in image coordinates (y down). */
export function side(a: Pt, b: Pt, p: Pt): number {
  return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
}

/**
 * Whether the move p→q crosses the segment A→B, and in which direction: 'a-b' when the object
 * goes from the left of A→B to its right (y down, so "right" is clockwise), 'b-a' the other way.
 */
export function crossing(a: Pt, b: Pt, p: Pt, q: Pt): 'a-b' | 'b-a' | undefined {
  const sp = side(a, b, p);
  const sq = side(a, b, q);
  if (sp === 0 || sq === 0 || sp > 0 === sq > 0) return undefined;
  // The line A→B must also be crossed within its ends: A and B on opposite sides of p→q.
  const sa = side(p, q, a);
  const sb = side(p, q, b);
  if (sa > 0 === sb > 0 && sa !== 0 && sb !== 0) return undefined;
  return sp < 0 ? 'a-b' : 'b-a';
}

/** The point that stands for an object on the ground plane: the bottom centre of its box. */
export function anchor(box: Box, width: number, height: number): Pt {
  return [(box[0] + box[2]) / 2 / width, box[3] / height];
}

/**
 * The frame a box was found on: its size and, for a letterboxed or cropped detect stream, which
 * part of it is picture (the frame's `content`, hub/cameras/frame-geometry.ts). A track report
 * fits it: it carries the very frame its boxes were found on.
 */
export interface FrameView {
  frameWidth: number;
  frameHeight: number;
  frame?: { content?: FrameContent };
}

/**
 * The anchor as a fraction of the camera picture, where zones and lines are drawn. The same as
 * `anchor` on a frame that is the whole picture; on a letterboxed or cropped one, the bars are no
 * part of the picture and the cut-off edges are (issue 13).
 */
export function pictureAnchor(box: Box, view: FrameView): Pt {
  return frameToPicture([(box[0] + box[2]) / 2, box[3]], view.frameWidth, view.frameHeight, view.frame?.content);
}

/** Box centre, normalised. */
export function centre(box: Box, width: number, height: number): Pt {
  return [(box[0] + box[2]) / 2 / width, (box[1] + box[3]) / 2 / height];
}

export function distance(p: Pt, q: Pt): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1]);
}
