// The one codec of mount specifications: docker's `-v`, `--mount` and `--tmpfs` flags (CLI
// side, encoded into the API's HostConfig.Binds / HostConfig.Mounts / HostConfig.Tmpfs /
// Config.Volumes) and those API fields plus the image's VOLUME entries (engine side), all
// decoded into one MountSpec. Grammar and error messages follow the docker CLI (opts/mount.go,
// compose/loader/volume.go) and moby (volume/mounts/linux_parser.go, daemon/volumes.go).
// What minidock does not implement (SELinux relabel, shared/slave propagation, non-recursive
// binds, macOS consistency modes, volume subpaths, other volume drivers, image mounts) is
// refused by name, never accepted and ignored. Pure: host lookups come in through `ctx`.
import path from 'node:path';
import { invalidArgument } from '../errors.js';

// ---------------------------------------------------------------- API shapes (docker's mount.Mount)

export interface ApiBindOptions {
  Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean;
  ReadOnlyNonRecursive?: boolean; ReadOnlyForceRecursive?: boolean;
}
export interface ApiVolumeOptions {
  NoCopy?: boolean; Labels?: Record<string, string> | null; Subpath?: string;
  DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null;
}
export interface ApiTmpfsOptions { SizeBytes?: number; Mode?: number; Options?: string[][] | null }
/** HostConfig.Mounts[] as the Engine API carries it. */
export interface ApiMount {
  Type?: string; Source?: string; Target?: string; ReadOnly?: boolean; Consistency?: string;
  BindOptions?: ApiBindOptions | null; VolumeOptions?: ApiVolumeOptions | null; TmpfsOptions?: ApiTmpfsOptions | null;
  ImageOptions?: unknown; ClusterOptions?: unknown;
}

// ---------------------------------------------------------------- the internal type

/** Where a mount came from: the API field (Image = the image config's VOLUME). */
export type MountOrigin = 'Binds' | 'Mounts' | 'Tmpfs' | 'Volumes' | 'Image';
/** The propagations minidock performs (docker's default is rprivate). */
export type SupportedPropagation = 'rprivate' | 'private';

export interface TmpfsOptions {
  /** Kernel syntax (`64m`, `1g`, `50%`); undefined = the kernel's default (half the RAM). */
  size?: string;
  /** Permission bits of the tmpfs root; undefined = 1777. */
  mode?: number;
  /** Owner of the tmpfs root, container ids. */
  uid?: number; gid?: number;
  nrInodes?: string;
  /** docker's defaults: noexec, nosuid, nodev. */
  exec: boolean; suid: boolean; dev: boolean;
}

interface MountBase {
  /** Absolute, clean container path (never '/'). */
  target: string;
  readOnly: boolean;
  from: MountOrigin;
  /** The raw mode of a `-v` spec as docker's inspect shows it (`ro`, `rw,nocopy`); '' otherwise. */
  mode: string;
}
export interface BindMountSpec extends MountBase {
  type: 'bind';
  /** Absolute, clean host path. */
  source: string;
  /** Create a missing host directory (`-v` and BindOptions.CreateMountpoint, as docker). */
  createSource: boolean;
  propagation: SupportedPropagation;
}
export interface VolumeMountSpec extends MountBase {
  type: 'volume';
  /** '' = anonymous: the engine creates a volume with a generated name. */
  name: string;
  /** Copy the image's content at target into the volume when it is new and empty. */
  copyUp: boolean;
  /** Options and labels for creating the volume when it does not exist (`--mount volume-opt=`). */
  driverOptions: Record<string, string>;
  labels: Record<string, string>;
}
export interface TmpfsMountSpec extends MountBase { type: 'tmpfs'; tmpfs: TmpfsOptions }
export type MountSpec = BindMountSpec | VolumeMountSpec | TmpfsMountSpec;

/** The API fields that describe a container's mounts. */
export interface MountRequest {
  binds?: string[] | null;          // HostConfig.Binds
  mounts?: ApiMount[] | null;       // HostConfig.Mounts
  tmpfs?: Record<string, string> | null;  // HostConfig.Tmpfs
  volumes?: Record<string, unknown> | null;  // Config.Volumes (anonymous volumes)
  imageVolumes?: Record<string, unknown> | null;  // the image config's Volumes
  volumeDriver?: string;            // HostConfig.VolumeDriver
}

/** Host lookups the engine side needs (a real fs in the engine, a table in unit tests). */
export interface DecodeContext { pathExists(hostPath: string): boolean }

// ---------------------------------------------------------------- shared validation (moby's linux parser)

const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);
const CONSISTENCY = new Set(['consistent', 'cached', 'delegated']);
const SUPPORTED_PROPAGATIONS = new Set<string>(['rprivate', 'private']);

const err = (m: string) => invalidArgument(m);
const mountConfigError = (type: string, detail: string) => err(`invalid mount config for type "${type}": ${detail}`);
export const duplicateMountPoint = (target: string) => err(`Duplicate mount point: ${target}`);

function validMountMode(mode: string): boolean {
  if (mode === '') return true;
  const n = { rw: 0, label: 0, prop: 0, copy: 0, cons: 0 };
  for (const o of mode.split(',')) {
    if (RW_MODES.has(o)) n.rw++;
    else if (LABEL_MODES.has(o)) n.label++;
    else if (PROPAGATIONS.has(o)) n.prop++;
    else if (o === 'nocopy') n.copy++;
    else if (CONSISTENCY.has(o)) n.cons++;
    else return false;
  }
  return Object.values(n).every((c) => c <= 1);
}

/** moby: "invalid mount path: 'x' mount path must be absolute" / "destination can't be '/'" (checked in that order after emptiness). */
function targetProblem(target: string): string | undefined {
  if (path.posix.normalize(target.replace(/\\/g, '/')).replace(/(.)\/+$/, '$1') === '/') return "invalid specification: destination can't be '/'";
  if (!target.replace(/\\/g, '/').startsWith('/')) return `invalid mount path: '${target}' mount path must be absolute`;
  return undefined;
}

/** path.Clean for an absolute posix path. */
export function cleanPath(p: string): string {
  const n = path.posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

const unsupported = (what: string) => err(`${what} is not supported by minidock`);

// ---------------------------------------------------------------- engine side: HostConfig.Binds

/** One HostConfig.Binds entry (`/host:/ctr[:mode]`, `name:/ctr[:mode]`), moby's ParseMountRaw. */
export function decodeBind(raw: string, volumeDriver = ''): MountSpec {
  const invalidSpec = () => err(`invalid volume specification: '${raw}'`);
  const arr = splitN(raw, ':', 4);
  if (arr[0] === '') throw invalidSpec();
  let source = '';
  let target: string;
  let mode = '';
  if (arr.length === 1) target = arr[0];
  else if (arr.length === 2) {
    if (validMountMode(arr[1])) throw invalidSpec(); // `/foo:rw`: a volume cannot carry a mode alone
    [source, target] = arr;
  } else if (arr.length === 3) [source, target, mode] = arr;
  else throw invalidSpec();
  if (!validMountMode(mode)) throw err(`invalid mode: ${mode}`);
  const opts = mode === '' ? [] : mode.split(',');
  const type = source.startsWith('/') ? 'bind' : 'volume';
  const wrap = (detail: string) => err(`invalid volume specification: '${raw}': invalid mount config for type "${type}": ${detail}`);
  const propagation = opts.find((o) => PROPAGATIONS.has(o));
  const nocopy = opts.includes('nocopy');
  if (target === '') throw wrap('field Target must not be empty');
  const tp = targetProblem(target);
  if (tp) throw wrap(tp);
  if (type === 'bind') {
    if (nocopy) throw wrap('field VolumeOptions must not be specified');
  } else {
    if (propagation) throw wrap('field BindOptions must not be specified');
    if (source === '' && opts.includes('ro')) throw wrap('must not set ReadOnly mode when using anonymous volumes');
  }
  // docker's grammar ends here; what follows is what minidock refuses instead of ignoring
  const refuse = (what: string) => err(`invalid volume specification: '${raw}': ${what} is not supported by minidock`);
  const label = opts.find((o) => LABEL_MODES.has(o));
  if (label) throw refuse(`SELinux relabeling option "${label}"`);
  const consistency = opts.find((o) => CONSISTENCY.has(o) && o !== 'consistent');
  if (consistency) throw refuse(`consistency mode "${consistency}"`);
  if (propagation && !SUPPORTED_PROPAGATIONS.has(propagation)) throw refuse(`bind propagation "${propagation}" (supported: rprivate, private)`);
  if (type === 'volume') checkVolumeDriver(volumeDriver);
  const readOnly = opts.includes('ro');
  if (type === 'bind') {
    return { type, source: cleanPath(source), target: cleanPath(target), readOnly, createSource: true,
      propagation: (propagation ?? 'rprivate') as SupportedPropagation, from: 'Binds', mode };
  }
  return { type, name: source, target: cleanPath(target), readOnly, copyUp: !nocopy, driverOptions: {}, labels: {}, from: 'Binds', mode };
}

function checkVolumeDriver(driver: string | undefined): void {
  if (driver && driver !== 'local') throw unsupported(`volume driver "${driver}" (only "local")`);
}

function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i === -1) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

// ---------------------------------------------------------------- engine side: HostConfig.Mounts

/** One HostConfig.Mounts entry, moby's ParseMountSpec (a bind source must exist unless CreateMountpoint). */
export function decodeApiMount(m: ApiMount, ctx: DecodeContext): MountSpec {
  const type = m.Type ?? '';
  const bad = (detail: string) => mountConfigError(type, detail);
  const target = m.Target ?? '';
  if (target === '') throw bad('field Target must not be empty');
  const tp = targetProblem(target);
  if (tp) throw bad(tp);
  const source = m.Source ?? '';
  const readOnly = m.ReadOnly === true;
  if (m.Consistency && m.Consistency !== 'default' && m.Consistency !== 'consistent') {
    throw bad(`consistency mode "${m.Consistency}" is not supported by minidock`);
  }
  switch (type) {
    case 'bind': {
      if (source === '') throw bad('field Source must not be empty');
      const b = m.BindOptions ?? undefined;
      if (b?.Propagation && !PROPAGATIONS.has(b.Propagation)) throw bad(`invalid propagation mode: ${b.Propagation}`);
      if (m.VolumeOptions) throw bad('field VolumeOptions must not be specified');
      if (m.TmpfsOptions) throw bad('field TmpfsOptions must not be specified');
      if (!source.startsWith('/')) throw bad(`invalid mount path: '${source}' mount path must be absolute`);
      if (b?.Propagation && !SUPPORTED_PROPAGATIONS.has(b.Propagation)) throw bad(`bind propagation "${b.Propagation}" is not supported by minidock (supported: rprivate, private)`);
      if (b?.NonRecursive) throw bad('non-recursive bind mounts (bind-recursive=disabled) are not supported by minidock');
      if (b?.ReadOnlyNonRecursive) throw bad('bind-recursive=writable is not supported by minidock (read-only binds are recursively read-only)');
      const createSource = b?.CreateMountpoint === true;
      if (!createSource && !ctx.pathExists(cleanPath(source))) throw bad(`bind source path does not exist: ${source}`);
      return { type: 'bind', source: cleanPath(source), target: cleanPath(target), readOnly, createSource,
        propagation: (b?.Propagation || 'rprivate') as SupportedPropagation, from: 'Mounts', mode: '' };
    }
    case 'volume': {
      if (m.BindOptions) throw bad('field BindOptions must not be specified');
      if (m.TmpfsOptions) throw bad('field TmpfsOptions must not be specified');
      const v = m.VolumeOptions ?? undefined;
      if (v?.Subpath) {
        if (source === '') throw bad('must not set Subpath when using anonymous volumes');
        throw bad('volume subpaths (volume-subpath) are not supported by minidock');
      }
      if (readOnly && source === '') throw bad('must not set ReadOnly mode when using anonymous volumes');
      checkVolumeDriver(v?.DriverConfig?.Name);
      return { type: 'volume', name: source, target: cleanPath(target), readOnly, copyUp: !v?.NoCopy,
        driverOptions: { ...(v?.DriverConfig?.Options ?? {}) }, labels: { ...(v?.Labels ?? {}) }, from: 'Mounts', mode: '' };
    }
    case 'tmpfs': {
      if (m.BindOptions) throw bad('field BindOptions must not be specified');
      if (m.VolumeOptions) throw bad('field VolumeOptions must not be specified');
      if (source !== '') throw bad('field Source must not be specified');
      return { type: 'tmpfs', target: cleanPath(target), readOnly, tmpfs: tmpfsFromApi(m.TmpfsOptions ?? undefined, bad), from: 'Mounts', mode: '' };
    }
    case 'image': case 'npipe': case 'cluster':
      throw bad(`mount type "${type}" is not supported by minidock`);
    default:
      throw bad('mount type unknown');
  }
}

const defaultTmpfs = (): TmpfsOptions => ({ exec: false, suid: false, dev: false });

function tmpfsFromApi(o: ApiTmpfsOptions | undefined, bad: (d: string) => Error): TmpfsOptions {
  const t = defaultTmpfs();
  if (!o) return t;
  if (o.Mode) t.mode = o.Mode & 0o7777;
  if (o.SizeBytes) {
    if (!Number.isSafeInteger(o.SizeBytes) || o.SizeBytes < 0) throw bad(`invalid tmpfs size: ${o.SizeBytes}`);
    t.size = sizeWithSuffix(o.SizeBytes);
  }
  for (const opt of o.Options ?? []) {
    if (opt.length < 1 || opt.length > 2) throw bad('invalid option array length');
    if (opt[0] !== 'exec' && opt[0] !== 'noexec') throw bad(`invalid option: ${opt[0]}`);
    t.exec = opt[0] === 'exec';
  }
  return t;
}

/** moby's ConvertTmpfsOptions: the largest of g/m/k dividing the size evenly. */
function sizeWithSuffix(bytes: number): string {
  for (const [suffix, div] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
    if (bytes % div === 0) return `${bytes / div}${suffix}`;
  }
  return String(bytes);
}

// ---------------------------------------------------------------- engine side: HostConfig.Tmpfs

const TMPFS_FLAGS: Record<string, (t: TmpfsOptions) => void> = {
  exec: (t) => { t.exec = true; }, noexec: (t) => { t.exec = false; },
  suid: (t) => { t.suid = true; }, nosuid: (t) => { t.suid = false; },
  dev: (t) => { t.dev = true; }, nodev: (t) => { t.dev = false; },
};

/** One HostConfig.Tmpfs entry: target and the option string (`rw,noexec,size=64m,mode=1777`). */
export function decodeTmpfs(target: string, data: string): TmpfsMountSpec {
  const tp = target === '' ? "invalid mount path: '' mount path must be absolute" : targetProblem(target);
  if (tp) throw err(tp);
  const t = defaultTmpfs();
  let readOnly = false;
  const bad = (detail: string) => err(`invalid tmpfs options for ${target}: ${detail}`);
  for (const opt of data === '' ? [] : data.split(',')) {
    const eq = opt.indexOf('=');
    const key = eq === -1 ? opt : opt.slice(0, eq);
    const val = eq === -1 ? undefined : opt.slice(eq + 1);
    if (val === undefined) {
      if (opt === 'ro' || opt === 'rw') readOnly = opt === 'ro';
      else if (TMPFS_FLAGS[opt]) TMPFS_FLAGS[opt](t);
      else if (opt === 'private' || opt === 'rprivate') { /* docker's default propagation for tmpfs: what minidock does */ }
      else if (opt === '') throw bad('empty option');
      else throw bad(`option "${opt}" is not supported by minidock`);
      continue;
    }
    switch (key) {
      case 'size':
        if (!/^\d+[kKmMgGtTpPeE%]?$/.test(val)) throw bad(`invalid size: ${val}`);
        t.size = val;
        break;
      case 'mode':
        if (!/^[0-7]{1,4}$/.test(val)) throw bad(`invalid mode: ${val}`);
        t.mode = parseInt(val, 8);
        break;
      case 'uid': case 'gid':
        if (!/^\d+$/.test(val)) throw bad(`invalid ${key}: ${val}`);
        t[key] = Number(val);
        break;
      case 'nr_inodes':
        if (!/^\d+[kKmMgG]?$/.test(val)) throw bad(`invalid nr_inodes: ${val}`);
        t.nrInodes = val;
        break;
      default:
        throw bad(`option "${key}" is not supported by minidock`);
    }
  }
  return { type: 'tmpfs', target: cleanPath(target), readOnly, tmpfs: t, from: 'Tmpfs', mode: '' };
}

// ---------------------------------------------------------------- engine side: all fields together

/** An anonymous volume from Config.Volumes or the image's VOLUME. */
export function decodeAnonymousVolume(target: string, from: 'Volumes' | 'Image'): VolumeMountSpec {
  const tp = target === '' ? "invalid mount path: '' mount path must be absolute" : targetProblem(target);
  if (tp) throw err(`invalid volume specification: '${target}': invalid mount config for type "volume": ${tp}`);
  return { type: 'volume', name: '', target: cleanPath(target), readOnly: false, copyUp: true, driverOptions: {}, labels: {}, from, mode: '' };
}

/**
 * Every mount of a container, in docker's order and precedence: Binds, then Mounts (a target
 * used twice among them, or by a Binds entry and a Tmpfs entry, is "Duplicate mount point"),
 * then Tmpfs, then anonymous volumes (Config.Volumes and the image's VOLUME), which give way
 * to an explicit mount at the same target. Sorted by target depth so parents mount first.
 */
export function decodeMounts(req: MountRequest, ctx: DecodeContext): MountSpec[] {
  const out: MountSpec[] = [];
  const taken = new Map<string, MountSpec>();
  checkVolumeDriver(req.volumeDriver);
  const tmpfsTargets = new Set(Object.keys(req.tmpfs ?? {}).map(cleanPath));
  for (const raw of req.binds ?? []) {
    const m = decodeBind(raw, req.volumeDriver);
    if (taken.has(m.target) || tmpfsTargets.has(m.target)) throw duplicateMountPoint(m.target);
    taken.set(m.target, m);
    out.push(m);
  }
  for (const api of req.mounts ?? []) {
    const m = decodeApiMount(api, ctx);
    if (taken.has(m.target)) throw duplicateMountPoint(api.Target ?? m.target);
    taken.set(m.target, m);
    out.push(m);
  }
  for (const [target, data] of Object.entries(req.tmpfs ?? {})) {
    const m = decodeTmpfs(target, data);
    // docker lets a tmpfs silently shadow a HostConfig.Mounts entry; minidock refuses the ambiguity
    if (taken.has(m.target)) throw duplicateMountPoint(m.target);
    taken.set(m.target, m);
    out.push(m);
  }
  for (const [from, set] of [['Volumes', req.volumes], ['Image', req.imageVolumes]] as const) {
    for (const target of Object.keys(set ?? {})) {
      const m = decodeAnonymousVolume(target, from);
      if (taken.has(m.target)) continue; // an explicit mount (or the same VOLUME twice) wins, as docker
      taken.set(m.target, m);
      out.push(m);
    }
  }
  return sortByDepth(out);
}

/** Parents before children (docker's mountSort): `/a` before `/a/b`; stable otherwise. */
export function sortByDepth<T extends { target: string }>(mounts: T[]): T[] {
  const depth = (t: string) => (t === '/' ? 0 : t.split('/').length - 1);
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.target) - depth(b.m.target) || a.i - b.i).map((x) => x.m);
}

// ---------------------------------------------------------------- CLI side: flags to API fields

/**
 * `-v`/`--volume` as the docker CLI handles it: a spec with a source becomes a HostConfig.Binds
 * entry (a `.`-relative host path made absolute against cwd), a lone target a Config.Volumes key.
 */
export function encodeVolumeFlag(spec: string, cwd: string): { bind: string } | { volume: string } {
  if (spec.length === 0) throw err('invalid empty volume spec');
  if (spec.length <= 2) return { volume: spec };
  const parts = spec.split(':');
  if (parts.includes('')) throw err(`invalid spec: ${spec}: empty section between colons`);
  if (parts.length > 3) throw err(`invalid spec: ${spec}: too many colons`);
  if (parts.length === 1) return { volume: spec };
  const [source, ...rest] = parts;
  if (source.startsWith('.')) return { bind: [path.resolve(cwd, source), ...rest].join(':') };
  return { bind: spec };
}

/** `--tmpfs /run[:opts]` entries as the HostConfig.Tmpfs map; a target given twice is refused. */
export function encodeTmpfsFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    const target = i === -1 ? v : v.slice(0, i);
    if (Object.hasOwn(out, target)) throw duplicateMountPoint(target);
    out[target] = i === -1 ? '' : v.slice(i + 1);
  }
  return out;
}

const ONE_BOOL = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const ZERO_BOOL = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
/** Go's strconv.ParseBool. */
function parseGoBool(v: string): boolean | undefined {
  return ONE_BOOL.has(v) ? true : ZERO_BOOL.has(v) ? false : undefined;
}

/** docker's units.RAMInBytes: `64m`, `1.5g`, `100kb`, `10MiB` (binary multiples). */
export function ramInBytes(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v);
  if (!m) return undefined;
  const mult = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1;
  const n = Number(m[1]);
  return Number.isFinite(n) ? Math.floor(n * mult) : undefined;
}

/** encoding/csv's one-record read: commas separate, double quotes quote, `""` is a quote. */
function readCsvRecord(value: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        if (i >= value.length) throw err(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
        if (value[i] === '"') {
          if (value[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += value[i++];
      }
      if (i < value.length && value[i] !== ',') throw err(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    } else {
      const end = value.indexOf(',', i);
      field = end === -1 ? value.slice(i) : value.slice(i, end);
      if (field.includes('"')) throw err(`parse error on line 1, column ${i + field.indexOf('"') + 1}: bare " in non-quoted-field`);
      i = end === -1 ? value.length : end;
    }
    fields.push(field);
    if (i >= value.length) return fields;
    i++; // the comma
  }
}

/** `--mount type=...,source=...,target=...` as the docker CLI's MountOpt.Set, into an API Mount. */
export function encodeMountFlag(value: string, cwd: string): ApiMount {
  const m: ApiMount = { Type: 'volume' };
  const volumeOptions = () => (m.VolumeOptions ??= {});
  const driverConfig = () => (volumeOptions().DriverConfig ??= {});
  const bindOptions = () => (m.BindOptions ??= {});
  const tmpfsOptions = () => (m.TmpfsOptions ??= {});
  const setOnMap = (target: Record<string, string>, kv: string) => {
    const i = kv.indexOf('=');
    const k = i === -1 ? kv : kv.slice(0, i);
    if (k !== '') target[k] = i === -1 ? '' : kv.slice(i + 1);
  };
  const boolOf = (key: string, val: string) => {
    const b = parseGoBool(val);
    if (b === undefined) throw err(`invalid value for ${key}: ${val}`);
    return b;
  };
  for (const field of readCsvRecord(value)) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq === -1 ? '' : field.slice(eq + 1);
    if (eq === -1) {
      if (key === 'readonly' || key === 'ro') m.ReadOnly = true;
      else if (key === 'volume-nocopy') volumeOptions().NoCopy = true;
      else if (key === 'bind-nonrecursive') bindOptions().NonRecursive = true;
      else throw err(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case 'type': m.Type = val.toLowerCase(); break;
      case 'source': case 'src':
        m.Source = val === '.' || val.startsWith('./') ? path.resolve(cwd, val) : val;
        break;
      case 'target': case 'dst': case 'destination': m.Target = val; break;
      case 'readonly': case 'ro': m.ReadOnly = boolOf(key, val); break;
      case 'consistency': m.Consistency = val.toLowerCase(); break;
      case 'bind-propagation': bindOptions().Propagation = val.toLowerCase(); break;
      case 'bind-nonrecursive': bindOptions().NonRecursive = boolOf(key, val); break;
      case 'bind-create-src': bindOptions().CreateMountpoint = boolOf(key, val); break;
      case 'bind-recursive':
        if (val === 'enabled') { /* the default */ } else if (val === 'disabled') bindOptions().NonRecursive = true;
        else if (val === 'writable') bindOptions().ReadOnlyNonRecursive = true;
        else if (val === 'readonly') bindOptions().ReadOnlyForceRecursive = true;
        else throw err(`invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`);
        break;
      case 'volume-subpath': volumeOptions().Subpath = val; break;
      case 'volume-nocopy': {
        const b = parseGoBool(val);
        if (b === undefined) throw err(`invalid value for volume-nocopy: ${val}`);
        volumeOptions().NoCopy = b;
        break;
      }
      case 'volume-label': setOnMap((volumeOptions().Labels ??= {}), val); break;
      case 'volume-driver': driverConfig().Name = val; break;
      case 'volume-opt': setOnMap((driverConfig().Options ??= {}), val); break;
      case 'tmpfs-size': {
        const n = ramInBytes(val);
        if (n === undefined) throw err(`invalid value for ${key}: ${val}`);
        tmpfsOptions().SizeBytes = n;
        break;
      }
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) throw err(`invalid value for ${key}: ${val}`);
        tmpfsOptions().Mode = parseInt(val, 8);
        break;
      default:
        throw err(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Type) throw err('type is required');
  if (!m.Target) throw err('target is required');
  if (m.VolumeOptions && m.Type !== 'volume') throw err(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== 'bind') throw err(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw err(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) throw err("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) throw err("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation && m.BindOptions.Propagation !== 'rprivate') {
      throw err("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
    }
  }
  return m;
}
