/**
 * A camera's credentials in text about it (ffmpeg's error lines quote the input URL whole:
 * `rtsp://admin:pw@10.0.0.5/ch1: Server returned 401`). Pure: no I/O.
 */
import { redactUserinfo } from '../core/log.ts';
import type { CameraSource } from './config.ts';

const MASK = '***';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The password of `url` in every form text may carry it: as written, decoded, re-encoded. */
function passwordForms(url: string): string[] {
  // Read from the text itself: the URL parser re-encodes, and ffmpeg prints what it was given.
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url)?.[1];
  const colon = userinfo?.indexOf(':') ?? -1;
  if (!userinfo || colon < 0) return [];
  const written = userinfo.slice(colon + 1);
  const forms = new Set([written]);
  try {
    const decoded = decodeURIComponent(written);
    forms.add(decoded).add(encodeURIComponent(decoded));
  } catch {
    // Not valid percent-encoding: the written form is all there is.
  }
  try {
    forms.add(new URL(url).password);
  } catch {
    // The schema refuses such a URL; nothing more to find.
  }
  forms.delete('');
  return [...forms];
}

/**
 * Returns a function that masks `source`'s credentials in a line of text: any
 * `scheme://user:password@` userinfo, and the camera's own password wherever it appears, in the
 * forms it can take. Applied to every ffmpeg line before it is kept, logged or put in the state.
 */
export function cameraRedactor(source: CameraSource): (text: string) => string {
  const forms = source.type === 'rtsp' ? passwordForms(source.url) : [];
  // Longest first, so a form that contains another is masked whole.
  const secret = forms.length
    ? new RegExp(
        forms
          .sort((a, b) => b.length - a.length)
          .map(escapeRe)
          .join('|'),
        'gi',
      )
    : undefined;
  return (text) => {
    const out = redactUserinfo(text);
    return secret ? out.replace(secret, MASK) : out;
  };
}
