// The image store on disk (docs/ARCHITECTURE.md "On-disk layout"). A layer counts as present
// only once layers/<chainid>.json exists; it is written after the unpacked dir was renamed
// into place, so a crash at any point leaves either nothing or a leftover that init() removes.
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { imageRoot, type Paths } from '../state/paths.js';
import { writeFileAtomic, writeJsonAtomic, readJson } from '../state/atomic.js';
import type { ImageConfig } from './types.js';

export interface LayerMeta {
  chainId: string;
  diffId: string;
  /** compressed digest it was pulled as */
  digest: string;
  /** compressed size */
  size: number;
  /** bytes of file content once unpacked */
  unpackedSize: number;
  parent: string | null;
}

/** What images/<hex>.json holds; tags and digests live in repositories.json. */
export interface StoredImage {
  id: string;
  created: string;
  architecture: string;
  os: string;
  variant?: string;
  config: ImageConfig;
  layers: string[];
  chainIds: string[];
  size: number;
  /** manifests kept in blobs/ for this image (index and platform manifest) */
  manifests: string[];
}

/** layers/<chainid-hex>.tar-split: the layer tar minus file contents (tar-split.ts) */
export const SPLIT_SUFFIX = '.tar-split';

export const hexOf = (digest: string) => digest.slice(digest.indexOf(':') + 1);

export class ImageStore {
  readonly root: string;
  readonly blobs: string;
  readonly layers: string;
  readonly images: string;
  readonly tmp: string;
  readonly reposFile: string;

  constructor(paths: Paths) {
    this.root = imageRoot(paths);
    this.blobs = path.join(this.root, 'blobs', 'sha256');
    this.layers = path.join(this.root, 'layers');
    this.images = path.join(this.root, 'images');
    this.tmp = path.join(this.root, 'tmp');
    this.reposFile = path.join(this.root, 'repositories.json');
  }

  /** Creates the tree, empties tmp/ and drops layer dirs that never got their metadata. */
  async init(): Promise<void> {
    for (const d of [this.blobs, this.layers, this.images]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
    await fs.rm(this.tmp, { recursive: true, force: true });
    await fs.mkdir(this.tmp, { recursive: true, mode: 0o700 });
    const names = new Set(await fs.readdir(this.layers));
    for (const n of names) {
      if (/^[0-9a-f]{64}$/.test(n) && !names.has(`${n}.json`)) await fs.rm(path.join(this.layers, n), { recursive: true, force: true });
      else if (n.endsWith('.tmp')) await fs.rm(path.join(this.layers, n), { force: true });
      else if (n.endsWith(SPLIT_SUFFIX) && !names.has(`${n.slice(0, -SPLIT_SUFFIX.length)}.json`)) await fs.rm(path.join(this.layers, n), { force: true });
    }
  }

  layerDir(chainId: string): string { return path.join(this.layers, hexOf(chainId)); }
  private layerMetaFile(chainId: string): string { return path.join(this.layers, `${hexOf(chainId)}.json`); }
  private layerSplitFile(chainId: string): string { return path.join(this.layers, `${hexOf(chainId)}${SPLIT_SUFFIX}`); }

  /** The layer's tar-split record (tar-split.ts), or undefined for a layer stored without one. */
  async readSplit(chainId: string): Promise<Buffer | undefined> {
    try { return await fs.readFile(this.layerSplitFile(chainId)); } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  readLayer(chainId: string): Promise<LayerMeta | undefined> { return readJson<LayerMeta>(this.layerMetaFile(chainId)); }

  async makeTmpDir(prefix: string): Promise<string> {
    await fs.mkdir(this.tmp, { recursive: true, mode: 0o700 });
    const dir = path.join(this.tmp, `${prefix}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir, { mode: 0o755 });
    return dir;
  }

  /** Moves an unpacked dir into place, then writes its metadata (the commit point).
   *  No per-file fsync: an engine crash at any point leaves either the committed layer or a
   *  dir without metadata that init() removes, because the page cache outlives the process.
   *  A host power cut within the kernel's writeback window (~30 s) could still leave a
   *  committed layer with empty files, as with Docker's overlay2 (which does not syncfs
   *  either); closing that needs one syncfs before the metadata write, which costs ~40 ms per
   *  layer here (spawning `sync -f` through run() ~14 ms + flushing the nginx layers ~26 ms). */
  async commitLayer(tmpDir: string, meta: LayerMeta, split?: Buffer): Promise<void> {
    const dest = this.layerDir(meta.chainId);
    if (await this.readLayer(meta.chainId)) { await fs.rm(tmpDir, { recursive: true, force: true }); return; }
    await fs.rm(dest, { recursive: true, force: true }); // an uncommitted leftover
    await fs.rename(tmpDir, dest);
    if (split) await writeFileAtomic(this.layerSplitFile(meta.chainId), split, 0o600);
    await writeJsonAtomic(this.layerMetaFile(meta.chainId), meta);
  }

  /** Uncommits first (metadata gone = layer absent), then removes the dir. */
  async deleteLayer(chainId: string): Promise<void> {
    await fs.rm(this.layerMetaFile(chainId), { force: true });
    await fs.rm(this.layerSplitFile(chainId), { force: true });
    await fs.rm(this.layerDir(chainId), { recursive: true, force: true });
  }

  async readBlob(digest: string): Promise<Buffer | undefined> {
    try { return await fs.readFile(path.join(this.blobs, hexOf(digest))); } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async writeBlob(digest: string, data: Buffer): Promise<void> {
    await writeFileAtomic(path.join(this.blobs, hexOf(digest)), data, 0o644);
  }
  async deleteBlob(digest: string): Promise<void> { await fs.rm(path.join(this.blobs, hexOf(digest)), { force: true }); }

  readImage(id: string): Promise<StoredImage | undefined> { return readJson<StoredImage>(path.join(this.images, `${hexOf(id)}.json`)); }
  writeImage(img: StoredImage): Promise<void> { return writeJsonAtomic(path.join(this.images, `${hexOf(img.id)}.json`), img); }
  async deleteImage(id: string): Promise<void> { await fs.rm(path.join(this.images, `${hexOf(id)}.json`), { force: true }); }

  async listImages(): Promise<StoredImage[]> {
    let names: string[];
    try { names = await fs.readdir(this.images); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []; throw err; }
    const out: StoredImage[] = [];
    for (const n of names.filter((x) => /^[0-9a-f]{64}\.json$/.test(x)).sort()) {
      const img = await this.readImage(n.slice(0, 64));
      if (img) out.push(img);
    }
    return out;
  }

  async readRepos(): Promise<Record<string, string>> { return (await readJson<Record<string, string>>(this.reposFile)) ?? {}; }
  writeRepos(r: Record<string, string>): Promise<void> { return writeJsonAtomic(this.reposFile, r); }
}
