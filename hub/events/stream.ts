/**
 * The live feed of new and updated events for the UI, on the API's one fan-out
 * (`hub/api/sse.ts`): each client's queue is bounded, a client slower than the events loses the
 * oldest messages, counted, and the hub never grows memory for it.
 */
import { SseChannel, type SseClient } from '../api/sse.ts';
import type { SecurityEvent } from './store.ts';

export interface StreamMessage {
  type: 'new' | 'updated' | 'ended' | 'media';
  event: SecurityEvent;
  /** Epoch ms when the hub published it (latency measurements). */
  sentAt: number;
}

/** The events channel (`sse_*{stream="events"}`), published to by the engine with a message type. */
export class EventStream {
  readonly channel: SseChannel<StreamMessage>;

  /** `capacity`: messages queued per client; `onDrop`: called for each message a client lost. */
  constructor(capacity: () => number, onDrop: () => void = () => {}) {
    this.channel = new SseChannel<StreamMessage>('events', capacity);
    this.channel.onDrop(() => onDrop());
  }

  publish(type: StreamMessage['type'], event: SecurityEvent): void {
    this.channel.publish({ type, event, sentAt: Date.now() });
  }

  subscribe(accept?: (m: StreamMessage) => boolean): SseClient<StreamMessage> {
    return this.channel.subscribe(accept);
  }

  unsubscribe(c: SseClient<StreamMessage>): void {
    this.channel.unsubscribe(c);
  }

  get size(): number {
    return this.channel.size;
  }

  closeAll(): void {
    this.channel.closeAll();
  }
}
