// Docker's stdcopy framing, the one codec for it: [u8 stream][3 zero][u32 BE length][payload].
// Used by the API server (attach, exec, logs), the API client/CLI (demux) and the runtime's
// attach socket. Streams 0 stdin, 1 stdout, 2 stderr are docker's; on minidock's attach socket
// the runtime also gives 3 and 4 a meaning (resize, close stdin: see src/runtime/attach.ts).
export const STDCOPY_HEADER = 8;

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;

export interface Frame { stream: number; payload: Buffer }

export function encodeFrame(stream: number, payload: Uint8Array): Buffer {
  if (!Number.isInteger(stream) || stream < 0 || stream > 255) throw new RangeError(`stdcopy stream out of range: ${stream}`);
  const header = Buffer.alloc(STDCOPY_HEADER);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/**
 * Incremental decoder: feed chunks as they arrive (cut anywhere), get whole frames. Payloads
 * are views of the pushed bytes (not copied): callers must not modify what they pushed.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buf = this.buf.length ? Buffer.concat([this.buf, bytes]) : bytes;
    const frames: Frame[] = [];
    let off = 0;
    while (this.buf.length - off >= STDCOPY_HEADER) {
      const len = this.buf.readUInt32BE(off + 4);
      if (this.buf.length - off < STDCOPY_HEADER + len) break;
      frames.push({ stream: this.buf[off]!, payload: this.buf.subarray(off + STDCOPY_HEADER, off + STDCOPY_HEADER + len) });
      off += STDCOPY_HEADER + len;
    }
    this.buf = this.buf.subarray(off);
    return frames;
  }

  /** Bytes of an unfinished frame held back (non-zero at the end of a stream = truncated). */
  get pending(): number { return this.buf.length; }
}
