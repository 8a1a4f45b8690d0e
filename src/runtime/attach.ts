// Client side of the shim's attach socket: live output frames in, stdin/resize/close out.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { encodeFrame, FrameDecoder, STDERR, STDIN, STDOUT } from '../wire/stdcopy.js';
import type { OutputFrame } from './types.js';

// minidock's attach-socket extensions of stdcopy (the shim reads them; shim.c has the other end):
/** Resize the tty: payload `rows cols` as two u16 BE. */
export const ATTACH_RESIZE = 3;
/** Close the container's stdin (EOT on a tty); empty payload. */
export const ATTACH_CLOSE_STDIN = 4;
/** The shim takes at most this much stdin per frame. */
export const ATTACH_STDIN_MAX = 32768;

export function resizeFrame(rows: number, cols: number): Buffer {
  const d = Buffer.alloc(4);
  d.writeUInt16BE(rows, 0);
  d.writeUInt16BE(cols, 2);
  return encodeFrame(ATTACH_RESIZE, d);
}

/** Emits 'frame' ({stream, data}) and 'end' (the shim closed: the container has ended). */
export class AttachStream extends EventEmitter {
  private readonly decoder = new FrameDecoder();
  readonly ended: Promise<void>;
  private closed = false;

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) if (f.stream === STDOUT || f.stream === STDERR) this.emit('frame', { stream: f.stream, data: f.payload } satisfies OutputFrame);
    });
    socket.on('error', () => socket.destroy());
    this.ended = new Promise((resolve) => socket.on('close', () => { this.closed = true; this.emit('end'); resolve(); }));
  }

  static connect(socketPath: string): Promise<AttachStream> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection(socketPath);
      s.once('connect', () => { s.removeListener('error', reject); resolve(new AttachStream(s)); });
      s.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    for (let off = 0; off < buf.length; off += ATTACH_STDIN_MAX) this.socket.write(encodeFrame(STDIN, buf.subarray(off, off + ATTACH_STDIN_MAX)));
  }

  resize(rows: number, cols: number): void { this.socket.write(resizeFrame(rows, cols)); }

  closeStdin(): void { this.socket.write(encodeFrame(ATTACH_CLOSE_STDIN, Buffer.alloc(0))); }

  close(): void { this.socket.destroy(); }

  async *[Symbol.asyncIterator](): AsyncGenerator<OutputFrame> {
    const queue: OutputFrame[] = [];
    let wake: (() => void) | undefined;
    let done = this.closed;
    const onFrame = (f: OutputFrame) => { queue.push(f); wake?.(); };
    const onEnd = () => { done = true; wake?.(); };
    this.on('frame', onFrame);
    this.once('end', onEnd);
    try {
      for (;;) {
        if (queue.length) { yield queue.shift()!; continue; }
        if (done) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.off('frame', onFrame);
      this.off('end', onEnd);
    }
  }
}
