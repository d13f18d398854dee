import type { FrameContent } from './frame-geometry.ts';

/**
 * A decoded frame of a camera's detect stream, as ffmpeg writes it on stdout.
 * yuv420p: the Y plane (width*height bytes, the grey image motion works on) then U and V planes
 * at quarter size each; rgb24: width*height*3 bytes, row-major.
 */
export type PixelFormat = 'yuv420p' | 'rgb24';

export interface Frame {
  cameraId: string;
  /** Frame number since this camera's ffmpeg child started. */
  seq: number;
  /** Wall-clock ms (epoch) when the whole frame had arrived from ffmpeg: the capture time the pipeline's latency is measured from. */
  capturedAt: number;
  /** This frame's own size: the camera's detect box only where the picture fills it (frame-geometry.ts). */
  width: number;
  height: number;
  /**
   * Which part of the frame is picture, and which part of the picture it shows (a letterboxed or
   * cropped detect stream). Absent: the frame is the whole picture. Zones and masks drawn on the
   * picture map through it (frame-geometry.ts `pictureToFrame`).
   */
  content?: FrameContent;
  format: PixelFormat;
  data: Buffer;
}

export function frameBytes(width: number, height: number, format: PixelFormat): number {
  return format === 'rgb24' ? width * height * 3 : width * height + 2 * ((width >> 1) * (height >> 1));
}

/** The grey (luma) plane of a yuv420p frame, without copying. */
export function lumaPlane(frame: Frame): Buffer {
  if (frame.format !== 'yuv420p') throw new Error(`cameras: frame of ${frame.cameraId} is ${frame.format}, not yuv420p`);
  return frame.data.subarray(0, frame.width * frame.height);
}
