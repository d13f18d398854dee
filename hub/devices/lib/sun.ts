/**
 * Sunrise and sunset computed locally (no network), with the sunrise equation as given by the
 * NOAA/Meeus approximations: accurate to a minute or two at the Delta's latitudes, which is what
 * street lighting needs. Pure.
 */
const RAD = Math.PI / 180;
const J2000 = 2451545.0;
const UNIX_EPOCH_JD = 2440587.5;

const toJulian = (ms: number): number => ms / 86_400_000 + UNIX_EPOCH_JD;
const fromJulian = (j: number): number => Math.round((j - UNIX_EPOCH_JD) * 86_400_000);

/**
 * Sunrise and sunset (epoch ms) of the solar day nearest `dayMs` (any instant of that day) at
 * lat/lon; null at polar day or night.
 */
export function sunTimes(dayMs: number, lat: number, lon: number): { sunrise: number; sunset: number } | null {
  const n = Math.round(toJulian(dayMs) - J2000 - 0.0008 + lon / 360);
  const jStar = n - lon / 360;
  const m = (357.5291 + 0.98560028 * jStar) % 360;
  const c = 1.9148 * Math.sin(m * RAD) + 0.02 * Math.sin(2 * m * RAD) + 0.0003 * Math.sin(3 * m * RAD);
  const lambda = (m + c + 180 + 102.9372) % 360;
  const transit = J2000 + jStar + 0.0053 * Math.sin(m * RAD) - 0.0069 * Math.sin(2 * lambda * RAD);
  const sinDecl = Math.sin(lambda * RAD) * Math.sin(23.4397 * RAD);
  const cosDecl = Math.cos(Math.asin(sinDecl));
  const cosOmega = (Math.sin(-0.833 * RAD) - Math.sin(lat * RAD) * sinDecl) / (Math.cos(lat * RAD) * cosDecl);
  if (cosOmega < -1 || cosOmega > 1) return null;
  const omega = Math.acos(cosOmega) / RAD;
  return { sunrise: fromJulian(transit - omega / 360), sunset: fromJulian(transit + omega / 360) };
}
