import { z } from 'zod';
import { cameraSchema } from '../cameras/config.ts';
import { recordingSchema } from '../record/config.ts';
import { detectSchema } from '../detect/config.ts';
import { pipelineSchema } from '../pipeline/config.ts';
import { eventsSchema } from '../events/config.ts';
import { devicesSchema } from '../devices/config.ts';
import { CONFIG_VERSION } from './migrations.ts';
import { ConfigError, formatPath } from './config-error.ts';
import { checkReferences } from './references.ts';
import { zodReport } from './ref-check.ts';

export { CONFIG_VERSION } from './migrations.ts';
export { ConfigError, formatPath, type ConfigIssue } from './config-error.ts';

/**
 * The one schema of the hub's configuration: it gives the TypeScript type, the defaults, the
 * validation (unknown keys are rejected so typos fail loudly) and the JSON Schema for the UI.
 * Each subsystem owns its section's schema in its own folder.
 */
export const hubConfigSchema = z
  .strictObject({
    version: z
      .literal(CONFIG_VERSION)
      .default(CONFIG_VERSION)
      .meta({ title: 'Version', description: 'Shape of this document; older files are migrated on load (hub/config/migrations.ts)' }),
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
    media: z
      .strictObject({
        folders: z
          .array(z.string().refine((p) => p.startsWith('/'), 'must be an absolute path'))
          .max(32)
          .default([])
          .meta({ title: 'Media folders', description: 'Absolute paths of folders holding video files that file cameras may play' }),
      })
      .prefault({})
      .meta({
        title: 'Media',
        description:
          'Where file cameras may read from (a file outside these folders is refused). Set only in this file or with ' +
          "`hub start --media-dir`, never through the API; needs a restart. The data folder's media/ and the bundled demo footage are always allowed",
      }),
    cameras: z.array(cameraSchema).max(64).default([]),
    recording: recordingSchema.prefault({}),
    detect: detectSchema.prefault({}),
    pipeline: pipelineSchema.prefault({}),
    events: eventsSchema.prefault({}),
    devices: devicesSchema.prefault({}),
  })
  // References between sections (rules → cameras, alarm outputs → devices, pipeline settings →
  // cameras) are part of validity: a change that would break one is refused like a bad value.
  .superRefine((cfg, ctx) => checkReferences(cfg, zodReport(ctx)));

export type HubConfig = z.infer<typeof hubConfigSchema>;
export type HubConfigInput = z.input<typeof hubConfigSchema>;

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
