// Reads newline-terminated protocol lines from a stream (the shim's stdout or fd 3).
import type { Readable } from 'node:stream';

export class LineReader {
  private buf = '';
  private lines: string[] = [];
  private waiters: ((l: string | undefined) => void)[] = [];
  private ended = false;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buf += chunk;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.deliver(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
    });
    const end = () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  private deliver(l: string) {
    const w = this.waiters.shift();
    if (w) w(l);
    else this.lines.push(l);
  }

  /** Next line, or undefined once the stream has ended. */
  next(): Promise<string | undefined> {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
