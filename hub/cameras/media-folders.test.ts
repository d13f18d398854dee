import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveMediaFile } from './media-folders.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function layout(): { media: string; outside: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'media-')));
  dirs.push(root);
  const media = join(root, 'media');
  const outside = join(root, 'private');
  mkdirSync(media);
  mkdirSync(outside);
  writeFileSync(join(media, 'clip.mp4'), 'x');
  writeFileSync(join(outside, 'secret.mp4'), 'x');
  return { media, outside };
}

describe('resolveMediaFile', () => {
  it('accepts a file inside a media folder, by its resolved path', () => {
    const { media } = layout();
    symlinkSync(join(media, 'clip.mp4'), join(media, 'alias.mp4'));
    expect(resolveMediaFile(join(media, 'alias.mp4'), [media])).toEqual({ ok: true, path: join(media, 'clip.mp4') });
  });

  it('refuses a file outside, one reached by .. or a symlink out of the folder, and a folder that only shares a prefix', () => {
    const { media, outside } = layout();
    symlinkSync(join(outside, 'secret.mp4'), join(media, 'link.mp4'));
    mkdirSync(`${media}-2`);
    writeFileSync(`${media}-2/x.mp4`, 'x');
    for (const p of [join(outside, 'secret.mp4'), `${media}/../private/secret.mp4`, join(media, 'link.mp4'), `${media}-2/x.mp4`]) {
      expect(resolveMediaFile(p, [media]).ok, p).toBe(false);
    }
  });

  it('answers a missing file like one outside (it never tells which files exist), and refuses URLs', () => {
    const { media } = layout();
    const missing = resolveMediaFile('/etc/no-such-file.mp4', [media]);
    const outside = resolveMediaFile('/etc/hostname', [media]);
    expect(missing).toEqual(outside);
    expect(resolveMediaFile('http://10.0.0.1/x.mp4', [media]).ok).toBe(false);
    expect(resolveMediaFile('subfile:,,start,0,end,0,,:/etc/hostname', ['/']).ok).toBe(false);
  });
});
