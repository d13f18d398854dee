import { z } from 'zod';
import { PROFILE_IDS, PROFILES } from './profile.ts';
import { uniqueIds, zodReport, type Report } from '../config/ref-check.ts';

// What the configuration layer needs of the devices beyond their section: the bundled profiles
// (a migration reads their registers) and the demo station (the demo defaults), both pure data.
export { PROFILES } from './profile.ts';
export { demoDevices } from './demo.ts';

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _');
const hm = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const ref = z.strictObject({ device: id, point: z.string().min(1) });

const busCommon = {
  id,
  timeoutMs: z.int().min(20).max(10_000).default(500).meta({ title: 'Request timeout (ms)' }),
  retries: z.int().min(0).max(5).default(2).meta({ title: 'Retries per request' }),
  backoffMs: z.int().min(100).default(2_000).meta({ title: 'First backoff of a failing device (ms)', description: 'Doubles per failure up to 60 s' }),
};

const busSchema = z.discriminatedUnion('type', [
  // Modbus TCP to the built-in simulator, wherever it listens (the demo default).
  z.strictObject({ ...busCommon, type: z.literal('simulator') }),
  z.strictObject({ ...busCommon, type: z.literal('tcp'), host: z.string().min(1), port: z.int().min(1).max(65535).default(502) }),
  z.strictObject({
    ...busCommon,
    type: z.literal('rtu'),
    path: z.string().min(1).meta({ title: 'Serial device', description: 'e.g. /dev/ttyUSB0 (restart needed)' }),
    baudRate: z.int().default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('even').meta({ description: 'Modbus RTU default is even parity' }),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    gapMs: z.number().min(0).optional().meta({ title: 'Inter-frame gap (ms)', description: 'Default: t3.5 at the baud rate' }),
  }),
]);

const deviceSchema = z.strictObject({
  id,
  name: z.string().min(1).max(120),
  bus: id,
  unit: z.int().min(1).max(247).meta({ title: 'Modbus unit id' }),
  profile: z.enum(PROFILE_IDS),
  intervalMs: z.int().min(50).default(1_000).meta({ title: 'Poll interval (ms)' }),
  maxAgeMs: z.int().min(50).optional().meta({ title: 'Values older than this are stale', description: 'Default: 3 poll intervals' }),
  timeoutMs: z.int().min(20).max(10_000).optional(),
  retries: z.int().min(0).max(5).optional(),
  minGapMs: z.number().min(0).default(0).meta({ title: 'Silence this device needs before each request (ms)' }),
  points: z.record(z.string(), z.record(z.string(), z.unknown())).optional().meta({ title: 'Per-point overrides of the profile' }),
});

const limitsSchema = z.strictObject({
  minRunS: z.number().min(0).default(120),
  minOffS: z.number().min(0).default(300),
  maxStartsPerHour: z.int().min(1).default(6),
  maxRunMin: z.number().min(1).default(720),
  dryRunLevelM: z.number().default(0.5).meta({ title: 'Intake level below which the pump must not run (m)' }),
  dryRunCurrentA: z.number().nullable().default(null).meta({ title: 'Running current below which the pump runs dry (A)' }),
  currentGraceS: z.number().min(0).default(10),
  salinityMaxPpt: z.number().min(0).default(2).meta({ title: 'Salinity permissive (‰)' }),
  canalMinM: z.number().nullable().default(null),
  canalMaxM: z.number().nullable().default(null),
  sensorFailsafeS: z.number().min(0).default(10).meta({ title: 'Stop when a protecting sensor is not good for this long (s)' }),
  minSpeedHz: z.number().min(0).default(20).meta({
    title: 'Minimum drive frequency (Hz)',
    description:
      'setFrequency below it is refused: a pump turning too slowly moves no water and overheats (check the pump curve at commissioning); drives only',
  }),
});

/**
 * A pump switched by a contactor on a relay output (no drive). The output then belongs to the
 * pump: only its run/stop commands, with every safety rule, may write it.
 */
const contactorSchema = z.strictObject({
  device: id.meta({ title: 'The relay module whose output switches the contactor' }),
  output: z.string().min(1).meta({ title: 'The relay output (coil) wired to the contactor coil' }),
  feedback: z.string().min(1).optional().meta({
    title: 'Input wired to the contactor auxiliary contact',
    description: 'Proves the contactor pulled in; without it the relay read-back is the only check',
  }),
  overload: z.string().min(1).optional().meta({ title: 'Input wired to the thermal overload relay (on = tripped)' }),
  protection: z
    .discriminatedUnion('type', [
      z
        .strictObject({ type: z.literal('relay-watchdog') })
        .meta({ title: "The relay module's communication-loss watchdog (its profile must have one; the hub sets and verifies it)" }),
      z
        .strictObject({ type: z.literal('float-switch'), note: z.string().optional() })
        .meta({ title: 'A float switch hard-wired in the contactor coil circuit' }),
      z
        .strictObject({ type: z.literal('risk-accepted'), by: z.string().min(1), reason: z.string().min(1) })
        .meta({ title: 'No protection while the hub is down: risk accepted by an engineer' }),
    ])
    .optional()
    .meta({
      title: 'What stops this pump while the hub is down (issue 12)',
      description: 'Without it the pump is refused every start: a contactor stays closed when the hub dies (a sump was emptied in 56 s)',
    }),
});

const pumpSchema = z.strictObject({
  id,
  name: z.string().min(1).max(120),
  drive: id.optional().meta({ title: 'The drive (a vfd device) that runs this pump', description: 'Exactly one of drive or contactor' }),
  contactor: contactorSchema
    .optional()
    .meta({ title: 'The relay output that switches this pump (no drive)', description: 'Exactly one of drive or contactor' }),
  intakeLevel: ref,
  salinity: ref,
  canalLevel: ref.optional(),
  /** Hand/Off/Auto selector inputs; without them the panel is taken to be in AUTO. */
  hoa: z.strictObject({ device: id, hand: z.string(), auto: z.string() }).optional(),
  limits: limitsSchema.prefault({}),
  verifyMs: z.int().min(100).default(5_000).meta({ title: 'Deadline for a command to be confirmed by read-back (ms)' }),
  heartbeatMs: z.int().min(100).default(1_000),
  plausibility: z
    .strictObject({
      frozenS: z
        .number()
        .positive()
        .nullable()
        .default(600)
        .meta({ title: 'Intake level frozen this long while the pump runs is implausible (s)', description: 'null: not checked' }),
      noiseBandM: z.number().min(0).default(0.005).meta({ title: 'Noise band of the intake level (m): moves inside it count as frozen' }),
      maxRateMps: z.number().positive().nullable().default(null).meta({
        title: 'Fastest the intake level can change (m/s)',
        description: "Faster is a transmitter or wiring fault; null: not checked (set it from the sump's size and the pumps' flow)",
      }),
      floatSwitch: z
        .strictObject({
          device: id,
          point: z.string().min(1),
          dryWhen: z.boolean().default(false).meta({ title: 'Input value that means dry' }),
        })
        .optional()
        .meta({ title: 'Float switch in the sump', description: 'Dry while the transmitter says water: the reading is implausible' }),
    })
    .prefault({})
    .meta({ title: 'Plausibility of the intake level (issue 12)', description: 'An implausible reading refuses starts and trips a running pump' }),
  safeState: z.enum(['off', 'hold']).default('off').meta({
    title: 'Safe state: what the hub does with this pump when it shuts down, or finds the programme that started it interrupted',
    description: "'off': stopped (an irrigation pump); 'hold': left running (a drain pump in a flood, where stopping is not safe)",
  }),
});

/**
 * The safe state of an output (issue 12, finding 3): where the hub leaves it when it shuts down
 * and where it puts it when it starts. Programme valves are 'off' (closed) unless listed here;
 * any other output is left as it is ('hold') unless listed.
 */
const outputSchema = z.strictObject({
  device: id,
  point: z.string().min(1),
  safeState: z
    .enum(['off', 'on', 'hold'])
    .meta({ title: 'Safe state', description: "'off' / 'on': written and verified at shutdown and start; 'hold': never touched" }),
});

const limitRuleSchema = z.strictObject({
  id,
  device: id,
  point: z.string(),
  high: z.number().optional(),
  low: z.number().optional(),
  hysteresis: z.number().min(0).default(0),
  delayS: z.number().min(0).default(5),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  label: z.string().optional(),
});

const programmeSchema = z.strictObject({
  id,
  name: z.string().min(1),
  enabled: z.boolean().default(true),
  days: z.array(z.int().min(0).max(6)).min(1).default([0, 1, 2, 3, 4, 5, 6]).meta({ description: '0 = Sunday' }),
  starts: z.array(hm).min(1),
  zones: z.array(z.strictObject({ valve: ref, minutes: z.number().positive() })).min(1),
  pump: id.nullable().default(null),
});

const timeSpec = z.union([z.strictObject({ at: hm }), z.strictObject({ sun: z.enum(['sunrise', 'sunset']), offsetMin: z.number().default(0) })]);

const lightingSchema = z.strictObject({
  id,
  name: z.string().min(1),
  enabled: z.boolean().default(true),
  output: ref,
  on: timeSpec,
  off: timeSpec,
});

const devicesObject = z.strictObject({
  simulator: z
    .strictObject({
      enabled: z.boolean().default(false).meta({ title: 'Run the built-in pump-station simulator (demo)' }),
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(5020).meta({ description: '0 picks a free port' }),
      speedup: z.number().min(1).max(1000).default(1).meta({ title: 'Simulated process speed-up' }),
    })
    .prefault({}),
  buses: z.array(busSchema).default([]),
  devices: z.array(deviceSchema).default([]),
  pumps: z.array(pumpSchema).default([]),
  outputs: z
    .array(outputSchema)
    .default([])
    .meta({ title: 'Safe states of outputs (valves, relays)', description: 'Programme valves default to off (closed); other outputs to hold' }),
  alarms: z.array(limitRuleSchema).default([]),
  programmes: z.array(programmeSchema).default([]),
  lighting: z.array(lightingSchema).default([]),
  history: z
    .strictObject({
      sampleS: z.number().min(1).default(10).meta({ title: 'Seconds between history samples per value' }),
      rawDays: z.number().min(1).default(7),
      minuteDays: z.number().min(1).default(90),
      alarmDays: z.number().min(1).default(365).meta({ title: 'Days the alarm journal is kept' }),
    })
    .prefault({}),
  tickMs: z.int().min(50).max(10_000).default(500).meta({ title: 'Safety and automation tick (ms)' }),
});

/** Configuration of the devices subsystem: buses, devices, pumps and their safety, automation. */
export const devicesSchema = devicesObject.superRefine((cfg, ctx) => devicesReferences(cfg, zodReport(ctx))).meta({ title: 'devices' });

export type DevicesConfig = z.infer<typeof devicesObject>;
export type BusConfig = DevicesConfig['buses'][number];
export type DeviceConfig = DevicesConfig['devices'][number];
export type PumpConfig = DevicesConfig['pumps'][number];
export type ContactorConfig = NonNullable<PumpConfig['contactor']>;

/**
 * The communication-loss timeout a profile's watchdog writes set (ms): its entry whose point is
 * in seconds. Undefined when the profile has no watchdog; Infinity when none of its writes is a
 * time (nothing to keep the polls inside).
 */
function watchdogTimeoutMs(profile: keyof typeof PROFILES): number | undefined {
  const p = PROFILES[profile];
  if (!p.commLossWatchdog) return undefined;
  let out = Infinity;
  for (const w of p.commLossWatchdog) {
    const pt = p.points[w.point];
    if (pt?.unit === 's' && w.value > 0) out = Math.min(out, w.value * (pt.scale ?? 1) * 1000);
  }
  return out;
}

/**
 * What is valid but cannot run, one line each, for `hub config check`: a contactor pump that
 * declares no protection for when the hub is down (the hub starts; that pump's starts do not).
 */
export function devicesNotes(cfg: DevicesConfig): string[] {
  const out: string[] = [];
  cfg.pumps.forEach((p, i) => {
    if (p.contactor && !p.contactor.protection)
      out.push(`devices.pumps[${i}] (${p.id}): a contactor pump with no declared protection; its starts are refused until contactor.protection is set`);
  });
  return out;
}

/** The relay outputs (`device.output`) that switch a pump's contactor, with the pump's id. */
function contactorOutputs(cfg: DevicesConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of cfg.pumps)
    if (p.contactor && !out.has(`${p.contactor.device}.${p.contactor.output}`)) out.set(`${p.contactor.device}.${p.contactor.output}`, p.id);
  return out;
}

/**
 * Why `device`/`output` cannot be switched from outside the devices subsystem (an event's siren),
 * with the field at fault, or undefined when it can: the device must exist, the output must be a
 * writable coil of its profile (profiles are bundled JSON, imported once, so this is no I/O), and
 * it must not switch a pump's contactor (only the pump, with its safety rules, may).
 */
export function outputProblem(cfg: DevicesConfig, device: string, output: string): { field: 'device' | 'output'; message: string } | undefined {
  const dev = cfg.devices.find((d) => d.id === device);
  if (!dev) return { field: 'device', message: `no device "${device}" in devices.devices` };
  const point = PROFILES[dev.profile].points[output];
  if (!point || point.table !== 'coil' || point.access === 'r')
    return { field: 'output', message: `device "${device}" has no relay output (coil) "${output}"` };
  const pump = contactorOutputs(cfg).get(`${device}.${output}`);
  if (pump) return { field: 'output', message: `${device}.${output} switches pump "${pump}"; it cannot be used as an output here` };
  return undefined;
}

/**
 * The devices section's own references (devices → buses, pumps → devices and their points,
 * programmes → pumps and valves, lighting → outputs), reported through the config's one
 * mechanism (hub/config/ref-check.ts). Pure: no I/O.
 */
export function devicesReferences(cfg: DevicesConfig, report: Report): void {
  uniqueIds(cfg.buses, 'buses', 'bus', report);
  uniqueIds(cfg.devices, 'devices', 'device', report);
  uniqueIds(cfg.pumps, 'pumps', 'pump', report);
  uniqueIds(cfg.alarms, 'alarms', 'alarm', report);
  uniqueIds(cfg.programmes, 'programmes', 'programme', report);
  uniqueIds(cfg.lighting, 'lighting', 'lighting', report);
  const buses = new Set(cfg.buses.map((b) => b.id));
  const devices = new Map(cfg.devices.map((d) => [d.id, d]));
  const hasPoint = (dev: string, point: string): boolean => {
    const d = devices.get(dev);
    if (!d) return false;
    const p = PROFILES[d.profile];
    return point in p.points || point in p.derived;
  };
  const checkRef = (r: { device: string; point: string }, path: PropertyKey[]): void => {
    if (!devices.has(r.device)) report([...path, 'device'], `no device "${r.device}"`);
    else if (!hasPoint(r.device, r.point)) report([...path, 'point'], `device "${r.device}" has no point "${r.point}"`);
  };
  cfg.devices.forEach((d, i) => {
    if (!buses.has(d.bus)) report(['devices', i, 'bus'], `no bus "${d.bus}"`);
    const p = PROFILES[d.profile];
    for (const name of Object.keys(d.points ?? {})) {
      if (!(name in p.points) && !(name in p.derived)) report(['devices', i, 'points', name], `profile ${d.profile} has no point "${name}" to override`);
    }
  });
  const contactors = new Map<string, string>();
  cfg.pumps.forEach((p, i) => {
    if ((p.drive === undefined) === (p.contactor === undefined)) report(['pumps', i], 'give exactly one of drive or contactor');
    if (p.drive !== undefined) {
      const drive = devices.get(p.drive);
      if (!drive) report(['pumps', i, 'drive'], `no device "${p.drive}"`);
      else if (PROFILES[drive.profile].kind !== 'vfd') report(['pumps', i, 'drive'], `device "${p.drive}" is not a drive`);
    }
    const c = p.contactor;
    if (c) {
      const path = ['pumps', i, 'contactor'];
      const dev = devices.get(c.device);
      const out = dev && PROFILES[dev.profile].points[c.output];
      if (!dev) report([...path, 'device'], `no device "${c.device}"`);
      else if (!out || out.table !== 'coil' || out.access === 'r') report([...path, 'output'], `device "${c.device}" has no relay output (coil) "${c.output}"`);
      for (const k of ['feedback', 'overload'] as const) if (c[k] !== undefined) checkRef({ device: c.device, point: c[k] }, [...path, k]);
      if (dev && c.protection?.type === 'relay-watchdog') {
        const timeoutMs = watchdogTimeoutMs(dev.profile);
        if (timeoutMs === undefined)
          report([...path, 'protection'], `profile ${dev.profile} has no communication-loss watchdog; wire a float switch or accept the risk`);
        // Polls are what keep the watchdog from tripping while the hub runs: a slow poll would
        // drop the pump between two of them.
        else if (dev.intervalMs * 3 > timeoutMs) {
          report(
            [...path, 'protection'],
            `device "${dev.id}" is polled every ${dev.intervalMs} ms; its watchdog drops the relays after ${timeoutMs / 1000} s without a request: poll it every ${Math.floor(timeoutMs / 3)} ms or faster`,
          );
        }
      }
      const key = `${c.device}.${c.output}`;
      if (contactors.has(key)) report([...path, 'output'], `${key} already switches pump "${contactors.get(key)}"`);
      else contactors.set(key, p.id);
    }
    checkRef(p.intakeLevel, ['pumps', i, 'intakeLevel']);
    const fs = p.plausibility.floatSwitch;
    if (fs) checkRef({ device: fs.device, point: fs.point }, ['pumps', i, 'plausibility', 'floatSwitch']);
    checkRef(p.salinity, ['pumps', i, 'salinity']);
    if (p.canalLevel) checkRef(p.canalLevel, ['pumps', i, 'canalLevel']);
    if (p.hoa) {
      checkRef({ device: p.hoa.device, point: p.hoa.hand }, ['pumps', i, 'hoa']);
      checkRef({ device: p.hoa.device, point: p.hoa.auto }, ['pumps', i, 'hoa']);
    }
  });
  cfg.alarms.forEach((a, i) => checkRef({ device: a.device, point: a.point }, ['alarms', i]));
  const pumps = new Set(cfg.pumps.map((p) => p.id));
  // A contactor output is never a valve or a light: only its pump switches it.
  const notContactor = (r: { device: string; point: string }, path: PropertyKey[]): void => {
    const owner = contactors.get(`${r.device}.${r.point}`);
    if (owner) report(path, `${r.device}.${r.point} switches pump "${owner}"; it cannot be used as an output here`);
  };
  cfg.programmes.forEach((p, i) => {
    if (p.pump && !pumps.has(p.pump)) report(['programmes', i, 'pump'], `no pump "${p.pump}"`);
    p.zones.forEach((z, j) => {
      checkRef(z.valve, ['programmes', i, 'zones', j, 'valve']);
      notContactor(z.valve, ['programmes', i, 'zones', j, 'valve']);
    });
  });
  cfg.lighting.forEach((l, i) => {
    checkRef(l.output, ['lighting', i, 'output']);
    notContactor(l.output, ['lighting', i, 'output']);
  });
  cfg.outputs.forEach((o, i) => {
    const problem = outputProblem(cfg, o.device, o.point);
    if (problem) report(['outputs', i, problem.field === 'device' ? 'device' : 'point'], problem.message);
  });
}
