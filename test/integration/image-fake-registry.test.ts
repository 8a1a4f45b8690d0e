// A tiny registry in node:http on 127.0.0.1 serving exactly what each test needs: corrupt
// blobs, slow blobs (for abort), and request counting (for download coalescing).
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type net from 'node:net';
// @ts-expect-error plain .mjs helper without types
import { packEntries, makeLayer, makeConfig, sha256 } from '../../rootfs/lib.mjs';
import { ImageService } from '../../src/image/index.js';
import { CredentialStore } from '../../src/image/credentials.js';

const isRoot = process.getuid?.() === 0;

interface Layer { gz: Buffer; digest: string; diffId: string; size: number }
interface Served { manifest: Buffer; blobs: Map<string, Buffer>; slow?: Set<string> }

let server: http.Server;
let addr = '';
const repos = new Map<string, Served>();
const blobGets = new Map<string, number>();
const roots: string[] = [];

async function layer(name: string, content: string): Promise<Layer> {
  return makeLayer(await packEntries([{ name, type: 'file', mode: 0o644, content }]));
}

async function serve(repo: string, layers: Layer[], override: Map<string, Buffer> = new Map(), slow?: Set<string>) {
  const config: Buffer = makeConfig({ layers, config: { Cmd: ['true'] } });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha256(config) },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.size, digest: l.digest })),
  }));
  const blobs = new Map<string, Buffer>([[sha256(config), config], ...layers.map((l) => [l.digest, l.gz] as [string, Buffer])]);
  for (const [d, b] of override) blobs.set(d, b);
  repos.set(repo, { manifest, blobs, slow });
}

async function service(): Promise<ImageService> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-test-fake-'));
  roots.push(root);
  const svc = new ImageService({ root, run: path.join(root, 'run') }, { credentials: new CredentialStore(path.join(root, 'c.json')) });
  await svc.init();
  return svc;
}

async function storeIsEmpty(svc: ImageService) {
  expect(await fs.readdir(svc.store.tmp)).toEqual([]);
  expect(await fs.readdir(svc.store.layers)).toEqual([]);
  expect(await fs.readdir(svc.store.images)).toEqual([]);
  // config and manifest blobs are written while layers download; a failed pull takes them back
  expect(await fs.readdir(svc.store.blobs)).toEqual([]);
  expect(await svc.store.readRepos()).toEqual({});
}

describe.skipIf(!isRoot)('image pull against a fake registry', () => {
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(req.url ?? '');
      if (req.url === '/v2/') { res.end('{}'); return; }
      const repo = m && repos.get(m[1]);
      if (!m || !repo) { res.writeHead(404); res.end(); return; }
      if (m[2] === 'manifests') {
        res.writeHead(200, { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', 'docker-content-digest': sha256(repo.manifest) });
        res.end(repo.manifest);
        return;
      }
      const blob = repo.blobs.get(m[3]);
      if (!blob) { res.writeHead(404); res.end(); return; }
      blobGets.set(m[3], (blobGets.get(m[3]) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length) });
      if (repo.slow?.has(m[3])) {
        // half now, the rest much later: long enough to abort in between
        res.write(blob.subarray(0, blob.length >> 1));
        const t = setTimeout(() => res.end(blob.subarray(blob.length >> 1)), 1500);
        res.on('close', () => clearTimeout(t));
        return;
      }
      res.end(blob);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    addr = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  afterEach(async () => {
    for (const r of roots.splice(0)) await fs.rm(r, { recursive: true, force: true });
  });

  it('rejects a layer whose bytes do not match its digest and keeps nothing', async () => {
    const good = await layer('a', 'good');
    const evil = await layer('a', 'evil'); // same length, other bytes
    expect(evil.size).toBe(good.size);
    await serve('corrupt', [good], new Map([[good.digest, evil.gz]]));
    const svc = await service();
    await expect(svc.pull(`${addr}/corrupt`)).rejects.toMatchObject({ code: 'DigestMismatch', message: expect.stringContaining(good.digest) });
    await storeIsEmpty(svc);
  });

  it('rejects a blob longer than the manifest says', async () => {
    const good = await layer('b', 'good');
    await serve('toolong', [good], new Map([[good.digest, Buffer.concat([good.gz, Buffer.from('trailing')])]]));
    const svc = await service();
    await expect(svc.pull(`${addr}/toolong`)).rejects.toMatchObject({ code: 'DigestMismatch' });
    await storeIsEmpty(svc);
  });

  it('rejects a manifest fetched by digest whose bytes do not hash to it', async () => {
    await serve('bydigest', [await layer('c', 'c')]);
    const svc = await service();
    await expect(svc.pull(`${addr}/bydigest@sha256:${'ab'.repeat(32)}`)).rejects.toMatchObject({ code: 'DigestMismatch' });
    await storeIsEmpty(svc);
  });

  it('refuses an image deeper than 125 layers before downloading any (docker: max depth exceeded)', async () => {
    const layers: Layer[] = [];
    for (let i = 0; i < 126; i++) layers.push(await layer(`f${i}`, String(i)));
    await serve('deep', layers);
    const before = [...blobGets.values()].reduce((a, b) => a + b, 0);
    const svc = await service();
    await expect(svc.pull(`${addr}/deep`)).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('126 layers: max depth exceeded') });
    expect([...blobGets.values()].reduce((a, b) => a + b, 0)).toBe(before);
    await storeIsEmpty(svc);
  });

  it('refuses a layer that escapes its directory and keeps nothing', async () => {
    const evil = makeLayer(await packEntries([
      { name: 'ok', type: 'file', mode: 0o644, content: 'fine' },
      { name: '../../../../escaped-by-minidock-test', type: 'file', mode: 0o644, content: 'pwned' },
    ])) as Layer;
    await serve('escape', [evil]);
    const svc = await service();
    await expect(svc.pull(`${addr}/escape`)).rejects.toMatchObject({ code: 'LayerUnsafe', message: expect.stringContaining('escapes the layer') });
    await expect(fs.access('/escaped-by-minidock-test')).rejects.toThrow();
    await expect(fs.access(path.join(svc.store.root, '..', 'escaped-by-minidock-test'))).rejects.toThrow();
    await storeIsEmpty(svc);
  });

  it('an aborted pull leaves a consistent store that init() cleans', async () => {
    const l = await layer('big', 'x'.repeat(300_000) + Math.random());
    await serve('slow', [l], new Map(), new Set([l.digest]));
    const svc = await service();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(svc.pull(`${addr}/slow`, { signal: ac.signal })).rejects.toThrow();
    expect(await fs.readdir(svc.store.layers)).toEqual([]);
    await svc.init();
    await storeIsEmpty(svc);
    // a later pull completes normally
    const img = await svc.pull(`${addr}/slow`);
    expect(img.layers).toEqual([l.diffId]);
  });

  it('concurrent pulls of the same layer download it once', async () => {
    const shared = await layer('shared', 'shared content ' + Math.random());
    await serve('co1', [shared, await layer('one', '1')], new Map(), new Set([shared.digest]));
    await serve('co2', [shared, await layer('two', '2')]);
    const svc = await service();
    const [a, b] = await Promise.all([svc.pull(`${addr}/co1`), svc.pull(`${addr}/co2`)]);
    expect(blobGets.get(shared.digest)).toBe(1);
    expect(svc.layerDirs(a)[0]).toBe(svc.layerDirs(b)[0]);
  });
});
