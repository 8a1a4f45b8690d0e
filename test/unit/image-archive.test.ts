// Tar-split and the docker-archive (save/load) on synthetic layers in a throwaway store: a layer
// is rebuilt byte for byte from its split, an archive loads (verified) and saves back in docker's
// layout, and broken archives are refused. Runs unprivileged (entries owned by the current user).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { unpackLayer } from '../../src/image/unpack.js';
import { TarSplitRecorder, assembleLayer, encodeSplit, decodeSplit, parsePax, parseTarSize } from '../../src/image/tar-split.js';
import { ImageService } from '../../src/image/index.js';
import { CredentialStore } from '../../src/image/credentials.js';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
type E = Partial<tar.Headers> & { name: string; body?: string | Buffer };
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice(7);

async function tarOf(entries: E[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => pack.on('end', r));
  for (const e of entries) {
    const { body, ...h } = e;
    await new Promise<void>((res, rej) => pack.entry({ type: 'file', mode: 0o644, uid, gid, mtime: new Date(1_600_000_000_000), ...h },
      body ?? (h.type && h.type !== 'file' ? undefined : ''), (err) => (err ? rej(err) : res())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function untar(data: Buffer): Promise<Map<string, { header: tar.Header; body: Buffer }>> {
  const out = new Map<string, { header: tar.Header; body: Buffer }>();
  const ex = tar.extract();
  const feeding = new Promise<void>((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); });
  Readable.from([data]).pipe(ex);
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.set(e.header.name, { header: e.header, body: Buffer.concat(chunks) });
  }
  await feeding;
  return out;
}

const collect = () => {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } });
  return { w, data: () => Buffer.concat(chunks) };
};

const LONG = `usr/share/${'a-very-long-directory-name/'.repeat(5)}file.txt`;
const LAYER: E[] = [
  { name: 'etc/', type: 'directory', mode: 0o755 },
  { name: 'etc/hostname', body: 'box\n' },
  { name: 'etc/empty', body: '' },
  { name: 'etc/odd', body: Buffer.alloc(513, 7) },
  { name: 'etc/link', type: 'symlink', linkname: 'hostname' },
  { name: 'etc/hard', type: 'link', linkname: 'etc/hostname' },
  { name: LONG, body: 'long name, so a pax header\n' },
];

let work = '';
beforeEach(async () => { work = await fs.mkdtemp(path.join(os.tmpdir(), 'minidock-unit-archive-')); });
afterEach(async () => { await fs.rm(work, { recursive: true, force: true }); });

describe('tar-split', () => {
  it('parses sizes (octal and base-256) and pax records', () => {
    expect(parseTarSize(Buffer.from('00000001750\0'))).toBe(1000);
    const b256 = Buffer.alloc(12); b256[0] = 0x80; b256[10] = 0x01; b256[11] = 0x00;
    expect(parseTarSize(b256)).toBe(256);
    expect(parsePax(Buffer.from('18 path=a/b/c.txt\n12 size=513\n'))).toEqual({ path: 'a/b/c.txt', size: '513' });
  });

  it('rebuilds the unpacked layer tar byte for byte, and not once a file changed', async () => {
    const original = await tarOf(LAYER);
    const dest = path.join(work, 'layer');
    await fs.mkdir(dest);
    const rec = new TarSplitRecorder();
    await unpackLayer(Readable.from([original]).pipe(rec), dest);
    const segs = decodeSplit(encodeSplit(rec.split()), 'test layer');
    // file contents are references, not copies
    expect(segs.filter((s) => 'file' in s).map((s) => (s as { file: string }).file).sort()).toEqual(['etc/hostname', 'etc/odd', LONG].sort());
    const rebuilt = Buffer.concat(await Readable.from(assembleLayer(dest, segs)).toArray());
    expect(rebuilt.equals(original)).toBe(true);

    await fs.writeFile(path.join(dest, 'etc/odd'), Buffer.alloc(513, 8));
    const changed = Buffer.concat(await assembleLayer(dest, segs).toArray());
    expect(sha(changed)).not.toBe(sha(original));
    await fs.writeFile(path.join(dest, 'etc/odd'), 'short');
    await expect(assembleLayer(dest, segs).toArray()).rejects.toThrow(/layer file etc\/odd.*513 bytes/);
  });
});

describe('docker-archive save and load', () => {
  const service = () => new ImageService({ root: path.join(work, 'root'), run: path.join(work, 'run') }, { credentials: new CredentialStore(path.join(work, 'config.json')) });

  async function archive(opts: { tamper?: boolean; escape?: boolean; noManifest?: boolean } = {}) {
    const layer = await tarOf(LAYER);
    const diffId = sha(layer);
    const config = (created: string) => Buffer.from(JSON.stringify({
      architecture: 'amd64', os: 'linux', created, config: { Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created, created_by: '/bin/sh -c #(nop) ADD file:x in /' }, { created, created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true }],
    }));
    const c1 = config('2024-01-01T00:00:00Z');
    const c2 = config('2024-02-01T00:00:00Z');
    const stored = opts.tamper ? Buffer.from(layer.toString('latin1').replace('box\n', 'bix\n'), 'latin1') : layer;
    const manifest = [
      { Config: `${hex(sha(c1))}.json`, RepoTags: ['example.com/unit/app:v1'], Layers: [opts.escape ? '../l1/layer.tar' : 'l1/layer.tar'] },
      { Config: `${hex(sha(c2))}.json`, RepoTags: null, Layers: ['l2/layer.tar'] },
    ];
    const entries: E[] = [
      { name: 'l1/layer.tar', body: stored },
      // docker save links a layer it already wrote
      { name: 'l2/layer.tar', type: 'symlink', linkname: '../l1/layer.tar' },
      { name: `${hex(sha(c1))}.json`, body: c1 },
      { name: `${hex(sha(c2))}.json`, body: c2 },
    ];
    if (!opts.noManifest) entries.push({ name: 'manifest.json', body: JSON.stringify(manifest) });
    return { data: await tarOf(entries), layer, diffId, id1: sha(c1), id2: sha(c2), c1 };
  }

  it('loads (tagged and untagged), then saves in docker layout with the identical layer tar', async () => {
    const svc = service();
    await svc.init();
    const a = await archive();
    const loaded = await svc.load(Readable.from([a.data]));
    expect(loaded).toEqual([{ id: a.id1, tags: ['example.com/unit/app:v1'] }, { id: a.id2, tags: [] }]);
    expect((await svc.get('example.com/unit/app:v1')).id).toBe(a.id1);

    const out = collect();
    await svc.save(['example.com/unit/app:v1', a.id2], out.w);
    const members = await untar(out.data());
    const layerName = `${hex(a.diffId)}/layer.tar`;
    expect([...members.keys()].sort()).toEqual([`${hex(a.diffId)}/`, `${hex(a.diffId)}/VERSION`, layerName,
      `${hex(a.id1)}.json`, `${hex(a.id2)}.json`, 'manifest.json', 'repositories'].sort());
    expect(members.get(layerName)!.body.equals(a.layer)).toBe(true);
    expect(members.get(`${hex(a.id1)}.json`)!.body.equals(a.c1)).toBe(true);
    expect(JSON.parse(members.get('manifest.json')!.body.toString())).toEqual([
      { Config: `${hex(a.id1)}.json`, RepoTags: ['example.com/unit/app:v1'], Layers: [layerName] },
      { Config: `${hex(a.id2)}.json`, RepoTags: null, Layers: [layerName] },
    ]);
    expect(JSON.parse(members.get('repositories')!.body.toString())).toEqual({ 'example.com/unit/app': { v1: hex(a.diffId) } });

    const h = await svc.history('example.com/unit/app:v1');
    expect(h.map((e) => [e.id, e.createdBy, e.tags])).toEqual([
      [a.id1, '/bin/sh -c #(nop)  CMD ["sh"]', ['example.com/unit/app:v1']],
      ['<missing>', '/bin/sh -c #(nop) ADD file:x in /', []],
    ]);
    expect(h[0]!.size).toBe(0);
    expect(h[1]!.size).toBeGreaterThan(0);
  });

  it('refuses a layer that does not match its diff id, a member outside the archive, a missing manifest', async () => {
    const svc = service();
    await svc.init();
    await expect(svc.load(Readable.from([(await archive({ tamper: true })).data]))).rejects.toThrow(/archived layer sha256:[0-9a-f]{64} failed verification/);
    await expect(svc.load(Readable.from([(await archive({ escape: true })).data]))).rejects.toThrow(/member \.\.\/l1\/layer\.tar escapes the archive/);
    await expect(svc.load(Readable.from([(await archive({ noManifest: true })).data]))).rejects.toThrow(/manifest\.json is missing/);
    expect(await svc.list()).toEqual([]);
    // nothing left behind in the store's scratch space
    expect(await fs.readdir(path.join(work, 'root', 'image', 'tmp'))).toEqual([]);
  });
});
