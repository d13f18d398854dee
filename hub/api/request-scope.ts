/**
 * What the hub knows about the request being served, wherever the code that serves it runs:
 * the client's address and (once signed in) the user. The router opens the scope around every
 * request; the audit log reads it, so every entry a request causes says from where, without
 * each route passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestScope {
  /** The peer's IP address as the socket saw it (no proxy headers are trusted). */
  client?: string;
  /** `user:NAME` once the session is checked. */
  actor?: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` with `scope` as the current request's (the scope object may be filled in later). */
export function withRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The request being served, or undefined outside one (timers, rules, start-up). */
export function currentRequest(): RequestScope | undefined {
  return storage.getStore();
}
