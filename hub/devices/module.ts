/**
 * The devices module: starts the simulator when configured (the demo default), builds the runtime
 * from the config, offers it as ctx.services.devices, publishes value and alarm changes on the
 * bus and the SSE stream, and rebuilds the runtime when the devices section of the config changes
 * (a rebuild never restarts a pump: see pump-controller.ts).
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

    const build = async (cfg: DevicesConfig): Promise<void> => {
      if (cfg.simulator.enabled && !sim) {
        sim = await PumpStationSimulator.start({ tcp: { host: cfg.simulator.host, port: cfg.simulator.port }, speedup: cfg.simulator.speedup });
        log.info(`pump-station simulator listening on modbus tcp://${cfg.simulator.host}:${sim.tcpPort}`);
      }
      const hub = ctx.config.get().hub;
      runtime = new DevicesRuntime(cfg, {
        db: ctx.db, log, tz: hub.timezone, lat: hub.location.lat, lon: hub.location.lon, simulatorPort: sim?.tcpPort,
        audit: (e) => ctx.audit.write(e),
        emit: (e) => {
          stream.publish(e);
          if (e.type === 'alarm') ctx.bus.emit('device.alarm', e.data);
          else ctx.bus.emit('device.value', e.data);
        },
      });
      runtime.start();
      ctx.services.devices = runtime;
    };

    registerDeviceRoutes(ctx, () => runtime, stream);
    await build(ctx.config.get().devices);
    const off = ctx.config.onChange((next, prev) => {
      if (JSON.stringify(next.devices) === JSON.stringify(prev.devices)) return;
      log.info('devices configuration changed; rebuilding the devices runtime');
      const old = runtime;
      runtime = undefined;
      void (old?.stop() ?? Promise.resolve()).then(() => build(next.devices)).catch((err: Error) => log.error(`devices: rebuild failed: ${err.message}`));
    });

    return {
      async stop() {
        off();
        await runtime?.stop();
        delete ctx.services.devices;
        await sim?.close();
      },
    };
  },
};
