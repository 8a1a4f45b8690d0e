// docker commit: a container's overlay upper dir becomes a new top layer on its image. The upper
// dir is written as an OCI layer tar (overlay whiteouts, 0/0 char devices, become .wh.<name>
// files and opaque dirs a .wh..wh..opq marker; host ownership is shifted back through the
// container's user namespace map; overlay's own xattrs are left out, other xattrs are kept as
// SCHILY.xattr pax records), then stored exactly as a loaded layer (unpacked, tar-split recorded,
// verified against the diff id computed here), and a config derived from the parent's is written.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { DigestMismatch } from '../errors.js';
import { run } from '../util/exec.js';
import { chainIds } from './manifest.js';
import { loadLayer } from './archive.js';
import { digestOf } from './verify.js';
import { OPAQUE_MARKER, OPAQUE_XATTR, WHITEOUT_PREFIX } from './unpack.js';
import type { ImageStore, StoredImage } from './store.js';
import type { ImageConfig } from './types.js';

/** An id range of a user namespace map (the runtime's IdMapping shape). */
export interface IdRange { containerId: number; hostId: number; size: number }

export interface CommitRequest {
  /** the container's image */
  parentId: string;
  upperDir: string;
  /** the container's user namespace maps; null when it has none (ids are the host's) */
  idMaps: { uidMap: IdRange[]; gidMap: IdRange[] } | null;
  /** layer-relative paths left out: the etc files bind-mounted over (docker's init layer) */
  exclude: string[];
  config: ImageConfig;
  createdBy: string;
  comment: string;
  author: string;
}

/** the kernel's overflow id, what a file owned outside the map shows as inside the container */
const OVERFLOW_ID = 65534;

export function unshiftId(maps: IdRange[] | undefined, hostId: number): number {
  if (!maps) return hostId;
  const m = maps.find((r) => hostId >= r.hostId && hostId < r.hostId + r.size);
  return m ? m.containerId + (hostId - m.hostId) : OVERFLOW_ID;
}

/** getfattr's octal escapes (\012 for a newline in a name) back to bytes. */
function unescapeName(s: string): string {
  return Buffer.from(s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1').toString('utf8');
}

/** Every xattr under `dir` in one getfattr run: absolute path -> name -> value. */
export async function readXattrs(dir: string): Promise<Map<string, Map<string, Buffer>>> {
  const { stdout } = await run('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', dir], { timeoutMs: 120_000 });
  return parseGetfattr(stdout);
}

export function parseGetfattr(text: string): Map<string, Map<string, Buffer>> {
  const out = new Map<string, Map<string, Buffer>>();
  let cur: Map<string, Buffer> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) { cur = new Map(); out.set(unescapeName(line.slice(8)), cur); continue; }
    const eq = line.indexOf('=');
    if (!cur || eq <= 0) continue;
    const v = line.slice(eq + 1);
    cur.set(line.slice(0, eq), v.startsWith('0x') ? Buffer.from(v.slice(2), 'hex') : Buffer.from(v.replace(/^"|"$/g, ''), 'utf8'));
  }
  return out;
}

const isOverlayXattr = (name: string) => name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.');

function devNumbers(rdev: number): { devmajor: number; devminor: number } {
  // glibc's dev_t encoding (gnu_dev_major/minor), for the 32-bit values device numbers have here
  return { devmajor: Math.floor(rdev / 256) & 0xfff, devminor: (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00) };
}

/** Writes the upper dir as a layer tar into `file`; returns its diff id. */
export async function writeUpperTar(req: Pick<CommitRequest, 'upperDir' | 'idMaps' | 'exclude'>, file: string): Promise<string> {
  const xattrs = await readXattrs(req.upperDir);
  const pack = tar.pack();
  const hash = createHash('sha256');
  const count = new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); cb(null, c); } });
  const writing = pipeline(pack, count, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  writing.catch(() => { /* awaited below */ });
  const exclude = new Set(req.exclude);
  const links = new Map<string, string>();
  const entry = (h: Parameters<tar.Pack["entry"]>[0], body: Buffer = Buffer.alloc(0)) => new Promise<void>((resolve, reject) => {
    pack.entry(h, body, (err) => (err ? reject(err) : resolve()));
  });
  const owner = (st: fs.Stats) => ({ uid: unshiftId(req.idMaps?.uidMap, st.uid), gid: unshiftId(req.idMaps?.gidMap, st.gid) });
  const paxOf = (abs: string) => {
    const x = xattrs.get(abs);
    if (!x) return undefined;
    const pax: Record<string, string> = {};
    for (const [k, v] of x) if (!isOverlayXattr(k)) pax[`SCHILY.xattr.${k}`] = v.toString('latin1');
    return Object.keys(pax).length ? pax : undefined;
  };

  const walk = async (rel: string): Promise<void> => {
    const absDir = rel ? path.join(req.upperDir, rel) : req.upperDir;
    for (const name of (await fsp.readdir(absDir)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (exclude.has(r)) continue;
      const abs = path.join(absDir, name);
      const st = await fsp.lstat(abs);
      const base = { name: r, mode: st.mode & 0o7777, mtime: st.mtime, ...owner(st) };
      if (st.isCharacterDevice() && st.rdev === 0) {
        await entry({ ...base, name: rel ? `${rel}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`, type: 'file', size: 0, mode: 0 }, Buffer.alloc(0));
      } else if (st.isDirectory()) {
        await entry({ ...base, name: `${r}/`, type: 'directory', pax: paxOf(abs) });
        if (xattrs.get(abs)?.get(OPAQUE_XATTR)?.toString() === 'y' || xattrs.get(abs)?.get('user.overlay.opaque')?.toString() === 'y') {
          await entry({ ...base, name: `${r}/${OPAQUE_MARKER}`, type: 'file', size: 0, mode: 0 }, Buffer.alloc(0));
        }
        await walk(r);
      } else if (st.isSymbolicLink()) {
        await entry({ ...base, type: 'symlink', linkname: await fsp.readlink(abs), pax: paxOf(abs) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        if (st.nlink > 1 && links.has(key)) { await entry({ ...base, type: 'link', linkname: links.get(key)! }); continue; }
        if (st.nlink > 1) links.set(key, r);
        await new Promise<void>((resolve, reject) => {
          const e = pack.entry({ ...base, type: 'file', size: st.size, pax: paxOf(abs) }, (err) => (err ? reject(err) : resolve()));
          const src = fs.createReadStream(abs);
          src.on('error', (err) => { e.destroy(err); reject(err); });
          src.pipe(e);
        });
      } else if (st.isFIFO()) {
        await entry({ ...base, type: 'fifo' });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await entry({ ...base, type: st.isCharacterDevice() ? 'character-device' : 'block-device', ...devNumbers(st.rdev) });
      }
      // sockets cannot be archived; docker leaves them out too
    }
  };
  try {
    await walk('');
    pack.finalize();
    await writing;
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Builds and stores the committed image; returns it (untagged: the caller tags it). */
export async function commitImage(store: ImageStore, req: CommitRequest): Promise<StoredImage> {
  const parent = await store.readImage(req.parentId);
  const parentConfig = await store.readBlob(req.parentId);
  if (!parent || !parentConfig) throw new DigestMismatch(`image ${req.parentId} of the container`, 'present in the store', 'missing');
  const tmp = await store.makeTmpDir('commit');
  try {
    const file = path.join(tmp, 'layer.tar');
    const diffId = await writeUpperTar(req, file);
    const diffIds = [...parent.layers, diffId];
    const chains = chainIds(diffIds);
    const meta = await loadLayer(store, file, diffId, chains[chains.length - 1]!, chains[chains.length - 2] ?? null);
    const created = new Date().toISOString();
    const cfg = JSON.parse(parentConfig.toString('utf8')) as Record<string, unknown> & { history?: unknown[]; rootfs?: { diff_ids?: string[] } };
    const history = Array.isArray(cfg.history) ? cfg.history : [];
    const body = Buffer.from(JSON.stringify({
      ...cfg,
      created,
      ...(req.author ? { author: req.author } : {}),
      config: req.config,
      history: [...history, { created, ...(req.author ? { author: req.author } : {}), created_by: req.createdBy, ...(req.comment ? { comment: req.comment } : {}) }],
      rootfs: { type: 'layers', diff_ids: diffIds },
    }));
    const id = digestOf(body);
    await store.writeBlob(id, body);
    const image: StoredImage = {
      id, created, architecture: parent.architecture, os: parent.os, ...(parent.variant ? { variant: parent.variant } : {}),
      config: req.config, layers: diffIds, chainIds: chains, size: parent.size + meta.unpackedSize, manifests: [],
    };
    await store.writeImage(image);
    return image;
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
