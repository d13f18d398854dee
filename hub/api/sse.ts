/**
 * The hub's one server-sent-events fan-out. A module owns an `SseChannel` and publishes to it; the
 * router serves it (`ApiRouter.stream`) through `LiveStreams`, which holds what a stream owes its
 * session:
 *
 *   module ── publish(m) ──► SseChannel ──► SseClient (bounded queue, drop oldest, counted)
 *                                               │  pulled only as fast as the socket drains
 *   LiveStreams: ≤ maxPerSession per session ───┤  heartbeat comment when idle, session re-checked
 *   UserStore.onRevoke (logout, password, ──────┘  closed at once
 *   disable)
 *
 * Metrics: `sse_clients{stream}` and `sse_dropped_total{stream}`.
 */
import { HubError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { MetricsRegistry, Counter } from '../metrics/registry.ts';
import { tokenHash, type SessionRevocation, type UserStore } from '../auth/users.ts';

/** One message as written on the wire. */
export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

const IDLE = Symbol('idle');

/** One client's bounded queue: a client slower than its channel loses the oldest messages, counted. */
export class SseClient<T> {
  private readonly queue: T[] = [];
  private wake?: () => void;
  closed = false;
  dropped = 0;
  /** When a message was last taken (a client that takes none while it overflows is stalled). */
  takenAt = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly onDrop: (client: SseClient<T>) => void,
    private readonly accept?: (m: T) => boolean,
  ) {}

  push(m: T): void {
    if (this.closed || (this.accept && !this.accept(m))) return;
    if (this.queue.length >= this.capacity) {
      this.queue.shift();
      this.dropped++;
      this.onDrop(this);
    }
    this.queue.push(m);
    this.wake?.();
  }

  /** The next message; IDLE when none came within `waitMs`; undefined once closed. */
  async next(waitMs = Infinity): Promise<T | typeof IDLE | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      if (this.queue.length) {
        this.takenAt = Date.now();
        return this.queue.shift();
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await new Promise<boolean>((ok) => {
        this.wake = () => ok(false);
        if (Number.isFinite(waitMs)) timer = setTimeout(() => ok(true), waitMs);
      });
      clearTimeout(timer);
      this.wake = undefined;
      if (timedOut && !this.closed && !this.queue.length) {
        this.takenAt = Date.now();
        return IDLE;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  get length(): number {
    return this.queue.length;
  }
}

/** A named live feed: what one module publishes, to every client subscribed now. */
export class SseChannel<T> {
  private readonly clients = new Set<SseClient<T>>();
  private readonly dropListeners: Array<(client: SseClient<T>) => void> = [];

  /** `capacity`: messages queued per client before its oldest are dropped (read at subscribe). */
  constructor(
    readonly name: string,
    private readonly capacity: () => number,
  ) {}

  publish(m: T): void {
    for (const c of this.clients) c.push(m);
  }

  /** A new client; `accept` filters what it is sent before it takes a place in its queue. */
  subscribe(accept?: (m: T) => boolean): SseClient<T> {
    const c = new SseClient<T>(this.capacity(), (client) => this.dropListeners.forEach((fn) => fn(client)), accept);
    this.clients.add(c);
    return c;
  }

  unsubscribe(c: SseClient<T>): void {
    c.close();
    this.clients.delete(c);
  }

  /** Called for each message a client lost. */
  onDrop(fn: (client: SseClient<T>) => void): void {
    this.dropListeners.push(fn);
  }

  closeAll(): void {
    for (const c of this.clients) c.close();
    this.clients.clear();
  }

  get size(): number {
    return this.clients.size;
  }
}

/** Formats one message as an SSE frame (multi-line data becomes several `data:` lines). */
export function sseFrame(m: SseMessage): string {
  for (const v of [m.event, m.id ?? '']) if (/[\r\n]/.test(v)) throw new Error(`sse: event and id must be one line, got ${JSON.stringify(v)}`);
  const data = m.data
    .split(/\r\n|\r|\n/)
    .map((l) => `data: ${l}`)
    .join('\n');
  return `event: ${m.event}\n${m.id !== undefined ? `id: ${m.id}\n` : ''}${data}\n\n`;
}

export interface OpenStream<T> {
  /** The session's token and user, as the router's guard checked them. */
  token: string;
  username: string;
  channel: SseChannel<T>;
  format(m: T): SseMessage;
  hello?: SseMessage;
  accept?: (m: T) => boolean;
}

interface Live {
  username: string;
  session: string;
  end(): void;
  kill(reason: string): void;
}

/**
 * Every live stream the API serves, by session: the cap per session, heartbeats, the metrics,
 * and ending a session's streams when the session ends.
 */
export class LiveStreams {
  /** Idle streams get a comment line this often, so proxies keep them and clients see dead links. */
  heartbeatMs = 15_000;
  /** Streams one session may hold open (a UI needs two or three; a leak or a script needs more). */
  maxPerSession = 4;
  /** A client that takes nothing for this long while its queue overflows is cut off. */
  stallMs = 60_000;

  private readonly live = new Set<Live>();
  private readonly channels = new Set<SseChannel<unknown>>();
  /** How to cut off each client's stream, for the stall check on drop. */
  private readonly stalled = new WeakMap<object, (reason: string) => void>();
  private readonly dropped: Counter;

  constructor(
    private readonly users: UserStore,
    private readonly metrics: MetricsRegistry,
    private readonly log: Logger,
  ) {
    this.dropped = metrics.counter('sse_dropped_total', 'Live-stream messages a slow client lost, by stream');
    const clients = metrics.gauge('sse_clients', 'Live-stream clients connected now, by stream');
    metrics.collect(() => {
      for (const ch of this.channels) clients.set({ stream: ch.name }, ch.size);
    });
    users.onRevoke((r) => this.revoke(r));
  }

  /** Makes a channel's metrics and stall check known; called once per stream route. */
  register<T>(channel: SseChannel<T>): void {
    if (this.channels.has(channel as SseChannel<unknown>)) return;
    this.channels.add(channel as SseChannel<unknown>);
    this.dropped.inc({ stream: channel.name }, 0);
    channel.onDrop((client) => {
      this.dropped.inc({ stream: channel.name });
      if (Date.now() - client.takenAt > this.stallMs) this.stalled.get(client)?.(`took nothing for over ${this.stallMs / 1000} s`);
    });
  }

  /** Streams open now for a session token. */
  count(token: string): number {
    const session = tokenHash(token);
    let n = 0;
    for (const l of this.live) if (l.session === session) n++;
    return n;
  }

  /** Opens a stream for a session, or refuses with 429 when the session holds its cap already. */
  open<T>(o: OpenStream<T>): Response {
    const session = tokenHash(o.token);
    if (this.count(o.token) >= this.maxPerSession) {
      throw new HubError(429, `api: this session has ${this.maxPerSession} live streams open already (the most allowed); close one first`);
    }
    this.register(o.channel);
    const client = o.channel.subscribe(o.accept);
    const enc = new TextEncoder();
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    let ended = false;
    let pulling = false;
    const release = (): void => {
      this.live.delete(live);
      o.channel.unsubscribe(client);
    };
    const live: Live = {
      username: o.username,
      session,
      // Ends the body once what is queued is sent (revocation, hub stop).
      end: () => {
        if (ended) return;
        client.close();
        if (pulling) return; // the pending pull sees the close and ends the body
        ended = true;
        release();
        ctl.close();
      },
      // A client that cannot be written to: abort the response, which closes its socket.
      kill: (reason) => {
        if (ended) return;
        ended = true;
        release();
        this.log.warn(`sse: ${o.channel.name} stream of ${o.username} cut off: ${reason}`);
        ctl.error(new Error(`sse: ${reason}`));
      },
    };
    this.stalled.set(client, live.kill);
    this.live.add(live);

    const body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          ctl = c;
          if (o.hello) c.enqueue(enc.encode(sseFrame(o.hello)));
        },
        // Pulled only when the socket has taken the last chunk: a slow client's backlog stays in
        // its bounded queue, never in the HTTP layer.
        pull: async (c) => {
          pulling = true;
          const next = await client.next(this.heartbeatMs);
          pulling = false;
          if (ended) return;
          if (next === undefined) {
            ended = true;
            release();
            c.close();
          } else if (next === IDLE) {
            // Anything that ended the session (expiry, a path without a listener) ends the stream.
            if (!this.sessionValid(o.token)) return live.end();
            c.enqueue(enc.encode(`: ping ${client.dropped}\n\n`));
          } else {
            c.enqueue(enc.encode(sseFrame(o.format(next))));
          }
        },
        cancel: () => {
          ended = true;
          release();
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    });
  }

  private sessionValid(token: string): boolean {
    try {
      return this.users.authenticate(token) !== undefined;
    } catch (err) {
      // The database is closing or unreadable: a stream whose session cannot be checked ends.
      this.log.warn(`sse: cannot check a stream's session, ending it: ${(err as Error).message}`);
      return false;
    }
  }

  /** Ends the streams of a revoked session, or of every session of a user. */
  private revoke(r: SessionRevocation): void {
    for (const l of [...this.live]) {
      if (r.tokenHash ? l.session === r.tokenHash : l.username === r.username) l.end();
    }
  }

  /** Streams open now (all sessions). */
  get size(): number {
    return this.live.size;
  }
}
