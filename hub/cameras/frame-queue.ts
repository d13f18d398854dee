import type { Frame } from './frame.ts';

/**
 * A bounded async queue of frames: when the consumer is slower than the camera, the oldest
 * waiting frame is dropped (and counted), so memory never grows with load.
 */
export class FrameQueue implements AsyncIterableIterator<Frame> {
  private readonly items: Frame[] = [];
  private waiter?: (r: IteratorResult<Frame>) => void;
  private closed = false;
  dropped = 0;

  constructor(private readonly capacity: number, private readonly onDrop: () => void = () => {}) {
    if (capacity < 1) throw new Error('cameras: frame queue capacity must be at least 1');
  }

  push(frame: Frame): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: frame, done: false });
      return;
    }
    this.items.push(frame);
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
      this.onDrop();
    }
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  next(): Promise<IteratorResult<Frame>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<Frame>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
