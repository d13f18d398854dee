/**
 * Where a `file` camera may read from: only inside the media folders, which come from the
 * configuration file (`media.folders`) or the command line (`hub start --media-dir`), never from
 * the API (issue 11, finding 6). Touches the disk (realpath), so it is checked when a camera is
 * added or changed through the API and again each time its ffmpeg starts, never by the schema.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The footage bundled for the demo (hub/demo): always a media folder, so `npm run hub` runs. */
export const DEMO_MEDIA_DIR = fileURLToPath(new URL('../demo', import.meta.url));

export type MediaCheck = { ok: true; path: string } | { ok: false; message: string };

/**
 * Resolves `path` (symlinks followed) and accepts it only when the file it names lies inside one
 * of `folders` (each resolved too; one that does not exist holds nothing). The resolved path is
 * what ffmpeg must be given, so a symlink changed later cannot lead it elsewhere.
 */
export function resolveMediaFile(path: string, folders: readonly string[]): MediaCheck {
  if (/^[^/]*:/.test(path) || !isAbsolute(path)) return { ok: false, message: 'must be an absolute file path, not a URL' };
  // One answer for "missing" and "outside": the API must not tell which files exist elsewhere.
  const outside: MediaCheck = {
    ok: false,
    message: 'must name a file inside a media folder (media.folders in the configuration file, or hub start --media-dir)',
  };
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return outside;
  }
  for (const folder of folders) {
    let root: string;
    try {
      root = realpathSync(folder);
    } catch {
      continue;
    }
    if (real.startsWith(root.endsWith(sep) ? root : root + sep)) return { ok: true, path: real };
  }
  return outside;
}
