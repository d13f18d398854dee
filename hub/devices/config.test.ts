import { describe, expect, it } from 'vitest';
import { devicesNotes, devicesSchema } from './config.ts';
import { demoDevices } from './demo.ts';

const base = {
  buses: [{ id: 'line', type: 'tcp', host: '127.0.0.1' }],
  devices: [
    { id: 'io', name: 'Relay', bus: 'line', unit: 4, profile: 'relay-8ch' },
    { id: 'level', name: 'Level', bus: 'line', unit: 2, profile: 'level-4-20ma' },
    { id: 'sal', name: 'Salinity', bus: 'line', unit: 3, profile: 'ec-salinity-rs485' },
    { id: 'drive', name: 'Drive', bus: 'line', unit: 1, profile: 'invt-gd20' },
  ],
};
const pump = (extra: Record<string, unknown>) => ({
  id: 'p2',
  name: 'Pump 2',
  intakeLevel: { device: 'level', point: 'level' },
  salinity: { device: 'sal', point: 'salinity' },
  ...extra,
});
const issues = (cfg: unknown): string[] => {
  const r = devicesSchema.safeParse(cfg);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('contactor pumps in the devices config', () => {
  it('refuses a relay-watchdog protection on a relay module whose profile has no watchdog, naming the field', () => {
    expect(issues({ ...base, pumps: [pump({ contactor: { device: 'io', output: 'relay3', protection: { type: 'relay-watchdog' } } })] })).toEqual([
      'pumps.0.contactor.protection: profile relay-8ch has no communication-loss watchdog; wire a float switch or accept the risk',
    ]);
  });

  it('takes a relay-watchdog protection on a WB-MR6C, whose profile arms its safe mode, and refuses one polled too slowly for that safe mode', () => {
    const wb = (intervalMs?: number) => ({
      ...base,
      devices: [...base.devices, { id: 'wb', name: 'WB-MR6C', bus: 'line', unit: 5, profile: 'wb-mr6c', intervalMs }],
      pumps: [pump({ contactor: { device: 'wb', output: 'relay3', feedback: 'input3', protection: { type: 'relay-watchdog' } } })],
    });
    expect(issues(wb())).toEqual([]);
    expect(issues(wb(5000))).toEqual([
      'pumps.0.contactor.protection: device "wb" is polled every 5000 ms; its watchdog drops the relays after 10 s without a request: poll it every 3333 ms or faster',
    ]);
  });

  it('says, for `hub config check`, which contactor pumps declare no protection (valid, but their starts are refused)', () => {
    const cfg = devicesSchema.parse({
      ...base,
      pumps: [
        pump({ contactor: { device: 'io', output: 'relay3' } }),
        pump({ id: 'p3', contactor: { device: 'io', output: 'relay4', protection: { type: 'float-switch' } } }),
      ],
    });
    expect(devicesNotes(cfg)).toEqual([
      'devices.pumps[0] (p2): a contactor pump with no declared protection; its starts are refused until contactor.protection is set',
    ]);
  });

  it('takes a float switch or an accepted risk as protection, and an accepted risk needs who and why', () => {
    expect(issues({ ...base, pumps: [pump({ contactor: { device: 'io', output: 'relay3', protection: { type: 'float-switch' } } })] })).toEqual([]);
    expect(
      issues({
        ...base,
        pumps: [
          pump({
            contactor: { device: 'io', output: 'relay3', protection: { type: 'risk-accepted', by: 'Kỹ sư An', reason: 'sump has an overflow to the canal' } },
          }),
        ],
      }),
    ).toEqual([]);
    expect(issues({ ...base, pumps: [pump({ contactor: { device: 'io', output: 'relay3', protection: { type: 'risk-accepted' } } })] })).not.toEqual([]);
  });

  it('accepts a pump switched by a relay output with its auxiliary contact and overload inputs', () => {
    expect(issues({ ...base, pumps: [pump({ contactor: { device: 'io', output: 'relay3', feedback: 'input3', overload: 'input4' } })] })).toEqual([]);
  });

  it('needs exactly one of drive or contactor', () => {
    expect(issues({ ...base, pumps: [pump({})] })).toEqual(['pumps.0: give exactly one of drive or contactor']);
    expect(issues({ ...base, pumps: [pump({ drive: 'drive', contactor: { device: 'io', output: 'relay3' } })] })).toEqual([
      'pumps.0: give exactly one of drive or contactor',
    ]);
  });

  it('refuses an input or a missing point as the contactor output', () => {
    expect(issues({ ...base, pumps: [pump({ contactor: { device: 'io', output: 'input3' } })] })).toEqual([
      'pumps.0.contactor.output: device "io" has no relay output (coil) "input3"',
    ]);
    expect(issues({ ...base, pumps: [pump({ contactor: { device: 'io', output: 'relay3', feedback: 'input9' } })] })).toEqual([
      'pumps.0.contactor.feedback.point: device "io" has no point "input9"',
    ]);
  });

  it('refuses a contactor output used as a programme valve or a light, or by two pumps', () => {
    const cfg = {
      ...base,
      pumps: [pump({ contactor: { device: 'io', output: 'relay3' } }), pump({ id: 'p3', contactor: { device: 'io', output: 'relay3' } })],
      programmes: [{ id: 'x', name: 'x', starts: ['05:00'], zones: [{ valve: { device: 'io', point: 'relay3' }, minutes: 1 }] }],
      lighting: [{ id: 'l', name: 'l', output: { device: 'io', point: 'relay3' }, on: { at: '18:00' }, off: { at: '05:00' } }],
    };
    expect(issues(cfg)).toEqual([
      'pumps.1.contactor.output: io.relay3 already switches pump "p2"',
      'programmes.0.zones.0.valve: io.relay3 switches pump "p2"; it cannot be used as an output here',
      'lighting.0.output: io.relay3 switches pump "p2"; it cannot be used as an output here',
    ]);
  });
});

describe('the demo configuration', () => {
  it('is valid and gives its pump a canal level band on a canal transmitter', () => {
    const cfg = devicesSchema.parse(demoDevices());
    const pump = cfg.pumps[0]!;
    expect(pump.canalLevel).toEqual({ device: 'muc-nuoc-kenh', point: 'level' });
    expect([pump.limits.canalMinM, pump.limits.canalMaxM]).toEqual([0.4, 2.2]);
    expect(cfg.devices.find((d) => d.id === 'muc-nuoc-kenh')).toMatchObject({ unit: 6, profile: 'level-4-20ma' });
  });
});
