/**
 * Evidence exports: the clip, the snapshot, the event as JSON and a manifest of their sha256
 * hashes signed with the hub's Ed25519 key, as a folder or a stored ZIP. `verifyExport` checks
 * one (documented command: `node bin/hub.mjs events verify <export>`).
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { commitFile, sha256, tempBeside } from '../../core/files.ts';
import { keyFingerprint, signBytes, verifyBytes, type SigningKey } from '../../core/signing-key.ts';
import { readZip, writeZip, type ZipEntry } from './zip.ts';

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
export const MANIFEST_FORMAT = 'commune-hub-evidence/1';

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  exportId: string;
  hub: string;
  eventId: number;
  createdAt: string;
  createdBy: string;
  files: ManifestFile[];
  signer: { algorithm: 'Ed25519'; publicKey: string; fingerprint: string };
}

export interface ExportInput {
  exportId?: string;
  hub: string;
  eventId: number;
  createdBy: string;
  /** name in the export → bytes, e.g. clip.mp4, snapshot.jpg, event.json */
  files: ZipEntry[];
}

export function newExportId(eventId: number): string {
  return `ev${eventId}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/** Builds the signed manifest for `input`: its JSON bytes and the detached signature (base64). */
export function signManifest(input: ExportInput & { exportId: string }, key: SigningKey, now = new Date()): { manifest: Buffer; signature: Buffer } {
  const m: Manifest = {
    format: MANIFEST_FORMAT,
    exportId: input.exportId,
    hub: input.hub,
    eventId: input.eventId,
    createdAt: now.toISOString(),
    createdBy: input.createdBy,
    files: input.files.map((f) => ({ name: f.name, bytes: f.data.length, sha256: sha256(f.data) })),
    signer: { algorithm: 'Ed25519', publicKey: key.publicPem, fingerprint: key.fingerprint },
  };
  const manifest = Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
  return { manifest, signature: Buffer.from(`${signBytes(key, manifest).toString('base64')}\n`) };
}

/** Writes the export into `dir` as `<id>/` or `<id>.zip`, atomically (temp, then rename). */
export function writeExport(dir: string, input: ExportInput, key: SigningKey, format: 'zip' | 'folder'): { id: string; path: string; manifestSha256: string } {
  const id = input.exportId ?? newExportId(input.eventId);
  for (const f of input.files)
    if (f.name === MANIFEST || f.name === SIGNATURE || basename(f.name) !== f.name) throw new Error(`events: bad export file name ${f.name}`);
  mkdirSync(dir, { recursive: true });
  const { manifest, signature } = signManifest({ ...input, exportId: id }, key);
  const entries: ZipEntry[] = [...input.files, { name: MANIFEST, data: manifest }, { name: SIGNATURE, data: signature }];
  const path = join(dir, format === 'zip' ? `${id}.zip` : id);
  const tmp = tempBeside(path);
  try {
    if (format === 'zip') {
      writeFileSync(tmp, writeZip(entries));
      commitFile(tmp, path);
    } else {
      mkdirSync(tmp);
      for (const e of entries) writeFileSync(join(tmp, e.name), e.data);
      renameSync(tmp, path);
    }
  } catch (err) {
    // A full disk must not leave half an export behind to fill it further.
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { id, path, manifestSha256: sha256(manifest) };
}

export interface VerifyResult {
  ok: boolean;
  problems: string[];
  eventId?: number;
  fingerprint?: string;
  files: ManifestFile[];
}

function readEntries(path: string): ZipEntry[] {
  if (!existsSync(path)) throw new Error(`events: no export at ${path}`);
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter((n) => statSync(join(path, n)).isFile())
      .map((name) => ({ name, data: readFileSync(join(path, name)) }));
  }
  return readZip(path);
}

/**
 * Verifies an export: the manifest's signature, that the signer's public key matches its stated
 * fingerprint (and `expectFingerprint` when given: the hub's published one), and every file's
 * size and sha256. Any unlisted file is reported too.
 */
export function verifyExport(path: string, expectFingerprint?: string): VerifyResult {
  const problems: string[] = [];
  const entries = readEntries(path);
  const byName = new Map(entries.map((e) => [e.name, e.data]));
  const manifestBytes = byName.get(MANIFEST);
  const sig = byName.get(SIGNATURE);
  if (!manifestBytes || !sig) return { ok: false, problems: [`missing ${!manifestBytes ? MANIFEST : SIGNATURE}`], files: [] };
  let m: Manifest;
  try {
    m = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  } catch (err) {
    return { ok: false, problems: [`${MANIFEST} is not JSON: ${(err as Error).message}`], files: [] };
  }
  if (m.format !== MANIFEST_FORMAT) problems.push(`unknown manifest format ${String(m.format)}`);
  const pem = m.signer?.publicKey ?? '';
  let fingerprint: string | undefined;
  try {
    fingerprint = keyFingerprint(createPublicKey(pem));
  } catch {
    problems.push('the manifest has no readable public key');
  }
  if (fingerprint && fingerprint !== m.signer.fingerprint) problems.push('the public key does not match the stated fingerprint');
  if (expectFingerprint && fingerprint !== expectFingerprint.toLowerCase())
    problems.push(`signed by key ${fingerprint}, not the expected ${expectFingerprint}`);
  if (!verifyBytes(pem, manifestBytes, Buffer.from(sig.toString('utf8').trim(), 'base64'))) problems.push('the manifest signature is not valid');
  const files = Array.isArray(m.files) ? m.files : [];
  for (const f of files) {
    const data = byName.get(f.name);
    if (!data) problems.push(`${f.name}: missing`);
    else if (data.length !== f.bytes || sha256(data) !== f.sha256) problems.push(`${f.name}: content differs from the manifest (sha256 ${sha256(data)})`);
  }
  for (const name of byName.keys())
    if (name !== MANIFEST && name !== SIGNATURE && !files.some((f) => f.name === name)) problems.push(`${name}: not in the manifest`);
  return { ok: problems.length === 0, problems, eventId: m.eventId, fingerprint, files };
}

/** Removes an export (folder or zip). */
export function removeExport(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
