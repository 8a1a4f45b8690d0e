// HTTP/1.1 over the engine's unix socket with node:net alone. Loading node:http's client and
// making one request through it costs ~15-20 ms of a CLI start here (issue 14: `ps` near
// `node -e 0`), which is most of what a read-only command adds to Node's own start. Two
// exchanges are all the CLI's hot paths need: a request whose answer is read whole (the
// connection closes after it), and docker's hijack (101, then the raw socket for attach/exec).
// Streamed answers (logs, events, pull progress, archives) go through node:http (client.ts).
import { connect, type Socket } from 'node:net';

/** An answer's status and headers (names lower-cased, as node:http gives them). */
export interface Head { status: number; headers: Record<string, string> }

/** An answer as soon as its head has arrived; the body is read on demand. */
export interface Answer extends Head { body(): Promise<Buffer> }

export type Upgraded = { upgraded: true; socket: Socket; head: Buffer } | { upgraded: false; answer: Answer };

const HEAD_END = Buffer.from('\r\n\r\n');

/** The request's bytes: request line, headers, the body's length, and the body. */
export function encodeRequest(method: string, path: string, headers: Record<string, string>, payload?: string): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (payload !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
  return `${lines.join('\r\n')}\r\n\r\n${payload ?? ''}`;
}

/** "HTTP/1.1 200 OK\r\nName: value..." (without the blank line) → status and headers. */
export function parseHead(text: string): Head {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed HTTP header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { status: Number(m[1]), headers };
}

/** A whole chunked body (RFC 9112 7.1) → its content; fails on a body cut short. */
export function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) throw new Error('chunked body cut short (no chunk size)');
    const size = parseInt(data.subarray(at, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('chunked body: bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (data.length < start + size + 2) throw new Error('chunked body cut short');
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** The body from the bytes after the head, as the head frames it. */
export function decodeBody(head: Head, rest: Buffer): Buffer {
  if (/\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '')) return decodeChunked(rest);
  const length = head.headers['content-length'];
  if (length === undefined) return rest; // framed by the connection's close
  const n = Number(length);
  if (rest.length < n) throw new Error(`answer cut short: ${rest.length} of ${n} bytes`);
  return rest.subarray(0, n);
}

interface Reader {
  /** The head is complete; `true` takes the socket over (hijack): nothing more is read here. */
  head(head: Head, rest: Buffer): boolean;
  answer(answer: Answer): void;
  fail(err: Error): void;
}

/** Reads a connection's answer: the head as soon as it is complete, then the rest until close. */
function readAnswer(socket: Socket, reader: Reader): void {
  let pending: Buffer = Buffer.alloc(0);
  let head: Head | undefined;
  const chunks: Buffer[] = [];
  let settle!: { resolve(body: Buffer): void; reject(err: Error): void };
  const body = new Promise<Buffer>((resolve, reject) => { settle = { resolve, reject }; });
  body.catch(() => undefined); // observed through Answer.body(); this only keeps it from being unhandled

  const release = () => { socket.off('readable', onReadable); socket.off('end', onEnd); socket.off('error', onError); };
  const onReadable = () => {
    for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
      if (head) { chunks.push(chunk); continue; }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const end = pending.indexOf(HEAD_END);
      if (end < 0) continue;
      try { head = parseHead(pending.subarray(0, end).toString('latin1')); } catch (err) { release(); socket.destroy(); reader.fail(err as Error); return; }
      const rest = pending.subarray(end + HEAD_END.length);
      // with no 'readable' or 'data' listener left the socket is back in its initial mode: the
      // new owner's first 'data' listener starts the flow, and nothing is lost in between
      if (reader.head(head, rest)) { release(); return; }
      chunks.push(rest);
      reader.answer({ ...head, body: () => body });
    }
  };
  const onEnd = () => {
    if (!head) { reader.fail(new Error('the engine closed the connection before answering')); return; }
    try { settle.resolve(decodeBody(head, Buffer.concat(chunks))); } catch (err) { settle.reject(err as Error); }
    socket.destroy();
  };
  const onError = (err: Error) => { if (head) settle.reject(err); else reader.fail(err); };
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('error', onError);
}

/** One request; resolves once the answer's head has arrived. Connection errors reject (with their code). */
export function send(socketPath: string, method: string, path: string, headers: Record<string, string>, payload?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    readAnswer(socket, { head: () => false, answer: resolve, fail: reject });
    socket.write(encodeRequest(method, path, { ...headers, Connection: 'close' }, payload));
  });
}

/** docker's hijack: a POST with `Upgrade: tcp`; a 101 hands over the socket (and any bytes read past the head). */
export function upgrade(socketPath: string, path: string, headers: Record<string, string>, payload?: string): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    readAnswer(socket, {
      head: (head, rest) => {
        if (head.status !== 101) return false;
        resolve({ upgraded: true, socket, head: rest });
        return true;
      },
      answer: (answer) => resolve({ upgraded: false, answer }),
      fail: reject,
    });
    socket.write(encodeRequest('POST', path, { ...headers, Connection: 'Upgrade', Upgrade: 'tcp' }, payload));
  });
}
