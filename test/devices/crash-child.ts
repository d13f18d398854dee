/**
 * A devices runtime in its own process, for the kill -9 test (commissioning.test.ts, finding 3):
 * it starts programme p1 on the station at `port`, prints "programme-running" once the valve is
 * open and the pump runs, then waits to be killed.
 * Usage: node --import tsx test/devices/crash-child.ts <dataDir> <port>
 */
import { join } from 'node:path';
import { createLogger } from '../../hub/core/log.ts';
import { openDatabase } from '../../hub/store/database.ts';
import { AuditLog, auditMigrations } from '../../hub/audit/audit-log.ts';
import { devicesSchema } from '../../hub/devices/config.ts';
import { devicesMigrations } from '../../hub/devices/history.ts';
import { DevicesRuntime } from '../../hub/devices/runtime.ts';
import { crashConfig } from './station-config.ts';

const [dir, port] = process.argv.slice(2);
const log = createLogger('crash-child', () => undefined);
const { db } = openDatabase(join(dir!, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
const audit = new AuditLog(db);
const rt = new DevicesRuntime(devicesSchema.parse(crashConfig(Number(port))), {
  db, log, tz: 'Asia/Ho_Chi_Minh', lat: 9.93, lon: 106.35, audit: (e) => audit.write(e), emit: () => undefined,
});
rt.start();
const good = (d: string, p: string): boolean => rt.store.get(d, p).quality === 'good';
const timer = setInterval(() => {
  if (![['drive', 'running'], ['level', 'level'], ['salinity', 'salinity'], ['io', 'input2']].every(([d, p]) => good(d!, p!))) return;
  if (!rt.programmes().programmes[0]?.running) {
    rt.runProgramme('p1', 'user:lan');
    return;
  }
  if (rt.store.get('io', 'relay1').value === true && rt.pumps()[0]?.running) {
    clearInterval(timer);
    process.stdout.write('programme-running\n');
  }
}, 20);
