// A container's mounts through its life, with docker's semantics: decided at create (the one
// codec in wire/mounts.ts, --volumes-from, named volumes created and anonymous ones made),
// turned into the runtime's mounts at start (option volumes mounted, new empty volumes
// populated from the image, tmpfs owners mapped into the user namespace), released at exit,
// and `rm -v`/--rm removing the anonymous volumes. Volumes are binds of their _data dir.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { invalidArgument } from '../errors.js';
import { toHostId } from '../runtime/index.js';
import { idShiftFrom, VolumeInUse } from '../volume/index.js';
import { decodeMounts, duplicateMountPoint, type MountSpec } from '../wire/mounts.js';
import type { CreateContainerBody } from '../wire/api-types.js';
import type { EngineCore } from './core.js';
import type { ContainerRecord, StoredMount } from './record.js';
import type { ContainerMount, ImageRecord, UsernsMap } from './services.js';

/** Paths the runtime mounts itself after the user's mounts: a mount there would be hidden. */
const OWN_DIRS = ['/proc', '/sys', '/dev'];
const OWN_FILES = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

function refuseOwnPaths(mounts: MountSpec[]): void {
  for (const m of mounts) {
    const own = OWN_FILES.includes(m.target) || OWN_DIRS.some((d) => m.target === d || m.target.startsWith(`${d}/`));
    if (own) throw invalidArgument(`minidock does not support a mount at ${m.target}: /proc, /sys, /dev, /etc/hostname, /etc/hosts and /etc/resolv.conf are the runtime's own`);
  }
}

/** `--volumes-from name[:ro|rw]`: the binds and volumes of another container (docker's parseVolumesFrom). */
function volumesFrom(core: EngineCore, specs: string[]): StoredMount[] {
  const out: StoredMount[] = [];
  for (const spec of specs) {
    const i = spec.lastIndexOf(':');
    const [ref, mode] = i === -1 ? [spec, ''] : [spec.slice(0, i), spec.slice(i + 1)];
    if (mode !== '' && mode !== 'ro' && mode !== 'rw') throw invalidArgument(`invalid mode for volumes-from: ${mode}`);
    if (ref === '') throw invalidArgument(`invalid volumes-from specification: '${spec}'`);
    const src = core.store.find(ref);
    for (const m of src.Mounts ?? []) {
      if (m.type === 'tmpfs') continue; // docker copies binds and volumes, not tmpfs
      // inherited, not this container's own: rm -v of this one leaves the volume alone
      out.push({ ...m, readOnly: mode === '' ? m.readOnly : mode === 'ro', anonymous: false, from: m.from });
    }
  }
  return out;
}

/**
 * Every mount of a new container, validated before anything is created: the request's
 * fields and the image's VOLUMEs through decodeMounts, then --volumes-from (an explicit
 * mount at the same target wins, as docker).
 */
export function decideMounts(core: EngineCore, body: CreateContainerBody, image: ImageRecord): StoredMount[] {
  const hc = body.HostConfig ?? {};
  const own = decodeMounts({
    binds: hc.Binds, mounts: hc.Mounts, tmpfs: hc.Tmpfs, volumes: body.Volumes, imageVolumes: image.config.Volumes, volumeDriver: hc.VolumeDriver,
  }, { pathExists: (p) => fs.existsSync(p) });
  const explicit = new Set(own.filter((m) => m.from !== 'Volumes' && m.from !== 'Image').map((m) => m.target));
  const inherited = volumesFrom(core, hc.VolumesFrom ?? []);
  const seen = new Set<string>();
  for (const m of inherited) {
    if (seen.has(m.target)) throw duplicateMountPoint(m.target);
    seen.add(m.target);
  }
  const kept = inherited.filter((m) => !explicit.has(m.target));
  const ownKept = own.filter((m) => !(seen.has(m.target) && !explicit.has(m.target))); // an inherited volume beats an anonymous one
  const all: StoredMount[] = [...ownKept.map((m) => ({ ...m, anonymous: m.type === 'volume' && m.name === '' })), ...kept];
  refuseOwnPaths(all);
  const depth = (t: string) => t.split('/').length;
  return all.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.target) - depth(b.m.target) || a.i - b.i).map((x) => x.m);
}

/** Creates the volumes the mounts name (missing named ones, new anonymous ones); returns the
 * mounts with every volume named and the anonymous volumes made, for undo. */
export async function createVolumes(core: EngineCore, mounts: StoredMount[]): Promise<{ mounts: StoredMount[]; created: string[] }> {
  const created: string[] = [];
  const out: StoredMount[] = [];
  try {
    for (const m of mounts) {
      if (m.type !== 'volume') { out.push(m); continue; }
      if (m.name !== '' && !m.anonymous) {
        const existed = await core.services.volumes.get(m.name).then(() => true, () => false);
        const rec = await core.services.volumes.create({ name: m.name, driverOpts: m.driverOptions, labels: m.labels });
        if (!existed) { created.push(rec.name); core.emitOther('volume', 'create', rec.name, { driver: rec.driver }); }
        out.push(m);
        continue;
      }
      const rec = await core.services.volumes.create({ labels: m.labels, driverOpts: m.driverOptions });
      created.push(rec.name);
      core.emitOther('volume', 'create', rec.name, { driver: rec.driver });
      out.push({ ...m, name: rec.name, anonymous: true });
    }
  } catch (err) {
    await removeCreated(core, created);
    throw err;
  }
  return { mounts: out, created };
}

/** Undo of createVolumes (a create that failed later): the volumes it made go again. */
export async function removeCreated(core: EngineCore, names: string[]): Promise<void> {
  await core.teardown('removal of the volumes of a failed create', names.map((n) => async () => {
    await core.services.volumes.remove(n);
    core.emitOther('volume', 'destroy', n, { driver: 'local' });
  }));
}

const tmpfsFlags = (t: Extract<MountSpec, { type: 'tmpfs' }>['tmpfs']) =>
  [...(t.suid ? [] : ['nosuid' as const]), ...(t.dev ? [] : ['nodev' as const]), ...(t.exec ? [] : ['noexec' as const])];

/** The tmpfs's kernel options, its root owned by the mapped container ids (root unless uid=/gid=). */
export function tmpfsOptions(t: Extract<MountSpec, { type: 'tmpfs' }>['tmpfs'], userns: UsernsMap | null): string {
  const uid = toHostId(userns?.uidMap, t.uid ?? 0);
  const gid = toHostId(userns?.gidMap, t.gid ?? 0);
  if (uid < 0 || gid < 0) throw invalidArgument(`tmpfs uid=${t.uid ?? 0},gid=${t.gid ?? 0} is not mapped by the container's user namespace`);
  const o = [`mode=${(t.mode ?? 0o1777).toString(8)}`, `uid=${uid}`, `gid=${gid}`];
  if (t.size) o.push(`size=${t.size}`);
  if (t.nrInodes) o.push(`nr_inodes=${t.nrInodes}`);
  return o.join(',');
}

/**
 * At start: the runtime's mounts. Volumes are mounted (option volumes) and, when new and
 * empty, filled with the image's content at their target (not with nocopy, never binds);
 * `-v` binds create a missing host dir as docker. Returns the volumes taken, for release.
 */
export async function startMounts(core: EngineCore, rec: ContainerRecord, layerDirs: string[]): Promise<{ mounts: ContainerMount[]; taken: string[] }> {
  const { volumes } = core.services;
  const mounts: ContainerMount[] = [];
  const taken: string[] = [];
  try {
    for (const m of rec.Mounts ?? []) {
      if (m.type === 'bind') {
        if (m.createSource && !fs.existsSync(m.source)) await fsp.mkdir(m.source, { recursive: true, mode: 0o755 });
        mounts.push({ type: 'bind', source: m.source, target: m.target, readOnly: m.readOnly });
      } else if (m.type === 'volume') {
        const source = await volumes.mount(m.name, rec.Id);
        taken.push(m.name);
        if (m.copyUp) await volumes.populate(m.name, [...layerDirs].reverse(), m.target, idShiftFrom(rec.Userns), rec.Id);
        core.emitOther('volume', 'mount', m.name, {
          driver: 'local', container: rec.Id, destination: m.target, 'read/write': String(!m.readOnly), propagation: '',
        });
        mounts.push({ type: 'bind', source, target: m.target, readOnly: m.readOnly });
      } else {
        mounts.push({ type: 'tmpfs', source: 'tmpfs', target: m.target, readOnly: m.readOnly, flags: tmpfsFlags(m.tmpfs), options: tmpfsOptions(m.tmpfs, rec.Userns) });
      }
    }
  } catch (err) {
    await core.teardownLogged(`release of the volumes of ${rec.Id}`, taken.map((n) => () => releaseVolume(core, rec.Id, n)));
    throw err;
  }
  return { mounts, taken };
}

async function releaseVolume(core: EngineCore, id: string, name: string): Promise<void> {
  await core.services.volumes.unmount(name, id);
  core.emitOther('volume', 'unmount', name, { driver: 'local', container: id });
}

/** Steps that release a stopped container's volumes (option volumes unmounted at their last user). */
export function releaseSteps(core: EngineCore, rec: ContainerRecord): (() => Promise<void>)[] {
  return (rec.Mounts ?? []).filter((m) => m.type === 'volume').map((m) => () => releaseVolume(core, rec.Id, (m as { name: string }).name));
}

/**
 * After an engine restart, a running container's option volumes (still mounted on the host) are
 * its again: the volume service counts it as a user, so no other container's stop unmounts them.
 */
export async function reclaimVolumes(core: EngineCore, rec: ContainerRecord): Promise<void> {
  for (const m of rec.Mounts ?? []) if (m.type === 'volume') await core.services.volumes.mount(m.name, rec.Id);
}

/** Steps that remove a removed container's anonymous volumes (`rm -v`, --rm); named ones stay. */
export function anonymousVolumeSteps(core: EngineCore, rec: ContainerRecord): (() => Promise<void>)[] {
  return (rec.Mounts ?? []).filter((m) => m.type === 'volume' && m.anonymous).map((m) => async () => {
    const name = (m as { name: string }).name;
    try {
      await core.services.volumes.remove(name, { force: true });
    } catch (err) {
      // docker: a volume another container still uses (--volumes-from) is kept, not an error
      if (err instanceof VolumeInUse) { core.log(`rm -v of ${rec.Id}: volume ${name} kept: ${err.message}`); return; }
      throw err;
    }
    core.emitOther('volume', 'destroy', name, { driver: 'local' });
  });
}

/** docker's inspect `Mounts`. */
export function inspectMounts(rec: ContainerRecord, dataDir: (name: string) => string) {
  return (rec.Mounts ?? []).map((m) => {
    if (m.type === 'bind') return { Type: 'bind', Source: m.source, Destination: m.target, Mode: m.mode, RW: !m.readOnly, Propagation: m.propagation };
    if (m.type === 'volume') return { Type: 'volume', Name: m.name, Source: dataDir(m.name), Destination: m.target, Driver: 'local', Mode: m.mode || (m.from === 'Binds' ? 'z' : ''), RW: !m.readOnly, Propagation: '' };
    return { Type: 'tmpfs', Source: '', Destination: m.target, Mode: m.mode, RW: !m.readOnly, Propagation: '' };
  });
}

/** Container ids whose configuration references a volume (in-use checks of volume rm/prune). */
export function volumeUsers(core: EngineCore, name: string): string[] {
  return core.store.all().filter((r) => (r.Mounts ?? []).some((m) => m.type === 'volume' && m.name === name)).map((r) => r.Id);
}
