// The merged view of unpacked image layers as the container's overlay shows it, read without
// mounting anything: whiteouts (0/0 character devices) hide lower entries, an opaque directory
// (trusted.overlay.opaque=y) hides the lower directories of the same path, a non-directory
// hides everything below it. Only lstat/readlink/readdir on paths inside the layers: a symlink
// is reported, never followed (resolve.ts expands links inside the root).
import fs from 'node:fs';
import path from 'node:path';
import { dumpTree } from './xattrs.js';
import type { RootLookup, RootNode } from './resolve.js';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface MergedEntry {
  /** index into the layers (top first) holding the visible entry */
  layer: number;
  /** host path of the visible entry */
  abs: string;
  stat: fs.Stats;
  /** for a directory: the layers whose directory at this path is merged, top first */
  dirLayers: number[];
}

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

// a committed layer never changes, so its opaque directories are read once per process
const opaqueCache = new Map<string, Promise<Set<string>>>();

/** Relative paths ('' = the layer root) of the opaque directories of one layer. */
export function opaqueDirs(layerDir: string): Promise<Set<string>> {
  let p = opaqueCache.get(layerDir);
  if (!p) {
    p = dumpTree(layerDir, `^${OPAQUE_XATTR.replace(/\./g, '\\.')}$`).then((dump) => {
      const set = new Set<string>();
      for (const [abs, xs] of dump) {
        if (xs.some((x) => x.name === OPAQUE_XATTR && x.value.toString() === 'y')) set.add(path.relative(layerDir, abs));
      }
      return set;
    });
    p.catch(() => opaqueCache.delete(layerDir)); // a failed walk is not cached; callers still get its error from p
    opaqueCache.set(layerDir, p);
  }
  return p;
}

export class LayerView {
  private readonly dirs = new Map<string, number[]>();

  private constructor(readonly layers: string[], private readonly opaque: Set<string>[]) {
    const root: number[] = [];
    for (let i = 0; i < layers.length; i++) {
      root.push(i);
      if (opaque[i].has('')) break;
    }
    this.dirs.set('/', root);
  }

  /** Drops the merged directories looked up so far: a writable top layer (an upper dir) changed. */
  invalidate(): void {
    const root = this.dirs.get('/')!;
    this.dirs.clear();
    this.dirs.set('/', root);
  }

  /** The layers' unpacked dirs, TOP FIRST (an upper dir may come first). */
  static async open(layersTopFirst: string[]): Promise<LayerView> {
    return new LayerView(layersTopFirst, await Promise.all(layersTopFirst.map(opaqueDirs)));
  }

  private hostPath(layer: number, p: string): string {
    return p === '/' ? this.layers[layer] : path.join(this.layers[layer], p);
  }

  /** The visible entry at an absolute clean path whose parents are directories in the view; undefined = absent. */
  entry(p: string): MergedEntry | undefined {
    if (p === '/') {
      const dirLayers = this.dirs.get('/')!;
      return { layer: dirLayers[0], abs: this.layers[dirLayers[0]], stat: fs.lstatSync(this.layers[dirLayers[0]]), dirLayers };
    }
    const parent = path.posix.dirname(p);
    const parentLayers = this.dirs.get(parent) ?? this.entry(parent)?.dirLayers;
    if (!parentLayers || parentLayers.length === 0) return undefined;
    let top: MergedEntry | undefined;
    for (const i of parentLayers) {
      const abs = this.hostPath(i, p);
      const st = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!st) continue;
      if (isWhiteout(st)) break; // hides this path in every lower layer
      if (!top) {
        top = { layer: i, abs, stat: st, dirLayers: [] };
        if (!st.isDirectory()) return top;
      } else if (!st.isDirectory()) break; // a lower non-directory under a directory is hidden, and hides below
      top.dirLayers.push(i);
      if (this.opaque[i].has(p.slice(1))) break;
    }
    if (top?.stat.isDirectory()) this.dirs.set(p, top.dirLayers);
    return top;
  }

  lookup: RootLookup = (p: string): RootNode | undefined => {
    const e = this.entry(p);
    if (!e) return undefined;
    if (e.stat.isSymbolicLink()) return { type: 'symlink', target: fs.readlinkSync(e.abs) };
    return { type: e.stat.isDirectory() ? 'dir' : e.stat.isFile() ? 'file' : 'other' };
  };

  /** Names visible in a merged directory (whiteouts applied), sorted. */
  readdir(dir: string): string[] {
    const e = this.entry(dir);
    if (!e?.stat.isDirectory()) return [];
    const names = new Set<string>();
    for (const i of e.dirLayers) for (const n of fs.readdirSync(this.hostPath(i, dir))) names.add(n);
    return [...names].filter((n) => this.entry(dir === '/' ? `/${n}` : `${dir}/${n}`) !== undefined).sort();
  }
}
