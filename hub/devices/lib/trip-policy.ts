/**
 * How each kind of pump trip is reset (issue 12, finding 6). Pure.
 *
 * | trip (reason code)                        | reset                                             |
 * |-------------------------------------------|---------------------------------------------------|
 * | dry-run, dry-run-current, implausible     | acknowledge: the motor may have run dry           |
 * | sensor-failsafe                           | acknowledge: the pump ran blind                   |
 * | max-run, uncommanded-start                | acknowledge: someone must know why it ran         |
 * | unexpected-stop (power, watchdog, fault)  | acknowledge: the hub never restarts it by itself  |
 * | salinity-high, canal-low, canal-high      | auto: water unfit, not harm to the motor; the     |
 * |                                           | permissive itself refuses starts until it is fit  |
 * | any other code                            | acknowledge                                       |
 *
 * "acknowledge": the trip latches. The pump may not start while its alarm is unacknowledged;
 * only a person (actor `user:…`, through a route that needs devices:command) may acknowledge it,
 * never a rule; the alarm clears once acknowledged and the pump is stopped. "auto": the alarm
 * clears once the pump is seen stopped and does not hold back a start. A drive fault is the
 * drive's own latch: it is reset with the drive's reset command (devices:command).
 */
export type TripReset = 'acknowledge' | 'auto';

const AUTO = new Set(['salinity-high', 'canal-low', 'canal-high']);

export function tripReset(code: string): TripReset {
  return AUTO.has(code) ? 'auto' : 'acknowledge';
}

/** Whether `actor` may acknowledge a latched trip: a person, never a rule or the hub. */
export function mayResetTrip(actor: string): boolean {
  return actor.startsWith('user:');
}
