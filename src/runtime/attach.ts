// Client side of the shim's attach socket: live output frames in, stdin/resize/close out.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { AttachDecoder, encodeAttachFrame, resizeFrame } from './frames.js';
import type { OutputFrame } from './types.js';

/** Emits 'frame' ({stream, data}) and 'end' (the shim closed: the container has ended). */
export class AttachStream extends EventEmitter {
  private readonly decoder = new AttachDecoder();
  readonly ended: Promise<void>;
  private closed = false;

  constructor(private readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) if (f.stream === 1 || f.stream === 2) this.emit('frame', { stream: f.stream, data: f.data } satisfies OutputFrame);
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
    // the shim accepts at most 32 KiB per frame
    for (let off = 0; off < buf.length; off += 32768) this.socket.write(encodeAttachFrame(0, buf.subarray(off, off + 32768)));
  }

  resize(rows: number, cols: number): void { this.socket.write(resizeFrame(rows, cols)); }

  closeStdin(): void { this.socket.write(encodeAttachFrame(4, Buffer.alloc(0))); }

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
