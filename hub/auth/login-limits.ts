/**
 * How many password guesses the hub allows (Decision 724/QĐ-BTTTT asks for a lockout after
 * repeated failures). Two limits, both answered without telling whether a user name exists:
 *
 * - per account: `maxFailures` wrong passwords in a row lock the account for `lockMinutes`; while
 *   locked, every sign-in to it is refused before the password is even checked, the right one
 *   too, with the same 401 as a wrong password or an unknown user. An admin's `enable` (or a
 *   password reset) lifts the lock early.
 * - per client address: `attemptsPerMinute` sign-in attempts (right or wrong, known user or not)
 *   in any 60 s; more get 429 with Retry-After. This bounds one machine's guessing across every
 *   account, and the scrypt work (~100 ms, 32 MiB each) a single client can make the hub do.
 */
import { HubError } from '../core/errors.ts';

export interface LoginLimits {
  /** Consecutive wrong passwords that lock an account. */
  maxFailures: number;
  /** How long a locked account stays locked. */
  lockMinutes: number;
  /** Sign-in attempts one client address may make in any 60 seconds. */
  attemptsPerMinute: number;
}

/** The hub's defaults: 5 failures lock an account for 15 minutes; 20 attempts a minute per address. */
export const LOGIN_LIMITS: Readonly<LoginLimits> = Object.freeze({ maxFailures: 5, lockMinutes: 15, attemptsPerMinute: 20 });

/** Addresses remembered at once; past this the one seen longest ago is forgotten (memory stays bounded). */
const MAX_ADDRESSES = 10_000;
const WINDOW_MS = 60_000;

/** Too many sign-in attempts from one address: 429 with the seconds to wait (the router sends Retry-After). */
export class TooManyAttempts extends HubError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, `auth: too many sign-in attempts from this address; try again in ${retryAfterSeconds} s`);
    this.name = 'TooManyAttempts';
  }
}

/**
 * The key an address is counted under: an IPv6 client is counted by its /64, which one household
 * or one attacker gets whole (counting single addresses would let it rotate through 2^64 of them).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array<string>(Math.max(8 - h.length - t.length, 0)).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * A sliding 60-second window of attempts per client address. Pure bookkeeping: the clock is
 * passed in, nothing is awaited.
 */
export class AttemptWindow {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly limit: () => number) {}

  /** Counts one attempt from `address` at `nowMs`; throws TooManyAttempts when over the limit. */
  hit(address: string, nowMs: number): void {
    const key = addressKey(address);
    const times = (this.seen.get(key) ?? []).filter((t) => t > nowMs - WINDOW_MS);
    const limit = this.limit();
    if (times.length >= limit) {
      this.seen.set(key, times);
      throw new TooManyAttempts(Math.max(1, Math.ceil((times[0]! + WINDOW_MS - nowMs) / 1000)));
    }
    times.push(nowMs);
    // Refresh its place in the map's order, so the oldest address is the one forgotten.
    this.seen.delete(key);
    this.seen.set(key, times);
    if (this.seen.size > MAX_ADDRESSES) this.seen.delete(this.seen.keys().next().value!);
  }
}
