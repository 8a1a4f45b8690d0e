// The HTTP API and its client end to end over a unix socket, with fake services (no root).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Engine } from '../../src/engine/engine.js';
import { ExecManager } from '../../src/engine/exec.js';
import { listen, type ApiServer } from '../../src/api/server.js';
import { EngineClient } from '../../src/api/client.js';
import { FrameDecoder } from '../../src/wire/stdcopy.js';
import { MinidockError } from '../../src/errors.js';
import { FROM_DAEMON } from '../../src/api/daemon-mark.js';
import { fakeServices } from '../helpers/fake-services.js';

let dir: string;
let server: ApiServer;
let client: EngineClient;
let svc: ReturnType<typeof fakeServices>;
let engine: Engine;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'D-api-'));
  svc = fakeServices();
  engine = new Engine({ root: path.join(dir, 'root'), run: path.join(dir, 'run') }, svc);
  await engine.init();
  server = await listen(path.join(dir, 'engine.sock'), { engine, execs: new ExecManager(engine), images: svc.images, network: svc.network, version: '0.0.0-test' });
  client = new EngineClient(server.socketPath);
});
afterAll(async () => {
  await server?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function readFrames(socket: NodeJS.ReadableStream, head: Buffer): Promise<string[]> {
  const d = new FrameDecoder();
  const out: string[] = d.push(head).map((f) => `${f.stream}:${f.payload}`);
  for await (const chunk of socket) for (const f of d.push(chunk as Buffer)) out.push(`${f.stream}:${f.payload}`);
  return out;
}

describe('engine API', () => {
  it('says when it is idle: the last request in flight answered, a held wait counted until it ends', async () => {
    const sock = path.join(dir, 'idle.sock');
    let idles = 0;
    const srv = await listen(sock, { engine, execs: new ExecManager(engine), images: svc.images, network: svc.network, version: '0.0.0-test', onIdle: () => { idles++; } });
    try {
      const c = new EngineClient(sock);
      await c.ping();
      await new Promise((r) => setImmediate(r));
      expect(idles).toBe(1);
      const { Id } = await c.createContainer({ Image: 'busybox', Cmd: ['sleep'] } as never);
      await new Promise((r) => setImmediate(r));
      expect(idles).toBe(2);
      await c.start(Id);
      const w = c.wait(Id, 'not-running');
      await w.registered;
      const before = idles;
      await c.ping(); // answered while the wait is held: not idle
      await new Promise((r) => setImmediate(r));
      expect(idles).toBe(before);
      await c.kill(Id);
      await w.result;
      for (let i = 0; i < 50 && idles === before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(idles).toBe(before + 1);
    } finally {
      await srv.close();
    }
  });

  it('answers ping and version, with /v1.xx prefixes', async () => {
    await client.ping();
    expect(await client.version()).toMatchObject({ Version: '0.0.0-test', ApiVersion: '1.43' });
    expect(await client.json('GET', '/v1.41/version')).toMatchObject({ Os: 'linux' });
    const st = (await fs.stat(server.socketPath)).mode & 0o777;
    expect(st).toBe(0o660);
  });

  it('turns engine errors into status + {message, code, exitCode}', async () => {
    const err = await client.inspectContainer('nope').catch((e) => e);
    expect(err).toBeInstanceOf(MinidockError);
    expect(err).toMatchObject({ status: 404, code: 'ContainerNotFound', message: 'No such container: nope', exitCode: 125 });
    expect((err as Record<symbol, unknown>)[FROM_DAEMON]).toBe(true);
    // moby's router wraps every kill error
    await expect(client.kill('nope')).rejects.toMatchObject({ status: 404, code: 'ContainerNotFound', message: 'Cannot kill container: nope: No such container: nope' });
    await expect(client.json('GET', '/nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.json('POST', '/containers/create', { body: { Image: 'busybox', Env: ['bad'] } })).rejects.toMatchObject({ status: 400, message: 'invalid environment variable: bad' });
  });

  it('refuses bad JSON and oversized bodies', async () => {
    const send = (body: string) => new Promise<number>((resolve, reject) => {
      const req = http.request({ socketPath: server.socketPath, method: 'POST', path: '/containers/create', headers: { 'Content-Type': 'application/json' } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      req.end(body);
    });
    expect(await send('{nope')).toBe(400);
    expect(await send(JSON.stringify({ Image: 'x'.repeat(2 << 20) }))).toBe(400);
  });

  it('runs a container lifecycle through the client', async () => {
    const { Id } = await client.createContainer({ Image: 'busybox', Cmd: ['sleep', '9'] }, 'api1');
    await client.start('api1');
    const list = await client.listContainers(false);
    expect(list.find((c) => c.Id === Id)).toMatchObject({ Names: ['/api1'], Image: 'busybox', Command: 'sleep 9', State: 'running', Status: expect.stringMatching(/^Up /) });
    const info = await client.inspectContainer(Id);
    expect(info.State.Running).toBe(true);
    const conflict = await client.createContainer({ Image: 'busybox' }, 'api1').catch((e) => e);
    expect(conflict).toMatchObject({ status: 409, message: expect.stringContaining('is already in use by container') });
    const wait = client.wait(Id, 'next-exit');
    await wait.registered;
    await client.stop(Id, 1);
    expect(await wait.result).toEqual({ StatusCode: 143 });
    await expect(client.kill(Id)).rejects.toMatchObject({ status: 409 });
    const all = await client.listContainers(true);
    expect(all.find((c) => c.Id === Id)?.Status).toMatch(/^Exited \(143\) /);
    await client.remove(Id);
    await expect(client.inspectContainer(Id)).rejects.toMatchObject({ status: 404 });
  });

  it('hijacks attach (101 UPGRADED) and streams stdcopy frames, stdin included', async () => {
    svc.runtime.output = () => [{ stream: 1, text: 'out\n' }, { stream: 2, text: 'err\n' }];
    const { Id } = await client.createContainer({ Image: 'busybox', OpenStdin: true, StdinOnce: true });
    const { socket, head } = await client.attach(Id, { stdin: true, stdout: true, stderr: true });
    socket.write('typed early');
    const frames = readFrames(socket, head);
    await client.start(Id);
    const live = svc.runtime.live.get(Id)!;
    await new Promise((r) => setTimeout(r, 50));
    socket.end(); // our stdin ends: the container's stdin is closed (StdinOnce)
    await new Promise((r) => setTimeout(r, 50));
    const stream = live.streams[0]!;
    expect(Buffer.concat(stream.written).toString()).toBe('typed early');
    expect(stream.stdinClosed).toBe(true);
    svc.runtime.end(Id, 0);
    expect(await frames).toEqual(['1:out\n', '2:err\n']);
    svc.runtime.output = undefined;
    await client.remove(Id, true);
  });

  it('drops the body of an attach request: only what follows it reaches stdin (dockerode sends options there)', async () => {
    const { Id } = await client.createContainer({ Image: 'busybox', OpenStdin: true });
    const net = await import('node:net');
    const sock = net.createConnection(server.socketPath);
    const body = '{"stream":true,"stdin":true}';
    sock.write(`POST /v1.41/containers/${Id}/attach?stream=1&stdin=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}ping`);
    await new Promise((r) => sock.once('data', r)); // 101 UPGRADED
    await client.start(Id);
    await new Promise((r) => setTimeout(r, 100));
    const stream = svc.runtime.live.get(Id)!.streams[0]!;
    expect(Buffer.concat(stream.written).toString()).toBe('ping');
    sock.destroy();
    await client.remove(Id, true);
  });

  it('serves logs from the shim log file, with tail and timestamps', async () => {
    const { Id } = await client.createContainer({ Image: 'busybox' });
    const frame = (stream: number, ts: bigint, text: string) => {
      const h = Buffer.alloc(16);
      h[0] = stream;
      h.writeUInt32BE(Buffer.byteLength(text), 4);
      h.writeBigUInt64BE(ts, 8);
      return Buffer.concat([h, Buffer.from(text)]);
    };
    await fs.writeFile(path.join(dir, 'root', 'containers', Id, 'stdio.log'), Buffer.concat([
      frame(1, 1_700_000_000_000_000_000n, 'one\ntwo\n'), frame(2, 1_700_000_001_000_000_000n, 'three\n'),
    ]));
    const read = async (q: Parameters<EngineClient['logs']>[1]) => readFrames(await client.logs(Id, q), Buffer.alloc(0));
    expect(await read({})).toEqual(['1:one\ntwo\n', '2:three\n']);
    expect(await read({ tail: '2' })).toEqual(['1:two\n', '2:three\n']);
    expect(await read({ tail: '1', timestamps: true })).toEqual(['2:2023-11-14T22:13:21Z three\n']);
    expect(await read({ since: '1700000000.5' })).toEqual(['2:three\n']);
    await expect(client.logs(Id, { since: 'yesterday' })).rejects.toMatchObject({ status: 400, message: 'invalid since value: yesterday' });
    await client.remove(Id);
  });

  it('pulls with streamed progress and reports a failed pull as an error', async () => {
    const seen: string[] = [];
    await client.pull('localhost:5000/busybox:latest', (p) => seen.push(`${p.id}:${p.status}`));
    expect(seen).toEqual(['latest:Pulling from library/busybox', 'abc:Downloading', 'abc:Pull complete']);
    await expect(client.pull('missing:latest', () => undefined)).rejects.toMatchObject({ code: 'ImageNotFound', message: expect.stringContaining('missing:latest') });
    const images = await client.listImages();
    expect(images[0]).toMatchObject({ RepoTags: ['busybox:latest'], Size: 4_261_000 });
    expect(await client.inspectImage('busybox:latest')).toMatchObject({ Id: 'sha256:' + 'b'.repeat(64) });
  });

  it('runs exec with a hijacked start and reports the exit code', async () => {
    const { Id } = await client.createContainer({ Image: 'busybox' });
    await client.start(Id);
    const ex = await client.execCreate(Id, { Cmd: ['echo', 'hi'], AttachStdout: true, AttachStderr: true });
    const { socket, head } = await client.execStart(ex.Id, false);
    expect(await readFrames(socket, head)).toEqual(['1:echo hi\n', '2:warn\n']);
    expect(await client.execInspect(ex.Id)).toMatchObject({ Running: false, ExitCode: 3 });
    const cat = await client.execCreate(Id, { Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
    const c = await client.execStart(cat.Id, false);
    const got = readFrames(c.socket, c.head);
    c.socket.end('ping');
    expect(await got).toEqual(['1:ping']);
    // as dockerd: the failed start is told on the hijacked stream, its code in the exec's inspect
    const bad = await client.execCreate(Id, { Cmd: ['nonexistent'], AttachStdout: true });
    const b = await client.execStart(bad.Id, false);
    const said = await readFrames(b.socket, b.head);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^1:.*nonexistent.*\r\n$/s);
    expect(await client.execInspect(bad.Id)).toMatchObject({ Running: false, ExitCode: 127 });
    await client.remove(Id, true);
  });

  it('manages networks', async () => {
    expect((await client.listNetworks()).map((n) => n.Name)).toContain('bridge');
    const { Id } = await client.createNetwork({ Name: 'dnet', IPAM: { Config: [{ Subnet: '10.99.0.0/24' }] } });
    expect(await client.inspectNetwork('dnet')).toMatchObject({ Id, Name: 'dnet', Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.99.0.0/24' }] } });
    await client.removeNetwork('dnet');
    await expect(client.inspectNetwork('dnet')).rejects.toMatchObject({ status: 404 });
  });
});

function raw(method: string, urlPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: server.socketPath, method, path: urlPath }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('what docker clients negotiate with', () => {
  it('answers /_ping GET and HEAD, versioned or not, with dockerd\'s headers', async () => {
    for (const [m, p] of [['GET', '/_ping'], ['HEAD', '/_ping'], ['GET', '/v1.41/_ping']] as const) {
      const r = await raw(m, p);
      expect(r.status).toBe(200);
      expect(r.headers).toMatchObject({ 'api-version': '1.43', ostype: 'linux', 'docker-experimental': 'false', 'cache-control': 'no-cache, no-store, must-revalidate' });
      expect(r.body).toBe(m === 'HEAD' ? '' : 'OK');
    }
  });
  it('refuses API versions it does not speak and answers 404 for unknown paths', async () => {
    expect(await raw('GET', '/v1.99/version')).toMatchObject({ status: 400, body: expect.stringContaining('client version 1.99 is too new. Maximum supported API version is 1.43') });
    expect(await raw('GET', '/v1.12/version')).toMatchObject({ status: 400, body: expect.stringContaining('is too old') });
    expect((await raw('GET', '/v1.43/no/such/thing')).status).toBe(404);
  });
  it('serves /info with container and image counts', async () => {
    const r = await raw('GET', '/info');
    const info = JSON.parse(r.body);
    expect(info).toMatchObject({ OSType: 'linux', ServerVersion: '0.0.0-test', Images: 1, Swarm: { LocalNodeState: 'inactive' } });
    expect(typeof info.Containers).toBe('number');
  });
  it('streams /events: the past from since, filtered, until until', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const { Id } = await engine.create({ Image: 'busybox', Cmd: ['true'] }, 'evented');
    await engine.remove(Id);
    const until = Math.floor(Date.now() / 1000) + 1;
    const r = await raw('GET', `/events?since=${since}&until=${until}&filters=${encodeURIComponent(JSON.stringify({ container: ['evented'] }))}`);
    const events = r.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.Action)).toEqual(['create', 'destroy']);
    expect(events[0]).toMatchObject({ Type: 'container', status: 'create', id: Id, from: 'busybox', Actor: { ID: Id, Attributes: { name: 'evented', image: 'busybox' } } });
    expect((await raw('GET', '/events?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D')).status).toBe(400);
  });

  it('prunes named volumes for API < 1.42 clients only, as dockerd keeps it for them', async () => {
    const labels = { prunetest: 'yes' };
    await client.createVolume({ Name: 'kept-by-143', Labels: labels });
    const filters = encodeURIComponent(JSON.stringify({ label: ['prunetest=yes'] }));
    expect(await client.json('POST', `/v1.43/volumes/prune?filters=${filters}`)).toMatchObject({ VolumesDeleted: [] });
    expect(await client.json('POST', `/v1.41/volumes/prune?filters=${filters}`)).toMatchObject({ VolumesDeleted: ['kept-by-143'] });
    await expect(client.json('GET', '/volumes/kept-by-143')).rejects.toMatchObject({ status: 404 });
  });

  it('answers build prune for its empty build cache (no builder), checking the filters', async () => {
    expect(await client.json('POST', '/v1.41/build/prune?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D')).toEqual({ CachesDeleted: null, SpaceReclaimed: 0 });
    await expect(client.json('POST', '/build/prune?filters=nope')).rejects.toMatchObject({ status: 400, message: 'invalid filters: nope' });
  });

  it('takes ConsoleSize for a tty container (docker CLI 23+ sends it) and refuses it otherwise', async () => {
    const { Id } = await client.json<{ Id: string }>('POST', '/containers/create', { body: { Image: 'busybox', Tty: true, HostConfig: { ConsoleSize: [30, 100] } } });
    expect(await client.json('GET', `/containers/${Id}/json`)).toMatchObject({ HostConfig: { ConsoleSize: [30, 100] } });
    await expect(client.json('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { ConsoleSize: [30, 100] } } }))
      .rejects.toMatchObject({ status: 400, message: 'ConsoleSize is for a container with a tty (Tty: true)' });
    await expect(client.json('POST', '/containers/create', { body: { Image: 'busybox', Tty: true, HostConfig: { ConsoleSize: [30] } } }))
      .rejects.toMatchObject({ status: 400, message: 'invalid ConsoleSize [30]: expected [height, width], each 0 to 65535' });
    expect(await client.json('POST', '/containers/create', { body: { Image: 'busybox', HostConfig: { ConsoleSize: [0, 0] } } })).toHaveProperty('Id');
  });

  it('refuses exec fields it does not do, by name, and checks ConsoleSize', async () => {
    const { Id } = await client.json<{ Id: string }>('POST', '/containers/create', { body: { Image: 'busybox', Cmd: ['sleep', '60'] } });
    await client.start(Id);
    await expect(client.json('POST', `/containers/${Id}/exec`, { body: { Cmd: ['true'], Colour: 'red' } }))
      .rejects.toMatchObject({ status: 400, message: 'minidock does not support the exec field Colour' });
    await expect(client.json('POST', `/containers/${Id}/exec`, { body: { Cmd: ['true'], ConsoleSize: [10, 20] } }))
      .rejects.toMatchObject({ status: 400, message: 'ConsoleSize is for an exec with a tty (Tty: true)' });
    expect(await client.json('POST', `/containers/${Id}/exec`, { body: { Cmd: ['true'], Tty: true, ConsoleSize: [10, 20], Detach: false } })).toHaveProperty('Id');
    // docker-py repeats the container in the body
    expect(await client.json('POST', `/containers/${Id}/exec`, { body: { Cmd: ['true'], Container: Id } })).toHaveProperty('Id');
  });
});
