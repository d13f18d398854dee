import { z } from 'zod';

/** Configuration of the devices subsystem (placeholder until its issue lands). */
export const devicesSchema = z.strictObject({}).meta({ title: 'devices' });

export type DevicesConfig = z.infer<typeof devicesSchema>;
