// Resolves `--user name|uid[:group|gid]` against the image's /etc/passwd and /etc/group
// with runc's rules and docker's error messages.
import fs from 'node:fs/promises';
import path from 'node:path';
import { MinidockError } from '../errors.js';

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }
/** additionalGids: what setgroups(2) gets, the primary gid included (docker's `id` shows it). */
export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home: string }

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    out.push({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2])) continue;
    out.push({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const isNumeric = (s: string) => /^\d+$/.test(s);
/** Largest uid/gid docker accepts (moby: "uids and gids must be in range 0-2147483647"). */
const MAX_USER_ID = 2147483647;
/** /etc/passwd and /etc/group larger than this are refused, not read (a hostile image could
 * ship a huge one to exhaust the engine's memory). Real ones are a few KB. */
export const MAX_USER_FILE_BYTES = 4 * 1024 * 1024;
const numericId = (s: string): number => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > MAX_USER_ID) throw userError(`uids and gids must be in range 0-${MAX_USER_ID}`);
  return n;
};
const userError = (m: string) => new MinidockError('InvalidArgument', m, { status: 400 });

/** Pure: the files' contents (undefined = missing) and the user spec. */
export function resolveUserFrom(passwdText: string | undefined, groupText: string | undefined, spec: string): ResolvedUser {
  const [userPart, groupPart] = spec.includes(':') ? [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)] : [spec, undefined];
  const passwd = passwdText === undefined ? [] : parsePasswd(passwdText);
  const groups = groupText === undefined ? [] : parseGroup(groupText);
  const u = userPart || '0';
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (isNumeric(u)) {
    uid = numericId(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    if (passwdText === undefined) throw userError(`unable to find user ${u}: no matching entries in passwd file`);
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw userError(`unable to find user ${u}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    if (isNumeric(groupPart)) gid = numericId(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw userError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  // moby's getUser: the primary gid first, then runc's supplementary gids, which GetExecUser
  // takes from /etc/group memberships only when no group was given.
  const explicitGroup = groupPart !== undefined && groupPart !== '';
  const memberOf = entry && !explicitGroup ? groups.filter((g) => g.members.includes(entry!.name)).map((g) => g.gid) : [];
  return { uid, gid, additionalGids: [...new Set([gid, ...memberOf])], home: entry?.home || (uid === 0 ? '/root' : '/') };
}

/**
 * Reads `rel` (e.g. "etc/passwd") from layer dirs given TOP FIRST (put an upper dir first
 * for a running container), honouring whiteouts (0/0 char devices) on the file or any of
 * its parents. Opaque-dir xattrs are not read (Node has no getxattr); an opaque dir that
 * lacks the file would wrongly let a lower copy show through.
 */
export async function readLayeredFile(dirsTopFirst: string[], rel: string): Promise<string | undefined> {
  const parts = rel.split('/').filter(Boolean);
  for (const dir of dirsTopFirst) {
    for (let i = 1; i <= parts.length; i++) {
      const p = path.join(dir, ...parts.slice(0, i));
      let st;
      try {
        st = await fs.lstat(p);
      } catch {
        break; // not in this layer: look lower
      }
      if (st.isCharacterDevice() && st.rdev === 0) return undefined; // whited out
      if (i === parts.length && st.isFile()) {
        if (st.size > MAX_USER_FILE_BYTES) throw userError(`/${rel} in the image is ${st.size} bytes: larger than the ${MAX_USER_FILE_BYTES} bytes minidock reads`);
        return readBounded(p, rel);
      }
      if (i < parts.length && !st.isDirectory()) break;
    }
  }
  return undefined;
}

/** Layers are read-only once unpacked, so the size seen by lstat holds; checked again anyway. */
async function readBounded(p: string, rel: string): Promise<string> {
  const buf = await fs.readFile(p);
  if (buf.length > MAX_USER_FILE_BYTES) throw userError(`/${rel} in the image is larger than the ${MAX_USER_FILE_BYTES} bytes minidock reads`);
  return buf.toString('utf8');
}

export async function resolveUser(dirsTopFirst: string[], spec: string): Promise<ResolvedUser> {
  const passwd = await readLayeredFile(dirsTopFirst, 'etc/passwd');
  const group = await readLayeredFile(dirsTopFirst, 'etc/group');
  return resolveUserFrom(passwd, group, spec);
}
