// Tar-split: while a layer tar is unpacked, every byte of it except regular files' contents is
// recorded (headers, PAX/GNU long-name records, padding, the end blocks), with each file's
// contents replaced by a reference to the unpacked file. From that record and the layer dir the
// identical tar is rebuilt, with the same diff id, for push and save (Docker's tar-split idea;
// the compressed blobs are not kept, see docs/ARCHITECTURE.md). The record is one codec here:
// gzip of a JSON array of segments.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { DigestMismatch, LayerUnsafe } from '../errors.js';
import { cleanEntryName, WHITEOUT_PREFIX } from './unpack.js';

/** raw bytes (base64) or the contents of a regular file in the layer dir */
export type Segment = { raw: string } | { file: string; size: number };

const BLOCK = 512;

function nulTerminated(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}

/** A header's size field: octal digits, or GNU base-256 when the high bit is set. */
export function parseTarSize(field: Buffer): number {
  if (field[0] & 0x80) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const s = nulTerminated(field).trim();
  return s ? parseInt(s, 8) : 0;
}

/** PAX extended header records ("<len> key=value\n"). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp === -1) break;
    const len = parseInt(data.subarray(off, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

const REGULAR = new Set([0x30 /* '0' */, 0x00, 0x37 /* '7' contiguous */]);

/** Passes a layer tar through unchanged and records its split. */
export class TarSplitRecorder extends Transform {
  private readonly segments: Segment[] = [];
  private raw: Buffer[] = [];
  private pending = Buffer.alloc(0);
  /** bytes of entry data still to come, and what they are */
  private dataLeft = 0;
  private padLeft = 0;
  private dataKind: 'raw' | 'file' | 'pax' | 'longname' = 'raw';
  private meta: Buffer[] = [];
  private nextName?: string;
  private nextSize?: number;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try { this.consume(chunk); } catch (err) { cb(err as Error); return; }
    cb(null, chunk);
  }

  private consume(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - off);
        const part = chunk.subarray(off, off + n);
        if (this.dataKind !== 'file') this.raw.push(Buffer.from(part));
        if (this.dataKind === 'pax' || this.dataKind === 'longname') this.meta.push(Buffer.from(part));
        this.dataLeft -= n;
        off += n;
        if (this.dataLeft === 0) this.endData();
        continue;
      }
      if (this.padLeft > 0) {
        const n = Math.min(this.padLeft, chunk.length - off);
        this.raw.push(Buffer.from(chunk.subarray(off, off + n)));
        this.padLeft -= n;
        off += n;
        continue;
      }
      const need = BLOCK - this.pending.length;
      const n = Math.min(need, chunk.length - off);
      this.pending = Buffer.concat([this.pending, chunk.subarray(off, off + n)]);
      off += n;
      if (this.pending.length === BLOCK) { const h = this.pending; this.pending = Buffer.alloc(0); this.header(h); }
    }
  }

  private header(h: Buffer): void {
    this.raw.push(h);
    if (h.every((b) => b === 0)) return;
    const type = h[156];
    let size = parseTarSize(h.subarray(124, 136));
    let name = nulTerminated(h.subarray(0, 100));
    if (h.subarray(257, 262).toString('ascii') === 'ustar') {
      const prefix = nulTerminated(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    if (type === 0x78 /* x */ || type === 0x4c /* L */) {
      this.dataKind = type === 0x78 ? 'pax' : 'longname';
      this.meta = [];
    } else {
      if (this.nextName !== undefined) name = this.nextName;
      if (this.nextSize !== undefined) size = this.nextSize;
      this.nextName = undefined;
      this.nextSize = undefined;
      this.dataKind = REGULAR.has(type) && size > 0 && this.fileRef(name) !== undefined ? 'file' : 'raw';
      if (this.dataKind === 'file') {
        this.flushRaw();
        this.segments.push({ file: this.fileRef(name)!, size });
      }
    }
    this.dataLeft = size;
    this.padLeft = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endData();
  }

  /** The layer-relative path a regular file's contents can be read back from, if any. */
  private fileRef(name: string): string | undefined {
    if (name.endsWith('/')) return undefined;
    let rel: string;
    try { rel = cleanEntryName(name); } catch (err) { if (err instanceof LayerUnsafe) return undefined; throw err; }
    if (!rel || rel.split('/').some((p) => p.startsWith(WHITEOUT_PREFIX))) return undefined;
    return rel;
  }

  private endData(): void {
    if (this.dataKind === 'pax') {
      const pax = parsePax(Buffer.concat(this.meta));
      if (pax.path !== undefined) this.nextName = pax.path;
      if (pax.size !== undefined) this.nextSize = Number(pax.size);
    } else if (this.dataKind === 'longname') {
      this.nextName = nulTerminated(Buffer.concat(this.meta));
    }
    this.dataKind = 'raw';
  }

  private flushRaw(): void {
    if (this.raw.length === 0) return;
    this.segments.push({ raw: Buffer.concat(this.raw).toString('base64') });
    this.raw = [];
  }

  /** The recorded split; call once the whole tar went through. */
  split(): Segment[] {
    if (this.pending.length) this.raw.push(this.pending);
    this.pending = Buffer.alloc(0);
    this.flushRaw();
    return this.segments;
  }
}

export function encodeSplit(segments: Segment[]): Buffer {
  return zlib.gzipSync(JSON.stringify(segments));
}

export function decodeSplit(data: Buffer, what: string): Segment[] {
  let v: unknown;
  try { v = JSON.parse(zlib.gunzipSync(data).toString('utf8')); } catch (err) {
    throw new DigestMismatch(`tar-split of ${what}`, 'a valid record', `unreadable (${(err as Error).message})`);
  }
  if (!Array.isArray(v) || !v.every((s) => (typeof s?.raw === 'string') || (typeof s?.file === 'string' && Number.isInteger(s?.size)))) {
    throw new DigestMismatch(`tar-split of ${what}`, 'a valid record', 'malformed segments');
  }
  return v as Segment[];
}

/** Rebuilds the layer tar from its split and unpacked dir. The caller verifies the diff id. */
export function assembleLayer(dir: string, segments: Segment[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const s of segments) {
      if ('raw' in s) { yield Buffer.from(s.raw, 'base64'); continue; }
      const p = path.join(dir, cleanEntryName(s.file));
      // never through a symlink; the size must be what the tar had
      const fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile() || st.size !== s.size) throw new DigestMismatch(`layer file ${s.file}`, `${s.size} bytes`, st.isFile() ? `${st.size} bytes` : 'not a regular file');
        const buf = Buffer.allocUnsafe(Math.min(s.size, 1 << 20));
        let left = s.size;
        while (left > 0) {
          const n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), null);
          if (n === 0) throw new DigestMismatch(`layer file ${s.file}`, `${s.size} bytes`, `${s.size - left} bytes`);
          left -= n;
          yield Buffer.from(buf.subarray(0, n));
        }
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  return Readable.from(gen(), { objectMode: false });
}
