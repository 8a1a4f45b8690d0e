// One `pull`: resolve the manifest (choosing the host platform from an index), fetch and
// verify the config, then stream every missing layer registry -> sha256/size check -> gunzip
// -> diffID check -> unpack into tmp/, renamed into layers/ only once everything verified.
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { DigestMismatch, RegistryError, invalidArgument } from '../errors.js';
import { pullReference, familiarName, familiarString, type Reference } from './reference.js';
import type { RegistryClient } from './registry.js';
import { selectPlatform, NoMatchingPlatform, type Platform } from './platform.js';
import { parseManifest, parseImageConfig, layerCompression, chainIds, type Descriptor, type ImageManifest } from './manifest.js';
import { VerifyingStream, digestOf, hashAlgorithm } from './verify.js';
import { unpackLayer } from './unpack.js';
import { TarSplitRecorder, encodeSplit } from './tar-split.js';
import type { ImageStore, LayerMeta, StoredImage } from './store.js';
import type { PullEvent } from './types.js';

const CONFIG_MAX = 16 << 20;

export interface PullContext {
  store: ImageStore;
  client: RegistryClient;
  platform: Platform;
  /** chainId -> running download, shared by concurrent pulls in this process */
  inflight: Map<string, Promise<LayerMeta>>;
  concurrency: number;
}

export interface PullResult { ref: Reference; image: StoredImage; manifestDigest: string; fresh: boolean }

const shortId = (digest: string) => digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);

function isAbort(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR' || e?.code === 'UND_ERR_ABORTED';
}

async function fetchVerifiedManifest(ctx: PullContext, ref: Reference, tagOrDigest: string, expected: string | undefined, signal?: AbortSignal) {
  const { body, mediaType } = await ctx.client.getManifest(ref, tagOrDigest, signal);
  const digest = digestOf(body, expected ? hashAlgorithm(expected) : 'sha256');
  if (expected && digest !== expected) throw new DigestMismatch(`manifest ${familiarName(ref)}@${expected}`, expected, digest);
  return { body, mediaType, digest };
}

async function readBlob(ctx: PullContext, ref: Reference, d: Descriptor, what: string, signal?: AbortSignal): Promise<Buffer> {
  if (d.size > CONFIG_MAX) throw new RegistryError(`${what} ${d.digest} is too large (${d.size} bytes)`);
  const { stream } = await ctx.client.openBlob(ref, d.digest, signal);
  const v = new VerifyingStream(d.digest, d.size, `${what} ${d.digest}`);
  stream.on('error', (e) => v.destroy(e));
  stream.pipe(v);
  const chunks: Buffer[] = [];
  for await (const c of v) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try { await fn(items[i], i); } catch (err) { failed ??= err; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** Waits for a download another pull started, but gives up when this pull is aborted. */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Downloads and unpacks one layer; the shared promise in ctx.inflight makes concurrent pulls wait for it. */
async function downloadLayer(ctx: PullContext, ref: Reference, desc: Descriptor, diffId: string, chainId: string, parent: string | null,
  emit: (e: PullEvent) => void, signal?: AbortSignal): Promise<LayerMeta> {
  const id = shortId(desc.digest);
  const compression = layerCompression(`${familiarName(ref)} layer ${desc.digest}`, desc.mediaType);
  const tmp = await ctx.store.makeTmpDir('layer');
  const stages: Readable[] = [];
  try {
    const { stream } = await ctx.client.openBlob(ref, desc.digest, signal);
    const compressed = new VerifyingStream(desc.digest, desc.size, `layer ${desc.digest}`);
    const diff = new VerifyingStream(diffId, undefined, `layer ${desc.digest} (uncompressed, diff id)`);
    stages.push(stream, compressed);
    // progress at most every 256 KiB so a fast loopback pull does not flood the callback
    let lastReported = 0;
    compressed.on('data', () => {
      if (compressed.bytes - lastReported >= 256 << 10) { lastReported = compressed.bytes; emit({ id, status: 'Downloading', current: compressed.bytes, total: desc.size }); }
    });
    stream.pipe(compressed);
    let tail: Readable = compressed;
    if (compression === 'gzip') {
      // 256 KiB output chunks instead of 16 KiB: a quarter of the callbacks and stream hops per
      // byte (measured: main-thread cpu for the 4 MiB nginx layer 150-270 ms -> 45-70 ms)
      const gunzip = zlib.createGunzip({ chunkSize: 256 << 10 });
      tail = tail.pipe(gunzip);
      stages.push(gunzip);
    }
    const recorder = new TarSplitRecorder();
    tail.pipe(recorder).pipe(diff);
    stages.push(recorder);
    for (const s of stages) s.on('error', (e) => diff.destroy(e));
    const stats = await unpackLayer(diff, tmp, { signal });
    emit({ id, status: 'Download complete' });
    const meta: LayerMeta = { chainId, diffId, digest: desc.digest, size: desc.size, unpackedSize: stats.bytes, parent };
    await ctx.store.commitLayer(tmp, meta, encodeSplit(recorder.split()));
    return meta;
  } catch (err) {
    // an unsafe entry stops the unpack early: close the connection instead of leaving it half read
    for (const s of stages) s.destroy();
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function ensureLayer(ctx: PullContext, ref: Reference, desc: Descriptor, diffId: string, chainId: string, parent: string | null,
  emit: (e: PullEvent) => void, signal?: AbortSignal): Promise<LayerMeta> {
  const id = shortId(desc.digest);
  for (;;) {
    const running = ctx.inflight.get(chainId);
    if (running) {
      emit({ id, status: 'Waiting' });
      try { const meta = await untilAborted(running, signal); emit({ id, status: 'Already exists' }); return meta; } catch (err) {
        // the other pull was cancelled; this one still wants the layer
        if (isAbort(err) && !signal?.aborted) continue;
        throw err;
      }
    }
    const have = await ctx.store.readLayer(chainId);
    if (have) { emit({ id, status: 'Already exists' }); return have; }
    if (ctx.inflight.has(chainId)) continue; // someone started it while we read the store
    emit({ id, status: 'Pulling fs layer' });
    const p = downloadLayer(ctx, ref, desc, diffId, chainId, parent, emit, signal);
    ctx.inflight.set(chainId, p);
    try {
      const meta = await p;
      emit({ id, status: 'Pull complete' });
      return meta;
    } finally {
      ctx.inflight.delete(chainId);
    }
  }
}

/** As moby's layer store: an overlay root stacks at most this many layers. */
export const MAX_LAYER_DEPTH = 125;

export async function pullImage(ctx: PullContext, input: string, opts: { onEvent?: (e: PullEvent) => void; signal?: AbortSignal } = {}): Promise<PullResult> {
  const ref = pullReference(input); // throws InvalidReference before any traffic
  const emit = (e: PullEvent) => { try { opts.onEvent?.(e); } catch { /* a listener must not break the pull */ } };
  const signal = opts.signal;
  const label = ref.tag ?? ref.digest!;
  const top = await fetchVerifiedManifest(ctx, ref, label, ref.digest, signal);
  // like docker: only once the manifest exists, and the repository path without the registry host
  emit({ id: label, status: `Pulling from ${ref.path}` });
  const where = familiarString(ref);
  let parsed = parseManifest(where, top.mediaType, top.body);
  const manifests: { digest: string; body: Buffer }[] = [{ digest: top.digest, body: top.body }];
  if (parsed.kind === 'index') {
    const i = selectPlatform(parsed.manifests, ctx.platform);
    if (i === -1) throw new NoMatchingPlatform(where, ctx.platform, parsed.manifests.map((m) => m.platform ?? {}));
    const chosen = parsed.manifests[i];
    const m = await fetchVerifiedManifest(ctx, ref, chosen.digest, chosen.digest, signal);
    parsed = parseManifest(`${where}@${chosen.digest}`, m.mediaType, m.body);
    if (parsed.kind !== 'manifest') throw new RegistryError(`index ${where} points to another index ${chosen.digest}`);
    manifests.push({ digest: m.digest, body: m.body });
  }
  const manifest = parsed as ImageManifest;
  // docker's layer store stops at 125 layers ("max depth exceeded"); refuse before downloading any
  if (manifest.layers.length > MAX_LAYER_DEPTH) {
    throw invalidArgument(`image ${where} has ${manifest.layers.length} layers: max depth exceeded (at most ${MAX_LAYER_DEPTH})`);
  }
  const configBody = await readBlob(ctx, ref, manifest.config, 'image config', signal);
  const cfg = parseImageConfig(where, configBody);
  if (cfg.diffIds.length !== manifest.layers.length) {
    throw new RegistryError(`image ${where}: config lists ${cfg.diffIds.length} layers but the manifest has ${manifest.layers.length}`);
  }
  const chains = chainIds(cfg.diffIds);
  const id = manifest.config.digest;
  const existing = await ctx.store.readImage(id);
  let fresh = !existing; // any layer downloaded or no record yet
  // docker prints no layer lines for an image it already has complete
  const complete = !!existing && (await Promise.all(chains.map((c) => ctx.store.readLayer(c)))).every(Boolean);
  const layerEmit = complete ? () => {} : emit;

  // the config and manifest blobs are written (each an fsync'd atomic write) while the layers
  // download instead of after them; the image record that refers to them still comes last
  const blobs = Promise.all([ctx.store.writeBlob(id, configBody), ...manifests.map((m) => ctx.store.writeBlob(m.digest, m.body))]);
  blobs.catch(() => { /* awaited below; a failed pull reports its first error */ });
  const metas: LayerMeta[] = new Array(manifest.layers.length);
  try {
    await mapLimit(manifest.layers, ctx.concurrency, async (desc, i) => {
      const before = await ctx.store.readLayer(chains[i]);
      metas[i] = await ensureLayer(ctx, ref, desc, cfg.diffIds[i], chains[i], i === 0 ? null : chains[i - 1], layerEmit, signal);
      if (!before) fresh = true;
    });
  } catch (err) {
    // blobs of an image that was never stored would stay unreferenced: take them back. This is
    // best effort on the way out: the layer's error (rethrown below) is the one the user must see,
    // and a blob left behind is only space, reclaimed by the next pull of the same digest.
    await blobs.catch(() => {});
    if (!existing && !(await ctx.store.readImage(id).catch(() => undefined))) {
      await Promise.all([id, ...manifests.map((m) => m.digest)].map((d) => ctx.store.deleteBlob(d).catch(() => {})));
    }
    throw err;
  }
  await blobs;
  const image: StoredImage = {
    id, created: cfg.created, architecture: cfg.architecture, os: cfg.os, ...(cfg.variant ? { variant: cfg.variant } : {}),
    config: cfg.config, layers: cfg.diffIds, chainIds: chains, size: metas.reduce((n, m) => n + m.unpackedSize, 0),
    manifests: [...new Set([...(existing?.manifests ?? []), ...manifests.map((m) => m.digest)])],
  };
  await ctx.store.writeImage(image);
  emit({ id: '', status: `Digest: ${top.digest}` });
  return { ref, image, manifestDigest: top.digest, fresh };
}
