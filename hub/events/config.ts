import { z } from 'zod';

/** Configuration of the events subsystem (placeholder until its issue lands). */
export const eventsSchema = z.strictObject({}).meta({ title: 'events' });

export type EventsConfig = z.infer<typeof eventsSchema>;
