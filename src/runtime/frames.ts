// Frame codecs shared by the log reader and the attach client (pure, unit-tested).
// Log frame:    [u8 stream][3 zero][u32 BE len][u64 BE unix-ns][payload]
// Attach frame: [u8 stream][3 zero][u32 BE len][payload]   (docker stdcopy)

export interface LogFrame { stream: 1 | 2; timeNs: bigint; data: Buffer }
export interface StreamFrame { stream: number; data: Buffer }

export const LOG_HEADER = 16;
export const ATTACH_HEADER = 8;

export function encodeLogFrame(stream: 1 | 2, timeNs: bigint, data: Buffer): Buffer {
  const h = Buffer.alloc(LOG_HEADER);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  h.writeBigUInt64BE(timeNs, 8);
  return Buffer.concat([h, data]);
}

export function encodeAttachFrame(stream: number, data: Buffer): Buffer {
  const h = Buffer.alloc(ATTACH_HEADER);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

export const resizeFrame = (rows: number, cols: number): Buffer => {
  const d = Buffer.alloc(4);
  d.writeUInt16BE(rows, 0);
  d.writeUInt16BE(cols, 2);
  return encodeAttachFrame(3, d);
};

/** Splits complete log frames off `buf`; returns them and the unconsumed rest. */
export function parseLogFrames(buf: Buffer): { frames: LogFrame[]; rest: Buffer } {
  const frames: LogFrame[] = [];
  let off = 0;
  while (buf.length - off >= LOG_HEADER) {
    const stream = buf[off];
    if (stream !== 1 && stream !== 2) throw new Error(`corrupt log frame at offset ${off}: stream ${stream}`);
    const len = buf.readUInt32BE(off + 4);
    if (buf.length - off < LOG_HEADER + len) break;
    frames.push({ stream, timeNs: buf.readBigUInt64BE(off + 8), data: buf.subarray(off + LOG_HEADER, off + LOG_HEADER + len) });
    off += LOG_HEADER + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** Incremental decoder for stdcopy frames arriving in arbitrary chunks. */
export class AttachDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): StreamFrame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: StreamFrame[] = [];
    while (this.pending.length >= ATTACH_HEADER) {
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < ATTACH_HEADER + len) break;
      out.push({ stream: this.pending[0], data: Buffer.from(this.pending.subarray(ATTACH_HEADER, ATTACH_HEADER + len)) });
      this.pending = this.pending.subarray(ATTACH_HEADER + len);
    }
    return out;
  }
}
