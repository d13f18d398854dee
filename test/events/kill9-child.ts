/**
 * Child for the kill -9 test: a whole hub recording a looping file camera, with a person
 * standing in an intrusion zone fed on the bus as the pipeline sends it. Prints "event <id>"
 * once the event is open, then keeps it running until killed.
 */
import { startHub } from '../../hub/main.ts';
import { createLogger } from '../../hub/core/log.ts';

const dataDir = process.argv[2]!;
const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1', log: createLogger('child', () => {}) });
const bus = hub.ctx.bus;
const started = Date.now();
let printed = false;
setInterval(() => {
  const now = Date.now();
  bus.emit('pipeline.tracks', {
    cameraId: 'cam', frameAt: now, frameWidth: 640, frameHeight: 360,
    objects: [{ trackId: 'k1', label: 'person', score: 0.9, medianScore: 0.9, box: [400, 100, 440, 250], confirmed: true, stationary: false, firstSeenAt: started, lastSeenAt: now }],
  });
  const open = hub.ctx.services.events!.store.open();
  if (!printed && open.length > 0) {
    printed = true;
    process.stdout.write(`event ${open[0]!.id}\n`);
  }
}, 200);
