// Request context for API handlers: query, params, JSON body with a size limit, JSON
// replies, streaming replies and connection hijack (docker's attach/exec protocol), over
// either a normal request or an HTTP upgrade (where node hands us the raw socket).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { invalidArgument, toErrorBody } from '../errors.js';
import { API_VERSION } from './version.js';

export const MAX_BODY = 1 << 20;

/** What a hijacked connection gives a handler: raw bytes in and out. */
export interface Hijacked {
  input: Readable; write(data: Uint8Array): void; end(): void; onClose(cb: () => void): void;
  /** Settles once the reply's headers have been handed to the kernel. */
  flushed: Promise<void>;
}

export class Ctx {
  readonly query: URLSearchParams;
  private bodyCache?: Promise<unknown>;
  /** Set once a handler has answered (or hijacked); the server then sends nothing more. */
  answered = false;

  constructor(
    readonly req: IncomingMessage,
    readonly params: Record<string, string>,
    private readonly res?: ServerResponse,
    private readonly upgrade?: { socket: Duplex; head: Buffer },
    /** The API version the request speaks (its /vX.Y prefix, else the newest). */
    readonly version: string = API_VERSION,
  ) {
    this.query = new URL(req.url ?? '/', 'http://engine').searchParams;
  }

  flag(name: string): boolean {
    const v = this.query.get(name);
    return v === '1' || v === 'true' || v === 'True';
  }

  /** The `filters` query parameter as dockerd takes it: a JSON object, or undefined when absent. */
  filters(): Record<string, string[] | Record<string, boolean>> | undefined {
    const raw = this.query.get('filters');
    if (!raw) return undefined;
    let v: unknown;
    try { v = JSON.parse(raw); } catch { throw invalidArgument(`invalid filters: ${raw}`); }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidArgument(`invalid filters: ${raw}`);
    return v as Record<string, string[] | Record<string, boolean>>;
  }

  int(name: string): number | undefined {
    const v = this.query.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidArgument(`invalid value for ${name}: ${v}`);
    return n;
  }

  /** The JSON body (undefined when empty); refuses more than MAX_BODY bytes. */
  body<T>(): Promise<T | undefined> {
    this.bodyCache ??= this.readBody();
    return this.bodyCache as Promise<T | undefined>;
  }

  /** Reads and drops the request body: dockerd ignores the body of an attach (dockerode sends
   * its options there), so none of it may reach the container's stdin. */
  async skipBody(): Promise<void> {
    // readBody consumes the bytes before it parses; a body that is not JSON is dropped all the same
    this.bodyCache ??= this.readBody().catch(() => undefined);
    await this.bodyCache;
  }

  private async readBody(): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    if (this.upgrade) {
      // On an upgrade node has parsed only the headers; the body (Content-Length bytes) follows.
      const want = Number(this.req.headers['content-length'] ?? 0);
      let buf = this.upgrade.head;
      if (want > MAX_BODY) throw invalidArgument(`request body larger than ${MAX_BODY} bytes`);
      while (buf.length < want) {
        const more = await new Promise<Buffer | null>((resolve) => {
          const s = this.upgrade!.socket;
          const onData = (d: Buffer) => { s.off('end', onEnd); s.pause(); resolve(d); };
          const onEnd = () => { s.off('data', onData); resolve(null); };
          s.once('data', onData);
          s.once('end', onEnd);
          s.resume();
        });
        if (!more) break;
        buf = Buffer.concat([buf, more]);
      }
      this.upgrade.head = buf.subarray(want);
      chunks.push(buf.subarray(0, want));
    } else {
      for await (const chunk of this.req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY) throw invalidArgument(`request body larger than ${MAX_BODY} bytes`);
        chunks.push(chunk as Buffer);
      }
    }
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw invalidArgument(`invalid json body: ${text.slice(0, 80)}`);
    }
  }

  json(status: number, value: unknown): void {
    const body = value === undefined ? '' : JSON.stringify(value);
    this.answered = true;
    if (this.res) {
      this.res.writeHead(status, body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {});
      this.res.end(body);
      return;
    }
    const s = this.upgrade!.socket;
    s.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  error(err: unknown): void {
    const { status, body } = toErrorBody(err);
    if (this.answered) {
      // Already streaming: the best we can do is end the stream.
      if (this.res) this.res.destroy(); else this.upgrade?.socket.destroy();
      return;
    }
    this.json(status, body);
  }

  /** Starts a streamed reply (chunked), e.g. pull progress or logs. */
  stream(contentType: string, headers: Record<string, string> = {}): ServerResponse {
    if (!this.res) throw invalidArgument('this endpoint cannot be used with an upgrade request');
    this.answered = true;
    this.res.writeHead(200, { 'Content-Type': contentType, ...headers });
    this.res.flushHeaders();
    return this.res;
  }

  /** Takes over the connection like docker: 101 UPGRADED on an upgrade, 200 raw-stream otherwise. */
  hijack(): Hijacked {
    this.answered = true;
    if (this.upgrade) {
      const { socket, head } = this.upgrade;
      const flushed = new Promise<void>((resolve) => {
        socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n', () => resolve());
      });
      if (head.length) socket.unshift(head);
      socket.on('error', () => undefined);
      return {
        input: socket,
        write: (d) => { if (!socket.destroyed) socket.write(d); },
        end: () => socket.end(),
        onClose: (cb) => socket.once('close', cb),
        flushed,
      };
    }
    const res = this.res!;
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
    res.flushHeaders();
    return {
      flushed: Promise.resolve(),
      input: this.req,
      write: (d) => { if (!res.destroyed) res.write(d); },
      end: () => res.end(),
      onClose: (cb) => res.once('close', cb),
    };
  }
}

/** The marker a handler returns when it has answered by itself. */
export const ANSWERED = Symbol('answered');
