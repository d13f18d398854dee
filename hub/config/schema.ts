import { z } from 'zod';
import { cameraSchema } from '../cameras/config.ts';
import { recordingSchema } from '../record/config.ts';
import { detectSchema } from '../detect/config.ts';
import { pipelineSchema } from '../pipeline/config.ts';
import { eventsSchema } from '../events/config.ts';
import { devicesSchema } from '../devices/config.ts';

export const CONFIG_VERSION = 1;

/**
 * The one schema of the hub's configuration: it gives the TypeScript type, the defaults, the
 * validation (unknown keys are rejected so typos fail loudly) and the JSON Schema for the UI.
 * Each subsystem owns its section's schema in its own folder.
 */
export const hubConfigSchema = z
  .strictObject({
    version: z.literal(CONFIG_VERSION).default(CONFIG_VERSION),
    hub: z
      .strictObject({
        name: z.string().min(1).max(120).default('Hub xã').meta({ title: 'Hub name' }),
        timezone: z.string().default('Asia/Ho_Chi_Minh').meta({ title: 'Time zone', description: 'IANA name; schedules use local time' }),
        language: z.enum(['vi', 'en']).default('vi').meta({ title: 'Language' }),
        location: z
          .strictObject({
            lat: z.number().min(-90).max(90),
            lon: z.number().min(-180).max(180),
          })
          .default({ lat: 9.9347, lon: 106.3453 })
          .meta({ title: 'Coordinates', description: 'For sunrise/sunset schedules (default: Trà Vinh)' }),
      })
      .prefault({}),
    cameras: z.array(cameraSchema).max(64).default([]),
    recording: recordingSchema.prefault({}),
    detect: detectSchema.prefault({}),
    pipeline: pipelineSchema.prefault({}),
    events: eventsSchema.prefault({}),
    devices: devicesSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.cameras.forEach((cam, i) => {
      const first = seen.get(cam.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['cameras', i, 'id'], message: `duplicate camera id "${cam.id}" (also cameras[${first}])` });
      } else seen.set(cam.id, i);
    });
  });

export type HubConfig = z.infer<typeof hubConfigSchema>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

/** Formats a zod path as `cameras[2].source.url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly where: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`config: ${where} is invalid:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an unknown document; returns the typed config or throws ConfigError naming each bad field. */
export function parseConfig(doc: unknown, where = 'configuration'): HubConfig {
  const result = hubConfigSchema.safeParse(doc);
  if (result.success) return result.data;
  throw new ConfigError(
    where,
    result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  );
}

/** The JSON Schema of the configuration, for the UI's forms and for provisioning manifests. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(hubConfigSchema, { io: 'input', unrepresentable: 'any' });
}
