// A container's filesystem as the archive endpoints see it, addressed by clean, symlink-free
// container paths (resolve.ts expands links in the root first): a RUNNING container through
// /proc/<pid>/root (the caller freezes it, so nothing is swapped under a lookup), a STOPPED one
// as the merged view of its upper dir over the image layers with its volumes and binds at
// their targets. Only lstat/readdir here: no link is ever followed on the host.
import fs from 'node:fs';
import path from 'node:path';
import { LayerView } from './layer-view.js';
import type { RootLookup, RootNode } from './resolve.js';

export interface TreeNode {
  /** host path of the entry */
  abs: string;
  stat: fs.Stats;
  /** whether stat's ids are host ids (upper dir, volumes, a live root) or container ids (image layers) */
  hostIds: boolean;
}

/** A mount of a stopped container read at its host dir. */
export interface HostMount { target: string; source: string }

export interface ContainerTree {
  lookup: RootLookup;
  /** The entry at a clean path whose parents are directories in the tree; undefined = absent. */
  node(p: string): TreeNode | undefined;
  /** Names in a directory, sorted. */
  readdir(p: string): string[];
  /**
   * The host path at which `p` is created or replaced; p's parent is a directory in the tree
   * and exists there on the host afterwards. `opaque`: a directory created here must hide
   * the lower layers' (a whiteout was removed for it).
   */
  writable(p: string): { abs: string; opaque: boolean; hostIds: true };
}

const toNode = (n: TreeNode | undefined): RootNode | undefined => {
  if (!n) return undefined;
  if (n.stat.isSymbolicLink()) return { type: 'symlink', target: fs.readlinkSync(n.abs) };
  return { type: n.stat.isDirectory() ? 'dir' : n.stat.isFile() ? 'file' : 'other' };
};

const parentOf = (p: string) => path.posix.dirname(p);

/** A running container's root, seen through /proc/<pid>/root. */
export class ProcRootTree implements ContainerTree {
  readonly root: string;
  constructor(pid: number) { this.root = `/proc/${pid}/root`; }
  private abs(p: string) { return p === '/' ? this.root : this.root + p; }
  node(p: string): TreeNode | undefined {
    const st = fs.lstatSync(this.abs(p), { throwIfNoEntry: false });
    return st ? { abs: this.abs(p), stat: st, hostIds: true } : undefined;
  }
  lookup: RootLookup = (p) => toNode(this.node(p));
  readdir(p: string): string[] { return fs.readdirSync(this.abs(p)).sort(); }
  writable(p: string) { return { abs: this.abs(p), opaque: false, hostIds: true as const }; }
}

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * A stopped container: `layersTopFirst[0]` is its upper dir. Writes go to the upper dir (a
 * missing parent is made there with its lower counterpart's mode, owner as `ownerToHost`
 * maps the layer's container ids) or to a mount's host dir.
 */
export class MergedTree implements ContainerTree {
  private constructor(private readonly view: LayerView, private readonly mounts: HostMount[],
    private readonly ownerToHost: (uid: number, gid: number) => [number, number]) {}

  static async open(upperDir: string, layersTopFirst: string[], mounts: HostMount[], ownerToHost: (uid: number, gid: number) => [number, number]): Promise<MergedTree> {
    const sorted = [...mounts].sort((a, b) => b.target.length - a.target.length);
    return new MergedTree(await LayerView.open([upperDir, ...layersTopFirst]), sorted, ownerToHost);
  }

  /** Set when the upper dir is about to change: the view's cached directories are dropped at the next lookup. */
  private dirty = false;

  private fresh(): LayerView {
    if (this.dirty) { this.view.invalidate(); this.dirty = false; }
    return this.view;
  }

  private mountOf(p: string): string | undefined {
    const m = this.mounts.find((x) => p === x.target || p.startsWith(`${x.target}/`));
    return m ? m.source + p.slice(m.target.length) : undefined;
  }

  node(p: string): TreeNode | undefined {
    const host = this.mountOf(p);
    if (host !== undefined) {
      const st = fs.lstatSync(host, { throwIfNoEntry: false });
      return st ? { abs: host, stat: st, hostIds: true } : undefined;
    }
    const e = this.fresh().entry(p);
    return e ? { abs: e.abs, stat: e.stat, hostIds: e.layer === 0 } : undefined;
  }

  lookup: RootLookup = (p) => toNode(this.node(p));

  readdir(p: string): string[] {
    const host = this.mountOf(p);
    const names = new Set(host !== undefined ? fs.readdirSync(host) : this.fresh().readdir(p));
    for (const m of this.mounts) if (parentOf(m.target) === p) names.add(path.posix.basename(m.target));
    return [...names].sort();
  }

  /** The upper dir's copy of directory `p` (made from the lower one when missing, parents first). */
  private upperDir(p: string): string {
    const abs = p === '/' ? this.view.layers[0] : path.join(this.view.layers[0], p);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (st?.isDirectory()) return abs;
    if (st) throw new Error(`upper dir entry ${p} is not a directory`);
    this.upperDir(parentOf(p));
    const lower = this.fresh().entry(p);
    if (!lower?.stat.isDirectory()) throw new Error(`${p} is not a directory in the container`);
    fs.mkdirSync(abs, { mode: lower.stat.mode & 0o7777 });
    fs.chmodSync(abs, lower.stat.mode & 0o7777);
    const [uid, gid] = this.ownerToHost(lower.stat.uid, lower.stat.gid);
    fs.lchownSync(abs, uid, gid);
    fs.utimesSync(abs, lower.stat.atime, lower.stat.mtime);
    this.dirty = true;
    return abs;
  }

  writable(p: string) {
    const host = this.mountOf(p);
    if (host !== undefined) return { abs: host, opaque: false, hostIds: true as const };
    // the caller changes the upper dir at p: merged directories looked up so far are stale from now on
    this.dirty = true;
    const dir = this.upperDir(parentOf(p));
    const abs = path.join(dir, path.posix.basename(p));
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    let opaque = false;
    if (st && isWhiteout(st)) { fs.unlinkSync(abs); opaque = true; }
    return { abs, opaque, hostIds: true as const };
  }
}
