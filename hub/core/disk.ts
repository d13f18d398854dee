import { statfsSync } from 'node:fs';

/** Size and free space of one volume, in bytes. */
export interface DiskUsage {
  totalBytes: number;
  freeBytes: number;
}

export type DiskProbe = (path: string) => DiskUsage;

/**
 * Free space of the volume holding `path`, as an unprivileged process may use it (`bavail`, not
 * `bfree`: the blocks reserved for root are no use to the hub). Shared by record (retention and
 * the space keeper) and the metrics registry's disk gauges.
 */
export const statDisk: DiskProbe = (path) => {
  const s = statfsSync(path);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
};
