// `diff` and `export`: a container's changes read from its overlay upper dir against the
// image layers (a whiteout, a 0/0 character device, is a deletion; an entry the layers have is
// a change, one they do not is an addition), and its merged root filesystem as a tar.
import fs from 'node:fs';
import path from 'node:path';
import tar from 'tar-stream';
import { Readable } from 'node:stream';
import { LayerView } from '../volume/index.js';
import { OPAQUE_XATTR } from '../volume/layer-view.js';
import { dumpTree } from '../volume/xattrs.js';
import { MergedTree } from '../volume/container-tree.js';
import type { EngineCore } from './core.js';
import { idView, packTree } from './archive.js';

/** docker's change kinds: 0 modified, 1 added, 2 deleted. */
export interface Change { Path: string; Kind: 0 | 1 | 2 }

/** Paths the runtime mounts over: the mount points it makes are not the user's changes. */
const RUNTIME_MOUNT_POINTS = ['/proc', '/sys', '/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

export async function containerChanges(core: EngineCore, ref: string): Promise<Change[]> {
  const rec = core.store.find(ref);
  const image = await core.services.images.get(rec.Image);
  const lower = await LayerView.open(core.services.images.layerDirs(image));
  const upper = path.join(core.store.dir(rec.Id), 'upper');
  const mountPoints = new Set([...RUNTIME_MOUNT_POINTS, ...(rec.Mounts ?? []).map((m) => m.target)]);
  // read now, not from layer-view's cache: the upper dir is live
  const opaque = new Set<string>();
  for (const [abs, xs] of await dumpTree(upper, `^${OPAQUE_XATTR.replace(/\./g, '\\.')}$`)) {
    if (xs.some((x) => x.name === OPAQUE_XATTR && x.value.toString() === 'y')) opaque.add(abs);
  }
  const out: Change[] = [];
  /** Walks an upper dir; returns whether anything below it was reported. */
  const walk = (dir: string, cpath: string, lowerVisible: boolean): boolean => {
    let any = false;
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const p = cpath === '/' ? `/${name}` : `${cpath}/${name}`;
      const st = fs.lstatSync(abs);
      const inLower = lowerVisible ? lower.entry(p) : undefined;
      if (isWhiteout(st)) {
        if (inLower) { out.push({ Path: p, Kind: 2 }); any = true; }
        continue;
      }
      const mountPoint = mountPoints.has(p);
      if (st.isDirectory()) {
        const at = out.length;
        const below = walk(abs, p, !!inLower?.stat.isDirectory() && !opaque.has(abs));
        // a directory copied up for a change below it is itself changed (docker's `C /etc`); one
        // copied up only for a runtime mount point, its mode as the image's, is not
        const sameAsLower = !!inLower?.stat.isDirectory() && (inLower.stat.mode & 0o7777) === (st.mode & 0o7777);
        if (!below && (mountPoint || sameAsLower)) continue;
        out.splice(at, 0, { Path: p, Kind: inLower ? 0 : 1 });
        any = true;
        continue;
      }
      if (mountPoint && (!inLower || st.size === 0)) continue;
      out.push({ Path: p, Kind: inLower ? 0 : 1 });
      any = true;
    }
    return any;
  };
  walk(upper, '/', true);
  return out;
}

/** The container's root filesystem (image layers and upper dir merged; volumes and binds left out, as docker). */
export async function exportContainer(core: EngineCore, ref: string): Promise<Readable> {
  const rec = core.store.find(ref);
  const image = await core.services.images.get(rec.Image);
  const ids = idView(rec);
  const tree = await MergedTree.open(path.join(core.store.dir(rec.Id), 'upper'), core.services.images.layerDirs(image), [], ids.toHost);
  const pack = tar.pack();
  packTree(tree, ids, '/', '', pack).catch((err: Error) => pack.destroy(err));
  return Readable.from(pack);
}
