/**
 * How a camera's picture becomes its detect frames, and how a point of one maps onto the other.
 * The one place that knows it: the runner plans a run's frame size here, ffmpeg-args turns the
 * plan into its filter, and whatever applies a zone or a mask drawn on the camera picture (events
 * rules, motion masks) maps it through `pictureToFrame` / `frameToPicture`. Pure: no I/O.
 *
 * A 4:3 camera (768x576) squeezed into 640x360 made people a third wider than they are, relative
 * to their height, and the detector (trained on true proportions) saw them so (issue 13).
 */

/** How the picture fits the configured detect box (`cameras[i].detect.width x height`). */
export const DETECT_FITS = ['scale', 'letterbox', 'crop', 'stretch'] as const;
export type DetectFit = (typeof DETECT_FITS)[number];

export interface Size {
  width: number;
  height: number;
}

/** A rectangle, x and y its top-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Which part of a frame is picture, and which part of the picture it shows. `inFrame` is in frame
 * pixels; `ofPicture` in fractions of the camera picture (0..1, y down). A letterboxed frame shows
 * the whole picture in a band (`inFrame` smaller than the frame); a cropped one shows its centre
 * on the whole frame (`ofPicture` smaller than 1). Absent on a frame: the frame is the picture.
 */
export interface FrameContent {
  inFrame: Rect;
  ofPicture: Rect;
}

/** The camera's own picture as the probe found it. */
export interface SourceSize extends Size {
  /** Display aspect (width / height) where the pixels are not square (SAR ≠ 1:1), e.g. 720x576 shown as 16:9. */
  aspect?: number;
}

/** One ffmpeg run's detect frames: their size, and how the picture lies in them. */
export interface DetectGeometry extends Size {
  /** The fit applied: the configured one, or 'stretch' when the picture's shape is not known. */
  fit: DetectFit;
  /** The size the picture is scaled to before it is padded ('letterbox') or cropped ('crop'). */
  scaled: Size;
  content: FrameContent;
}

type Pt = readonly [number, number];

const WHOLE: Rect = { x: 0, y: 0, width: 1, height: 1 };

/** yuv420p has one chroma sample per 2x2 pixels: sizes and offsets stay even. */
const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));
const evenFloor = (v: number): number => Math.max(0, 2 * Math.floor(v / 2));

/**
 * Plans the detect frames of a run: the configured box `box` (width x height), how the picture is
 * to fit it, and the source's size (undefined when the probe could not tell: the frames are then
 * the box, stretched as before issue 13, since nothing else keeps a fixed, known frame size).
 */
export function detectGeometry(box: Size, fit: DetectFit, source?: SourceSize): DetectGeometry {
  const whole = (fitted: DetectFit): DetectGeometry => ({
    width: box.width,
    height: box.height,
    fit: fitted,
    scaled: { ...box },
    content: { inFrame: { x: 0, y: 0, ...box }, ofPicture: { ...WHOLE } },
  });
  if (fit === 'stretch' || !source) return whole('stretch');
  const aspect = source.aspect ?? source.width / source.height;
  const wider = aspect > box.width / box.height;
  if (fit === 'crop') {
    // Cover the box, then keep its centre.
    const scaled = wider
      ? { width: Math.max(box.width, even(box.height * aspect)), height: box.height }
      : { width: box.width, height: Math.max(box.height, even(box.width / aspect)) };
    const x = evenFloor((scaled.width - box.width) / 2);
    const y = evenFloor((scaled.height - box.height) / 2);
    return {
      width: box.width,
      height: box.height,
      fit,
      scaled,
      content: {
        inFrame: { x: 0, y: 0, ...box },
        ofPicture: { x: x / scaled.width, y: y / scaled.height, width: box.width / scaled.width, height: box.height / scaled.height },
      },
    };
  }
  // Fit inside the box.
  const scaled = wider
    ? { width: box.width, height: Math.min(box.height, even(box.width / aspect)) }
    : { width: Math.min(box.width, even(box.height * aspect)), height: box.height };
  if (fit === 'scale') {
    return { ...scaled, fit, scaled, content: { inFrame: { x: 0, y: 0, ...scaled }, ofPicture: { ...WHOLE } } };
  }
  const x = evenFloor((box.width - scaled.width) / 2);
  const y = evenFloor((box.height - scaled.height) / 2);
  return { width: box.width, height: box.height, fit, scaled, content: { inFrame: { x, y, ...scaled }, ofPicture: { ...WHOLE } } };
}

/** The ffmpeg video filter after `fps=`: scale, then pad or crop to the frame. */
export function detectFilter(g: DetectGeometry): string {
  const scale = `scale=${g.scaled.width}:${g.scaled.height}`;
  // A picture of the box's own shape needs neither bars nor a cut.
  if (g.scaled.width === g.width && g.scaled.height === g.height) return scale;
  if (g.fit === 'letterbox') return `${scale},pad=${g.width}:${g.height}:${g.content.inFrame.x}:${g.content.inFrame.y}`;
  if (g.fit === 'crop') {
    const x = Math.round(g.content.ofPicture.x * g.scaled.width);
    const y = Math.round(g.content.ofPicture.y * g.scaled.height);
    return `${scale},crop=${g.width}:${g.height}:${x}:${y}`;
  }
  return scale;
}

/** What a run's frames carry as their content: nothing where the frame is the whole picture. */
export function frameContent(g: DetectGeometry): FrameContent | undefined {
  const { inFrame, ofPicture } = g.content;
  const whole = inFrame.width === g.width && inFrame.height === g.height && ofPicture.width === 1 && ofPicture.height === 1;
  return whole ? undefined : g.content;
}

/** The content of a `width` x `height` frame that carries none: the whole frame is the whole picture. */
function contentOf(width: number, height: number, content: FrameContent | undefined): FrameContent {
  return content ?? { inFrame: { x: 0, y: 0, width, height }, ofPicture: WHOLE };
}

/** A point of a `width` x `height` frame (pixels) as a fraction of the camera picture. */
export function frameToPicture(p: Pt, width: number, height: number, content?: FrameContent): [number, number] {
  const { inFrame: f, ofPicture: o } = contentOf(width, height, content);
  return [o.x + ((p[0] - f.x) / f.width) * o.width, o.y + ((p[1] - f.y) / f.height) * o.height];
}

/** A point given as a fraction of the camera picture, in pixels of a `width` x `height` frame. */
export function pictureToFrame(p: Pt, width: number, height: number, content?: FrameContent): [number, number] {
  const { inFrame: f, ofPicture: o } = contentOf(width, height, content);
  return [f.x + ((p[0] - o.x) / o.width) * f.width, f.y + ((p[1] - o.y) / o.height) * f.height];
}

/** What an installer sees of a camera's video in its state (/api/cameras). */
export interface CameraVideo {
  /** The camera's picture as probed at the last start; null when the probe failed. */
  source: SourceSize | null;
  /** The detect frames of the running ffmpeg. */
  detect: Size;
  fit: DetectFit;
  content: FrameContent;
  /** Why the frames may not keep the picture's shape (a failed probe). */
  note?: string;
}
