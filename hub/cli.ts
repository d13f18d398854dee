/**
 * `hub <command>`: start, config check, user (auth/cli.ts), detect, events. Flags may also come
 * from the environment (HUB_DATA, HUB_PORT).
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { createLogger } from './core/log.ts';
import { CONFIG_VERSION, ConfigError } from './config/schema.ts';
import { checkConfigFile } from './config/config-store.ts';
import { USER_USAGE, runUserCli } from './auth/cli.ts';
import { HubError } from './core/errors.ts';

const USAGE = `usage:
  hub start [--data DIR] [--port N] [--host ADDR] [--media-dir DIR]...
                                                     run the hub (defaults: ./data, 8080); file cameras
                                                     may play files under each --media-dir (or HUB_MEDIA_DIR,
                                                     folders separated by ':')
  hub config check [--data DIR | --file PATH]        validate a configuration file
${USER_USAGE}
  hub detect <image...> [--json] [--out DIR]         run the detector on images
  hub events verify <export-dir>                     check an evidence export's signed hashes`;

function dataDir(flag: string | undefined): string {
  return resolve(flag ?? process.env.HUB_DATA ?? './data');
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  try {
    if (command === 'start') {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: { data: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'media-dir': { type: 'string', multiple: true } },
      });
      const port = Number(values.port ?? process.env.HUB_PORT ?? 8080);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`cli: --port must be 0-65535, got ${values.port}`);
      const { startHub } = await import('./main.ts');
      const mediaFolders = values['media-dir'] ?? (process.env.HUB_MEDIA_DIR ?? '').split(':').filter(Boolean);
      const hub = await startHub({ dataDir: dataDir(values.data), port, host: values.host, mediaFolders });
      if (hub.demoAdminPassword) {
        process.stdout.write(`\nDemo mode. One-time admin login (change it at first sign-in):\n  user: admin\n  password: ${hub.demoAdminPassword}\n\n`);
      }
      const stop = async (signal: string): Promise<void> => {
        createLogger('hub').info(`${signal}: stopping`);
        await hub.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return await new Promise<number>(() => {});
    }
    if (command === 'config' && sub === 'check') {
      const { values } = parseArgs({ args: argv.slice(2), options: { data: { type: 'string' }, file: { type: 'string' } } });
      const file = values.file ?? join(dataDir(values.data), 'config.json');
      const { config, from, notes } = checkConfigFile(file);
      const migrated = from < CONFIG_VERSION ? `, once migrated from version ${from} to ${CONFIG_VERSION} when the hub loads it` : '';
      process.stdout.write(`config: ${file} is valid (${config.cameras.length} cameras${migrated})\n`);
      // What a migration will change, and rules that are valid but cannot run, each on its own line.
      for (const note of notes) process.stdout.write(`  ${note}\n`);
      return 0;
    }
    if (command === 'user') return await runUserCli(argv.slice(1));
    if (command === 'detect') {
      // Loaded lazily so that `hub start` never pays for the detector's imports.
      const { runDetectCli } = await import('./detect/cli.ts');
      return await runDetectCli(argv.slice(1));
    }
    if (command === 'events') {
      const { runEventsCli } = await import('./events/cli.ts');
      return await runEventsCli(argv.slice(1));
    }
    process.stderr.write(`${USAGE}\n`);
    return command ? 2 : 0;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof HubError || err instanceof Error) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
