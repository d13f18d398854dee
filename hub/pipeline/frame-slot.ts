/**
 * A latest-value slot: holds at most one item. Putting into a full slot replaces (drops) the older
 * item and counts it, so a busy consumer never builds a queue and memory stays flat under load.
 */
export class LatestSlot<T> {
  private item: T | undefined;
  private droppedCount = 0;
  private putCount = 0;

  /** Stores `item`; returns the item it displaced, if any (already counted as dropped). */
  put(item: T): T | undefined {
    const old = this.item;
    this.item = item;
    this.putCount++;
    if (old !== undefined) this.droppedCount++;
    return old;
  }

  /** Removes and returns the item, if any. */
  take(): T | undefined {
    const it = this.item;
    this.item = undefined;
    return it;
  }

  peek(): T | undefined {
    return this.item;
  }

  get full(): boolean {
    return this.item !== undefined;
  }

  stats(): { put: number; dropped: number; holding: number } {
    return { put: this.putCount, dropped: this.droppedCount, holding: this.item === undefined ? 0 : 1 };
  }
}
