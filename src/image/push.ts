// One `push` of one tag: every layer is rebuilt from its tar-split (verified against its diff id),
// gzipped into tmp/ (digest and size known before the upload, so a registry that has the blob
// is asked first and the upload is one monolithic PUT that can be resent after an auth
// challenge), then the config and a Docker schema2 manifest are pushed.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestMismatch } from '../errors.js';
import type { RegistryClient } from './registry.js';
import { MEDIA } from './registry.js';
import type { ImageStore, StoredImage } from './store.js';
import { hexOf } from './store.js';
import { openLayerTar } from './archive.js';
import { digestOf } from './verify.js';
import type { Reference } from './reference.js';
import type { PushEvent } from './types.js';

export const LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
export const CONFIG_MEDIA = 'application/vnd.docker.container.image.v1+json';

export interface PushContext { store: ImageStore; client: RegistryClient }
export interface PushResult { digest: string; size: number }

interface Blob { mediaType: string; digest: string; size: number }

const short = (d: string) => hexOf(d).slice(0, 12);

/** Gzips the rebuilt layer tar into a file; returns its digest and size. */
async function compressLayer(ctx: PushContext, chainId: string, diffId: string, file: string): Promise<Blob> {
  const { stream } = await openLayerTar(ctx.store, chainId, diffId);
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({ transform(chunk: Buffer, _e, cb) { hash.update(chunk); size += chunk.length; cb(null, chunk); } });
  await pipeline(stream, zlib.createGzip({ chunkSize: 256 << 10 }), count, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  return { mediaType: LAYER_GZIP, digest: `sha256:${hash.digest('hex')}`, size };
}

async function pushLayer(ctx: PushContext, ref: Reference, img: StoredImage, i: number, tmp: string, emit: (e: PushEvent) => void, signal?: AbortSignal): Promise<Blob> {
  const id = short(img.layers[i]);
  const meta = await ctx.store.readLayer(img.chainIds[i]);
  if (!meta) throw new DigestMismatch(`layer ${img.chainIds[i]} of ${img.id}`, 'present in the store', 'missing');
  // the blob it was pulled as may already be there (same registry): nothing to rebuild
  if (meta.digest !== meta.diffId && (await ctx.client.hasBlob(ref, meta.digest, signal))) {
    emit({ id, status: 'Layer already exists' });
    return { mediaType: LAYER_GZIP, digest: meta.digest, size: meta.size };
  }
  const file = path.join(tmp, `${i}.tar.gz`);
  const blob = await compressLayer(ctx, img.chainIds[i], img.layers[i], file);
  if (await ctx.client.hasBlob(ref, blob.digest, signal)) {
    emit({ id, status: 'Layer already exists' });
    return blob;
  }
  emit({ id, status: 'Pushing', current: 0, total: blob.size });
  await ctx.client.uploadBlob(ref, blob.digest, blob.size, () => fs.createReadStream(file), signal);
  emit({ id, status: 'Pushed' });
  return blob;
}

/** Pushes `img` as `ref` (which has a tag). */
export async function pushImage(ctx: PushContext, ref: Reference & { tag: string }, img: StoredImage, emit: (e: PushEvent) => void, signal?: AbortSignal): Promise<PushResult> {
  emit({ id: '', status: `The push refers to repository [${ref.domain === 'docker.io' ? `docker.io/${ref.path}` : `${ref.domain}/${ref.path}`}]` });
  // docker lists the layers top first
  for (let i = img.layers.length - 1; i >= 0; i--) emit({ id: short(img.layers[i]), status: 'Preparing' });
  const config = await ctx.store.readBlob(img.id);
  if (!config || digestOf(config) !== img.id) throw new DigestMismatch(`image config ${img.id}`, img.id, config ? digestOf(config) : 'missing');
  const tmp = await ctx.store.makeTmpDir('push');
  try {
    const layers: Blob[] = [];
    for (let i = 0; i < img.layers.length; i++) layers.push(await pushLayer(ctx, ref, img, i, tmp, emit, signal));
    if (!(await ctx.client.hasBlob(ref, img.id, signal))) await ctx.client.uploadBlob(ref, img.id, config.length, config, signal);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: MEDIA.dockerManifest,
      config: { mediaType: CONFIG_MEDIA, size: config.length, digest: img.id },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
    }, null, 3));
    await ctx.client.putManifest(ref, ref.tag, MEDIA.dockerManifest, manifest, signal);
    const digest = digestOf(manifest);
    emit({ id: '', status: `${ref.tag}: digest: ${digest} size: ${manifest.length}`, aux: { Tag: ref.tag, Digest: digest, Size: manifest.length } });
    return { digest, size: manifest.length };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
