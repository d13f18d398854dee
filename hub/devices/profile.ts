/**
 * Device profiles: register maps and commands as data (JSON under ./profiles), validated by the
 * schema below when the module loads, and kept in a typed registry by id. A device in the config
 * names its profile and may override single points (an address that differs on the installed
 * model, the range of a level transmitter).
 */
import { z } from 'zod';
import gd20 from './profiles/invt-gd20.json' with { type: 'json' };
import atv320 from './profiles/schneider-atv320.json' with { type: 'json' };
import level420 from './profiles/level-4-20ma.json' with { type: 'json' };
import ecSalinity from './profiles/ec-salinity-rs485.json' with { type: 'json' };
import relay8 from './profiles/relay-8ch.json' with { type: 'json' };
import wbMr6c from './profiles/wb-mr6c.json' with { type: 'json' };
import type { RegisterPoint } from './lib/registers.ts';

const pointSchema = z.strictObject({
  table: z.enum(['coil', 'discrete', 'holding', 'input']),
  address: z.int().min(0).max(0xffff),
  type: z.enum(['bool', 'u16', 'i16', 'u32', 'i32', 'f32']),
  wordOrder: z.enum(['hi-lo', 'lo-hi']).optional(),
  scale: z.number().optional(),
  offset: z.number().optional(),
  bit: z.int().min(0).max(15).optional(),
  unit: z.string().optional(),
  /** r: polled; rw: polled and writable; w: write-only (never polled, e.g. a command register). */
  access: z.enum(['r', 'rw', 'w']).default('r'),
  title: z.string().optional(),
});

const derivedSchema = z
  .strictObject({
    from: z.string(),
    in: z.array(z.number()).optional(),
    mask: z.int().optional(),
    equals: z.number().optional(),
    linear: z.strictObject({ in: z.tuple([z.number(), z.number()]), out: z.tuple([z.number(), z.number()]) }).optional(),
    unit: z.string().optional(),
    title: z.string().optional(),
  })
  .refine((d) => d.in !== undefined || d.mask !== undefined || d.linear !== undefined, 'derived needs in, mask+equals or linear');

const commandSchema = z.strictObject({
  writes: z.array(z.strictObject({ point: z.string(), value: z.union([z.number(), z.boolean()]).optional(), arg: z.string().optional() })).min(1),
  verify: z.strictObject({ point: z.string(), equals: z.union([z.number(), z.boolean()]).optional(), equalsArg: z.string().optional() }),
  args: z.record(z.string(), z.strictObject({ min: z.number(), max: z.number() })).optional(),
});

export const profileSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/),
    kind: z.enum(['vfd', 'level', 'salinity', 'relay']),
    title: z.string(),
    sources: z.array(z.string()).min(1),
    wordOrder: z.enum(['hi-lo', 'lo-hi']),
    maxRegisters: z.int().min(1).max(125),
    points: z.record(z.string(), pointSchema),
    derived: z.record(z.string(), derivedSchema),
    roles: z.record(z.string(), z.string()),
    commands: z.record(z.string(), commandSchema),
    commissioning: z.array(z.strictObject({ point: z.string(), value: z.number(), why: z.string().optional() })),
    heartbeat: z.strictObject({ point: z.string(), why: z.string().optional() }).optional(),
    /**
     * Writes that arm a relay module's own communication-loss watchdog (its outputs drop when the
     * master goes quiet), each written and verified by read-back before a contactor pump on it may
     * start (issue 12, finding 11). Generic on purpose: a module that has one gets a profile citing
     * its manual's registers (wb-mr6c: safe-mode timeout and power-up state). A point with unit
     * "s" written here is the watchdog's timeout: the configuration keeps the module's poll
     * interval well inside it.
     */
    commLossWatchdog: z
      .array(z.strictObject({ point: z.string(), value: z.number(), why: z.string().optional() }))
      .min(1)
      .optional(),
  })
  .superRefine((p, ctx) => {
    const known = (n: string): boolean => n in p.points || n in p.derived;
    for (const [name, d] of Object.entries(p.derived)) {
      if (!(d.from in p.points)) ctx.addIssue({ code: 'custom', path: ['derived', name, 'from'], message: `no point "${d.from}"` });
    }
    for (const [role, n] of Object.entries(p.roles)) if (!known(n)) ctx.addIssue({ code: 'custom', path: ['roles', role], message: `no point "${n}"` });
    for (const [name, c] of Object.entries(p.commands)) {
      c.writes.forEach((w, i) => {
        if (p.points[w.point]?.access === 'r' || !(w.point in p.points))
          ctx.addIssue({ code: 'custom', path: ['commands', name, 'writes', i], message: `"${w.point}" is not a writable point` });
      });
      if (!known(c.verify.point)) ctx.addIssue({ code: 'custom', path: ['commands', name, 'verify'], message: `no point "${c.verify.point}"` });
    }
    for (const [i, c] of p.commissioning.entries())
      if (!(c.point in p.points)) ctx.addIssue({ code: 'custom', path: ['commissioning', i], message: `no point "${c.point}"` });
    for (const [i, c] of (p.commLossWatchdog ?? []).entries())
      if (!(c.point in p.points)) ctx.addIssue({ code: 'custom', path: ['commLossWatchdog', i], message: `no point "${c.point}"` });
    if (p.heartbeat && !(p.heartbeat.point in p.points)) ctx.addIssue({ code: 'custom', path: ['heartbeat'], message: `no point "${p.heartbeat.point}"` });
  });

export type Profile = z.infer<typeof profileSchema>;
export type ProfilePoint = z.infer<typeof pointSchema>;
export type DerivedPoint = z.infer<typeof derivedSchema>;
export type ProfileCommand = z.infer<typeof commandSchema>;

export const PROFILE_IDS = ['invt-gd20', 'schneider-atv320', 'level-4-20ma', 'ec-salinity-rs485', 'relay-8ch', 'wb-mr6c'] as const;
export type ProfileId = (typeof PROFILE_IDS)[number];

function load(id: ProfileId, doc: unknown): Profile {
  const r = profileSchema.safeParse(doc);
  if (!r.success) throw new Error(`devices: profile ${id} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (r.data.id !== id) throw new Error(`devices: profile file for ${id} declares id ${r.data.id}`);
  return r.data;
}

/** Every shipped profile, validated once at import. */
export const PROFILES = {
  'invt-gd20': load('invt-gd20', gd20),
  'schneider-atv320': load('schneider-atv320', atv320),
  'level-4-20ma': load('level-4-20ma', level420),
  'ec-salinity-rs485': load('ec-salinity-rs485', ecSalinity),
  'relay-8ch': load('relay-8ch', relay8),
  'wb-mr6c': load('wb-mr6c', wbMr6c),
} satisfies Record<ProfileId, Profile>;

/** Applies a device's per-point overrides to its profile (shallow merge per point). */
export function withOverrides(p: Profile, overrides: Record<string, Record<string, unknown>> = {}): Profile {
  const points = { ...p.points };
  const derived = { ...p.derived };
  for (const [name, o] of Object.entries(overrides)) {
    if (name in points) points[name] = pointSchema.parse({ ...points[name], ...o });
    else if (name in derived) derived[name] = derivedSchema.parse({ ...derived[name], ...o });
    else throw new Error(`devices: profile ${p.id} has no point "${name}" to override`);
  }
  return { ...p, points, derived };
}

/** The polled points of a profile as register points. */
export function polledPoints(p: Profile): Record<string, RegisterPoint> {
  const out: Record<string, RegisterPoint> = {};
  for (const [name, pt] of Object.entries(p.points)) if (pt.access !== 'w') out[name] = pt;
  return out;
}

/** Computes a derived point from its source value. */
export function derive(d: DerivedPoint, source: number | boolean): number | boolean {
  const v = Number(source);
  if (d.in) return d.in.includes(v);
  if (d.mask !== undefined) return (v & d.mask) === (d.equals ?? d.mask);
  if (d.linear) {
    const [i0, i1] = d.linear.in;
    const [o0, o1] = d.linear.out;
    return Number((o0 + ((v - i0) * (o1 - o0)) / (i1 - i0)).toFixed(4));
  }
  return v;
}
