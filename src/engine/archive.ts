// The archive endpoints as dockerd serves them: stat a path (HEAD), read a path as a tar
// (GET), extract a tar into a directory (PUT). A running container is frozen for the whole
// operation (docker pauses it during cp, closing the symlink-swap race CVE-2018-15664) and read
// through /proc/<pid>/root; a stopped one is read as its upper dir merged over the image layers
// and written into its upper dir. Every path is resolved in the container root (resolve.ts),
// no host link is ever followed, and a tar entry that escapes or would write through a
// symlink is refused. Ids are shown as the container sees them; written files belong to the
// container's root (or the tar's ids with copyUIDGID), mapped by its user namespace.
import fs, { constants as C } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { invalidArgument, MinidockError } from '../errors.js';
import { idShiftFrom, resolveInRoot, type InRootResolution } from '../volume/index.js';
import { OPAQUE_XATTR } from '../volume/layer-view.js';
import { restore } from '../volume/xattrs.js';
import { MergedTree, ProcRootTree, type ContainerTree, type TreeNode } from '../volume/container-tree.js';
import { entryComponents, joinInRoot, linkComponents } from '../wire/tar-names.js';
import { goFileMode, type PathStat } from '../wire/path-stat.js';
import type { EngineCore } from './core.js';
import type { ContainerRecord } from './record.js';
import type { IdMapping } from './services.js';
import { cgroupOf } from './resources.js';

const OVERFLOW_ID = 65534;

/** Host id -> the id the container sees (the kernel's overflow id when unmapped). */
function fromHost(map: IdMapping[] | undefined, id: number): number {
  if (!map) return id;
  const m = map.find((e) => id >= e.hostId && id < e.hostId + e.size);
  return m ? m.containerId + (id - m.hostId) : OVERFLOW_ID;
}

export interface IdView {
  /** ids of a tree node as the container sees them */
  seen(n: TreeNode): { uid: number; gid: number };
  /** container ids -> host ids for a written file */
  toHost(uid: number, gid: number): [number, number];
}

export function idView(rec: ContainerRecord): IdView {
  const shift = idShiftFrom(rec.Userns);
  return {
    seen: (n) => (n.hostIds ? { uid: fromHost(rec.Userns?.uidMap, n.stat.uid), gid: fromHost(rec.Userns?.gidMap, n.stat.gid) } : { uid: n.stat.uid, gid: n.stat.gid }),
    toHost: (uid, gid) => [shift.uid(uid), shift.gid(gid)],
  };
}

const noSuchPath = (p: string, ref: string) => new MinidockError('InvalidArgument', `Could not find the file ${p} in container ${ref}`, { status: 404 });

/** The tree of a stopped container: upper over layers, its volumes and binds at their targets (tmpfs has no content). */
export async function mergedTreeOf(core: EngineCore, rec: ContainerRecord, ids: IdView): Promise<MergedTree> {
  const image = await core.services.images.get(rec.Image);
  const layers = core.services.images.layerDirs(image);
  const mounts = (rec.Mounts ?? []).flatMap((m) => (m.type === 'bind' ? [{ target: m.target, source: m.source }]
    : m.type === 'volume' && m.name ? [{ target: m.target, source: core.services.volumes.dataDir(m.name) }] : []));
  return MergedTree.open(path.join(core.store.dir(rec.Id), 'upper'), layers, mounts, ids.toHost);
}

/**
 * Runs `fn` on the container's tree under its lock: a running container frozen (and thawed
 * after, unless it was paused already), a stopped one through its merged view.
 */
export async function withContainerTree<T>(core: EngineCore, ref: string, fn: (tree: ContainerTree, rec: ContainerRecord, ids: IdView) => Promise<T>): Promise<T> {
  const id = core.store.find(ref).Id;
  return core.lock(id).run(async () => {
    const rec = core.store.find(id);
    const ids = idView(rec);
    if (rec.State.Status !== 'running' || !rec.State.Pid) return fn(await mergedTreeOf(core, rec, ids), rec, ids);
    const cg = await cgroupOf(core, rec);
    const froze = !rec.State.Paused;
    if (froze) await cg.freeze();
    let result: T;
    try {
      result = await fn(new ProcRootTree(rec.State.Pid), rec, ids);
    } catch (err) {
      if (froze) await cg.thaw();
      throw err;
    }
    if (froze) await cg.thaw();
    return result;
  });
}

const endsInDir = (p: string) => p.endsWith('/') || p.endsWith('/.') || p === '.';
/** docker's name for a path: its last component as written ('.' for `dir/.` and `/`). */
const baseName = (p: string) => {
  const parts = p.split('/').filter((c) => c !== '');
  return parts.length === 0 ? '/' : parts[parts.length - 1];
};

function resolve(tree: ContainerTree, p: string, ref: string, followFinal: boolean): InRootResolution {
  const res = resolveInRoot(p, tree.lookup, { followFinal });
  if (!res.exists) throw noSuchPath(p, ref);
  return res;
}

/** Resolves and stats a path; the final symlink is reported, not followed, unless the path ends in `/` or `/.`. */
export function statIn(tree: ContainerTree, p: string, ref: string): { stat: PathStat; resolved: string; node: TreeNode } {
  if (p === '') throw invalidArgument('path cannot be empty');
  const res = resolve(tree, p, ref, endsInDir(p));
  const node = tree.node(res.path)!;
  if (endsInDir(p) && !node.stat.isDirectory()) throw invalidArgument(`${p} is not a directory`);
  const linkTarget = node.stat.isSymbolicLink() ? resolveInRoot(p, tree.lookup, { followFinal: true }).path : '';
  return {
    resolved: res.path, node,
    stat: { name: baseName(p), size: node.stat.size, mode: goFileMode(node.stat.mode), mtime: node.stat.mtime.toISOString(), linkTarget },
  };
}

/** Container paths whose content is the kernel's, not files: listed, never descended into. */
const PSEUDO_FS = new Set(['/proc', '/sys']);

/** Packs the tree at `resolved` under the tar name `name` ('' = a directory's entries at the top, as export), into `pack` (ends it). */
export async function packTree(tree: ContainerTree, ids: IdView, resolved: string, name: string, pack: tar.Pack): Promise<void> {
  const links = new Map<string, string>();
  const add = async (p: string, tarName: string, node: TreeNode): Promise<void> => {
    const st = node.stat;
    const { uid, gid } = ids.seen(node);
    const base = { name: tarName, mode: st.mode & 0o7777, uid, gid, mtime: st.mtime };
    if (st.isDirectory()) {
      if (tarName !== '') pack.entry({ ...base, type: 'directory' });
      if (PSEUDO_FS.has(p)) return;
      for (const child of tree.readdir(p)) {
        const cp = p === '/' ? `/${child}` : `${p}/${child}`;
        const cn = tree.node(cp);
        if (cn) await add(cp, tarName === '' ? child : `${tarName}/${child}`, cn);
      }
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...base, type: 'symlink', linkname: fs.readlinkSync(node.abs) });
    } else if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) { pack.entry({ ...base, type: 'link', linkname: first }); return; }
      if (st.nlink > 1) links.set(key, tarName);
      const fd = fs.openSync(node.abs, C.O_RDONLY | C.O_NOFOLLOW);
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ ...base, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
        const src = fs.createReadStream('', { fd });
        src.on('error', (err) => { sink.destroy(err); reject(err); });
        src.on('data', (chunk) => { if (!sink.write(chunk as Buffer)) { src.pause(); sink.once('drain', () => { src.resume(); }); } });
        src.on('end', () => sink.end(undefined as never));
      });
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = Number(st.rdev);
      pack.entry({ ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: (rdev >> 8) & 0xfff, devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00) });
    } else if (st.isFIFO()) {
      pack.entry({ ...base, type: 'fifo' });
    } // sockets are left out, as docker's archiver does
  };
  await add(resolved, name, tree.node(resolved)!);
  pack.finalize();
}

/** GET: the path's stat and a tar of it for `sink`, which resolves once it has sent it (a running container stays frozen until then). */
export function archiveOf(core: EngineCore, ref: string, p: string, sink: (stat: PathStat, tarStream: Readable) => Promise<void>): Promise<void> {
  return withContainerTree(core, ref, async (tree, _rec, ids) => {
    const { stat, resolved } = statIn(tree, p, ref);
    const pack = tar.pack();
    const packed = packTree(tree, ids, resolved, stat.name, pack).catch((err: Error) => { pack.destroy(err); });
    await sink(stat, Readable.from(pack));
    await packed;
  });
}

export interface ExtractOptions { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }

/** The read-only reason for writing at container path `p` (docker's 403 messages), if any. */
export function readOnlyAt(rec: ContainerRecord, p: string): string | undefined {
  const m = [...(rec.Mounts ?? [])].sort((a, b) => b.target.length - a.target.length).find((x) => p === x.target || p.startsWith(`${x.target}/`));
  if (m) return m.readOnly ? 'mounted volume is marked read-only' : undefined;
  return rec.HostConfig.ReadonlyRootfs ? 'container rootfs is marked read-only' : undefined;
}

const refuse = (name: string, why: string) => invalidArgument(`refusing tar entry ${name}: ${why}`);

/** Extracts a tar into the directory at container path `dir` (resolved, symlink-free). */
export async function extractInto(tree: ContainerTree, ids: IdView, dir: string, input: Readable, opts: ExtractOptions): Promise<void> {
  const dirTimes: { abs: string; mtime: Date }[] = [];
  const ex = tar.extract();
  // not pipeline(): a refused entry must leave the request readable, so the API can drain it and answer
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex as unknown as NodeJS.WritableStream);
  const owner = (h: tar.Header): [number, number] => (opts.copyUIDGID ? ids.toHost(h.uid ?? 0, h.gid ?? 0) : ids.toHost(0, 0));
  /** Makes sure every parent of `comps` below dir is a real directory (made when missing). */
  const parents = (name: string, comps: string[]) => {
    for (let i = 1; i < comps.length; i++) {
      const p = joinInRoot(dir, comps.slice(0, i));
      const n = tree.node(p);
      if (n?.stat.isDirectory()) continue;
      if (n) throw refuse(name, `${p} is ${n.stat.isSymbolicLink() ? 'a symbolic link' : 'not a directory'} in the container`);
      const w = tree.writable(p);
      fs.mkdirSync(w.abs, { mode: 0o755 });
      const [uid, gid] = ids.toHost(0, 0);
      fs.lchownSync(w.abs, uid, gid);
    }
  };
  for await (const entry of ex) {
    const h = entry.header;
    const comps = entryComponents(h.name);
    if (comps.length === 0) { entry.resume(); continue; } // the extraction dir itself: docker leaves it as it is
    parents(h.name, comps);
    const target = joinInRoot(dir, comps);
    const existing = tree.node(target);
    const isDir = h.type === 'directory';
    if (existing && opts.noOverwriteDirNonDir) {
      if (existing.stat.isDirectory() && !isDir) throw invalidArgument(`cannot overwrite directory ${target} with non-directory ${h.name}`);
      if (!existing.stat.isDirectory() && isDir) throw invalidArgument(`cannot overwrite non-directory ${target} with directory ${h.name}`);
    }
    const w = tree.writable(target);
    const onHost = fs.lstatSync(w.abs, { throwIfNoEntry: false });
    if (onHost && !(isDir && onHost.isDirectory())) fs.rmSync(w.abs, { recursive: true, force: true });
    const [uid, gid] = owner(h);
    const mode = (h.mode ?? 0o644) & 0o7777;
    switch (h.type) {
      case 'directory':
        if (!onHost?.isDirectory()) fs.mkdirSync(w.abs, { mode: 0o700 });
        if (w.opaque) await setOpaque(w.abs);
        entry.resume();
        break;
      case 'file': case 'contiguous-file': case undefined: case null: {
        const fd = fs.openSync(w.abs, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of entry) fs.writeSync(fd, chunk as Buffer);
        } finally { fs.closeSync(fd); }
        break;
      }
      case 'symlink':
        entry.resume();
        fs.symlinkSync(h.linkname ?? '', w.abs);
        break;
      case 'link': {
        entry.resume();
        const src = joinInRoot(dir, linkComponents(h.linkname ?? ''));
        const res = resolveInRoot(src, tree.lookup, { followFinal: false });
        const sn = res.exists ? tree.node(res.path) : undefined;
        if (!sn || sn.stat.isDirectory()) throw refuse(h.name, `hard link target ${h.linkname} is not a file in the archive`);
        if (sn.hostIds) fs.linkSync(sn.abs, w.abs); else fs.copyFileSync(sn.abs, w.abs); // a lower layer is never linked into
        break;
      }
      default:
        entry.resume();
        throw refuse(h.name, `minidock does not support ${h.type} entries in an archive yet`);
    }
    fs.lchownSync(w.abs, uid, gid);
    if (h.type === 'symlink') {
      if (h.mtime) fs.lutimesSync(w.abs, h.mtime, h.mtime);
    } else {
      fs.chmodSync(w.abs, mode);
      if (h.mtime && h.type !== 'directory') fs.utimesSync(w.abs, h.mtime, h.mtime);
      if (h.mtime && h.type === 'directory') dirTimes.push({ abs: w.abs, mtime: h.mtime });
    }
  }
  // a directory's mtime last: its entries changed it while they were written
  for (const d of dirTimes.reverse()) fs.utimesSync(d.abs, d.mtime, d.mtime);
}

/** A directory made where a whiteout was hides the lower layers' directory, as overlay's own mkdir does. */
async function setOpaque(abs: string): Promise<void> {
  await restore([[abs, [{ name: OPAQUE_XATTR, value: Buffer.from('y') }]]]);
}

/** Resolves the extraction dir of a PUT: it exists and is a directory (docker's 404 / 400), and is writable (403). */
export function extractionDir(tree: ContainerTree, rec: ContainerRecord, p: string, ref: string): string {
  if (p === '') throw invalidArgument('path cannot be empty');
  const res = resolve(tree, p, ref, true);
  if (res.node?.type !== 'dir') throw invalidArgument('extraction point is not a directory');
  const ro = readOnlyAt(rec, res.path);
  if (ro) throw new MinidockError('InvalidArgument', ro, { status: 403 });
  return res.path;
}
