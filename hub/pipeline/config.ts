import { z } from 'zod';

/** Configuration of the pipeline subsystem (placeholder until its issue lands). */
export const pipelineSchema = z.strictObject({}).meta({ title: 'pipeline' });

export type PipelineConfig = z.infer<typeof pipelineSchema>;
