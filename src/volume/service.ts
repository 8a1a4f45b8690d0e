// VolumeService: docker's `local` volume driver. Layout (docker's, plus a completion marker):
//
//   volumes/                    root:root 0711  (traversable, not listable)
//     <name>/                   root:<container root gid> 0710  (container root may traverse, other users may not)
//       _data/                  <container root uid:gid> 0755, the mountpoint (copy-up then gives it the image dir's owner/mode)
//       volume.json             VolumeRecord, root 0600, written LAST: a volume exists iff this file does
//       .copyup-<rand>/         a copy-up being built (resolve inside, moved into _data at the end)
//
// Crash safety: create makes the dirs first and writes volume.json last (atomically); remove
// deletes volume.json first, then the dirs. A directory without volume.json is therefore a create
// or a remove the engine did not finish: init() deletes it (never across a mount point), so
// nothing is left that `ls` hides or `prune` cannot reach.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { conflict, invalidArgument, MinidockError, TeardownError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { Mutex } from '../state/mutex.js';
import { volumesRoot, type Paths } from '../state/paths.js';
import { run } from '../util/exec.js';
import { copyUp, type CopyUpResult, type IdShift } from './copy-up.js';
import { VolumeInUse, VolumeNotFound } from './errors.js';
import { listPredicate, prunePredicate, type InUse, type VolumeFilters } from './filters.js';
import { hostMountArgs, parseLocalOptions } from './local-options.js';
import { ANONYMOUS_LABEL, type PruneReport, type VolumeCreateOptions, type VolumeInfo, type VolumeRecord } from './types.js';

export const DATA_DIR = '_data';
export const RECORD_FILE = 'volume.json';
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface VolumeServiceOptions {
  /** The container root's host ids (the user namespace's mapping of 0): owner of new volumes' data. */
  owner: { uid: number; gid: number };
  /** Ids of the containers whose configuration references the volume (the engine knows). */
  inUse?: InUse;
}

/** docker's local driver name rules and messages. */
export function validateVolumeName(name: string): void {
  if (name.length === 1) throw invalidArgument('volume name is too short, names should be at least two alphanumeric characters');
  if (!NAME_RE.test(name)) {
    throw invalidArgument(`${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

/** Mount points of this process' mount namespace (mountinfo field 5, octal escapes undone). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo.split('\n').filter(Boolean).map((l) => l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

const sameMap = (a: Record<string, string> | null, b: Record<string, string> | null) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class VolumeService {
  readonly root: string;
  private readonly lock = new Mutex();
  /** containers that have an option volume (tmpfs, bind) mounted through mount(): name -> ids */
  private readonly active = new Map<string, Set<string>>();
  private pruning = false;

  constructor(paths: Paths, private readonly opts: VolumeServiceOptions) {
    this.root = volumesRoot(paths);
  }

  dir(name: string): string { return path.join(this.root, name); }
  /** The volume's mountpoint on the host (what a container gets bind-mounted). */
  dataDir(name: string): string { return path.join(this.root, name, DATA_DIR); }

  private refs(name: string): string[] {
    return [...new Set([...(this.opts.inUse?.(name) ?? []), ...(this.active.get(name) ?? [])])];
  }

  /**
   * Creates the store and sweeps what a killed engine left: volume dirs without volume.json,
   * unfinished copy-ups and atomic-write temp files. Returns what was removed and what could
   * not be (a leftover with something mounted below it is left alone and reported).
   */
  async init(): Promise<{ swept: string[]; warnings: string[] }> {
    await fsp.mkdir(this.root, { recursive: true, mode: 0o711 });
    await fsp.chmod(this.root, 0o711);
    const swept: string[] = [];
    const warnings: string[] = [];
    const mounted = await this.mounted();
    for (const ent of await fsp.readdir(this.root, { withFileTypes: true })) {
      if (!ent.isDirectory()) { warnings.push(`volumes: unexpected entry ${ent.name} left alone`); continue; }
      const dir = this.dir(ent.name);
      const hasRecord = fs.existsSync(path.join(dir, RECORD_FILE));
      const leftovers = hasRecord
        ? (await fsp.readdir(dir)).filter((n) => n.startsWith('.copyup-') || (n.startsWith(`.${RECORD_FILE}.`) && n.endsWith('.tmp'))).map((n) => path.join(dir, n))
        : [dir];
      for (const p of leftovers) {
        if (mounted.some((m) => m === p || m.startsWith(`${p}/`))) { warnings.push(`volumes: ${p} not removed: something is mounted below it`); continue; }
        await fsp.rm(p, { recursive: true, force: true });
        swept.push(p);
      }
      if (hasRecord && mounted.includes(this.dataDir(ent.name))) {
        // an option volume still mounted for containers that outlived the engine: the engine
        // re-registers them through mount() when it restores its running containers
        this.active.set(ent.name, this.active.get(ent.name) ?? new Set());
      }
    }
    return { swept, warnings };
  }

  private async mounted(): Promise<string[]> {
    return mountPoints(await fsp.readFile('/proc/self/mountinfo', 'utf8'));
  }

  async get(name: string): Promise<VolumeRecord> {
    if (!name || name.includes('/') || name === '.' || name === '..') throw new VolumeNotFound(name);
    const rec = await readJson<VolumeRecord>(path.join(this.dir(name), RECORD_FILE));
    if (!rec) throw new VolumeNotFound(name);
    return rec;
  }

  /** docker's create: a name that exists is returned as it is, unless the request asks for other options or labels. */
  async create(req: VolumeCreateOptions = {}): Promise<VolumeRecord> {
    const anonymous = !req.name;
    const name = req.name || randomBytes(32).toString('hex');
    validateVolumeName(name);
    const driver = req.driver || 'local';
    if (driver !== 'local') throw invalidArgument(`volume driver "${driver}" is not supported by minidock (only "local")`);
    const options = req.driverOpts && Object.keys(req.driverOpts).length > 0 ? { ...req.driverOpts } : null;
    parseLocalOptions(options);
    const labels = { ...(req.labels ?? {}), ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) };
    return this.lock.run(async () => {
      const existing = await readJson<VolumeRecord>(path.join(this.dir(name), RECORD_FILE));
      if (existing) {
        if (options && !sameMap(options, existing.options)) throw conflict(`volume ${name} already exists with different driver options`);
        if (req.labels && Object.keys(req.labels).length > 0 && !sameMap(labels, existing.labels)) throw conflict(`volume ${name} already exists with different labels`);
        return existing;
      }
      const dir = this.dir(name);
      await fsp.rm(dir, { recursive: true, force: true }); // an unfinished create's leftover (no record, nothing mounted: only we mount there)
      await fsp.mkdir(dir, { mode: 0o700 });
      const data = this.dataDir(name);
      await fsp.mkdir(data, { mode: 0o755 });
      await fsp.chown(data, this.opts.owner.uid, this.opts.owner.gid);
      await fsp.chmod(data, 0o755);
      await fsp.chown(dir, 0, this.opts.owner.gid);
      await fsp.chmod(dir, 0o710);
      const rec: VolumeRecord = { name, driver: 'local', createdAt: rfc3339(new Date()), labels, options };
      await writeJsonAtomic(path.join(dir, RECORD_FILE), rec);
      return rec;
    });
  }

  async list(filters: VolumeFilters = {}): Promise<VolumeRecord[]> {
    const keep = listPredicate(filters, (n) => this.refs(n));
    return (await this.records()).filter(keep);
  }

  private async records(): Promise<VolumeRecord[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const recs = await Promise.all(names.map((n) => readJson<VolumeRecord>(path.join(this.dir(n), RECORD_FILE)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTDIR') return undefined; // a stray file in volumes/: not a volume
      throw err;
    })));
    return recs.filter((r): r is VolumeRecord => r !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The Engine API shape; usage (size and reference count) only when asked, as docker's /system/df. */
  async info(rec: VolumeRecord, opts: { usage?: boolean } = {}): Promise<VolumeInfo> {
    const out: VolumeInfo = {
      Name: rec.name, Driver: rec.driver, Mountpoint: this.dataDir(rec.name), CreatedAt: rec.createdAt,
      Labels: rec.labels, Scope: 'local', Options: rec.options,
    };
    if (opts.usage) out.UsageData = { Size: rec.options ? -1 : await treeSize(this.dataDir(rec.name)), RefCount: this.refs(rec.name).length };
    return out;
  }

  async inspect(name: string, opts: { usage?: boolean } = {}): Promise<VolumeInfo> {
    return this.info(await this.get(name), opts);
  }

  /**
   * `docker volume rm`: refused while a container references the volume (docker's message,
   * force or not); `force` only makes a missing volume no error, as docker's.
   */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.lock.run(() => this.removeLocked(name, opts.force ?? false));
  }

  private async removeLocked(name: string, force: boolean): Promise<void> {
    let rec: VolumeRecord;
    try {
      rec = await this.get(name);
    } catch (err) {
      if (force && err instanceof VolumeNotFound) return;
      throw err;
    }
    const refs = this.refs(name);
    if (refs.length > 0) throw new VolumeInUse(name, refs);
    const dir = this.dir(rec.name);
    const mounted = await this.mounted();
    if (mounted.some((m) => m === dir || m.startsWith(`${dir}/`))) {
      if (!mounted.includes(this.dataDir(name))) throw new MinidockError('Internal', `remove ${name}: something is mounted below ${dir}`);
      await run('umount', ['--', this.dataDir(name)]); // an option volume left mounted with no user
      if ((await this.mounted()).some((m) => m === dir || m.startsWith(`${dir}/`))) throw new MinidockError('Internal', `remove ${name}: ${this.dataDir(name)} is still mounted`);
    }
    // the record first: from here on the volume no longer exists, and init() sweeps what rm leaves
    await fsp.rm(path.join(dir, RECORD_FILE));
    const dh = await fsp.open(dir, 'r');
    try { await dh.sync(); } finally { await dh.close(); }
    await fsp.rm(dir, { recursive: true, force: true });
    this.active.delete(name);
  }

  /** `docker volume prune`: unused anonymous volumes (all=true: named ones too), without mount options. */
  async prune(filters: VolumeFilters = {}): Promise<PruneReport> {
    if (this.pruning) throw conflict('a prune operation is already running');
    const keep = prunePredicate(filters, (n) => this.refs(n));
    this.pruning = true;
    try {
      const report: PruneReport = { VolumesDeleted: [], SpaceReclaimed: 0 };
      const errors: unknown[] = [];
      for (const rec of (await this.records()).filter(keep)) {
        try {
          const size = await treeSize(this.dataDir(rec.name));
          await this.lock.run(async () => {
            if (this.refs(rec.name).length > 0) return; // taken by a container since the listing
            await this.removeLocked(rec.name, true);
            report.VolumesDeleted.push(rec.name);
            report.SpaceReclaimed += size;
          });
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) throw new TeardownError(`volume prune (deleted: ${report.VolumesDeleted.join(', ') || 'none'})`, errors);
      return report;
    } finally {
      this.pruning = false;
    }
  }

  /**
   * A container is about to use the volume: returns the host path to bind-mount. A volume with
   * options (tmpfs, bind) is mounted on its _data at its first user, like docker's local driver.
   */
  async mount(name: string, containerId: string): Promise<string> {
    return this.lock.run(async () => {
      const rec = await this.get(name);
      const data = this.dataDir(name);
      const how = parseLocalOptions(rec.options);
      if (how) {
        const users = this.active.get(name) ?? new Set<string>();
        if (!(await this.mounted()).includes(data)) {
          if (how.kind === 'bind' && !fs.statSync(how.device, { throwIfNoEntry: false })?.isDirectory()) {
            throw invalidArgument(`failed to mount local volume ${name}: bind device ${how.device} is not a directory`);
          }
          await run('mount', hostMountArgs(how, data, this.opts.owner));
        }
        users.add(containerId);
        this.active.set(name, users);
      }
      return data;
    });
  }

  /** The container no longer uses the volume: an option volume is unmounted when its last user goes. */
  async unmount(name: string, containerId: string): Promise<void> {
    await this.lock.run(async () => {
      const users = this.active.get(name);
      if (!users) return;
      users.delete(containerId);
      if (users.size > 0) return;
      this.active.delete(name);
      if ((await this.mounted()).includes(this.dataDir(name))) await run('umount', ['--', this.dataDir(name)]);
    });
  }

  /**
   * Copy-up of the image's content at containerPath into the volume when it is empty (see
   * copy-up.ts). A plain volume is filled through a staging dir no container can reach; an
   * option volume only while no other container has it mounted (else nothing is copied).
   */
  async populate(name: string, layerDirsTopFirst: string[], containerPath: string, idShift: IdShift, containerId: string): Promise<CopyUpResult> {
    return this.lock.run(async () => {
      const rec = await this.get(name);
      if (rec.options) {
        const others = [...(this.active.get(name) ?? [])].filter((id) => id !== containerId);
        if (others.length > 0) return { copied: false, entries: 0, bytes: 0 };
        return copyUp(layerDirsTopFirst, containerPath, this.dataDir(name), idShift);
      }
      return copyUp(layerDirsTopFirst, containerPath, this.dataDir(name), idShift, { stagingParent: this.dir(name) });
    });
  }
}

/** Bytes in a tree (regular files, a hard-linked inode once), symlinks not followed. */
export async function treeSize(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string) => {
    let ents: fs.Dirent[];
    try { ents = await fsp.readdir(dir, { withFileTypes: true }); } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of ents) {
      const p = path.join(dir, e.name);
      const st = await fsp.lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile() && !seen.has(`${st.dev}:${st.ino}`)) {
        seen.add(`${st.dev}:${st.ino}`);
        total += st.size;
      }
    }
  };
  await walk(root);
  return total;
}
