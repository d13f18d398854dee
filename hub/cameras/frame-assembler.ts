/**
 * Cuts ffmpeg's raw video byte stream into whole frames. Pipes deliver arbitrary chunk sizes,
 * so a frame may span chunks and a chunk may hold several frames; each frame gets its own buffer
 * (the pipeline keeps frames after the next chunk arrives).
 */
export class FrameAssembler {
  /** The frame being filled; allocated when its first bytes arrive, so an idle camera holds none. */
  private current: Buffer | undefined;
  private filled = 0;

  constructor(readonly frameSize: number) {
    if (!Number.isInteger(frameSize) || frameSize <= 0) throw new Error(`cameras: frame size must be a positive integer, got ${frameSize}`);
  }

  /** Feeds one chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const current = (this.current ??= Buffer.allocUnsafe(this.frameSize));
      const take = Math.min(this.frameSize - this.filled, chunk.length - offset);
      chunk.copy(current, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSize) {
        done.push(current);
        this.current = undefined;
        this.filled = 0;
      }
    }
    return done;
  }

  /** Bytes of an unfinished frame (dropped when ffmpeg exits mid-frame). */
  get pending(): number {
    return this.filled;
  }
}
