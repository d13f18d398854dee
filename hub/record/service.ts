/** What the recording module offers: the index of recorded segments, and holds against retention. */
export interface Segment {
  id: number;
  cameraId: string;
  /** Epoch ms. */
  startMs: number;
  endMs: number;
  bytes: number;
  /** Absolute path of the MP4 file (fragmented MP4, H.264 stream copy). */
  path: string;
}

export interface RecordingService {
  /** Segments of `cameraId` overlapping [fromMs, toMs], oldest first. */
  segments(cameraId: string, fromMs: number, toMs: number): Segment[];
  segment(id: number): Segment | undefined;
  /**
   * Keeps retention off the camera's footage in [fromMs, toMs] until released (or until
   * `untilMs`). `holder` names who holds it, e.g. `event:123` or `export:abc`.
   */
  hold(holder: string, cameraId: string, fromMs: number, toMs: number, untilMs?: number): void;
  release(holder: string): void;
  /** Resolves when the segment covering `atMs` has been written and indexed (or after `timeoutMs`). */
  waitForFootage(cameraId: string, atMs: number, timeoutMs: number): Promise<boolean>;
}

declare module '../context.ts' {
  interface HubServices {
    recordings: RecordingService;
  }
}
