// Resolving a container path inside a root the way openat2(RESOLVE_IN_ROOT) does: every
// component is looked up in the root, a symlink is expanded there (an absolute target restarts
// at the root, `..` never climbs above it), so no link in an image can reach a host path. Pure:
// the root is whatever `lookup` describes (a merged layer view, a rootfs dir, a table in tests).
import { invalidArgument } from '../errors.js';

export interface RootNode { type: 'dir' | 'symlink' | 'file' | 'other'; /** for symlinks */ target?: string }
/** Describes the node at an absolute, clean path whose parents are directories; undefined = absent. */
export type RootLookup = (path: string) => RootNode | undefined;

export interface InRootResolution {
  /** Absolute, clean, symlink-free path inside the root (missing components appended lexically). */
  path: string;
  /** Whether the whole path exists (then `node` is what is there, never a followed symlink). */
  exists: boolean;
  node?: RootNode;
  /** Every symlink crossed, in order: where it was and what it said. */
  symlinks: { at: string; target: string }[];
}

/** Linux's limit for one lookup (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

const split = (p: string) => p.split('/').filter((c) => c !== '' && c !== '.');
const parentOf = (p: string) => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/')));
const childOf = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/**
 * Resolves `containerPath` in the root. `followFinal: false` stops at a final symlink (O_NOFOLLOW),
 * the default follows it like a mount target. A component below a missing one is kept lexically
 * (`..` included, still clamped at the root) so the caller may create it. A symlink loop or more
 * than 40 links, and a non-directory in the middle, are refused naming the path.
 */
export function resolveInRoot(containerPath: string, lookup: RootLookup, opts: { followFinal?: boolean } = {}): InRootResolution {
  const followFinal = opts.followFinal ?? true;
  const queue = split(containerPath);
  const symlinks: InRootResolution['symlinks'] = [];
  let cur = '/';
  let exists = true;
  let node: RootNode | undefined = { type: 'dir' };
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '..') {
      if (exists && node?.type !== 'dir') throw invalidArgument(`cannot resolve ${containerPath} in the container: ${cur} is not a directory`);
      cur = parentOf(cur);
      if (exists) node = { type: 'dir' };
      continue;
    }
    const next = childOf(cur, c);
    if (!exists) { cur = next; continue; }
    if (node?.type !== 'dir') throw invalidArgument(`cannot resolve ${containerPath} in the container: ${cur} is not a directory`);
    const found = lookup(next);
    if (!found) {
      exists = false;
      node = undefined;
      cur = next;
      continue;
    }
    if (found.type === 'symlink' && (queue.length > 0 || followFinal)) {
      if (symlinks.length >= MAX_SYMLINKS) throw invalidArgument(`cannot resolve ${containerPath} in the container: too many levels of symbolic links`);
      const target = found.target ?? '';
      symlinks.push({ at: next, target });
      if (target.startsWith('/')) cur = '/';
      queue.unshift(...split(target));
      node = { type: 'dir' }; // cur (the link's parent, or the root) is a directory
      continue;
    }
    cur = next;
    node = found;
  }
  return { path: cur, exists, node: exists ? node : undefined, symlinks };
}
