// A pass-through stream that hashes and counts bytes as they flow, so a blob is verified in
// the same pass that unpacks it; a wrong size or digest fails the stream with DigestMismatch.
import { Transform, type TransformCallback } from 'node:stream';
import { createHash, type Hash } from 'node:crypto';
import { DigestMismatch, RegistryError } from '../errors.js';

export function hashAlgorithm(digest: string): string {
  const algo = digest.split(':')[0];
  if (algo !== 'sha256' && algo !== 'sha384' && algo !== 'sha512') throw new RegistryError(`unsupported digest algorithm in ${digest}`);
  return algo;
}

export function digestOf(buf: Uint8Array, algo = 'sha256'): string {
  return `${algo}:${createHash(algo).update(buf).digest('hex')}`;
}

export class VerifyingStream extends Transform {
  private hash: Hash;
  private algo: string;
  bytes = 0;

  constructor(private expectedDigest: string, private expectedSize: number | undefined, private what: string) {
    super();
    this.algo = hashAlgorithm(expectedDigest);
    this.hash = createHash(this.algo);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expectedSize !== undefined && this.bytes > this.expectedSize) {
      cb(new DigestMismatch(this.what, `${this.expectedSize} bytes`, `more than ${this.expectedSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      cb(new DigestMismatch(this.what, `${this.expectedSize} bytes`, `${this.bytes} bytes`));
      return;
    }
    const got = `${this.algo}:${this.hash.digest('hex')}`;
    if (got !== this.expectedDigest) { cb(new DigestMismatch(this.what, this.expectedDigest, got)); return; }
    cb();
  }
}
