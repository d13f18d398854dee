/**
 * Guards for work that runs outside a caller who could catch its error: timers, child-process and
 * stream callbacks, bus listeners. An error thrown there (ENOSPC writing a pid file, SQLITE_FULL
 * logging an alarm) would otherwise reach Node's uncaught-exception handler and end the process,
 * pump supervision included. Every such entry point in the hub goes through one of these, so the
 * error is logged with its owner's name and handed to `onError` (health, a metric) and the hub
 * carries on.
 */
import type { Logger } from './log.ts';

export type ErrorSink = (err: Error, owner: string) => void;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Wraps `fn` so that neither a throw nor a rejected promise escapes it. The error is logged as
 * `owner failed: message` and passed to `onError`.
 */
export function guarded<A extends unknown[]>(owner: string, log: Logger, fn: (...args: A) => unknown, onError?: ErrorSink): (...args: A) => void {
  const report = (raw: unknown): void => {
    const err = asError(raw);
    log.error(`${owner} failed: ${err.message}`, { stack: err.stack });
    try {
      onError?.(err, owner);
    } catch (inner) {
      log.error(`${owner}: error handler failed too: ${asError(inner).message}`);
    }
  };
  return (...args: A) => {
    try {
      const out = fn(...args);
      if (out && typeof (out as Promise<unknown>).then === 'function') (out as Promise<unknown>).then(undefined, report);
    } catch (err) {
      report(err);
    }
  };
}

/** setInterval whose callback can never throw out of the timer; unref'd unless `keepAlive`. */
export function every(ms: number, owner: string, log: Logger, fn: () => unknown, opts: { onError?: ErrorSink; keepAlive?: boolean } = {}): NodeJS.Timeout {
  const t = setInterval(guarded(owner, log, fn, opts.onError), ms);
  if (!opts.keepAlive) t.unref();
  return t;
}

/** setTimeout whose callback can never throw out of the timer. */
export function later(ms: number, owner: string, log: Logger, fn: () => unknown, onError?: ErrorSink): NodeJS.Timeout {
  return setTimeout(guarded(owner, log, fn, onError), ms);
}

/** True for the errors a full or read-only volume gives (file system and SQLite). */
export function isNoSpace(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  return (
    e.code === 'ENOSPC' ||
    e.code === 'EDQUOT' ||
    e.code === 'EROFS' ||
    e.code === 'SQLITE_FULL' ||
    e.code === 'SQLITE_IOERR' ||
    /SQLITE_FULL|database or disk is full|ENOSPC|no space left/i.test(e.message ?? '')
  );
}
