// docker cp's path rules (moby pkg/archive copy.go), pure: how an argument names a container
// path or a local one, and where a tar of the source lands at the destination (the directory
// to extract into and how the top entry is renamed), with docker's errors.
import path from 'node:path';
import { MinidockError } from '../errors.js';

const cpError = (message: string) => new MinidockError('InvalidArgument', message, { status: 400, exitCode: 1 });

export interface CpArg { container?: string; path: string }

/** `ctr:path` or a local path; a local path starting with `/` or `.` may contain colons (docker's splitCpArg). */
export function splitCpArg(arg: string): CpArg {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** Whether a path says "a directory" by its trailing `/` or `/.`. */
export const assertsDirectory = (p: string) => p.endsWith('/') || p === '.' || p.endsWith('/.');
const specifiesCurrentDir = (p: string) => p === '.' || p.endsWith('/.');

/** The parent and the last component of a path; `dir/.` keeps `.` as the component (docker's SplitPathDirEntry). */
export function splitDirEntry(p: string): { dir: string; base: string } {
  let cleaned = path.posix.normalize(p);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  if (specifiesCurrentDir(p) && !cleaned.endsWith('/.')) cleaned = cleaned === '/' ? '/.' : `${cleaned}/.`;
  return { dir: path.posix.dirname(cleaned), base: path.posix.basename(cleaned) };
}

export interface CopySource { path: string; isDir: boolean; /** the name the top entry takes instead of the path's base */ rebaseName?: string }
export interface CopyDest { path: string; exists: boolean; isDir: boolean }

/** Where to extract and the renaming of the top entry (from → to), as docker's PrepareArchiveCopy. */
export function prepareArchiveCopy(src: CopySource, dst: CopyDest): { dir: string; rename?: { from: string; to: string } } {
  const srcBase = src.rebaseName || splitDirEntry(src.path).base;
  const { dir: dstDir, base: dstBase } = splitDirEntry(dst.path);
  if (dst.exists && dst.isDir) {
    return { dir: dst.path, rename: src.rebaseName ? { from: splitDirEntry(src.path).base, to: src.rebaseName } : undefined };
  }
  if (dst.exists) {
    if (src.isDir) throw cpError('cannot copy directory');
    return { dir: dstDir, rename: { from: srcBase, to: dstBase } };
  }
  if (src.isDir) return { dir: dstDir, rename: { from: srcBase, to: dstBase } };
  if (assertsDirectory(dst.path)) throw cpError('no such directory');
  return { dir: dstDir, rename: { from: srcBase, to: dstBase } };
}

/** A tar entry name with its first component renamed (docker's RebaseArchiveEntries). */
export function rebaseName(name: string, rename: { from: string; to: string } | undefined): string {
  if (!rename) return name;
  const trimmed = name.replace(/^\.\//, rename.from === '.' ? './' : '');
  if (trimmed === rename.from || trimmed === `${rename.from}/`) return rename.to;
  if (trimmed.startsWith(`${rename.from}/`)) return `${rename.to}${trimmed.slice(rename.from.length)}`;
  return name;
}
