/** An events engine over a real SQLite store and fake recordings, without the rest of the hub. */
import { join } from 'node:path';
import { openDatabase, type Db } from '../../hub/store/database.ts';
import { createLogger } from '../../hub/core/log.ts';
import { eventsSchema, type EventsConfig } from '../../hub/events/config.ts';
import { EventStore, migrations, type SecurityEvent } from '../../hub/events/store.ts';
import { EventStream, type StreamMessage } from '../../hub/events/stream.ts';
import { MediaMaker } from '../../hub/events/media.ts';
import { EventEngine } from '../../hub/events/service.ts';
import type { AlarmOutput, AlarmTarget } from '../../hub/events/alarm.ts';
import type { RecordingService } from '../../hub/record/service.ts';

export interface Harness {
  db: Db;
  store: EventStore;
  engine: EventEngine;
  media: MediaMaker;
  stream: EventStream;
  messages: StreamMessage[];
  alarms: AlarmTarget[];
  /** How many times the engine stopped the alarm outputs. */
  alarmStops: { n: number };
  config: EventsConfig;
  clock: { now: number };
  close(): void;
}

export function makeHarness(dir: string, events: unknown, recordings: RecordingService | undefined, now = Date.now()): Harness {
  const log = createLogger('test-events', () => {});
  const { db } = openDatabase(join(dir, 'hub.db'), migrations, log);
  const config = eventsSchema.parse(events);
  const store = new EventStore(db);
  const stream = new EventStream(() => config.streamQueue);
  const messages: StreamMessage[] = [];
  const alarms: AlarmTarget[] = [];
  const clock = { now };
  const alarmStops = { n: 0 };
  const alarm: AlarmOutput = { raise: (t) => alarms.push(t), stop: () => void alarmStops.n++ };
  let engine: EventEngine | undefined;
  const media = new MediaMaker({
    store,
    dir: join(dir, 'events'),
    recordings: () => recordings,
    config: () => config,
    log,
    done: (e: SecurityEvent) => engine?.emit('media', e),
  });
  engine = new EventEngine({
    store,
    media,
    alarm,
    stream,
    recordings: () => recordings,
    config: () => config,
    timeZone: () => 'Asia/Ho_Chi_Minh',
    log,
    publish: (type, event) => messages.push({ type, event, sentAt: clock.now }),
    now: () => clock.now,
  });
  return { db, store, engine, media, stream, messages, alarms, alarmStops, config, clock, close: () => db.close() };
}
