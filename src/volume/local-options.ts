// The `local` driver's options as docker's (`type`, `device`, `o`, `size`), limited to what
// minidock mounts: `type=tmpfs device=tmpfs o=size=...` and `type=none o=bind device=/path`.
// Anything else (nfs, cifs, a block device, quota sizes) is refused by name. Pure, plus the argv
// of the host `mount` that makes such a volume's _data.
import path from 'node:path';
import { invalidArgument } from '../errors.js';

export type LocalMount =
  | { kind: 'tmpfs'; device: string; data: string[] }
  | { kind: 'bind'; device: string; recursive: boolean };

const VALID = new Set(['type', 'o', 'device', 'size']);
const MANDATORY: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };
const TMPFS_DATA = /^(size=\d+[kKmMgG%]?|mode=[0-7]{1,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kKmMgG]?)$/;
const TMPFS_FLAGS = new Set(['noexec', 'nosuid', 'nodev', 'exec', 'suid', 'dev']);

/** Validates the options (docker's messages first); undefined = a plain directory volume. */
export function parseLocalOptions(opts: Record<string, string> | null | undefined): LocalMount | undefined {
  if (!opts || Object.keys(opts).length === 0) return undefined;
  for (const k of Object.keys(opts)) if (!VALID.has(k)) throw invalidArgument(`invalid option: ${JSON.stringify(k)}`);
  if ('size' in opts) throw invalidArgument('quota size requested but no quota support');
  for (const [k, required] of Object.entries(MANDATORY)) {
    if (!(k in opts)) continue;
    for (const r of required) if (!(r in opts)) throw invalidArgument(`missing required option: ${JSON.stringify(r)}`);
  }
  const type = opts.type;
  const device = opts.device;
  const o = (opts.o ?? '').split(',').filter((x) => x !== '');
  if (type === 'tmpfs') {
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(device)) throw invalidArgument(`invalid tmpfs device name: ${JSON.stringify(device)}`);
    for (const x of o) {
      if (!TMPFS_DATA.test(x) && !TMPFS_FLAGS.has(x)) throw invalidArgument(`volume option o=${x} is not supported by minidock for type=tmpfs (supported: size, mode, uid, gid, nr_inodes, [no]exec, [no]suid, [no]dev)`);
    }
    return { kind: 'tmpfs', device, data: o };
  }
  if (type === 'none') {
    const binds = o.filter((x) => x === 'bind' || x === 'rbind');
    const others = o.filter((x) => x !== 'bind' && x !== 'rbind');
    if (others.length > 0) throw invalidArgument(`volume option o=${others[0]} is not supported by minidock for type=none (supported: bind, rbind)`);
    if (binds.length !== 1) throw invalidArgument('volume option type=none needs o=bind or o=rbind');
    if (!path.isAbsolute(device)) throw invalidArgument(`invalid bind device ${JSON.stringify(device)}: must be an absolute host path`);
    return { kind: 'bind', device: path.normalize(device).replace(/(.)\/+$/, '$1'), recursive: binds[0] === 'rbind' };
  }
  throw invalidArgument(`volume option type=${type} is not supported by minidock (supported: type=tmpfs, type=none with o=bind)`);
}

/** argv for `mount` putting the volume on its _data dir; a tmpfs root belongs to the container's root unless o= says otherwise. */
export function hostMountArgs(m: LocalMount, dataDir: string, owner: { uid: number; gid: number }): string[] {
  if (m.kind === 'bind') return [m.recursive ? '--rbind' : '--bind', '--', m.device, dataDir];
  const data = [...m.data];
  if (!data.some((x) => x.startsWith('uid='))) data.push(`uid=${owner.uid}`);
  if (!data.some((x) => x.startsWith('gid='))) data.push(`gid=${owner.gid}`);
  return ['-t', 'tmpfs', '-o', data.join(','), '--', m.device, dataDir];
}
