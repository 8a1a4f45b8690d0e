// Where a tar entry may land when it is extracted into a directory: its name split into
// components, refused when absolute or when `..` would climb out of the extraction dir.
// Pure; the caller then lstat()s each parent so no write goes through a symlink.
import { invalidArgument } from '../errors.js';

/** The clean components of an entry name below the extraction dir ([] = the dir itself). */
export function entryComponents(name: string): string[] {
  if (name.startsWith('/')) throw invalidArgument(`refusing tar entry ${name}: absolute path`);
  const out: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) throw invalidArgument(`refusing tar entry ${name}: it escapes the extraction directory`);
      out.pop();
      continue;
    }
    out.push(c);
  }
  return out;
}

/** A hard link's target, inside the extraction dir like any entry. */
export const linkComponents = entryComponents;

/** The container path of an entry extracted under `dir` (a clean absolute path). */
export function joinInRoot(dir: string, comps: string[]): string {
  if (comps.length === 0) return dir;
  return dir === '/' ? `/${comps.join('/')}` : `${dir}/${comps.join('/')}`;
}
