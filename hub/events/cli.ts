/**
 * `hub events ...` commands, routed here by hub/cli.ts:
 *
 *   node bin/hub.mjs events verify <export.zip|export-folder> [--fingerprint HEX]
 *       Checks the manifest's Ed25519 signature and every file's sha256; exit 0 when the export
 *       is intact, 1 when anything differs (one changed byte of the clip is enough), 2 on misuse.
 *       --fingerprint: also require the export to be signed by this hub key (see `events key`).
 *   node bin/hub.mjs events key [--data DIR]
 *       Prints the hub's public signing key and its fingerprint (creates the key on first use).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { verifyExport } from './evidence/export.ts';
import { loadOrCreateSigningKey } from '../core/signing-key.ts';

const USAGE = `usage: hub events verify <export> [--fingerprint HEX]
       hub events key [--data DIR]
`;

export async function runEventsCli(args: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    if (cmd === 'verify') {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { fingerprint: { type: 'string' } } });
      if (positionals.length !== 1) {
        out(USAGE);
        return 2;
      }
      const r = verifyExport(resolve(positionals[0]!), values.fingerprint);
      out(`export of event ${r.eventId ?? '?'}, signed by key ${r.fingerprint ?? '?'}\n`);
      for (const f of r.files) out(`  ${f.sha256}  ${f.bytes.toString().padStart(10)}  ${f.name}\n`);
      if (r.ok) {
        out('VERIFIED: signature valid, every file matches the manifest\n');
        return 0;
      }
      for (const p of r.problems) out(`  FAIL ${p}\n`);
      out('NOT VERIFIED\n');
      return 1;
    }
    if (cmd === 'key') {
      const { values } = parseArgs({ args: rest, options: { data: { type: 'string' } } });
      const key = loadOrCreateSigningKey(resolve(values.data ?? process.env.HUB_DATA ?? './data'));
      out(`${key.publicPem}fingerprint (sha256 of the public key): ${key.fingerprint}\n`);
      return 0;
    }
  } catch (err) {
    out(`${(err as Error).message}\n`);
    return 2;
  }
  out(USAGE);
  return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
}
