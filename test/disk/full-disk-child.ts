/**
 * Child for the full-disk test: runs inside its own mount namespace, on a tmpfs the parent
 * mounted over `dataDir`. Writes the configuration it is given (the mount hides anything written
 * before), starts a whole hub, makes an admin and prints `{"port":…,"token":…}` on stdout.
 * SIGTERM stops the hub cleanly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHub } from '../../hub/main.ts';

const dataDir = process.argv[2]!;
writeFileSync(join(dataDir, 'config.json'), process.env.FULL_DISK_CONFIG ?? '{}');
const hub = await startHub({ dataDir, port: 0, host: '127.0.0.1' });
const password = 'correct-horse-battery-staple';
await hub.ctx.users.add('admin', 'admin', password);
const { token } = await hub.ctx.users.login('admin', password);
process.stdout.write(`${JSON.stringify({ port: hub.port, token })}\n`);
process.once('SIGTERM', () => {
  void hub.stop().finally(() => process.exit(0));
});
