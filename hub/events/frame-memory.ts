/**
 * The last few seconds of each camera's detect frames, by capture time, so an event's best
 * picture is the very frame its box was found in (the recording's clock can be a second off the
 * detect stream's, which puts the box beside the person). References only: no copies.
 *
 * Frames are kept for `keepMs` behind the newest frame the pipeline has reported on (`reported`),
 * not behind the newest captured: on a loaded box the pipeline's report on a frame can come
 * seconds after its capture, and a window counted from capture had already let the frame go
 * (the snapshot then came from the recording at another moment). Bounded twice: at most
 * `maxFrames` per camera, and none older than `maxLagMs` behind the newest capture.
 */
import type { Frame } from '../cameras/frame.ts';

export class FrameMemory {
  private readonly rings = new Map<string, Frame[]>();
  private readonly reportedAt = new Map<string, number>();

  constructor(private readonly keepMs = 4000, private readonly maxFrames = 40, private readonly maxLagMs = 10_000) {}

  push(f: Frame): void {
    let ring = this.rings.get(f.cameraId);
    if (!ring) this.rings.set(f.cameraId, (ring = []));
    ring.push(f);
    this.trim(f.cameraId, ring);
  }

  /** The pipeline has reported on `cameraId`'s frame captured at `frameAt` (a TrackUpdate). */
  reported(cameraId: string, frameAt: number): void {
    this.reportedAt.set(cameraId, Math.max(frameAt, this.reportedAt.get(cameraId) ?? -Infinity));
    const ring = this.rings.get(cameraId);
    if (ring) this.trim(cameraId, ring);
  }

  /** The frame of `cameraId` captured at `at` (the TrackUpdate's frameAt), if still kept. */
  at(cameraId: string, at: number): Frame | undefined {
    const ring = this.rings.get(cameraId);
    if (!ring) return undefined;
    for (let i = ring.length - 1; i >= 0; i--) if (ring[i]!.capturedAt === at) return ring[i];
    return undefined;
  }

  /** Frames kept for `cameraId` (for tests and metrics). */
  size(cameraId: string): number {
    return this.rings.get(cameraId)?.length ?? 0;
  }

  forget(cameraId: string): void {
    this.rings.delete(cameraId);
    this.reportedAt.delete(cameraId);
  }

  private trim(cameraId: string, ring: Frame[]): void {
    const newest = ring[ring.length - 1]!.capturedAt;
    const reported = this.reportedAt.get(cameraId) ?? -Infinity;
    const old = (f: Frame): boolean => newest - f.capturedAt > this.maxLagMs || reported - f.capturedAt > this.keepMs;
    while (ring.length > this.maxFrames || (ring.length > 1 && old(ring[0]!))) ring.shift();
  }
}
