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

/** A hold taken, or refused with the reason (held share full, database full). */
export type HoldResult = { ok: true } | { ok: false; reason: string };

export interface RecordingService {
  /** Segments of `cameraId` overlapping [fromMs, toMs], oldest first. */
  segments(cameraId: string, fromMs: number, toMs: number): Segment[];
  segment(id: number): Segment | undefined;
  /**
   * Keeps retention off the camera's footage in [fromMs, toMs] until released, until `untilMs`,
   * or until recording.holdDays after it was first taken (whichever comes first; an open case
   * named by `keepHoldsWhile` keeps its hold past the days). `holder` names who holds it, e.g.
   * `event:123` or `export:abc`. A new holder is refused when held footage would pass
   * recording.maxHeldPercent of the volume, or when the hold cannot be written: the caller
   * must handle `{ ok: false }` (the refusal is already logged and raised on /api/health).
   */
  hold(holder: string, cameraId: string, fromMs: number, toMs: number, untilMs?: number): HoldResult;
  release(holder: string): void;
  /** Registers who says a holder's case is still open (its hold then outlives recording.holdDays). */
  keepHoldsWhile(fn: (holder: string) => boolean): () => void;
  /** Tells recording that a write failed for lack of space: a retention pass runs at once. */
  noSpace(owner: string, message: string): void;
  /** Resolves when the segment covering `atMs` has been written and indexed (or after `timeoutMs`). */
  waitForFootage(cameraId: string, atMs: number, timeoutMs: number): Promise<boolean>;
}

declare module '../context.ts' {
  interface HubServices {
    recordings: RecordingService;
  }
}
