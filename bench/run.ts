/**
 * `npm run bench -- <name> [args]` runs bench/<name>.ts; with no name, every benchmark in turn.
 * Each benchmark exports `run(args: string[]): Promise<string>` returning its results' JSON path
 * (printed last). `lib-*.ts` files are the benchmarks' shared parts, not benchmarks.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'run.ts' && !f.startsWith('_') && !f.startsWith('lib-'))
  .map((f) => f.slice(0, -3));

const [name, ...args] = process.argv.slice(2);
const names = name && !name.startsWith('-') ? [name] : available;
for (const n of names) {
  if (!available.includes(n)) {
    process.stderr.write(`bench: no benchmark "${n}"; have: ${available.join(', ')}\n`);
    process.exit(2);
  }
  const mod = (await import(join(here, `${n}.ts`))) as { run(args: string[]): Promise<string> };
  const out = await mod.run(name && !name.startsWith('-') ? args : process.argv.slice(2));
  process.stdout.write(`${out}\n`);
}
