// ImageService: the image module's contract (docs/ARCHITECTURE.md "image"). Pull, look up,
// list and remove images in the on-disk store; tags live in repositories.json.
import { ImageNotFound, ImageInUse, InvalidReference, conflict, invalidArgument } from '../errors.js';
import type { Paths } from '../state/paths.js';
import { Mutex } from '../state/mutex.js';
import { ImageStore, hexOf, type LayerMeta, type StoredImage } from './store.js';
import { RegistryClient, type RegistryClientOptions } from './registry.js';
import { CredentialStore, credentialKey, DOCKER_HUB_KEY } from './credentials.js';
import { hostPlatform, type Platform } from './platform.js';
import { pullImage } from './pull.js';
import { parseReference, pullReference, formatReference, familiarString, notFoundName, type Reference } from './reference.js';
import { chainIds } from './manifest.js';
import type { Credentials } from './auth.js';
import type { ImageRecord, PullEvent, PushEvent } from './types.js';
import { imageHistory, type HistoryEntry } from './history.js';
import { saveImages, loadImages, type SaveItem } from './archive.js';
import { pushImage } from './push.js';
import { commitImage, type CommitRequest } from './commit.js';
import type { Readable, Writable } from 'node:stream';

export type { ImageConfig, ImageRecord, PullEvent, PushEvent } from './types.js';
export type { HistoryEntry } from './history.js';
export type { CommitRequest } from './commit.js';
export type { Credentials } from './auth.js';
export type { Platform } from './platform.js';
export { CredentialStore } from './credentials.js';
export { parseReference, pullReference, formatReference, familiarString } from './reference.js';

export interface ImageServiceOptions {
  /** where logins are read from (default: $MINIDOCK_CONFIG or /root/.minidock/config.json) */
  credentials?: CredentialStore;
  /** platform to pick from indexes (default: this host) */
  platform?: Platform;
  /** concurrent layer downloads per pull (default 3) */
  concurrency?: number;
  insecureRegistries?: string[];
}

export interface PullOptions { onEvent?: (e: PullEvent) => void; signal?: AbortSignal; auth?: Credentials }
export interface PushOptions { onEvent?: (e: PushEvent) => void; signal?: AbortSignal; auth?: Credentials }
/** One loaded image as `docker load` reports it: its tags (familiar), or none. */
export interface LoadResult { id: string; tags: string[] }
export interface RemoveOptions { force?: boolean; inUse?: (id: string) => boolean }

const idRe = /^sha256:[0-9a-f]{64}$/;
const shortIdRe = /^(?:sha256:)?([0-9a-f]{4,64})$/;

export class ImageService {
  readonly store: ImageStore;
  readonly credentials: CredentialStore;
  private readonly platform: Platform;
  private readonly concurrency: number;
  private readonly insecure?: string[];
  private readonly inflight = new Map<string, Promise<LayerMeta>>();
  private readonly mutex = new Mutex();
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(paths: Paths, opts: ImageServiceOptions = {}) {
    this.store = new ImageStore(paths);
    this.credentials = opts.credentials ?? new CredentialStore();
    this.platform = opts.platform ?? hostPlatform();
    this.concurrency = opts.concurrency ?? 3;
    this.insecure = opts.insecureRegistries;
  }

  /** Creates the store and removes leftovers of interrupted pulls (tmp/, uncommitted layers). */
  async init(): Promise<void> {
    await this.store.init();
  }

  async pull(ref: string, opts: PullOptions = {}): Promise<ImageRecord> {
    const parsed = pullReference(ref);
    const logins = await this.credentials.all();
    const clientOpts: RegistryClientOptions = {
      insecure: this.insecure,
      tokenCache: this.tokens,
      credentials: (domain) => (domain === parsed.domain && opts.auth ? opts.auth : logins.get(credentialKey(domain))),
    };
    const client = new RegistryClient(clientOpts);
    const result = await pullImage({ store: this.store, client, platform: this.platform, inflight: this.inflight, concurrency: this.concurrency },
      ref, { onEvent: opts.onEvent, signal: opts.signal });
    let changed = false;
    await this.mutex.run(async () => {
      const repos = await this.store.readRepos();
      const keys = [formatReference({ domain: parsed.domain, path: parsed.path, digest: result.manifestDigest })];
      if (parsed.tag) keys.push(formatReference(parsed));
      for (const k of keys) {
        if (repos[k] !== result.image.id) { repos[k] = result.image.id; changed = true; }
      }
      if (changed) await this.store.writeRepos(repos);
    });
    const status = result.fresh || changed ? 'Downloaded newer image' : 'Image is up to date';
    try { opts.onEvent?.({ id: '', status: `Status: ${status} for ${familiarString(parsed)}` }); } catch { /* listener errors are ignored */ }
    return this.toRecord(result.image, await this.store.readRepos());
  }

  /** Verifies credentials against the registry, then stores them (docker login). `server` as the user typed it. */
  async login(server: string, creds: Credentials, signal?: AbortSignal): Promise<void> {
    const domain = credentialKey(server) === DOCKER_HUB_KEY ? 'docker.io' : credentialKey(server);
    parseReference(`${domain}/probe`); // rejects a malformed host before any traffic
    await new RegistryClient({ insecure: this.insecure, credentials: () => creds }).checkLogin(domain, signal);
    await this.credentials.set(server, creds);
  }

  /** Forgets stored credentials; returns whether there were any (docker logout). */
  logout(server: string): Promise<boolean> {
    return this.credentials.remove(server);
  }

  async get(refOrId: string): Promise<ImageRecord> {
    const id = await this.resolve(refOrId);
    const img = id && (await this.store.readImage(id));
    if (!img) throw new ImageNotFound(notFoundName(refOrId));
    return this.toRecord(img, await this.store.readRepos());
  }

  async list(): Promise<ImageRecord[]> {
    const repos = await this.store.readRepos();
    const out = (await this.store.listImages()).map((i) => this.toRecord(i, repos));
    return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  /** Points `target` (name[:tag], tag defaults to latest) at the image `source` names (docker tag). */
  async tag(source: string, target: string): Promise<void> {
    const t = parseReference(target);
    if (t.digest) throw new InvalidReference(target, 'refusing to create a tag with a digest reference');
    const key = formatReference({ ...t, tag: t.tag ?? 'latest' });
    const id = (await this.get(source)).id;
    await this.mutex.run(async () => {
      const repos = await this.store.readRepos();
      repos[key] = id;
      await this.store.writeRepos(repos);
    });
  }

  /** Untags, then deletes the image and its unshared layers once nothing refers to it (docker rmi). */
  async remove(refOrId: string, opts: RemoveOptions = {}): Promise<{ untagged: string[]; deleted: string[] }> {
    return this.mutex.run(async () => {
      const repos = await this.store.readRepos();
      const byRef = this.refKey(refOrId);
      let id: string | undefined = byRef && repos[byRef];
      if (!id) id = await this.resolveId(refOrId, repos);
      const img = id && (await this.store.readImage(id));
      if (!id || !img) throw new ImageNotFound(notFoundName(refOrId));
      const refs = Object.keys(repos).filter((k) => repos[k] === id);
      const untag = new Set<string>();
      if (byRef && repos[byRef] === id) {
        untag.add(byRef);
        // as dockerd: once a repository has no tag of the image left, its digest references go too
        if (!byRef.includes('@')) {
          const repo = byRef.slice(0, byRef.lastIndexOf(':'));
          const sameRepoTag = refs.some((k) => k !== byRef && !k.includes('@') && k.slice(0, k.lastIndexOf(':')) === repo);
          if (!sameRepoTag) for (const k of refs) if (k.startsWith(`${repo}@`)) untag.add(k);
        }
        const otherTags = refs.filter((k) => k !== byRef && !k.includes('@'));
        // another tag keeps the image; only the named one goes
        if (otherTags.length > 0) return this.commitUntag(repos, untag, []);
      } else {
        const repoNames = new Set(refs.filter((k) => !k.includes('@')).map((k) => k.slice(0, k.lastIndexOf(':'))));
        if (repoNames.size > 1 && !opts.force) {
          throw conflict(`conflict: unable to delete ${hexOf(id).slice(0, 12)} (must be forced) - image is referenced in multiple repositories`);
        }
      }
      for (const r of refs) untag.add(r);
      if (opts.inUse?.(id)) {
        if (!opts.force) throw new ImageInUse(refOrId, `image ${hexOf(id).slice(0, 12)} is being used by a container`);
        // forced while in use: untag only, the container keeps its layers
        return this.commitUntag(repos, untag, []);
      }
      const result = await this.commitUntag(repos, untag, []);
      result.deleted.push(...(await this.deleteImage(img)));
      return result;
    });
  }

  /** docker history: newest first. */
  async history(refOrId: string): Promise<HistoryEntry[]> {
    const rec = await this.get(refOrId);
    const img = await this.store.readImage(rec.id);
    const config = await this.store.readBlob(rec.id);
    if (!img || !config) throw new ImageNotFound(notFoundName(refOrId));
    const sizes: number[] = [];
    for (const c of img.chainIds) sizes.push((await this.store.readLayer(c))?.unpackedSize ?? 0);
    return imageHistory(rec.id, rec.repoTags, config, sizes);
  }

  /** docker save: the docker-archive of the named images. A name with a tag (or a bare name,
   *  meaning latest) is saved under that tag, an id under no tag, as dockerd does. */
  async save(names: string[], out: Writable): Promise<void> {
    if (names.length === 0) throw invalidArgument('no image names given to save');
    const items = new Map<string, SaveItem>();
    const repos = await this.store.readRepos();
    for (const n of names) {
      const rec = await this.get(n);
      const img = await this.store.readImage(rec.id);
      if (!img) throw new ImageNotFound(notFoundName(n));
      const item = items.get(rec.id) ?? { image: img, repoTags: [] };
      const key = this.refKey(n);
      if (key && !key.includes('@') && repos[key] === rec.id) {
        const tag = familiarString(parseReference(key));
        if (!item.repoTags.includes(tag)) item.repoTags.push(tag);
      }
      items.set(rec.id, item);
    }
    await saveImages(this.store, [...items.values()], out);
  }

  /** docker load: reads a docker-archive, verifies every config and layer, then tags. */
  async load(input: Readable): Promise<LoadResult[]> {
    const loaded = await loadImages(this.store, input);
    return this.mutex.run(async () => {
      const repos = await this.store.readRepos();
      for (const l of loaded) for (const r of l.repoTags) repos[formatReference(r)] = l.image.id;
      await this.store.writeRepos(repos);
      return loaded.map((l) => ({ id: l.image.id, tags: l.repoTags.map((r) => familiarString(r)) }));
    });
  }

  /** docker push of `name` (name[:tag]; without a tag every tag of that repository), to its registry. */
  async push(name: string, opts: PushOptions = {}): Promise<void> {
    const ref = parseReference(name);
    if (ref.digest) throw new InvalidReference(name, 'cannot push a digest reference');
    const repos = await this.store.readRepos();
    const repoKey = formatReference({ domain: ref.domain, path: ref.path });
    const tags = ref.tag ? [ref.tag] : Object.keys(repos).filter((k) => !k.includes('@') && k.slice(0, k.lastIndexOf(':')) === repoKey).map((k) => k.slice(k.lastIndexOf(':') + 1)).sort();
    const shown = familiarString({ domain: ref.domain, path: ref.path });
    if (tags.length === 0) throw new ImageNotFound(shown, 'an image does not exist locally with this name');
    const logins = await this.credentials.all();
    const client = new RegistryClient({
      insecure: this.insecure, tokenCache: this.tokens,
      credentials: (domain) => (domain === ref.domain && opts.auth ? opts.auth : logins.get(credentialKey(domain))),
    });
    const emit = (e: PushEvent) => { try { opts.onEvent?.(e); } catch { /* a listener must not break the push */ } };
    for (const tag of tags) {
      const id = repos[formatReference({ ...ref, tag })];
      const img = id && (await this.store.readImage(id));
      if (!img) throw new ImageNotFound(`${shown}:${tag}`, 'an image does not exist locally with this tag');
      const res = await pushImage({ store: this.store, client }, { ...ref, tag }, img, emit, opts.signal);
      await this.mutex.run(async () => {
        const now = await this.store.readRepos();
        now[formatReference({ domain: ref.domain, path: ref.path, digest: res.digest })] = img.id;
        await this.store.writeRepos(now);
      });
    }
  }

  /** docker commit: a new image from a container's upper dir, tagged `tag` (name[:tag]) when given. */
  async commit(req: CommitRequest, tag?: string): Promise<ImageRecord> {
    const target = tag ? parseReference(tag) : undefined;
    if (target?.digest) throw new InvalidReference(tag!, 'refusing to create a tag with a digest reference');
    const img = await commitImage(this.store, req);
    return this.mutex.run(async () => {
      const repos = await this.store.readRepos();
      if (target) {
        repos[formatReference({ ...target, tag: target.tag ?? 'latest' })] = img.id;
        await this.store.writeRepos(repos);
      }
      return this.toRecord(img, repos);
    });
  }

  /** Unpacked layer dirs, BOTTOM FIRST (overlayfs lowerdir wants top first: reverse). */
  layerDirs(image: ImageRecord): string[] {
    return chainIds(image.layers).map((c) => this.store.layerDir(c));
  }

  private async commitUntag(repos: Record<string, string>, untag: Set<string>, deleted: string[]) {
    for (const k of untag) delete repos[k];
    await this.store.writeRepos(repos);
    return { untagged: [...untag].map((k) => familiarString(parseReference(k))), deleted };
  }

  private async deleteImage(img: StoredImage): Promise<string[]> {
    const others = (await this.store.listImages()).filter((o) => o.id !== img.id);
    const usedChains = new Set(others.flatMap((o) => o.chainIds));
    const usedBlobs = new Set(others.flatMap((o) => [o.id, ...o.manifests]));
    await this.store.deleteImage(img.id);
    const deleted = [img.id];
    for (const b of [img.id, ...img.manifests]) if (!usedBlobs.has(b)) await this.store.deleteBlob(b);
    // top layer first, like docker's "Deleted:" lines
    for (const c of [...img.chainIds].reverse()) {
      if (usedChains.has(c)) continue;
      await this.store.deleteLayer(c);
      deleted.push(c);
    }
    return deleted;
  }

  /** The repositories.json key a reference string names, or undefined if it is not a valid reference. */
  private refKey(s: string): string | undefined {
    try {
      const r: Reference = parseReference(s);
      return formatReference(r.digest ? { domain: r.domain, path: r.path, digest: r.digest } : { ...r, tag: r.tag ?? 'latest' });
    } catch (err) {
      if (err instanceof InvalidReference) return undefined;
      throw err;
    }
  }

  private async resolve(refOrId: string): Promise<string | undefined> {
    const repos = await this.store.readRepos();
    const key = this.refKey(refOrId);
    if (key && repos[key]) return repos[key];
    return this.resolveId(refOrId, repos);
  }

  /** Full id, or a unique hex prefix of at least 4 characters (docker's short ids). */
  private async resolveId(s: string, _repos: Record<string, string>): Promise<string | undefined> {
    if (idRe.test(s)) return (await this.store.readImage(s)) ? s : undefined;
    const m = shortIdRe.exec(s);
    if (!m) return undefined;
    const matches = (await this.store.listImages()).filter((i) => hexOf(i.id).startsWith(m[1]));
    if (matches.length > 1) throw conflict(`short id ${s} is ambiguous: it matches ${matches.length} images`);
    return matches[0]?.id;
  }

  private toRecord(img: StoredImage, repos: Record<string, string>): ImageRecord {
    const refs = Object.keys(repos).filter((k) => repos[k] === img.id).sort();
    return {
      id: img.id,
      repoTags: refs.filter((k) => !k.includes('@')).map((k) => familiarString(parseReference(k))),
      repoDigests: refs.filter((k) => k.includes('@')).map((k) => familiarString(parseReference(k))),
      created: img.created, size: img.size, architecture: img.architecture, os: img.os,
      ...(img.variant ? { variant: img.variant } : {}),
      config: img.config, layers: img.layers,
    };
  }
}
