// The container root's id range on the host: env MINIDOCK_USERNS_BASE/_SIZE, else the
// `minidock` entry of /etc/subuid and /etc/subgid, else 100000 + 65536.
import fs from 'node:fs/promises';
import { InvalidSetting } from '../errors.js';
import type { IdMapping } from './types.js';

export const DEFAULT_USERNS_BASE = 100000;
export const DEFAULT_USERNS_SIZE = 65536;

/** Pure: the `minidock:start:count` entry of a subuid/subgid file. */
export function parseSubId(text: string | undefined, user = 'minidock'): { base: number; size: number } | undefined {
  for (const line of (text ?? '').split('\n')) {
    const [name, start, count] = line.trim().split(':');
    if (name === user && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '')) return { base: Number(start), size: Number(count) };
  }
  return undefined;
}

export function idMappingFrom(env: NodeJS.ProcessEnv, subuid?: string, subgid?: string): { uidMap: IdMapping[]; gidMap: IdMapping[] } {
  const fromEnv = env.MINIDOCK_USERNS_BASE !== undefined
    ? { base: Number(env.MINIDOCK_USERNS_BASE), size: Number(env.MINIDOCK_USERNS_SIZE ?? DEFAULT_USERNS_SIZE) }
    : undefined;
  if (fromEnv && (!Number.isInteger(fromEnv.base) || !Number.isInteger(fromEnv.size) || fromEnv.base <= 0 || fromEnv.size <= 0)) {
    throw new InvalidSetting('MINIDOCK_USERNS_BASE/_SIZE', `${env.MINIDOCK_USERNS_BASE}/${env.MINIDOCK_USERNS_SIZE ?? ''}`, 'want two positive integers');
  }
  const def = { base: DEFAULT_USERNS_BASE, size: DEFAULT_USERNS_SIZE };
  const u = fromEnv ?? parseSubId(subuid) ?? def;
  const g = fromEnv ?? parseSubId(subgid) ?? u;
  return { uidMap: [{ containerId: 0, hostId: u.base, size: u.size }], gidMap: [{ containerId: 0, hostId: g.base, size: g.size }] };
}

export async function defaultIdMapping(env: NodeJS.ProcessEnv = process.env): Promise<{ uidMap: IdMapping[]; gidMap: IdMapping[] }> {
  const read = (f: string) => fs.readFile(f, 'utf8').catch(() => undefined); // no /etc/subuid: the default range
  return idMappingFrom(env, await read('/etc/subuid'), await read('/etc/subgid'));
}
