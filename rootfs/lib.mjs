// Offline image builder: directories or in-memory entry lists -> gzip layer tarballs,
// an image config, and a push over the distribution API (monolithic POST+PUT uploads,
// PUT manifest). Plain .mjs so it runs before `tsc`; loopback registries only.
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import tar from 'tar-stream';

export const MT = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

export const sha256 = (buf) => 'sha256:' + createHash('sha256').update(buf).digest('hex');

/**
 * Entry: { name, type: 'file'|'directory'|'symlink'|'link'|'fifo'|'character-device',
 *   mode, uid, gid, mtime (Date), content?: Buffer|string, linkname?, pax?: {...} }
 * Names have no leading slash; directories no trailing slash.
 */
export async function packEntries(entries) {
  const pack = tar.pack();
  const chunks = [];
  pack.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => { pack.on('end', resolve); pack.on('error', reject); });
  for (const e of entries) {
    const header = {
      name: e.name, type: e.type, mode: e.mode, uid: e.uid ?? 0, gid: e.gid ?? 0,
      mtime: e.mtime ?? new Date(0), linkname: e.linkname, pax: e.pax,
      devmajor: e.devmajor, devminor: e.devminor,
    };
    const body = e.type === 'file' ? Buffer.from(e.content ?? '') : undefined;
    await new Promise((resolve, reject) => pack.entry(header, body, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Walks a directory (no symlink following) into sorted entries with real modes/owners/mtimes;
 *  files sharing an inode become hard links to the first path seen. */
export async function entriesFromDir(root) {
  const out = [];
  const inodes = new Map();
  async function walk(rel) {
    const names = (await fs.readdir(path.join(root, rel))).sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(root, r);
      const st = await fs.lstat(abs);
      const base = { name: r, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000) };
      if (st.isDirectory()) { out.push({ ...base, type: 'directory' }); await walk(r); }
      else if (st.isSymbolicLink()) out.push({ ...base, type: 'symlink', linkname: await fs.readlink(abs) });
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1 && inodes.has(key)) out.push({ ...base, type: 'link', linkname: inodes.get(key) });
        else { inodes.set(key, r); out.push({ ...base, type: 'file', content: await fs.readFile(abs) }); }
      } else if (st.isFIFO()) out.push({ ...base, type: 'fifo' });
    }
  }
  await walk('');
  return out;
}

/** Layer: { tar (uncompressed), gz, diffId, digest, size } */
export function makeLayer(tarBuf) {
  const gz = zlib.gzipSync(tarBuf, { level: 6 });
  return { tar: tarBuf, gz, diffId: sha256(tarBuf), digest: sha256(gz), size: gz.length };
}

export function makeConfig({ architecture = 'amd64', os = 'linux', variant, config = {}, layers, created = '2024-01-01T00:00:00Z', comment }) {
  const cfg = {
    architecture, os, ...(variant ? { variant } : {}), created,
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ...config },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map(() => ({ created, created_by: comment ?? 'minidock rootfs builder' })),
  };
  return Buffer.from(JSON.stringify(cfg));
}

export class Registry {
  constructor(base = 'http://127.0.0.1:5000') {
    const u = new URL(base);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) throw new Error(`refusing non-loopback registry ${base}`);
    this.base = base.replace(/\/$/, '');
  }
  async hasBlob(repo, digest) {
    const r = await fetch(`${this.base}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    return r.status === 200;
  }
  async pushBlob(repo, buf) {
    const digest = sha256(buf);
    if (await this.hasBlob(repo, digest)) return digest;
    const start = await fetch(`${this.base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`upload start for ${repo} answered ${start.status}: ${await start.text()}`);
    const loc = new URL(start.headers.get('location'), this.base);
    loc.searchParams.set('digest', digest);
    const put = await fetch(loc, { method: 'PUT', body: buf, headers: { 'content-type': 'application/octet-stream', 'content-length': String(buf.length) } });
    if (put.status !== 201) throw new Error(`blob put ${digest} to ${repo} answered ${put.status}: ${await put.text()}`);
    return digest;
  }
  async pushManifest(repo, ref, mediaType, buf) {
    const r = await fetch(`${this.base}/v2/${repo}/manifests/${ref}`, { method: 'PUT', body: buf, headers: { 'content-type': mediaType } });
    if (r.status !== 201) throw new Error(`manifest put ${repo}:${ref} answered ${r.status}: ${await r.text()}`);
    return sha256(buf);
  }
}

/** Pushes layers + config + manifest; returns { digest, size, mediaType } of the manifest. */
export async function pushImage(reg, repo, ref, { layers, config, oci = false }) {
  for (const l of layers) await reg.pushBlob(repo, l.gz);
  const cfgDigest = await reg.pushBlob(repo, config);
  const mediaType = oci ? MT.ociManifest : MT.dockerManifest;
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType,
    config: { mediaType: oci ? MT.ociConfig : MT.dockerConfig, size: config.length, digest: cfgDigest },
    layers: layers.map((l) => ({ mediaType: oci ? MT.ociLayer : MT.dockerLayer, size: l.size, digest: l.digest })),
  }));
  const digest = await reg.pushManifest(repo, ref ?? sha256(manifest), mediaType, manifest);
  return { digest, size: manifest.length, mediaType, configDigest: cfgDigest };
}

/** Pushes an index/list whose entries are { manifest: {digest,size,mediaType}, platform }. */
export async function pushIndex(reg, repo, tag, entries, oci) {
  const mediaType = oci ? MT.ociIndex : MT.dockerList;
  const body = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType,
    manifests: entries.map((e) => ({ mediaType: e.manifest.mediaType, size: e.manifest.size, digest: e.manifest.digest, platform: e.platform })),
  }));
  return reg.pushManifest(repo, tag, mediaType, body);
}
