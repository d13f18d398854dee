import type { Logger } from './log.ts';

/**
 * A typed publish/subscribe bus between subsystems. A listener that throws is logged with its
 * owner's name and never breaks the publisher or its neighbours.
 */
export class EventBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<{ owner: string; fn: (payload: never) => void }>>();

  constructor(private readonly log: Logger) {}

  /** Subscribes `fn` to `event`; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, owner: string, fn: (payload: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry = { owner, fn: fn as (payload: never) => void };
    set.add(entry);
    return () => set.delete(entry);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const { owner, fn } of set) {
      try {
        (fn as (p: Events[K]) => void)(payload);
      } catch (err) {
        this.log.error(`listener of ${String(event)} owned by ${owner} failed: ${(err as Error).message}`, {
          stack: (err as Error).stack,
        });
      }
    }
  }
}
