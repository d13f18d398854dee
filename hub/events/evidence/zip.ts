/**
 * A minimal ZIP (stored, no compression: video and JPEG do not compress) writer and reader, so an
 * export is one file a police officer can hand over. Only what exports need: small flat archives.
 */
import { crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/**
 * The fields a local header and a central directory record share, in the same order: version
 * needed, flags, method, time, date, CRC, both sizes, name length; `at` is where they start.
 */
function writeEntryFields(h: Buffer, at: number, f: { time: number; date: number; crc: number; size: number; nameLen: number }): void {
  h.writeUInt16LE(20, at); // version needed
  h.writeUInt16LE(0x0800, at + 2); // UTF-8 names
  h.writeUInt16LE(0, at + 4); // stored
  h.writeUInt16LE(f.time, at + 6);
  h.writeUInt16LE(f.date, at + 8);
  h.writeUInt32LE(f.crc, at + 10);
  h.writeUInt32LE(f.size, at + 14); // compressed
  h.writeUInt32LE(f.size, at + 18); // uncompressed
  h.writeUInt16LE(f.nameLen, at + 22);
}

export function writeZip(entries: readonly ZipEntry[], when = new Date()): Buffer {
  const { time, date } = dosTime(when);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data);
    const fields = { time, date, crc, size: e.data.length, nameLen: name.length };
    const local = Buffer.alloc(30); // extra length (28) stays 0
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, fields);
    const central = Buffer.alloc(46); // extra, comment, disk, attributes stay 0
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    writeEntryFields(central, 6, fields);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Reads a stored ZIP written by writeZip (or any stored-only ZIP without a comment). */
export function readZip(path: string): ZipEntry[] {
  const buf = readFileSync(path);
  const endAt = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error(`events: ${path} is not a ZIP file`);
  const count = buf.readUInt16LE(endAt + 10);
  let p = buf.readUInt32LE(endAt + 16);
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`events: ${path}: broken ZIP directory`);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    if (method !== 0) throw new Error(`events: ${path}: entry ${name} is compressed; exports are stored`);
    const lNameLen = buf.readUInt16LE(local + 26);
    const lExtraLen = buf.readUInt16LE(local + 28);
    const start = local + 30 + lNameLen + lExtraLen;
    out.push({ name, data: buf.subarray(start, start + size) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
