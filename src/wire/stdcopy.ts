// Docker stdcopy framing: [u8 stream][3 zero][u32 BE length][payload]. Streams: 0 stdin,
// 1 stdout, 2 stderr; on minidock attach sockets also 3 = resize, 4 = close stdin.
export function encodeFrame(stream: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Incremental decoder: feed chunks, get whole frames. */
export class FrameDecoder {
  private buf = Buffer.alloc(0);
  push(chunk: Uint8Array): { stream: number; payload: Buffer }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const frames: { stream: number; payload: Buffer }[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      frames.push({ stream: this.buf[0]!, payload: this.buf.subarray(8, 8 + len) });
      this.buf = this.buf.subarray(8 + len);
    }
    return frames;
  }
}
