import { z } from 'zod';
import { cameraIdSchema } from '../cameras/config.ts';
import { uniqueIds, zodReport, type Report } from '../config/ref-check.ts';
import { MIN_RETENTION_DAYS } from '../record/config.ts';

/**
 * Configuration of the security events subsystem: rules per camera, evidence and noise control.
 * Coordinates of zones and lines are normalised to the frame (0..1, origin top left), so a rule
 * survives a change of the camera's detect size.
 */

const point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).meta({ title: 'Point', description: '[x, y] as fractions of the frame' });

const ruleIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be 1-40 lowercase letters, digits or dashes')
  .meta({ title: 'Rule id', description: 'Short unique name, e.g. "san-truong-dem"' });

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00-24:00)');

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const windowSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .default([...WEEKDAYS])
      .meta({ title: 'Days', description: 'Days the window starts on' }),
    from: timeOfDay.meta({ title: 'From (local time)' }),
    to: timeOfDay.meta({ title: 'To (local time)', description: 'Earlier than "from" means the window runs past midnight' }),
  })
  .meta({ title: 'Time window' });

const alarmSchema = z
  .strictObject({
    device: z.string().min(1).meta({ title: 'Device id', description: 'A device of the devices subsystem, e.g. a Modbus relay board' }),
    output: z.string().min(1).meta({ title: 'Output', description: 'Name of the relay/coil output on that device, e.g. "siren"' }),
    seconds: z.number().min(1).max(600).default(30).meta({ title: 'On for (s)' }),
  })
  .meta({ title: 'Alarm output', description: 'A siren or light switched on when the rule raises an alert (no internet needed)' });

const common = {
  id: ruleIdSchema,
  name: z.string().min(1).max(120).optional().meta({ title: 'Name', description: 'Shown to the police, e.g. "Sân trường sau 22:00"' }),
  camera: cameraIdSchema,
  enabled: z.boolean().default(true),
  urgent: z
    .boolean()
    .default(false)
    .meta({ title: 'Urgent (alert)', description: 'Alerts notify (stream, alarm output); otherwise events are only recorded for review' }),
  severity: z.enum(['low', 'medium', 'high', 'critical']).default('medium'),
  schedule: z.array(windowSchema).optional().meta({ title: 'Schedule', description: 'Weekly windows in the hub time zone; absent means always' }),
  minDurationSeconds: z
    .number()
    .min(0)
    .max(3600)
    .default(0)
    .meta({ title: 'Minimum duration (s)', description: 'The condition must hold this long before an event starts' }),
  coolDownSeconds: z
    .number()
    .min(0)
    .max(86400)
    .default(30)
    .meta({ title: 'Cool-down (s)', description: 'After an event of this rule ends, the same object (or camera) raises no new one for this long' }),
  endAfterSeconds: z
    .number()
    .min(0)
    .max(600)
    .default(3)
    .meta({ title: 'End after (s)', description: 'An event ends once its condition has been false this long' }),
  alarm: alarmSchema.optional(),
};

const objectFilter = {
  classes: z
    .array(z.string().min(1))
    .min(1)
    .default(['person'])
    .meta({ title: 'Object classes', description: 'Labels of the detector, e.g. person, car, motorcycle' }),
  minScore: z.number().min(0).max(1).default(0.5).meta({ title: 'Minimum score', description: "On the track's median score" }),
  minSize: z
    .strictObject({ width: z.number().min(0).max(1).default(0), height: z.number().min(0).max(1).default(0) })
    .prefault({})
    .meta({ title: 'Minimum size', description: 'Box width and height as fractions of the frame' }),
  ignoreStationary: z
    .boolean()
    .default(false)
    .meta({ title: 'Ignore stationary objects', description: 'Objects that have not moved start no event (parked cars at night)' }),
};

const zone = z.array(point).min(3).max(64).meta({ title: 'Zone', description: 'Polygon, normalised points' });

export const intrusionRule = z.strictObject({ type: z.literal('intrusion'), ...common, ...objectFilter, zone }).meta({ title: 'Intrusion into a zone' });

export const lineRule = z
  .strictObject({
    type: z.literal('line'),
    ...common,
    ...objectFilter,
    line: z.tuple([point, point]).meta({ title: 'Line', description: 'From point A to point B' }),
    direction: z
      .enum(['a-b', 'b-a', 'both'])
      .default('both')
      .meta({ title: 'Direction', description: 'a-b: crossing from the left of A→B to its right (image coordinates, y down)' }),
  })
  .meta({ title: 'Line crossing' });

export const loiterRule = z
  .strictObject({
    type: z.literal('loiter'),
    ...common,
    ...objectFilter,
    zone,
    dwellSeconds: z.number().min(1).max(86400).default(60).meta({ title: 'Dwell (s)' }),
  })
  .meta({ title: 'Loitering' });

export const crowdRule = z
  .strictObject({
    type: z.literal('crowd'),
    ...common,
    ...objectFilter,
    zone: zone.optional().meta({ title: 'Zone', description: 'Absent means the whole frame' }),
    minCount: z.number().int().min(1).max(1000).default(5).meta({ title: 'More than N objects', description: 'Raised when the count exceeds this' }),
    forSeconds: z.number().min(0).max(3600).default(10).meta({ title: 'For (s)' }),
  })
  .meta({ title: 'Crowd' });

export const parkedRule = z
  .strictObject({
    type: z.literal('parked'),
    ...common,
    ...objectFilter,
    classes: objectFilter.classes.default(['car', 'motorcycle', 'truck', 'bus', 'bicycle']),
    zone: zone.optional(),
    stationarySeconds: z.number().min(1).max(86400).default(300).meta({ title: 'Stationary for (s)' }),
    tolerance: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.03)
      .meta({ title: 'Movement tolerance', description: 'Largest centre drift, fraction of the frame diagonal' }),
  })
  .meta({ title: 'Parked vehicle' });

export const tamperRule = z
  .strictObject({
    type: z.literal('tamper'),
    ...common,
    kinds: z
      .array(z.enum(['blackout', 'blur', 'scene-change']))
      .min(1)
      .default(['blackout', 'blur', 'scene-change']),
  })
  .meta({ title: 'Camera tamper' });

export const offlineRule = z.strictObject({ type: z.literal('offline'), ...common }).meta({ title: 'Camera offline' });

export const ruleSchema = z.discriminatedUnion('type', [intrusionRule, lineRule, loiterRule, crowdRule, parkedRule, tamperRule, offlineRule]);

export const eventsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    rules: z.array(ruleSchema).max(512).default([]).meta({ title: 'Rules' }),
    preRollSeconds: z.number().min(0).max(120).default(5).meta({ title: 'Clip pre-roll (s)' }),
    postRollSeconds: z.number().min(0).max(120).default(5).meta({ title: 'Clip post-roll (s)' }),
    maxClipSeconds: z.number().min(10).max(3600).default(600).meta({ title: 'Longest clip (s)', description: 'Longer events keep the first part' }),
    mediaRetentionDays: z.number().min(MIN_RETENTION_DAYS, `must be at least ${MIN_RETENTION_DAYS} day`).max(3650).default(30).meta({
      title: 'Event media retention (days)',
      description:
        'Snapshots, clips and held footage of events; events marked as incident are kept until closed (at least 1; changing it needs system:configure)',
    }),
    footageWaitSeconds: z
      .number()
      .min(1)
      .max(600)
      .default(60)
      .meta({ title: 'Wait for footage (s)', description: 'How long to wait for the recording of an event before cutting its clip' }),
    streamQueue: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(200)
      .meta({ title: 'Live stream queue per client', description: 'A slower client loses the oldest messages' }),
  })
  .superRefine((cfg, ctx) => uniqueIds(cfg.rules, 'rules', 'rule', zodReport(ctx)))
  .meta({ title: 'Security events' });

export type EventsConfig = z.infer<typeof eventsSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type RuleType = Rule['type'];
export type ScheduleWindow = z.infer<typeof windowSchema>;
export type Point = [number, number];

/** What rules may name in other sections, looked up without I/O (wired in hub/config/references.ts). */
export interface RuleTargets {
  hasCamera(id: string): boolean;
  /** Why device.output cannot be an alarm output (the field at fault), or undefined when it can. */
  outputProblem(device: string, output: string): { field: 'device' | 'output'; message: string } | undefined;
}

/**
 * The events section's references to others: each enabled rule's camera, and its alarm output.
 * A disabled rule runs nothing, so what it names need not exist: it may wait for its camera (the
 * version 2 migration parks rules whose camera an older hub deleted that way), and enabling it
 * again is refused until its camera is there. `parkedRules` lists them for health and `config check`.
 */
export function eventsReferences(cfg: EventsConfig, targets: RuleTargets, report: Report): void {
  cfg.rules.forEach((r, i) => {
    if (!r.enabled) return;
    if (!targets.hasCamera(r.camera)) {
      report(['rules', i, 'camera'], `no camera "${r.camera}": rule "${r.id}" watches it (point the rule at another camera, disable it or remove it first)`);
    }
    if (r.alarm) {
      const problem = targets.outputProblem(r.alarm.device, r.alarm.output);
      if (problem) report(['rules', i, 'alarm', problem.field], `${problem.message} (alarm output of rule "${r.id}")`);
    }
  });
}

/** Disabled rules whose camera is not configured, with the reason they cannot run. */
export function parkedRules(rules: readonly Rule[], hasCamera: (id: string) => boolean): Array<{ rule: Rule; reason: string }> {
  return rules
    .filter((r) => !r.enabled && !hasCamera(r.camera))
    .map((rule) => ({ rule, reason: `rule "${rule.id}" is disabled: it watches camera "${rule.camera}", which is not configured` }));
}
