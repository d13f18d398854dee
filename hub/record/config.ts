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
    sweepSeconds: z.number().int().min(5).max(3600).default(60).meta({ title: 'Retention sweep interval (s)' }),
  })
  .meta({ title: 'Recording' });

export type RecordingConfig = z.infer<typeof recordingSchema>;
