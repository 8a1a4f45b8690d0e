// OCI distribution v2 client over undici: manifests and blobs, with the registry auth dance
// (anonymous or credentialed bearer tokens cached per scope, or basic). Plain HTTP only for
// loopback registries and those listed in MINIDOCK_INSECURE_REGISTRIES.
import { request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { RegistryError, Unauthorized, ManifestUnknown, type MinidockError } from '../errors.js';
import { parseChallenges, basicHeader, tokenUrl, parseTokenResponse, type Challenge, type Credentials } from './auth.js';
import { familiarName, registryHost, type Reference } from './reference.js';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;
const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');
const MANIFEST_MAX = 4 << 20;
const MAX_REDIRECTS = 5;

/** host[:port] without brackets' port, for the loopback test. */
function hostname(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  return hostPort.split(':')[0];
}

export function isLoopback(hostPort: string): boolean {
  const h = hostname(hostPort).toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function insecureRegistries(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.MINIDOCK_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** https unless the registry is on loopback or explicitly marked insecure. */
export function registryBaseUrl(domain: string, insecure: string[] = insecureRegistries()): string {
  const host = registryHost(domain);
  const plain = isLoopback(host) || insecure.includes(host) || insecure.includes(domain);
  return `${plain ? 'http' : 'https'}://${host}`;
}

export interface RegistryClientOptions {
  /** Credentials for a registry domain (as in the reference), if the user logged in. */
  credentials?: (domain: string) => Credentials | undefined;
  insecure?: string[];
  /** bearer tokens shared between clients (the service keeps one so tokens outlive a pull) */
  tokenCache?: Map<string, { token: string; expiresAt: number }>;
}

interface Resp { statusCode: number; headers: Record<string, string | string[] | undefined>; body: Dispatcher.ResponseData['body'] }

const header = (h: Resp['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

async function drain(r: Resp): Promise<string> {
  try {
    const text = await r.body.text();
    return text.slice(0, 300).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}

const pullScope = (ref: Reference) => `repository:${ref.path}:pull`;
const pushScope = (ref: Reference) => `repository:${ref.path}:pull,push`;

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT';
/** A request body that can be sent again (after an auth challenge): a buffer, or a factory of streams. */
export type Body = Buffer | (() => Readable);

/** A registry's error body as docker's errcode prints it: MANIFEST_UNKNOWN + "manifest unknown"
 *  -> "manifest unknown: manifest unknown"; undefined when the body has no error code. */
export function registryErrorText(body: string): string | undefined {
  try {
    const e = (JSON.parse(body) as { errors?: { code?: unknown; message?: unknown }[] }).errors?.[0];
    if (typeof e?.code !== 'string' || !e.code) return undefined;
    const code = e.code.toLowerCase().replace(/_/g, ' ');
    return typeof e.message === 'string' && e.message ? `${code}: ${e.message}` : code;
  } catch {
    return undefined;
  }
}

/** The reference as docker names it in errors: localhost:5000/x:latest, nginx:1, nginx@sha256:... */
const shownRef = (ref: Reference, tagOrDigest: string) => `${familiarName(ref)}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;

export class RegistryClient {
  /** token cache: `${domain}|${scope}` -> token and expiry */
  private tokens: Map<string, { token: string; expiresAt: number }>;
  /** remembers that a registry wants basic auth so later requests send it up front */
  private basic = new Set<string>();

  constructor(private opts: RegistryClientOptions = {}) {
    this.tokens = opts.tokenCache ?? new Map();
  }

  async getManifest(ref: Reference, tagOrDigest: string, signal?: AbortSignal): Promise<{ body: Buffer; mediaType: string }> {
    const r = await this.send(ref.domain, pullScope(ref), 'GET', `/v2/${ref.path}/manifests/${tagOrDigest}`, { accept: MANIFEST_ACCEPT }, signal);
    const where = `${ref.domain}/${ref.path}:${tagOrDigest}`;
    if (r.statusCode === 404) throw new ManifestUnknown(shownRef(ref, tagOrDigest), registryErrorText(await drain(r)));
    if (r.statusCode !== 200) throw new RegistryError(`fetching manifest ${where}: registry answered ${r.statusCode}: ${await drain(r)}`, { status: r.statusCode >= 500 ? 502 : r.statusCode });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of r.body) {
      size += c.length;
      if (size > MANIFEST_MAX) { r.body.destroy(); throw new RegistryError(`manifest ${where} is larger than ${MANIFEST_MAX} bytes`); }
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks);
    const ct = (header(r.headers, 'content-type') ?? '').split(';')[0].trim();
    let mediaType = ct;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string };
      if (parsed.mediaType) mediaType = parsed.mediaType;
    } catch {
      throw new RegistryError(`manifest ${where} is not valid json`);
    }
    return { body, mediaType };
  }

  /** Opens a blob stream; the caller verifies digest and size while reading. */
  async openBlob(ref: Reference, digest: string, signal?: AbortSignal): Promise<{ stream: Readable; length?: number }> {
    const r = await this.send(ref.domain, pullScope(ref), 'GET', `/v2/${ref.path}/blobs/${digest}`, {}, signal);
    if (r.statusCode === 404) throw new RegistryError(`fetching blob ${digest} of ${ref.domain}/${ref.path}: ${registryErrorText(await drain(r)) ?? 'blob unknown'}`, { status: 404 });
    if (r.statusCode !== 200) throw new RegistryError(`fetching blob ${digest} of ${ref.domain}/${ref.path}: registry answered ${r.statusCode}: ${await drain(r)}`);
    const len = Number(header(r.headers, 'content-length'));
    return { stream: r.body as unknown as Readable, length: Number.isFinite(len) ? len : undefined };
  }

  /** Whether the repository has the blob (push skips it: "Layer already exists"). */
  async hasBlob(ref: Reference, digest: string, signal?: AbortSignal): Promise<boolean> {
    const r = await this.send(ref.domain, pushScope(ref), 'HEAD', `/v2/${ref.path}/blobs/${digest}`, {}, signal);
    await drain(r);
    if (r.statusCode === 200) return true;
    if (r.statusCode === 404) return false;
    throw new RegistryError(`checking blob ${digest} of ${ref.domain}/${ref.path}: registry answered ${r.statusCode}`, { status: 502 });
  }

  /** Monolithic upload: POST an upload session, then PUT the whole blob to its location with ?digest=. */
  async uploadBlob(ref: Reference, digest: string, size: number, body: Body, signal?: AbortSignal): Promise<void> {
    const where = `${ref.domain}/${ref.path}`;
    const start = await this.send(ref.domain, pushScope(ref), 'POST', `/v2/${ref.path}/blobs/uploads/`, { 'content-length': '0' }, signal);
    const startText = await drain(start);
    if (start.statusCode !== 202) throw this.pushError(`starting the upload of ${digest} to ${where}`, start.statusCode, startText, ref.domain);
    const location = header(start.headers, 'location');
    if (!location) throw new RegistryError(`starting the upload of ${digest} to ${where}: registry gave no upload location`, { status: 502 });
    const url = new URL(location, registryBaseUrl(ref.domain, this.opts.insecure));
    url.searchParams.set('digest', digest);
    const put = await this.send(ref.domain, pushScope(ref), 'PUT', url.href,
      { 'content-type': 'application/octet-stream', 'content-length': String(size) }, signal, body);
    const putText = await drain(put);
    if (put.statusCode !== 201) throw this.pushError(`uploading ${digest} to ${where}`, put.statusCode, putText, ref.domain);
  }

  /** PUT /v2/<name>/manifests/<tag>. */
  async putManifest(ref: Reference, tag: string, mediaType: string, body: Buffer, signal?: AbortSignal): Promise<void> {
    const r = await this.send(ref.domain, pushScope(ref), 'PUT', `/v2/${ref.path}/manifests/${tag}`,
      { 'content-type': mediaType, 'content-length': String(body.length) }, signal, body);
    const text = await drain(r);
    if (r.statusCode !== 201) throw this.pushError(`pushing the manifest of ${familiarName(ref)}:${tag}`, r.statusCode, text, ref.domain);
  }

  private pushError(what: string, status: number, text: string, domain: string): MinidockError {
    if (status === 401 || status === 403) return new Unauthorized(domain, `${what}: ${registryErrorText(text) ?? 'access denied'}`);
    return new RegistryError(`${what}: ${registryErrorText(text) ?? `registry answered ${status}: ${text}`}`, { status: 502 });
  }

  /** Checks that the registry accepts the configured credentials (docker login): GET /v2/ with the auth dance. */
  async checkLogin(domain: string, signal?: AbortSignal): Promise<void> {
    const r = await this.send(domain, undefined, 'GET', '/v2/', {}, signal);
    const text = await drain(r);
    if (r.statusCode !== 200) throw new RegistryError(`login to ${domain}: registry answered ${r.statusCode}: ${text}`);
  }

  /** Sends one request with auth retries and redirect following. */
  private async send(domain: string, scope: string | undefined, method: Method, pathAndQuery: string, headers: Record<string, string>, signal?: AbortSignal, body?: Body): Promise<Resp> {
    const base = registryBaseUrl(domain, this.opts.insecure);
    const creds = this.opts.credentials?.(domain);
    // a token belongs to the identity that obtained it
    const who = creds ? createHash('sha256').update(`${creds.username}\0${creds.password}`).digest('hex') : 'anonymous';
    const key = `${domain}|${scope ?? ''}|${who}`;
    const authHeader = (): string | undefined => {
      const t = this.tokens.get(key);
      if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
      if (creds && this.basic.has(domain)) return basicHeader(creds);
      return undefined;
    };
    const registryOrigin = new URL(base).origin;
    let r = await this.follow(method, new URL(pathAndQuery, base), headers, authHeader(), signal, body, registryOrigin);
    if (r.statusCode !== 401) return r;
    const www = header(r.headers, 'www-authenticate') ?? '';
    await drain(r);
    const challenges = parseChallenges(www);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      this.tokens.set(key, await this.fetchToken(domain, bearer, scope ? [scope] : [], creds, signal));
    } else if (challenges.some((c) => c.scheme === 'basic')) {
      if (!creds) throw new Unauthorized(domain, 'authentication required');
      this.basic.add(domain);
    } else {
      throw new Unauthorized(domain, `unsupported authentication challenge ${JSON.stringify(www)}`);
    }
    r = await this.follow(method, new URL(pathAndQuery, base), headers, authHeader(), signal, body, registryOrigin);
    if (r.statusCode === 401) {
      await drain(r);
      throw new Unauthorized(domain, creds ? 'incorrect username or password' : 'authentication required');
    }
    return r;
  }

  private async fetchToken(domain: string, ch: Challenge, scopes: string[], creds: Credentials | undefined, signal?: AbortSignal) {
    let url: URL;
    try { url = tokenUrl(ch, scopes); } catch (err) { throw new Unauthorized(domain, `bad bearer challenge: ${(err as Error).message}`); }
    const r = await this.follow('GET', url, { accept: 'application/json' }, creds ? basicHeader(creds) : undefined, signal);
    if (r.statusCode === 401 || r.statusCode === 403) { await drain(r); throw new Unauthorized(domain, creds ? 'incorrect username or password' : 'token server refused anonymous access'); }
    if (r.statusCode !== 200) throw new RegistryError(`token server ${url.origin} answered ${r.statusCode}: ${await drain(r)}`);
    try {
      return parseTokenResponse(await r.body.json());
    } catch (err) {
      throw new RegistryError(`token server ${url.origin}: ${(err as Error).message}`);
    }
  }

  /** Follows 30x itself so credentials are dropped when a redirect leaves the registry host (S3/CDN blob URLs). */
  private async follow(method: Method, url: URL, headers: Record<string, string>, auth: string | undefined, signal?: AbortSignal,
    body?: Body, authOrigin = url.origin): Promise<Resp> {
    // credentials go only to the registry itself, never to an upload location or redirect elsewhere
    const origin = authOrigin;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const h: Record<string, string> = { ...headers, 'user-agent': 'minidock/0.1' };
      if (auth && url.origin === origin) h.authorization = auth;
      let r: Resp;
      try {
        const payload = typeof body === 'function' ? body() : body;
        r = await request(url, { method, headers: h, signal, headersTimeout: 30_000, bodyTimeout: 60_000, body: payload }) as Resp;
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new RegistryError(`cannot reach registry ${url.origin}: ${(err as Error).message}`, { cause: err });
      }
      if (body === undefined && [301, 302, 303, 307, 308].includes(r.statusCode)) {
        const loc = header(r.headers, 'location');
        await drain(r);
        if (!loc) throw new RegistryError(`redirect without location from ${url.href}`);
        url = new URL(loc, url);
        continue;
      }
      return r;
    }
    throw new RegistryError(`too many redirects fetching ${url.href}`);
  }
}
