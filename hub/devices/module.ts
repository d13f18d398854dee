/**
 * The devices module: starts the simulator when configured (the demo default), builds the runtime
 * from the config, offers it as ctx.services.devices, publishes value and alarm changes on the
 * bus and the SSE stream, and rebuilds the runtime when the devices section of the config changes
 * (a rebuild never restarts a pump: see pump-controller.ts). Changes apply one at a time, in
 * order: the old runtime has stopped (everything it started awaited) before the next is built,
 * and stop() awaits a rebuild under way (issue 10: two runtimes once supervised the same pumps).
 */
import type { HubContext, HubModule } from '../context.ts';
import { devicesMigrations } from './history.ts';
import { DevicesRuntime } from './runtime.ts';
import { registerDeviceRoutes, StreamHub } from './routes.ts';
import { PumpStationSimulator } from './sim/simulator.ts';
import type { DevicesConfig } from './config.ts';
import './bus-events.ts';
import './service.ts';

export const devicesModule: HubModule = {
  name: 'devices',
  migrations: devicesMigrations,
  async start(ctx: HubContext) {
    const log = ctx.log.child('devices');
    const stream = new StreamHub();
    let sim: PumpStationSimulator | undefined;
    let runtime: DevicesRuntime | undefined;
    let stopped = false;
    /** The rebuild under way, if any: stop() awaits it so no runtime outlives the module. */
    let rebuilding: Promise<void> = Promise.resolve();

    const build = async (cfg: DevicesConfig): Promise<void> => {
      if (cfg.simulator.enabled && !sim) {
        sim = await PumpStationSimulator.start({
          tcp: { host: cfg.simulator.host, port: cfg.simulator.port },
          speedup: cfg.simulator.speedup,
          log: log.child('simulator'),
        });
        log.info(`pump-station simulator listening on modbus tcp://${cfg.simulator.host}:${sim.tcpPort}`);
      }
      if (stopped) return;
      const hub = ctx.config.get().hub;
      const next = new DevicesRuntime(cfg, {
        db: ctx.db,
        log,
        tz: hub.timezone,
        lat: hub.location.lat,
        lon: hub.location.lon,
        simulatorPort: sim?.tcpPort,
        health: ctx.health,
        metrics: ctx.metrics,
        audit: (e) => ctx.audit.write(e),
        auditCheck: () => (ctx.audit.writable() ? undefined : ctx.audit.unavailable()),
        emit: (e) => {
          stream.publish(e);
          if (e.type === 'alarm') ctx.bus.emit('device.alarm', e.data);
          else ctx.bus.emit('device.value', e.data);
        },
      });
      next.start();
      runtime = next;
      ctx.services.devices = next;
    };

    /** Stops the current runtime (awaiting all it started), then builds one from `cfg`. */
    const rebuild = async (cfg: DevicesConfig): Promise<void> => {
      const old = runtime;
      runtime = undefined;
      delete ctx.services.devices;
      // A rebuild leaves pumps and outputs as they are; only the hub's shutdown brings them to
      // their safe state.
      await old?.stop({ rebuild: true });
      if (!stopped) await build(cfg);
    };

    registerDeviceRoutes(ctx, () => runtime, stream);
    await build(ctx.config.get().devices);
    // The config store applies changes one at a time and awaits this listener: the returned
    // rebuild finishes (old runtime stopped, new one running) before the next change applies.
    const off = ctx.config.onChange((next, prev) => {
      if (JSON.stringify(next.devices) === JSON.stringify(prev.devices) || stopped) return;
      log.info('devices configuration changed; rebuilding the devices runtime');
      const run = rebuilding.then(() => rebuild(next.devices));
      rebuilding = run.catch(() => undefined);
      return run;
    });

    return {
      async stop() {
        stopped = true;
        off();
        await rebuilding;
        await runtime?.stop();
        runtime = undefined;
        delete ctx.services.devices;
        await sim?.close();
      },
    };
  },
};
