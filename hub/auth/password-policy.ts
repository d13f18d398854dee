/**
 * What a password must be (Decision 724/QĐ-BTTTT asks for strong, unique passwords): at least
 * 10 characters, and none that a guesser tries first. A guesser's list is not just the common
 * passwords themselves but their everyday disguises, so each candidate is also checked folded:
 * lower case, Vietnamese diacritics removed, separators dropped, digits and symbols around it
 * stripped, look-alike digits read as letters (`Passw0rd123` → `password`).
 */
import { commonPasswords } from './common-passwords.ts';

export const MIN_PASSWORD_LENGTH = 10;

/** Keyboard rows and the alphabet, read in either direction, are one "sequence" each. */
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./",
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/',
  'qazwsxedcrfvtgbyhnujmikolp',
  '7894561230', // number pad, top row first
].flatMap((s) => [s, [...s].reverse().join('')]);

/** Look-alikes a guesser swaps in; `1` is tried both as i and as l. */
const LEET: Record<string, string[]> = {
  '0': ['o'],
  '1': ['i', 'l'],
  '3': ['e'],
  '4': ['a'],
  '5': ['s'],
  '7': ['t'],
  '8': ['b'],
  '9': ['g'],
  '@': ['a'],
  $: ['s'],
  '!': ['i'],
  '|': ['l'],
  '+': ['t'],
};

/** Lower case without Vietnamese diacritics (đ → d): `Mật Khẩu` → `mat khau`. */
function fold(password: string): string {
  return password.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase();
}

/** The password with its leading and trailing digits and symbols removed (`!!dragon2026` → `dragon`). */
function core(s: string): string {
  return s.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
}

/** Every reading of the look-alike digits as letters (capped: a long run of 1s has many). */
function unleet(s: string): string[] {
  let out = [''];
  for (const ch of s) {
    const subs = LEET[ch] ?? [ch];
    out = out.flatMap((prefix) => subs.map((x) => prefix + x)).slice(0, 64);
  }
  return out;
}

/** The forms a guesser's list would hold this password as. */
function guessableForms(password: string): string[] {
  const lower = fold(password);
  const compact = lower.replace(/[\s\-_.]+/g, '');
  const forms = new Set<string>([lower, compact]);
  for (const f of [lower, compact]) {
    const c = core(f);
    if (c.length >= 3) forms.add(c);
    for (const u of unleet(f)) forms.add(u);
    for (const u of unleet(c)) if (u.length >= 3) forms.add(u);
  }
  return [...forms];
}

function isSequence(s: string): boolean {
  return s.length >= 4 && SEQUENCES.some((seq) => seq.includes(s));
}

/**
 * Why `password` is refused, or undefined when it is acceptable. `username`, when given, must not
 * be part of it.
 */
export function weakPasswordReason(password: string, username?: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  const lower = fold(password);
  const compact = lower.replace(/[\s\-_.]+/g, '');
  if (new Set(compact).size < 5) return 'must use at least 5 different characters';
  if (/^(.+?)\1+$/su.test(compact) || /^(.+?)\1+$/su.test(core(compact))) return 'must not repeat a pattern';
  if (isSequence(compact) || isSequence(core(compact))) return 'must not be a keyboard or alphabet sequence';
  if (username && username.length >= 3 && compact.includes(fold(username).replace(/[\s\-_.]+/g, ''))) {
    return 'must not contain the user name';
  }
  const common = commonPasswords();
  if (guessableForms(password).some((f) => common.has(f))) {
    return 'is too common (a well-known password, perhaps with digits added or letters swapped for look-alikes)';
  }
  return undefined;
}
