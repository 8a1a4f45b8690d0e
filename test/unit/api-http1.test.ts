// The CLI's node:net HTTP/1.1 exchanges (src/api/http1.ts) against node:http's server, the
// engine's own server library: framing (length, chunked, close), errors, and the hijack.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBody, decodeChunked, encodeRequest, parseHead, send, upgrade } from '../../src/api/http1.js';
import { EngineClient } from '../../src/api/client.js';
import { EngineUnavailable, MinidockError } from '../../src/errors.js';

describe('http1 codec', () => {
  it('encodes a request with its body length', () => {
    expect(encodeRequest('POST', '/x?a=1', { 'Content-Type': 'application/json' }, '{"é":1}'))
      .toBe('POST /x?a=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{"é":1}');
    expect(encodeRequest('GET', '/_ping', {})).toBe('GET /_ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });

  it('parses a head, names lower-cased, repeated headers joined', () => {
    expect(parseHead('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-A: 1\r\nx-a: 2')).toEqual({
      status: 404, headers: { 'content-type': 'text/plain', 'x-a': '1, 2' },
    });
    expect(parseHead('HTTP/1.1 101').status).toBe(101);
    expect(() => parseHead('SSH-2.0-OpenSSH')).toThrow(/not an HTTP answer/);
    expect(() => parseHead('HTTP/1.1 200 OK\r\nbroken')).toThrow(/malformed HTTP header/);
  });

  it('decodes chunked bodies and refuses one cut short', () => {
    expect(decodeChunked(Buffer.from('3\r\nabc\r\na;ext=1\r\n0123456789\r\n0\r\n\r\n')).toString()).toBe('abc0123456789');
    expect(() => decodeChunked(Buffer.from('5\r\nabc'))).toThrow(/cut short/);
    expect(() => decodeChunked(Buffer.from('3\r\nabc\r\n'))).toThrow(/cut short/);
  });

  it('frames a body by length, by chunks, or by the close', () => {
    expect(decodeBody({ status: 200, headers: { 'content-length': '2' } }, Buffer.from('okEXTRA')).toString()).toBe('ok');
    expect(() => decodeBody({ status: 200, headers: { 'content-length': '5' } }, Buffer.from('ok'))).toThrow(/cut short: 2 of 5/);
    expect(decodeBody({ status: 200, headers: { 'transfer-encoding': 'chunked' } }, Buffer.from('2\r\nok\r\n0\r\n\r\n')).toString()).toBe('ok');
    expect(decodeBody({ status: 200, headers: {} }, Buffer.from('all of it')).toString()).toBe('all of it');
  });
});

describe('http1 against node:http', () => {
  let dir: string;
  let socketPath: string;
  let server: http.Server;
  const seen: { method?: string; url?: string; body: string }[] = [];
  let held: http.ServerResponse | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'minidock-http1-'));
    socketPath = join(dir, 'api.sock');
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body });
        if (req.url === '/length') { res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 11 }); res.end('{"ok":true}'); }
        else if (req.url === '/chunked') { res.writeHead(200); res.write('[1,'); setTimeout(() => res.end('2]'), 20); }
        else if (req.url === '/held') { res.writeHead(200); res.flushHeaders(); held = res; }
        else if (req.url === '/missing') { res.writeHead(404, { 'Content-Type': 'application/json' }); res.end('{"message":"No such container: x"}'); }
        else if (req.url === '/echo') { res.writeHead(200); res.end(body); }
        else { res.writeHead(400); res.end('plain words'); }
      });
    });
    server.on('upgrade', (req, socket) => {
      if (req.url === '/no-upgrade') { socket.end('HTTP/1.1 409 Conflict\r\nContent-Length: 26\r\n\r\n{"message":"is not ready"}'); return; }
      // the head and the first stream bytes in one write: they must not be lost at the handover
      socket.write('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nfirst|');
      socket.on('data', (d) => socket.write(`echo:${d}|`));
      socket.on('end', () => socket.end('bye'));
    });
    await new Promise<void>((r) => server.listen(socketPath, r));
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads answers framed by length and by chunks, sending the body', async () => {
    const a = await send(socketPath, 'GET', '/length', {});
    expect([a.status, a.headers['content-type'], (await a.body()).toString()]).toEqual([200, 'application/json', '{"ok":true}']);
    const b = await send(socketPath, 'GET', '/chunked', {});
    expect((await b.body()).toString()).toBe('[1,2]');
    const c = await send(socketPath, 'POST', '/echo', { 'Content-Type': 'application/json' }, '{"Image":"é"}');
    expect((await c.body()).toString()).toBe('{"Image":"é"}');
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/echo', body: '{"Image":"é"}' });
  });

  it('resolves at the head, before the body is sent (the CLI registers a wait before start)', async () => {
    const a = await send(socketPath, 'POST', '/held', {});
    expect(a.status).toBe(200);
    held!.end('{"StatusCode":7}'); // the server sends the body only now
    expect((await a.body()).toString()).toBe('{"StatusCode":7}');
  });

  it('rejects with the connection error code when nothing listens', async () => {
    await expect(send(join(dir, 'absent.sock'), 'GET', '/_ping', {})).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hands over the socket after a 101, with the bytes read past the head', async () => {
    const got = await upgrade(socketPath, '/attach', {});
    if (!got.upgraded) throw new Error('not upgraded');
    let text = got.head.toString();
    got.socket.on('data', (d) => { text += d; });
    got.socket.write('in');
    await new Promise((r) => setTimeout(r, 50));
    got.socket.end();
    await new Promise((r) => got.socket.on('close', r));
    expect(text).toBe('first|echo:in|bye');
  });

  it('gives the answer when the engine refuses the upgrade', async () => {
    const got = await upgrade(socketPath, '/no-upgrade', {});
    expect(got.upgraded).toBe(false);
    if (got.upgraded) return;
    expect([got.answer.status, (await got.answer.body()).toString()]).toEqual([409, '{"message":"is not ready"}']);
  });

  it('EngineClient: errors from the body, the engine unavailable by name, hijack refusals', async () => {
    const client = new EngineClient(socketPath);
    await expect(client.json('GET', '/missing')).rejects.toThrow('No such container: x');
    await expect(client.json('GET', '/plain')).rejects.toThrow('plain words');
    expect(await client.json('GET', '/length')).toEqual({ ok: true });
    await expect(new EngineClient(join(dir, 'absent.sock')).json('GET', '/_ping')).rejects.toBeInstanceOf(EngineUnavailable);
    await expect(client.hijack('/no-upgrade')).rejects.toThrow('is not ready');
    const w = client.wait('x'); // POST /containers/x/wait → the 400 'plain words' branch
    await expect(w.registered).rejects.toBeInstanceOf(MinidockError);
    await expect(w.result).rejects.toBeInstanceOf(MinidockError);
  });
});
