/**
 * Maps an ffmpeg run's stream time (seconds since its output started) to wall-clock ms.
 *
 * The detect output's fps filter emits frame n at stream time n/fps, and the segment list gives
 * segments' start and end in the same stream time. Each frame's arrival gives one estimate of the
 * offset (arrival - n/fps); arrival is only ever late (pipes, scheduling), so the smallest recent
 * estimate is the best one, and a sliding window lets it follow slow drift of a camera's clock.
 * Segments placed with it line up with the frames the pipeline saw, so an event's snapshot and
 * its clip show the same moment.
 */
export class StreamClock {
  private readonly window: Array<{ seq: number; offset: number }> = [];
  /** Where the last placed segment ended, in stream seconds and wall-clock ms. */
  private lastSegmentEnd: { stream: number; wall: number } | undefined;

  constructor(
    private readonly fps: number,
    private readonly windowFrames = 50,
  ) {}

  /** Records that frame `seq` of this run arrived at `arrivedMs`. */
  observe(seq: number, arrivedMs: number): void {
    const offset = arrivedMs - (seq * 1000) / this.fps;
    // Monotonic deque: keep only candidates that could still be the minimum.
    while (this.window.length > 0 && this.window.at(-1)!.offset >= offset) this.window.pop();
    this.window.push({ seq, offset });
    while (this.window[0]!.seq <= seq - this.windowFrames) this.window.shift();
  }

  /** Wall-clock ms of stream time `t` seconds, or undefined before the first frame. */
  wallAt(t: number): number | undefined {
    const best = this.window[0];
    return best === undefined ? undefined : Math.round(best.offset + t * 1000);
  }

  /**
   * Wall-clock start and end of the segment covering stream time `start`..`end` seconds, or
   * undefined before the first frame. The estimate of the offset moves between segments (a good
   * arrival leaves the window, a better one comes), so placing each end on its own would open a
   * gap or an overlap between segments whose stream times abut: footage at that moment would seem
   * missing. A segment that starts where the last one ended starts where that one was placed.
   */
  placeSegment(start: number, end: number): { startMs: number; endMs: number } | undefined {
    const endAt = this.wallAt(end);
    if (endAt === undefined) return undefined;
    const prev = this.lastSegmentEnd;
    const abuts = prev !== undefined && Math.abs(start - prev.stream) < ABUTS_WITHIN_S;
    const startMs = abuts ? prev.wall : endAt - Math.round((end - start) * 1000);
    const endMs = Math.max(endAt, startMs + 1);
    this.lastSegmentEnd = { stream: end, wall: endMs };
    return { startMs, endMs };
  }
}

/** Stream times closer than this are the same instant (the segment list prints microseconds). */
const ABUTS_WITHIN_S = 0.002;
