import { z } from 'zod';

/**
 * Floors and ceilings of the settings that destroy footage (issue 11, finding 7). Footage is
 * evidence: no retention under a day, and a free-space watermark that cannot make the sweeper
 * delete most of the disk. Changing any of them through the API needs system:configure
 * (hub/api/config-change.ts); older files beyond them are brought inside by config migration v3.
 */
export const MIN_RETENTION_DAYS = 1;
/**
 * The sweeper deletes the oldest footage until this share of the volume is free, and held footage
 * (up to maxHeldPercent, 30 by default) is never deleted: at the old ceiling of 90 % rolling
 * footage could keep only a tenth of the disk, so a week of retention became hours. At 30 %, with
 * the default held share, at least 40 % of the volume is left for rolling footage.
 */
export const MAX_MIN_FREE_PERCENT = 30;

export const recordingSchema = z
  .strictObject({
    segmentSeconds: z.number().int().min(2).max(300).default(10).meta({ title: 'Segment length (s)', description: 'Restart needed' }),
    retentionDays: z.number().min(MIN_RETENTION_DAYS, `must be at least ${MIN_RETENTION_DAYS} day`).max(3650).default(7).meta({
      title: 'Retention (days)',
      description: 'Footage older than this is deleted, oldest first (plans ask for 7; at least 1; changing it needs system:configure)',
    }),
    minFreePercent: z
      .number()
      .min(1)
      .max(MAX_MIN_FREE_PERCENT, `must be at most ${MAX_MIN_FREE_PERCENT} (a higher watermark makes the sweeper delete most footage)`)
      .default(10)
      .meta({
        title: 'Keep free (%)',
        description: `When the recordings volume has less free space, oldest footage goes first (at most ${MAX_MIN_FREE_PERCENT}; changing it needs system:configure)`,
      }),
    sweepSeconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(60)
      .meta({ title: 'Retention sweep interval (s)', description: 'A sweep also runs at once when free space falls under the watermark' }),
    holdDays: z.number().min(1).max(3650).default(90).meta({
      title: 'Holds expire after (days)',
      description:
        'Footage held for an event or an export is released this long after the hold was taken (exports are deleted then too); open incidents keep theirs until closed',
    }),
    maxHeldPercent: z.number().min(1).max(90).default(30).meta({
      title: 'Held footage at most (% of volume)',
      description: 'Held footage is never deleted, so a new hold that would take it past this share of the volume is refused with an alarm',
    }),
  })
  .meta({ title: 'Recording' });

export type RecordingConfig = z.infer<typeof recordingSchema>;
