/**
 * The last few seconds of each camera's detect frames, by capture time, so an event's best
 * picture is the very frame its box was found in (the recording's clock can be a second off the
 * detect stream's, which puts the box beside the person). References only: no copies.
 */
import type { Frame } from '../cameras/frame.ts';

export class FrameMemory {
  private readonly rings = new Map<string, Frame[]>();

  constructor(private readonly keepMs = 4000, private readonly maxFrames = 60) {}

  push(f: Frame): void {
    let ring = this.rings.get(f.cameraId);
    if (!ring) this.rings.set(f.cameraId, (ring = []));
    ring.push(f);
    while (ring.length > this.maxFrames || (ring.length > 1 && f.capturedAt - ring[0]!.capturedAt > this.keepMs)) ring.shift();
  }

  /** The frame of `cameraId` captured at `at` (the TrackUpdate's frameAt), if still kept. */
  at(cameraId: string, at: number): Frame | undefined {
    const ring = this.rings.get(cameraId);
    if (!ring) return undefined;
    for (let i = ring.length - 1; i >= 0; i--) if (ring[i]!.capturedAt === at) return ring[i];
    return undefined;
  }

  forget(cameraId: string): void {
    this.rings.delete(cameraId);
  }
}
