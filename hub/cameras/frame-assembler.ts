/**
 * Cuts ffmpeg's raw video byte stream into whole frames. Pipes deliver arbitrary chunk sizes,
 * so a frame may span chunks and a chunk may hold several frames; each frame gets its own buffer
 * (the pipeline keeps frames after the next chunk arrives).
 */
export class FrameAssembler {
  private current: Buffer;
  private filled = 0;

  constructor(readonly frameSize: number) {
    if (!Number.isInteger(frameSize) || frameSize <= 0) throw new Error(`cameras: frame size must be a positive integer, got ${frameSize}`);
    this.current = Buffer.allocUnsafe(frameSize);
  }

  /** Feeds one chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameSize - this.filled, chunk.length - offset);
      chunk.copy(this.current, this.filled, offset, offset + take);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSize) {
        done.push(this.current);
        this.current = Buffer.allocUnsafe(this.frameSize);
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
