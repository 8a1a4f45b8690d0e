// Pulls from the local registry on 127.0.0.1:5000 (root: unpacking keeps real ownership).
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageService, type PullEvent } from '../../src/image/index.js';
import { CredentialStore } from '../../src/image/credentials.js';
import { ensureTestRegistry, REGISTRY } from '../helpers/registry.js';

const isRoot = process.getuid?.() === 0;
const roots: string[] = [];

async function service(): Promise<ImageService> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-test-image-'));
  roots.push(root);
  const svc = new ImageService({ root, run: path.join(root, 'run') }, { credentials: new CredentialStore(path.join(root, 'config.json')) });
  await svc.init();
  return svc;
}

async function manifestDigest(repo: string, tag: string, accept: string): Promise<string> {
  const r = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept } });
  return r.headers.get('docker-content-digest')!;
}

describe.skipIf(!isRoot)('image pull (local registry)', () => {
  let release = async () => {};
  beforeAll(async () => { release = await ensureTestRegistry(); }, 300_000);
  afterAll(async () => { await release(); });
  afterEach(async () => {
    for (const r of roots.splice(0)) await fs.rm(r, { recursive: true, force: true });
  });

  it('pulls busybox with its config, tags and an unpacked layer', async () => {
    const svc = await service();
    const events: PullEvent[] = [];
    const img = await svc.pull(`${REGISTRY}/busybox`, { onEvent: (e) => events.push(e) });
    expect(img.repoTags).toEqual([`${REGISTRY}/busybox:latest`]);
    expect(img.repoDigests[0]).toMatch(new RegExp(`^${REGISTRY}/busybox@sha256:[0-9a-f]{64}$`));
    expect(img.config.Cmd).toEqual(['sh']);
    expect(img.architecture).toBe('amd64');
    expect(img.layers).toHaveLength(1);
    const [dir] = svc.layerDirs(img);
    expect((await fs.lstat(path.join(dir, 'bin/busybox'))).mode & 0o777).toBe(0o755);
    expect(await fs.readlink(path.join(dir, 'bin/sh'))).toBe('busybox');
    expect(await fs.readFile(path.join(dir, 'etc/passwd'), 'utf8')).toContain('app:x:1000:1000');
    expect((await fs.stat(path.join(dir, 'home/app'))).uid).toBe(1000);
    expect((await fs.stat(path.join(dir, 'tmp'))).mode & 0o7777).toBe(0o1777);
    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toBe('Pulling from busybox');
    expect(statuses).toContain('Pull complete');
    expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${REGISTRY}/busybox:latest`);
    // second pull: nothing downloaded
    const again: PullEvent[] = [];
    await svc.pull(`${REGISTRY}/busybox:latest`, { onEvent: (e) => again.push(e) });
    // like docker for an image it has: no layer lines at all
    expect(again.map((e) => e.status)).toEqual(['Pulling from busybox', expect.stringMatching(/^Digest: sha256:/), `Status: Image is up to date for ${REGISTRY}/busybox:latest`]);
    expect(await fs.readdir(svc.store.tmp)).toEqual([]);
  });

  it('pulls nginx sharing the busybox layer, get/list/remove keep shared layers', async () => {
    const svc = await service();
    const bb = await svc.pull(`${REGISTRY}/busybox`);
    const events: PullEvent[] = [];
    const ng = await svc.pull(`${REGISTRY}/nginx:latest`, { onEvent: (e) => events.push(e) });
    expect(ng.config.Cmd).toEqual(['nginx', '-g', 'daemon off;']);
    expect(ng.config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(events.filter((e) => e.status === 'Already exists')).toHaveLength(1);
    const dirs = svc.layerDirs(ng);
    expect(dirs[0]).toBe(svc.layerDirs(bb)[0]);
    expect(await fs.readlink(path.join(dirs[1], 'var/log/nginx/access.log'))).toBe('/dev/stdout');
    expect((await fs.stat(path.join(dirs[1], 'usr/sbin/nginx'))).isFile()).toBe(true);

    expect((await svc.get(`${REGISTRY}/nginx`)).id).toBe(ng.id);
    expect((await svc.get(ng.id.slice(7, 19))).id).toBe(ng.id);
    expect((await svc.get(ng.repoDigests[0])).id).toBe(ng.id);
    expect((await svc.list()).map((i) => i.id).sort()).toEqual([bb.id, ng.id].sort());
    await expect(svc.get(`${REGISTRY}/nope`)).rejects.toMatchObject({ code: 'ImageNotFound', status: 404, message: `No such image: ${REGISTRY}/nope:latest` });

    await expect(svc.remove(`${REGISTRY}/nginx`, { inUse: (id) => id === ng.id })).rejects.toMatchObject({ code: 'ImageInUse' });
    const res = await svc.remove(`${REGISTRY}/nginx`, { inUse: () => false });
    expect(res.untagged).toContain(`${REGISTRY}/nginx:latest`);
    expect(res.deleted[0]).toBe(ng.id);
    await expect(fs.access(dirs[1])).rejects.toThrow();
    await fs.access(dirs[0]); // still used by busybox
    expect((await svc.get(`${REGISTRY}/busybox`)).id).toBe(bb.id);
  }, 60_000);

  it('pulls by digest and rejects a digest the registry does not have', async () => {
    const svc = await service();
    const digest = await manifestDigest('busybox', 'latest', 'application/vnd.docker.distribution.manifest.v2+json');
    const img = await svc.pull(`${REGISTRY}/busybox@${digest}`);
    expect(img.repoDigests).toEqual([`${REGISTRY}/busybox@${digest}`]);
    expect(img.repoTags).toEqual([]);
    await expect(svc.pull(`${REGISTRY}/busybox@sha256:${'0'.repeat(64)}`)).rejects.toMatchObject({
      code: 'ManifestUnknown', message: `manifest for ${REGISTRY}/busybox@sha256:${'0'.repeat(64)} not found: manifest unknown: manifest unknown` });
    // docker's text for a missing tag, and no "Pulling from" before the manifest was found
    const seen: PullEvent[] = [];
    await expect(svc.pull(`${REGISTRY}/nope`, { onEvent: (e) => seen.push(e) })).rejects.toMatchObject({
      code: 'ManifestUnknown', status: 404, message: `manifest for ${REGISTRY}/nope:latest not found: manifest unknown: manifest unknown` });
    expect(seen).toEqual([]);
  });

  for (const tag of ['oci', 'docker-list']) {
    it(`picks the host platform from a multi-platform ${tag} index whose first entry is arm64`, async () => {
      const svc = await service();
      const img = await svc.pull(`${REGISTRY}/multiarch:${tag}`);
      expect(img.architecture).toBe('amd64');
      const top = svc.layerDirs(img).at(-1)!;
      expect(await fs.readFile(path.join(top, 'platform'), 'utf8')).toBe('linux/amd64\n');
      const arm = new ImageService({ root: roots[0], run: path.join(roots[0], 'run') }, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, credentials: new CredentialStore(path.join(roots[0], 'c.json')) });
      const armImg = await arm.pull(`${REGISTRY}/multiarch:${tag}`);
      expect(armImg.variant).toBe('v7');
      await expect(new ImageService({ root: roots[0], run: roots[0] }, { platform: { os: 'linux', architecture: 'riscv64' }, credentials: new CredentialStore(path.join(roots[0], 'c.json')) }).pull(`${REGISTRY}/multiarch:${tag}`))
        .rejects.toThrow(/no matching manifest for linux\/riscv64.*available: linux\/arm64\/v8, linux\/amd64, linux\/arm\/v7, linux\/s390x/);
    });
  }

  it('tag and remove follow docker rmi rules', async () => {
    const svc = await service();
    const bb = await svc.pull(`${REGISTRY}/busybox`);
    await svc.tag(`${REGISTRY}/busybox`, 'mybox:v1');
    await svc.tag(bb.id, 'other/box');
    expect((await svc.get('mybox:v1')).repoTags.sort()).toEqual([`${REGISTRY}/busybox:latest`, 'mybox:v1', 'other/box:latest'].sort());
    await expect(svc.tag('nope', 'x')).rejects.toMatchObject({ code: 'ImageNotFound' });
    // untag only while other tags remain
    expect(await svc.remove('mybox:v1')).toEqual({ untagged: ['mybox:v1'], deleted: [] });
    await expect(svc.remove(bb.id)).rejects.toMatchObject({ code: 'Conflict', message: expect.stringContaining('multiple repositories') });
    await expect(svc.remove('nope:latest')).rejects.toMatchObject({ code: 'ImageNotFound', message: 'No such image: nope:latest' });
    await expect(svc.remove('library/nope')).rejects.toMatchObject({ code: 'ImageNotFound', message: 'No such image: nope:latest' });
    // forced while a container uses it: untagged, kept
    const kept = await svc.remove(bb.id.slice(7, 19), { force: true, inUse: () => true });
    expect(kept.deleted).toEqual([]);
    expect((await svc.get(bb.id)).repoTags).toEqual([]);
    const gone = await svc.remove(bb.id, { inUse: () => false });
    expect(gone.deleted).toEqual([bb.id, bb.layers[0]]);
    expect(await svc.list()).toEqual([]);
    expect(await fs.readdir(svc.store.layers)).toEqual([]);
    expect(await fs.readdir(svc.store.blobs)).toEqual([]);
  });

  it('init removes leftovers of an interrupted pull', async () => {
    const svc = await service();
    const img = await svc.pull(`${REGISTRY}/busybox`);
    const hex = 'f'.repeat(64);
    await fs.mkdir(path.join(svc.store.layers, hex, 'bin'), { recursive: true });
    await fs.mkdir(path.join(svc.store.tmp, 'layer-abc', 'etc'), { recursive: true });
    await svc.init();
    expect(await fs.readdir(svc.store.tmp)).toEqual([]);
    await expect(fs.access(path.join(svc.store.layers, hex))).rejects.toThrow();
    await fs.access(svc.layerDirs(img)[0]);
  });

  it('rejects an invalid reference before any network traffic', async () => {
    const svc = await service();
    await expect(svc.pull('Busybox')).rejects.toMatchObject({ code: 'InvalidReference', status: 400 });
  });
});
