/**
 * The hub's Ed25519 signing key: generated once under dataDir/keys/, the private half readable
 * by the hub's user only (0600). Evidence exports and audit archives are signed with it; its public half and fingerprint go
 * into every export so a verifier can compare them with the hub's published key.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, writeFileAtomic } from './files.ts';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicPem: string;
  /** sha256 of the DER public key, hex: what a person compares. */
  fingerprint: string;
}

export const KEY_FILE = 'hub-ed25519.key';
export const PUBLIC_FILE = 'hub-ed25519.pub';

export function keyFingerprint(pub: KeyObject): string {
  return sha256(pub.export({ type: 'spki', format: 'der' }));
}

function fromPrivate(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: keyFingerprint(publicKey) };
}

/** Loads dataDir/keys/hub-ed25519.key, creating the pair on first use. */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const dir = join(dataDir, 'keys');
  const file = join(dir, KEY_FILE);
  if (existsSync(file)) {
    // A key copied in or left by an older hub may be wider than owner-only: narrowed first.
    if (statSync(dir).mode & 0o077) chmodSync(dir, 0o700);
    if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
    const key = createPrivateKey(readFileSync(file));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`events: ${file} is not an Ed25519 key`);
    return fromPrivate(key);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileAtomic(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  chmodSync(file, 0o600);
  const k = fromPrivate(privateKey);
  writeFileAtomic(join(dir, PUBLIC_FILE), k.publicPem, 0o644);
  return k;
}

export function signBytes(key: SigningKey, data: Buffer): Buffer {
  return sign(null, data, key.privateKey);
}

export function verifyBytes(publicPem: string, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, data, createPublicKey(publicPem), signature);
  } catch {
    return false;
  }
}
