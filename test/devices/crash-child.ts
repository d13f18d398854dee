/**
 * A devices runtime in its own process, for the kill -9 tests. It runs one scenario on the station
 * at `port`, prints a line once the scenario's outputs are on, then waits to be killed:
 * - `programme` (commissioning.test.ts, finding 3): starts programme p1 and prints
 *   "programme-running" once the valve is open and the pump runs;
 * - `contactor:<relay-watchdog|risk-accepted>` (relay-watchdog.test.ts, finding 11): the contactor
 *   pump on a WB-MR6C with that protection; starts it once nothing blocks a start and prints
 *   "pump-running" (or "refused <code>" for a start that was refused, and tries again).
 * Usage: node --import tsx test/devices/crash-child.ts <dataDir> <port> [scenario]
 */
import { join } from 'node:path';
import { createLogger } from '../../hub/core/log.ts';
import { openDatabase } from '../../hub/store/database.ts';
import { AuditLog, auditMigrations } from '../../hub/audit/audit-log.ts';
import { devicesSchema } from '../../hub/devices/config.ts';
import { devicesMigrations } from '../../hub/devices/history.ts';
import { DevicesRuntime } from '../../hub/devices/runtime.ts';
import { crashConfig, wbContactorConfig, type Protection } from './station-config.ts';

const [dir, port, scenario = 'programme'] = process.argv.slice(2);
const protection = scenario.startsWith('contactor:') ? scenario.slice('contactor:'.length) : undefined;
const protections: Record<string, Protection> = {
  'relay-watchdog': { type: 'relay-watchdog' },
  'risk-accepted': { type: 'risk-accepted', by: 'test', reason: 'the negative check of the relay watchdog test' },
};
if (scenario !== 'programme' && !(protection && protection in protections)) throw new Error(`crash-child: unknown scenario ${scenario}`);
const cfg = protection
  ? wbContactorConfig({ id: 'line', type: 'tcp', host: '127.0.0.1', port: Number(port) }, protections[protection])
  : crashConfig(Number(port));

const log = createLogger('crash-child', () => undefined);
const { db } = openDatabase(join(dir!, 'hub.db'), [...auditMigrations, ...devicesMigrations], log);
const audit = new AuditLog(db);
const rt = new DevicesRuntime(devicesSchema.parse(cfg), {
  db,
  log,
  tz: 'Asia/Ho_Chi_Minh',
  lat: 9.93,
  lon: 106.35,
  audit: (e) => audit.write(e),
  emit: () => undefined,
});
rt.start();
const good = (d: string, p: string): boolean => rt.store.get(d, p).quality === 'good';
const sensors = [['level', 'level'], ['salinity', 'salinity'], ['io', 'input2'], ...(protection ? [['io', 'input3']] : [['drive', 'running']])];

/** One step of the programme scenario; true once it is under way. */
function programme(): boolean {
  if (!rt.programmes().programmes[0]?.running) {
    rt.runProgramme('p1', 'user:lan');
    return false;
  }
  return rt.store.get('io', 'relay1').value === true && rt.pumps()[0]?.running === true;
}

let starting = false;
/** One step of the contactor scenario; true once the pump's start was verified. */
function contactor(): boolean {
  if (starting || rt.pumps()[0]?.startBlocker) return false; // the watchdog is set and verified first
  starting = true;
  void rt.command('pump2', 'run', {}, 'user:lan').then((r) => {
    if (r.ok) {
      clearInterval(timer);
      process.stdout.write('pump-running\n');
    } else process.stdout.write(`refused ${r.reason?.code ?? r.status}\n`);
    starting = false;
  });
  return false;
}

const timer = setInterval(() => {
  if (!sensors.every(([d, p]) => good(d!, p!))) return;
  if (protection) contactor();
  else if (programme()) {
    clearInterval(timer);
    process.stdout.write('programme-running\n');
  }
}, 20);
