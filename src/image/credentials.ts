// Registry logins kept like ~/.docker/config.json: { "auths": { "<server>": { "auth": base64(user:pass) } } }.
// File: $MINIDOCK_CONFIG or /root/.minidock/config.json, mode 0600. Docker Hub is keyed by
// Docker's legacy name https://index.docker.io/v1/ so an existing docker config reads the same.
import { readJson, writeJsonAtomic } from '../state/atomic.js';
import { invalidArgument } from '../errors.js';
import { DEFAULT_DOMAIN } from './reference.js';
import type { Credentials } from './auth.js';

export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

interface ConfigFile { auths?: Record<string, { auth?: string; username?: string; password?: string }>; [k: string]: unknown }

export const defaultConfigFile = (env: NodeJS.ProcessEnv = process.env) => env.MINIDOCK_CONFIG ?? '/root/.minidock/config.json';

/** docker.io, index.docker.io, https://index.docker.io/v1/ -> the hub key; other URLs -> host[:port]. */
export function credentialKey(server: string): string {
  let s = server.trim();
  if (!s) throw invalidArgument('registry server name must not be empty');
  s = s.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (s === DEFAULT_DOMAIN || s === 'index.docker.io' || s === 'registry-1.docker.io') return DOCKER_HUB_KEY;
  return s;
}

export function encodeAuth(c: Credentials): string {
  return Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

export function decodeAuth(auth: string): Credentials | undefined {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return undefined;
  return { username: text.slice(0, i), password: text.slice(i + 1) };
}

export class CredentialStore {
  constructor(readonly file: string = defaultConfigFile()) {}

  private async load(): Promise<ConfigFile> { return (await readJson<ConfigFile>(this.file)) ?? {}; }

  /** All stored logins, keyed by credentialKey. */
  async all(): Promise<Map<string, Credentials>> {
    const out = new Map<string, Credentials>();
    for (const [server, entry] of Object.entries((await this.load()).auths ?? {})) {
      const c = entry.auth ? decodeAuth(entry.auth) : entry.username ? { username: entry.username, password: entry.password ?? '' } : undefined;
      if (c) out.set(credentialKey(server), c);
    }
    return out;
  }

  async get(server: string): Promise<Credentials | undefined> { return (await this.all()).get(credentialKey(server)); }

  async set(server: string, c: Credentials): Promise<void> {
    const cfg = await this.load();
    cfg.auths = { ...(cfg.auths ?? {}), [credentialKey(server)]: { auth: encodeAuth(c) } };
    await writeJsonAtomic(this.file, cfg);
  }

  /** Returns whether a login was removed. */
  async remove(server: string): Promise<boolean> {
    const cfg = await this.load();
    const key = credentialKey(server);
    if (!cfg.auths || !(key in cfg.auths)) return false;
    delete cfg.auths[key];
    await writeJsonAtomic(this.file, cfg);
    return true;
  }
}
