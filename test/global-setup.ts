import { ensureFixtures } from '../tools/fixtures.ts';

/** Fetches the real footage and images once before any test runs. */
export default function setup(): void {
  ensureFixtures();
}
