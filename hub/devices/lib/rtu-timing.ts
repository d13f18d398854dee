/**
 * Modbus RTU line timing (Modbus over Serial Line, V1.02, section 2.5.1.1): a character is 11 bits
 * (start, 8 data, parity or a second stop bit, stop); frames are separated by at least 3.5
 * character times; above 19200 baud the spec fixes t3.5 at 1.75 ms. Pure.
 */

export const BITS_PER_CHAR = 11;

/** Time on the wire of `bytes` characters, in ms. */
export function charsMs(bytes: number, baud: number): number {
  return (bytes * BITS_PER_CHAR * 1000) / baud;
}

/** The inter-frame silence t3.5, in ms. */
export function t35Ms(baud: number): number {
  return baud > 19200 ? 1.75 : charsMs(3.5, baud);
}

/** Bytes of a read request (FC 1-4) and of its reply, RTU framing (address + FC + ... + CRC). */
export function readFrameBytes(table: 'coil' | 'discrete' | 'holding' | 'input', count: number): { request: number; response: number } {
  const data = table === 'coil' || table === 'discrete' ? Math.ceil(count / 8) : count * 2;
  return { request: 8, response: 5 + data };
}

/**
 * The most transactions per second one line can carry for a read of `count` registers when every
 * slave answers at once: request + t3.5 + reply + t3.5, back to back.
 */
export function theoreticalReadsPerSecond(baud: number, table: 'coil' | 'discrete' | 'holding' | 'input', count: number): number {
  const { request, response } = readFrameBytes(table, count);
  const cycle = charsMs(request, baud) + charsMs(response, baud) + 2 * t35Ms(baud);
  return 1000 / cycle;
}
