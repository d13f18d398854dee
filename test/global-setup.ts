import { ensureFixtures } from './fixtures/fetch-fixtures.ts';

/** Fetches the real footage and images once before any test runs. */
export default function setup(): void {
  ensureFixtures();
}
