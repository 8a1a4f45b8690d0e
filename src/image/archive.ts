// docker save / docker load: the docker-archive tar (moby image/tarexport). Layout written:
//   <diffid-hex>/layer.tar     each layer's tar, rebuilt byte for byte from its tar-split
//   <config-hex>.json          the image config (its sha256 is the image id)
//   manifest.json              [{ Config, RepoTags, Layers }]
//   repositories               { repo: { tag: <top layer dir> } } (the legacy index)
// Load reads manifest.json (so OCI-layout archives from docker 25+, whose manifest.json points
// into blobs/sha256/, load too); every config is checked against its id, every layer against its
// diff id while it is unpacked. Symlinked members (docker's shared layer.tar) are resolved inside
// the archive, never created on disk.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import tar from 'tar-stream';
import { DigestMismatch, LayerUnsafe, invalidArgument } from '../errors.js';
import { hexOf, type ImageStore, type LayerMeta, type StoredImage } from './store.js';
import { chainIds, parseImageConfig } from './manifest.js';
import { VerifyingStream, digestOf } from './verify.js';
import { cleanEntryName, unpackLayer } from './unpack.js';
import { TarSplitRecorder, assembleLayer, decodeSplit, encodeSplit, type Segment } from './tar-split.js';
import { parseReference, familiarName, type Reference } from './reference.js';

export interface ArchiveManifestEntry { Config: string; RepoTags: string[] | null; Layers: string[] }

/** What goes into one archive: an image and the familiar names it is saved under. */
export interface SaveItem { image: StoredImage; repoTags: string[] }

const layerMember = (diffId: string) => `${hexOf(diffId)}/layer.tar`;

/** The segments of a layer's tar-split; refuses a layer stored before tar-splits were recorded. */
export async function layerSegments(store: ImageStore, chainId: string): Promise<Segment[]> {
  const split = await store.readSplit(chainId);
  if (!split) {
    throw invalidArgument(`layer ${hexOf(chainId).slice(0, 12)} was stored without its tar record (pulled by an older minidock): remove the image and pull it again`);
  }
  return decodeSplit(split, `layer ${chainId}`);
}

export const segmentsSize = (segs: Segment[]) => segs.reduce((n, s) => n + ('raw' in s ? Buffer.byteLength(s.raw, 'base64') : s.size), 0);

/** The layer's tar as pulled, verified against its diff id while it streams. */
export async function openLayerTar(store: ImageStore, chainId: string, diffId: string): Promise<{ stream: Readable; size: number }> {
  const segs = await layerSegments(store, chainId);
  const v = new VerifyingStream(diffId, undefined, `layer ${diffId} rebuilt from the store`);
  const src = assembleLayer(store.layerDir(chainId), segs);
  src.on('error', (e) => v.destroy(e));
  return { stream: src.pipe(v), size: segmentsSize(segs) };
}

/** Writes the docker-archive tar of `items` to `out`. */
export async function saveImages(store: ImageStore, items: SaveItem[], out: Writable): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, out);
  done.catch(() => { /* awaited below */ });
  const entry = (name: string, data: Buffer | string) => new Promise<void>((resolve, reject) => {
    pack.entry({ name, mtime: new Date(0), mode: 0o644 }, data, (err) => (err ? reject(err) : resolve()));
  });
  try {
    const written = new Set<string>();
    const manifest: ArchiveManifestEntry[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { image, repoTags } of items) {
      const config = await store.readBlob(image.id);
      if (!config) throw new DigestMismatch(`image config ${image.id}`, 'present in the store', 'missing');
      if (digestOf(config) !== image.id) throw new DigestMismatch(`image config ${image.id}`, image.id, digestOf(config));
      for (let i = 0; i < image.layers.length; i++) {
        const member = layerMember(image.layers[i]);
        if (written.has(member)) continue;
        written.add(member);
        const { stream, size } = await openLayerTar(store, image.chainIds[i], image.layers[i]);
        pack.entry({ name: `${hexOf(image.layers[i])}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
        await entry(`${hexOf(image.layers[i])}/VERSION`, '1.0');
        await new Promise<void>((resolve, reject) => {
          const e = pack.entry({ name: member, size, mtime: new Date(0), mode: 0o644 }, (err) => (err ? reject(err) : resolve()));
          stream.on('error', (err) => { e.destroy(err); reject(err); });
          stream.pipe(e);
        });
      }
      const configName = `${hexOf(image.id)}.json`;
      if (!written.has(configName)) { written.add(configName); await entry(configName, config); }
      manifest.push({ Config: configName, RepoTags: repoTags.length ? repoTags : null, Layers: image.layers.map(layerMember) });
      const top = image.layers.length ? hexOf(image.layers[image.layers.length - 1]) : '';
      for (const t of repoTags) {
        const r = parseReference(t);
        (repositories[familiarName(r)] ??= {})[r.tag ?? 'latest'] = top;
      }
    }
    await entry('manifest.json', JSON.stringify(manifest));
    if (Object.keys(repositories).length) await entry('repositories', JSON.stringify(repositories));
    pack.finalize();
    await done;
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
}

/** An archive unpacked into a scratch dir: regular files on disk, symlinks kept as a map. */
class ExtractedArchive {
  readonly links = new Map<string, string>();
  constructor(readonly dir: string) {}

  /** The on-disk path of a member, following the archive's symlinks inside the archive. */
  resolve(name: string): string {
    let rel = cleanMember(name);
    for (let hops = 0; this.links.has(rel); hops++) {
      if (hops > 16) throw invalidArgument(`archive member ${name}: too many symlinks`);
      const target = this.links.get(rel)!;
      rel = cleanMember(target.startsWith('/') ? target : path.posix.join(path.posix.dirname(rel), target));
    }
    return path.join(this.dir, rel);
  }

  async read(name: string, max: number): Promise<Buffer> {
    const p = this.resolve(name);
    const st = await fsp.lstat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined; // reported as missing below
      throw err;
    });
    if (!st?.isFile()) throw invalidArgument(`invalid archive: ${name} is missing`);
    if (st.size > max) throw invalidArgument(`invalid archive: ${name} is larger than ${max} bytes`);
    return fsp.readFile(p);
  }
}

function cleanMember(name: string): string {
  let rel: string;
  try { rel = cleanEntryName(name); } catch (err) {
    if (err instanceof LayerUnsafe) throw invalidArgument(`invalid archive: member ${name} escapes the archive`);
    throw err;
  }
  if (!rel) throw invalidArgument(`invalid archive: member ${JSON.stringify(name)} names the archive root`);
  return rel;
}

async function extractArchive(input: Readable, dir: string): Promise<ExtractedArchive> {
  const arch = new ExtractedArchive(dir);
  const extract = tar.extract();
  const feeding = pipeline(input, extract);
  feeding.catch(() => { /* awaited below */ });
  try {
    for await (const e of extract) {
      const entry = e as unknown as Readable & { header: tar.Header };
      const h = entry.header;
      if (h.type === 'directory' || (h.type as string) === 'pax-header' || (h.type as string) === 'pax-global-header') { entry.resume(); continue; }
      const rel = cleanMember(h.name);
      if (h.type === 'symlink') { arch.links.set(rel, h.linkname ?? ''); entry.resume(); continue; }
      if (h.type !== 'file' && h.type !== 'contiguous-file') { entry.resume(); throw invalidArgument(`invalid archive: member ${h.name} is a ${h.type}`); }
      const p = path.join(dir, rel);
      await fsp.mkdir(path.dirname(p), { recursive: true, mode: 0o700 });
      await pipeline(entry, fs.createWriteStream(p, { flags: 'wx', mode: 0o600 }));
    }
    await feeding;
  } catch (err) {
    extract.destroy();
    input.destroy();
    throw err;
  }
  return arch;
}

const CONFIG_MAX = 16 << 20;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

async function startsWithGzip(file: string): Promise<boolean> {
  const fh = await fsp.open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b.equals(GZIP_MAGIC);
  } finally {
    await fh.close();
  }
}

/** Unpacks one archived layer into the store unless it is there already; verified against diffId. */
export async function loadLayer(store: ImageStore, file: string, diffId: string, chainId: string, parent: string | null): Promise<LayerMeta> {
  const have = await store.readLayer(chainId);
  if (have) return have;
  const tmp = await store.makeTmpDir('load-layer');
  const src = fs.createReadStream(file);
  const stages: Readable[] = [src];
  try {
    let tail: Readable = src;
    if (await startsWithGzip(file)) { const g = zlib.createGunzip({ chunkSize: 256 << 10 }); tail = tail.pipe(g); stages.push(g); }
    const recorder = new TarSplitRecorder();
    const diff = new VerifyingStream(diffId, undefined, `archived layer ${diffId}`);
    tail.pipe(recorder).pipe(diff);
    stages.push(recorder);
    for (const s of stages) s.on('error', (e) => diff.destroy(e));
    const stats = await unpackLayer(diff, tmp);
    const size = (await fsp.stat(file)).size;
    const meta: LayerMeta = { chainId, diffId, digest: diffId, size, unpackedSize: stats.bytes, parent };
    await store.commitLayer(tmp, meta, encodeSplit(recorder.split()));
    return meta;
  } catch (err) {
    for (const s of stages) s.destroy();
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export interface LoadedImage { image: StoredImage; repoTags: Reference[] }

/** Reads a docker-archive from `input` into the store; the caller records the tags. */
export async function loadImages(store: ImageStore, input: Readable): Promise<LoadedImage[]> {
  const dir = await store.makeTmpDir('load');
  try {
    const arch = await extractArchive(input, dir);
    let manifest: ArchiveManifestEntry[];
    try { manifest = JSON.parse((await arch.read('manifest.json', CONFIG_MAX)).toString('utf8')); } catch (err) {
      if (err instanceof SyntaxError) throw invalidArgument('invalid archive: manifest.json is not valid json');
      throw err;
    }
    if (!Array.isArray(manifest)) throw invalidArgument('invalid archive: manifest.json is not a list');
    const out: LoadedImage[] = [];
    for (const m of manifest) {
      if (typeof m?.Config !== 'string' || !Array.isArray(m.Layers) || !m.Layers.every((l) => typeof l === 'string')) {
        throw invalidArgument('invalid archive: a manifest.json entry lacks Config or Layers');
      }
      const configBody = await arch.read(m.Config, CONFIG_MAX);
      const id = digestOf(configBody);
      const where = `archived image ${m.Config}`;
      const cfg = parseImageConfig(where, configBody);
      if (cfg.diffIds.length !== m.Layers.length) {
        throw invalidArgument(`invalid archive: ${m.Config} lists ${cfg.diffIds.length} layers but manifest.json has ${m.Layers.length}`);
      }
      const repoTags = (m.RepoTags ?? []).map((t) => {
        const r = parseReference(t);
        return { ...r, tag: r.tag ?? 'latest' };
      });
      const chains = chainIds(cfg.diffIds);
      const metas: LayerMeta[] = [];
      for (let i = 0; i < m.Layers.length; i++) {
        metas.push(await loadLayer(store, arch.resolve(m.Layers[i]), cfg.diffIds[i], chains[i], i === 0 ? null : chains[i - 1]));
      }
      await store.writeBlob(id, configBody);
      const existing = await store.readImage(id);
      const image: StoredImage = {
        id, created: cfg.created, architecture: cfg.architecture, os: cfg.os, ...(cfg.variant ? { variant: cfg.variant } : {}),
        config: cfg.config, layers: cfg.diffIds, chainIds: chains, size: metas.reduce((n, x) => n + x.unpackedSize, 0),
        manifests: existing?.manifests ?? [],
      };
      await store.writeImage(image);
      out.push({ image, repoTags });
    }
    return out;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
