/**
 * The live feed of new and updated events for the UI (server-sent events). Each client has a
 * bounded queue: a client slower than the events loses the oldest messages, counted, and the
 * hub never grows memory for it.
 */
import type { SecurityEvent } from './store.ts';

export interface StreamMessage {
  type: 'new' | 'updated' | 'ended' | 'media';
  event: SecurityEvent;
  /** Epoch ms when the hub published it (latency measurements). */
  sentAt: number;
}

export class StreamClient {
  private readonly queue: StreamMessage[] = [];
  private wake?: () => void;
  closed = false;
  dropped = 0;

  constructor(private readonly capacity: number, private readonly onDrop: () => void) {}

  push(m: StreamMessage): void {
    if (this.closed) return;
    if (this.queue.length >= this.capacity) {
      this.queue.shift();
      this.dropped++;
      this.onDrop();
    }
    this.queue.push(m);
    this.wake?.();
  }

  /** The next message, or undefined once closed. */
  async next(): Promise<StreamMessage | undefined> {
    while (!this.closed) {
      const m = this.queue.shift();
      if (m) return m;
      await new Promise<void>((ok) => (this.wake = ok));
      this.wake = undefined;
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  get length(): number {
    return this.queue.length;
  }
}

export class EventStream {
  private readonly clients = new Set<StreamClient>();
  constructor(private readonly capacity: () => number, private readonly onDrop: () => void = () => {}) {}

  subscribe(): StreamClient {
    const c = new StreamClient(this.capacity(), this.onDrop);
    this.clients.add(c);
    return c;
  }

  unsubscribe(c: StreamClient): void {
    c.close();
    this.clients.delete(c);
  }

  publish(type: StreamMessage['type'], event: SecurityEvent): void {
    const m: StreamMessage = { type, event, sentAt: Date.now() };
    for (const c of this.clients) c.push(m);
  }

  get size(): number {
    return this.clients.size;
  }

  closeAll(): void {
    for (const c of this.clients) c.close();
    this.clients.clear();
  }
}
