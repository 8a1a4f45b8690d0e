// Copy-up: a new, empty volume gets the image's content at its mount path, as docker populates
// volumes. The merged layer view at that path is reproduced in the volume: whiteouts and opaque
// directories applied, symlinks copied as links, hard links kept within the copy, modes, mtimes
// and xattrs kept, owners shifted to the host ids the container's user namespace maps them to
// (the volume is not idmapped: container uid u is host uid base+u). The container path is
// resolved inside the image (resolve.ts), so a hostile link such as /data -> /etc or -> ../../..
// stays in the image; below it, only lstat'ed entries inside the layers are read, never a link.
import fs, { constants as C } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../util/exec.js';
import { LayerView, OPAQUE_XATTR, type MergedEntry } from './layer-view.js';
import { resolveInRoot } from './resolve.js';
import { dumpTree, restore, type XattrDump, type XattrEntry } from './xattrs.js';

/** Container id -> host id for files written into a volume. */
export interface IdShift { uid(id: number): number; gid(id: number): number }

interface Mapping { containerId: number; hostId: number; size: number }
/** The kernel shows an id outside the user namespace's map as the overflow id (65534). */
const OVERFLOW_ID = 65534;

/** The shift a user namespace's maps make; null maps = --userns=host (ids unchanged). */
export function idShiftFrom(maps: { uidMap: Mapping[]; gidMap: Mapping[] } | null): IdShift {
  if (!maps) return { uid: (id) => id, gid: (id) => id };
  const through = (map: Mapping[], id: number): number => {
    const m = map.find((e) => id >= e.containerId && id < e.containerId + e.size);
    if (m) return m.hostId + (id - m.containerId);
    if (id === OVERFLOW_ID) throw new Error(`id ${OVERFLOW_ID} is not mapped by the user namespace`);
    return through(map, OVERFLOW_ID);
  };
  return { uid: (id) => through(maps.uidMap, id), gid: (id) => through(maps.gidMap, id) };
}

export interface CopyUpResult {
  /** false: nothing to copy (the path is absent or not a directory in the image) or the volume is not empty */
  copied: boolean;
  /** the path inside the image that was copied (symlinks resolved in the image) */
  source?: string;
  entries: number;
  bytes: number;
}

export interface CopyUpOptions {
  /**
   * A directory on destDir's filesystem that no container can reach (the volume's own dir):
   * the copy is built there and moved into destDir at the end, so a container already using
   * the volume cannot redirect a write through a symlink it plants. Without it, the caller
   * guarantees no container has destDir mounted during the copy.
   */
  stagingParent?: string;
}

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * Copies the merged view of `layerDirsTopFirst` at `containerPath` into `destDir` (which must
 * exist) when destDir is empty, like docker's populateVolume: the destination root takes the
 * source directory's owner, mode, mtime and xattrs.
 */
export async function copyUp(layerDirsTopFirst: string[], containerPath: string, destDir: string, idShift: IdShift,
  opts: CopyUpOptions = {}): Promise<CopyUpResult> {
  const none: CopyUpResult = { copied: false, entries: 0, bytes: 0 };
  if (fs.readdirSync(destDir).length > 0) return none;
  const view = await LayerView.open(layerDirsTopFirst);
  const res = resolveInRoot(containerPath, view.lookup);
  if (!res.exists || res.node?.type !== 'dir') return { ...none, source: res.path };
  const root = view.entry(res.path)!;

  // xattrs of the copied subtree, one dump per contributing layer (overlay's own are not content)
  const xattrs: XattrDump = new Map();
  for (const i of root.dirLayers) {
    for (const [p, xs] of await dumpTree(res.path === '/' ? view.layers[i] : path.join(view.layers[i], res.path))) {
      xattrs.set(p, xs.filter((x) => !x.name.startsWith('trusted.overlay.') && x.name !== OPAQUE_XATTR));
    }
  }

  const staging = opts.stagingParent ? path.join(opts.stagingParent, `.copyup-${randomBytes(6).toString('hex')}`) : undefined;
  const target = staging ?? destDir;
  if (staging) fs.mkdirSync(staging, { mode: 0o700 });
  const result: CopyUpResult = { copied: true, source: res.path, entries: 0, bytes: 0 };
  const toRestore: [string, XattrEntry[]][] = [];
  const dirTimes: { abs: string; st: fs.Stats }[] = [];
  const links = new Map<string, string>(); // "dev:ino" of a source file -> its first copy
  const devices: { src: MergedEntry; dst: string }[] = [];

  const shiftOwner = (dst: string, st: fs.Stats) => fs.lchownSync(dst, idShift.uid(st.uid), idShift.gid(st.gid));
  const noteXattrs = (src: MergedEntry, dst: string) => {
    let xs = xattrs.get(src.abs) ?? [];
    if (src.stat.isSymbolicLink()) xs = xs.filter((x) => !x.name.startsWith('user.')); // the kernel refuses user.* on links
    if (xs.length > 0) toRestore.push([dst, xs]);
  };

  const copyFile = (src: MergedEntry, dst: string) => {
    const key = `${src.stat.dev}:${src.stat.ino}`;
    const first = src.stat.nlink > 1 ? links.get(key) : undefined;
    if (first) { fs.linkSync(first, dst); return; }
    const rfd = fs.openSync(src.abs, C.O_RDONLY | C.O_NOFOLLOW);
    try {
      const wfd = fs.openSync(dst, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
      try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (;;) {
          const n = fs.readSync(rfd, buf, 0, buf.length, null);
          if (n === 0) break;
          for (let off = 0; off < n;) off += fs.writeSync(wfd, buf, off, n - off);
          result.bytes += n;
        }
        fs.fchownSync(wfd, idShift.uid(src.stat.uid), idShift.gid(src.stat.gid));
        fs.fchmodSync(wfd, src.stat.mode & 0o7777); // after chown, which clears setuid/setgid
        fs.futimesSync(wfd, src.stat.atime, src.stat.mtime);
      } finally { fs.closeSync(wfd); }
    } finally { fs.closeSync(rfd); }
    if (src.stat.nlink > 1) links.set(key, dst);
  };

  const copyEntry = (src: MergedEntry, dst: string, merged: string, isRoot: boolean) => {
    const st = src.stat;
    result.entries++;
    if (st.isDirectory()) {
      if (!isRoot) fs.mkdirSync(dst, { mode: 0o700 });
      for (const name of view.readdir(merged)) {
        const childPath = merged === '/' ? `/${name}` : `${merged}/${name}`;
        const child = view.entry(childPath);
        if (child) copyEntry(child, path.join(dst, name), childPath, false);
      }
      shiftOwner(dst, st);
      fs.chmodSync(dst, st.mode & 0o7777);
      dirTimes.push({ abs: dst, st });
    } else if (st.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src.abs), dst);
      shiftOwner(dst, st);
      fs.lutimesSync(dst, st.atime, st.mtime);
    } else if (st.isFile()) {
      copyFile(src, dst);
    } else if (st.isFIFO() || (st.isCharacterDevice() && !isWhiteout(st)) || st.isBlockDevice()) {
      devices.push({ src, dst });
    } else {
      // a socket carries no content (docker's copy skips them too); whiteouts never reach here
      result.entries--;
      return;
    }
    noteXattrs(src, dst);
  };

  try {
    copyEntry(root, target, res.path, true);
    for (const { src, dst } of devices) {
      const st = src.stat;
      const kind = st.isFIFO() ? ['p'] : [st.isCharacterDevice() ? 'c' : 'b', String(Math.floor(st.rdev / 256) & 0xfff), String((st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00))];
      await run('mknod', ['-m', '0600', dst, ...kind]);
      shiftOwner(dst, st);
      fs.chmodSync(dst, st.mode & 0o7777);
      fs.lutimesSync(dst, st.atime, st.mtime);
    }
    // xattrs after every chown (chown drops security.capability), mtimes of directories last, deepest first
    await restore(toRestore);
    for (const d of dirTimes) fs.lutimesSync(d.abs, d.st.atime, d.st.mtime);
    if (staging) {
      moveInto(staging, destDir);
      // the root's xattrs again on destDir itself (the staging root was only a stand-in)
      await restore(toRestore.filter(([p]) => p === staging).map(([, xs]) => [destDir, xs]));
    }
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
  }
  return result;
}

/** Moves the staged copy into destDir: its entries by rename, then the root's metadata. */
function moveInto(staging: string, destDir: string): void {
  if (fs.readdirSync(destDir).length > 0) throw new Error(`copy-up into ${destDir}: the volume was written to during the copy`);
  const st = fs.lstatSync(staging); // before the renames change its mtime
  for (const name of fs.readdirSync(staging)) fs.renameSync(path.join(staging, name), path.join(destDir, name));
  fs.chownSync(destDir, st.uid, st.gid);
  fs.chmodSync(destDir, st.mode & 0o7777);
  fs.utimesSync(destDir, st.atime, st.mtime);
}
