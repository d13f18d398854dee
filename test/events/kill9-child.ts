/**
 * Child for the kill -9 test: a whole hub recording a looping file camera, with a person
 * standing in an intrusion zone fed on the bus as the pipeline sends it. Prints "event <id> from
 * <startAt> stored <ms>" each time the stored event grows, and keeps it running until killed.
 */
import { startHub } from '../../hub/main.ts';
import { createLogger } from '../../hub/core/log.ts';

const dataDir = process.argv[2]!;
const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', log: createLogger('child') }); // warnings and errors to the parent's stderr
const bus = hub.ctx.bus;
const started = Date.now();
/** The detect frame each report carries (flat grey: this test is about the store, not pictures). */
const grey = Buffer.alloc(640 * 360 * 1.5, 128);
let reported = 0;
setInterval(() => {
  const now = Date.now();
  bus.emit('pipeline.tracks', {
    cameraId: 'cam',
    frameAt: now,
    frameWidth: 640,
    frameHeight: 360,
    objects: [
      {
        trackId: 'k1',
        label: 'person',
        score: 0.9,
        medianScore: 0.9,
        box: [400, 100, 440, 250],
        confirmed: true,
        stationary: false,
        firstSeenAt: started,
        lastSeenAt: now,
      },
    ],
    frame: { cameraId: 'cam', seq: now, capturedAt: now, width: 640, height: 360, format: 'yuv420p', data: grey },
  });
  // How far the stored event reaches, each time it grows: the parent kills this hub once the
  // stored event and its footage are long enough, not after a fixed time.
  const e = hub.ctx.services.events!.store.open()[0];
  if (e && e.lastAt > reported) {
    reported = e.lastAt;
    process.stdout.write(`event ${e.id} from ${e.startAt} stored ${e.lastAt - e.startAt}\n`);
  }
}, 200);
