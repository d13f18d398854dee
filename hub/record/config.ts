import { z } from 'zod';

export const recordingSchema = z
  .strictObject({
    segmentSeconds: z.number().int().min(2).max(300).default(10).meta({ title: 'Segment length (s)', description: 'Restart needed' }),
    retentionDays: z
      .number()
      .min(0.01, 'must be positive')
      .max(3650)
      .default(7)
      .meta({ title: 'Retention (days)', description: 'Footage older than this is deleted, oldest first (plans ask for 7)' }),
    minFreePercent: z
      .number()
      .min(1)
      .max(90)
      .default(10)
      .meta({ title: 'Keep free (%)', description: 'When the recordings volume has less free space, oldest footage goes first' }),
    sweepSeconds: z
      .number().int().min(5).max(3600).default(60)
      .meta({ title: 'Retention sweep interval (s)', description: 'A sweep also runs at once when free space falls under the watermark' }),
    holdDays: z
      .number()
      .min(1)
      .max(3650)
      .default(90)
      .meta({
        title: 'Holds expire after (days)',
        description: 'Footage held for an event or an export is released this long after the hold was taken (exports are deleted then too); open incidents keep theirs until closed',
      }),
    maxHeldPercent: z
      .number()
      .min(1)
      .max(90)
      .default(30)
      .meta({
        title: 'Held footage at most (% of volume)',
        description: 'Held footage is never deleted, so a new hold that would take it past this share of the volume is refused with an alarm',
      }),
  })
  .meta({ title: 'Recording' });

export type RecordingConfig = z.infer<typeof recordingSchema>;
