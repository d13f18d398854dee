import { z } from 'zod';

/** Configuration of the detect subsystem (placeholder until its issue lands). */
export const detectSchema = z.strictObject({}).meta({ title: 'detect' });

export type DetectConfig = z.infer<typeof detectSchema>;
