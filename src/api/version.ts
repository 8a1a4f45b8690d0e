// The Engine API versions minidock speaks, and the version a request asked for by its /vX.Y prefix.
import { invalidArgument } from '../errors.js';

export const API_VERSION = '1.43';
export const MIN_API_VERSION = '1.24';

function versionNumber(v: string): number {
  const [a, b] = v.split('.').map(Number);
  return a! * 1000 + (b ?? 0);
}

/**
 * The version a request speaks: its /vX.Y prefix, or the newest for an unversioned path (as
 * dockerd). A prefix outside what minidock speaks is refused as dockerd does (400).
 */
export function requestVersion(pathname: string): string {
  const m = /^\/v(\d+(?:\.\d+)?)\//.exec(pathname);
  if (!m) return API_VERSION;
  const v = versionNumber(m[1]!);
  if (v > versionNumber(API_VERSION)) throw invalidArgument(`client version ${m[1]} is too new. Maximum supported API version is ${API_VERSION}`);
  if (v < versionNumber(MIN_API_VERSION)) throw invalidArgument(`client version ${m[1]} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  return m[1]!;
}

export function versionBelow(v: string, than: string): boolean {
  return versionNumber(v) < versionNumber(than);
}
