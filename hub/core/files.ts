/** File helpers for evidence and the audit archive: hashes, and writes that land whole or not at all. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, renameSync, writeFileSync, fsyncSync, openSync, closeSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export function sha256(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** A temp path beside `path` (same filesystem, so the rename is atomic). */
export function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Flushes `tmp` to disk and renames it onto `path`. */
export function commitFile(tmp: string, path: string): void {
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Writes `data` to `path` through a temp file and a rename. */
export function writeFileAtomic(path: string, data: Buffer | string, mode?: number): void {
  const tmp = tempBeside(path);
  try {
    writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    commitFile(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
