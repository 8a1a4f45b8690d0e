// Typed client for the engine API over the unix socket. Requests whose answer is read whole,
// and the attach/exec hijack, go through http1.ts (node:net alone: no HTTP library at a CLI's
// start); streamed answers and request bodies (logs, events, pull, archives) through node:http,
// loaded only by the commands that stream.
import type http from 'node:http';
import { send, upgrade, type Answer } from './http1.js';
import type { Socket } from 'node:net';
import { EngineUnavailable, fromErrorBody, MinidockError } from '../errors.js';
import { FROM_DAEMON } from './daemon-mark.js';
import type { CreateContainerBody, ExecCreateBody, NetworkCreateBody, UpdateBody, VolumeInfo } from '../wire/api-types.js';
import type { ContainerStats } from '../wire/stats.js';
import type { SystemDfBody } from '../wire/api-types.js';
import type { PolicyApplyResult, PolicyDetail, PolicySummary } from '../wire/policies.js';
import type { PodCreateRequest, PodInspect, PodSummary } from '../wire/pods.js';
import type { Readable } from 'node:stream';
import { decodePathStat, PATH_STAT_HEADER, type PathStat } from '../wire/path-stat.js';

/** A filters map as the API's `filters` query value (nothing when empty). */
const filterQuery = (filters?: Record<string, string[]>) => (filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined);

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface PullProgress { status?: string; id?: string; progressDetail?: { current?: number; total?: number }; error?: string; code?: string; exitCode?: number }

function buildPath(path: string, query?: RequestOptions['query']): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The objects of a newline-delimited JSON stream (pull progress, events). */
async function* jsonLines<T>(res: AsyncIterable<unknown>): AsyncGenerator<T> {
  let buf = '';
  for await (const chunk of res) {
    buf += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as T;
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** node:http, for the streaming paths only. */
const loadHttp = async () => (await import('node:http')).default;

async function errorFrom(res: http.IncomingMessage): Promise<MinidockError> {
  return errorFromText(res.statusCode ?? 500, await readAll(res));
}

async function answerError(answer: Answer): Promise<MinidockError> {
  return errorFromText(answer.status, (await answer.body()).toString('utf8'));
}

function errorFromText(status: number, text: string): MinidockError {
  let body: { message?: string; code?: string; exitCode?: number } = {};
  try { body = JSON.parse(text); } catch { body = { message: text.trim() || `engine answered ${status}` }; }
  return markDaemon(fromErrorBody(status, body as never));
}

/** Errors rebuilt from an engine answer carry this mark so the CLI can word them like docker. */
export function markDaemon(err: MinidockError): MinidockError {
  (err as unknown as Record<symbol, boolean>)[FROM_DAEMON] = true;
  return err;
}

export class EngineClient {
  /**
   * `onUnavailable` is called once when the socket is absent or refuses (e.g. to start the
   * engine); the request is then retried. Saves a ping round trip on every CLI command.
   */
  constructor(readonly socketPath: string, private onUnavailable?: () => Promise<void>) {}

  private async retrying<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      const hook = this.onUnavailable;
      if (!(err instanceof EngineUnavailable) || !hook) throw err;
      this.onUnavailable = undefined;
      await hook();
      return send();
    }
  }

  /** Sends a request; resolves with the response once headers arrive (status checked). */
  raw(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    return this.retrying(() => this.rawOnce(method, path, opts));
  }

  private async rawOnce(method: string, path: string, opts: RequestOptions): Promise<http.IncomingMessage> {
    const http = await loadHttp();
    return new Promise((resolve, reject) => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const req = http.request({
        socketPath: this.socketPath, method, path: buildPath(path, opts.query), agent: false,
        headers: { ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}), ...opts.headers },
      }, (res) => {
        if ((res.statusCode ?? 500) >= 400) errorFrom(res).then(reject, reject);
        else resolve(res);
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      req.end(payload);
    });
  }

  private connectError(err: NodeJS.ErrnoException): Error {
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') return new EngineUnavailable(this.socketPath, err.code === 'ENOENT' ? 'no such socket' : 'connection refused');
    if (err.code === 'EACCES') return new EngineUnavailable(this.socketPath, 'permission denied');
    return err;
  }

  /** A request whose answer is read whole (no streaming); resolves once its head has arrived, status checked. */
  private answer(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    return this.retrying(async () => {
      const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers = { ...(payload ? { 'Content-Type': 'application/json' } : {}), ...opts.headers };
      const answer = await send(this.socketPath, method, buildPath(path, opts.query), headers, payload)
        .catch((err: NodeJS.ErrnoException) => { throw this.connectError(err); });
      if (answer.status >= 400) throw await answerError(answer);
      return answer;
    });
  }

  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const text = (await (await this.answer(method, path, opts)).body()).toString('utf8');
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** docker's hijack: POST with Connection: Upgrade, Upgrade: tcp; returns the raw socket after 101. */
  hijack(path: string, opts: RequestOptions = {}): Promise<{ socket: Socket; head: Buffer }> {
    return this.retrying(() => this.hijackOnce(path, opts));
  }

  private async hijackOnce(path: string, opts: RequestOptions): Promise<{ socket: Socket; head: Buffer }> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const got = await upgrade(this.socketPath, buildPath(path, opts.query), payload ? { 'Content-Type': 'application/json' } : {}, payload)
      .catch((err: NodeJS.ErrnoException) => { throw this.connectError(err); });
    if (got.upgraded) return { socket: got.socket, head: got.head };
    if (got.answer.status >= 400) throw await answerError(got.answer);
    throw new MinidockError('Internal', `engine did not upgrade ${path} (status ${got.answer.status})`);
  }

  /** POST /images/{name}/push: `name` as NAME[:TAG]; progress per JSON line, an error line is thrown. */
  async push(name: string, onProgress: (p: PullProgress) => void, auth?: { username: string; password: string }): Promise<void> {
    const m = /^(.*?)(?::([^:/]+))?$/.exec(name)!;
    // dockerd wants the header even when it is empty (anonymous push)
    const headers: Record<string, string> = { 'X-Registry-Auth': Buffer.from(JSON.stringify(auth ?? {})).toString('base64') };
    const res = await this.raw('POST', `/images/${m[1]}/push`, { query: { tag: m[2] }, headers });
    let failure: MinidockError | undefined;
    for await (const p of jsonLines<PullProgress & { status?: number; aux?: unknown }>(res)) {
      if (p.error) failure = markDaemon(fromErrorBody(p.status ?? 500, { message: p.error, code: p.code as never, exitCode: p.exitCode }));
      else if (!p.aux) onProgress(p);
    }
    if (failure) throw failure;
  }
  /** POST /commit: `tag` as NAME[:TAG]; resolves the new image id. */
  async commit(container: string, o: { tag?: string; comment?: string; author?: string; pause: boolean; changes: string[] }): Promise<string> {
    const m = o.tag ? /^(.*?)(?::([^:/]+))?$/.exec(o.tag)! : undefined;
    const q = new URLSearchParams({ container, pause: o.pause ? '1' : '0' });
    if (m) { q.set('repo', m[1]!); if (m[2]) q.set('tag', m[2]); }
    if (o.comment) q.set('comment', o.comment);
    if (o.author) q.set('author', o.author);
    for (const c of o.changes) q.append('changes', c);
    return (await this.json<{ Id: string }>('POST', `/commit?${q.toString()}`)).Id;
  }
  history(name: string) {
    return this.json<{ Id: string; Created: number; CreatedBy: string; Tags: string[] | null; Size: number; Comment: string }[]>('GET', `/images/${name}/history`);
  }
  /** GET /images/get?names=...: the docker-archive as a stream. */
  async saveImages(names: string[]): Promise<http.IncomingMessage> {
    const q = new URLSearchParams();
    for (const n of names) q.append('names', n);
    return this.raw('GET', `/images/get?${q.toString()}`);
  }
  /** POST /images/load with the archive as the body; resolves the "Loaded image..." lines. */
  async loadImages(archive: NodeJS.ReadableStream): Promise<string[]> {
    const http = await loadHttp();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, method: 'POST', path: '/images/load?quiet=1', agent: false,
        headers: { 'Content-Type': 'application/x-tar' },
      }, (r) => {
        if ((r.statusCode ?? 500) >= 400) errorFrom(r).then(reject, reject);
        else resolve(r);
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      archive.on('error', (err) => req.destroy(err));
      archive.pipe(req);
    });
    const out: string[] = [];
    for await (const l of jsonLines<{ stream?: string; error?: string }>(res)) {
      if (l.error) throw markDaemon(fromErrorBody(500, { message: l.error }));
      if (l.stream) out.push(l.stream.replace(/\n$/, ''));
    }
    return out;
  }

  // ------------------------------------------------------------ system
  async ping(): Promise<void> { await (await this.answer('GET', '/_ping')).body(); }
  version() { return this.json<Record<string, unknown>>('GET', '/version'); }
  login(serveraddress: string, username: string, password: string) {
    return this.json<{ Status: string }>('POST', '/auth', { body: { username, password, serveraddress } });
  }

  // ------------------------------------------------------------ containers
  createContainer(body: CreateContainerBody, name?: string) {
    return this.json<{ Id: string; Warnings: string[] }>('POST', '/containers/create', { query: { name }, body });
  }
  async start(id: string): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/start`); }
  async stop(id: string, t?: number): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/stop`, { query: { t } }); }
  async restart(id: string, t?: number): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/restart`, { query: { t } }); }
  async rename(id: string, name: string): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/rename`, { query: { name } }); }
  async kill(id: string, signal?: string): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/kill`, { query: { signal } }); }
  async remove(id: string, force = false, volumes = false): Promise<void> { await this.json('DELETE', `/containers/${encodeURIComponent(id)}`, { query: { force: force || undefined, v: volumes || undefined } }); }
  async resize(id: string, h: number, w: number): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/resize`, { query: { h, w } }); }
  listContainers(all: boolean, filters?: Record<string, string[]>) {
    return this.json<ContainerListItem[]>('GET', '/containers/json', { query: { all: all || undefined, filters: filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined } });
  }
  /** One stats document (stream=false: dockerd samples twice, a second apart, for precpu_stats). */
  stats(id: string) { return this.json<ContainerStats>('GET', `/containers/${encodeURIComponent(id)}/stats`, { query: { stream: false } }); }
  top(id: string) { return this.json<{ Titles: string[]; Processes: string[][] }>('GET', `/containers/${encodeURIComponent(id)}/top`); }
  async pause(id: string): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/pause`); }
  async unpause(id: string): Promise<void> { await this.json('POST', `/containers/${encodeURIComponent(id)}/unpause`); }
  update(id: string, body: UpdateBody) { return this.json<{ Warnings: string[] | null }>('POST', `/containers/${encodeURIComponent(id)}/update`, { body }); }
  inspectContainer(id: string) { return this.json<Record<string, any>>('GET', `/containers/${encodeURIComponent(id)}/json`); }

  /**
   * Registers a wait; `registered` resolves once the engine has it (headers received), so a
   * following start cannot race the exit. `result` resolves with the exit status.
   */
  wait(id: string, condition?: 'not-running' | 'next-exit' | 'removed'): { registered: Promise<void>; result: Promise<{ StatusCode: number; Error?: { Message: string } }> } {
    const res = this.answer('POST', `/containers/${encodeURIComponent(id)}/wait`, { query: { condition } });
    const result = res.then(async (r) => {
      const text = (await r.body()).toString('utf8');
      if (!text) throw new MinidockError('Internal', `wait for ${id} ended without a status`);
      return JSON.parse(text) as { StatusCode: number; Error?: { Message: string } };
    });
    result.catch(() => undefined); // observed by the caller through `result`; this only keeps it from being unhandled
    return { registered: res.then(() => undefined), result };
  }

  attach(id: string, q: { stdin: boolean; stdout: boolean; stderr: boolean; detachKeys?: string; logs?: boolean }) {
    return this.hijack(`/containers/${encodeURIComponent(id)}/attach`, { query: { stream: true, stdin: q.stdin, stdout: q.stdout, stderr: q.stderr, detachKeys: q.detachKeys, logs: q.logs } });
  }

  logs(id: string, q: { follow?: boolean; tail?: string; timestamps?: boolean; since?: string; until?: string }) {
    return this.raw('GET', `/containers/${encodeURIComponent(id)}/logs`, { query: { stdout: true, stderr: true, follow: q.follow, tail: q.tail, timestamps: q.timestamps, since: q.since, until: q.until } });
  }

  /** HEAD /containers/{id}/archive: the stat of a path in the container. */
  async statPath(id: string, path: string): Promise<PathStat> {
    const res = await this.raw('HEAD', `/containers/${encodeURIComponent(id)}/archive`, { query: { path } });
    res.resume();
    return decodePathStat(res.headers[PATH_STAT_HEADER.toLowerCase()]);
  }
  /** GET /containers/{id}/archive: the path's stat and a tar of it. */
  async getArchive(id: string, path: string): Promise<{ stat: PathStat; tar: http.IncomingMessage }> {
    const res = await this.raw('GET', `/containers/${encodeURIComponent(id)}/archive`, { query: { path } });
    return { stat: decodePathStat(res.headers[PATH_STAT_HEADER.toLowerCase()]), tar: res };
  }
  /** PUT /containers/{id}/archive: extracts a tar stream into the directory at `path`. */
  putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<void> {
    return this.retrying(async () => {
      const http = await loadHttp();
      return new Promise<void>((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, method: 'PUT', agent: false,
        path: buildPath(`/containers/${encodeURIComponent(id)}/archive`, { path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir || undefined, copyUIDGID: opts.copyUIDGID || undefined }),
        headers: { 'Content-Type': 'application/x-tar' },
      }, (res) => {
        if ((res.statusCode ?? 500) >= 400) errorFrom(res).then(reject, reject);
        else { res.resume(); res.on('end', () => resolve()); }
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      tar.on('error', (err) => req.destroy(err));
      tar.pipe(req);
      });
    });
  }
  changes(id: string) { return this.json<{ Path: string; Kind: 0 | 1 | 2 }[] | null>('GET', `/containers/${encodeURIComponent(id)}/changes`); }
  exportContainer(id: string) { return this.raw('GET', `/containers/${encodeURIComponent(id)}/export`); }

  // ------------------------------------------------------------ exec
  execCreate(id: string, body: ExecCreateBody) { return this.json<{ Id: string }>('POST', `/containers/${encodeURIComponent(id)}/exec`, { body }); }
  execStartDetached(execId: string) { return this.json<void>('POST', `/exec/${execId}/start`, { body: { Detach: true } }); }
  execStart(execId: string, tty: boolean) { return this.hijack(`/exec/${execId}/start`, { body: { Detach: false, Tty: tty } }); }
  execInspect(execId: string) { return this.json<{ Running: boolean; ExitCode: number | null; Pid: number }>('GET', `/exec/${execId}/json`); }
  async execResize(execId: string, h: number, w: number): Promise<void> { await this.json('POST', `/exec/${execId}/resize`, { query: { h, w } }); }

  // ------------------------------------------------------------ images
  /** Pulls, calling onProgress per JSON line; an error line becomes a thrown MinidockError. */
  async pull(ref: string, onProgress: (p: PullProgress) => void, auth?: { username: string; password: string }): Promise<void> {
    const headers: Record<string, string> = {};
    if (auth) headers['X-Registry-Auth'] = Buffer.from(JSON.stringify(auth)).toString('base64');
    const res = await this.raw('POST', '/images/create', { query: { fromImage: ref }, headers });
    let failure: MinidockError | undefined;
    for await (const p of jsonLines<PullProgress & { status?: string | number }>(res)) {
      if (p.error) failure = markDaemon(fromErrorBody(404, { message: p.error, code: p.code as never, exitCode: p.exitCode }));
      else onProgress(p);
    }
    if (failure) throw failure;
  }

  // ------------------------------------------------------------ system
  info() { return this.json<Record<string, unknown>>('GET', '/info'); }
  systemDf() { return this.json<SystemDfBody>('GET', '/system/df'); }
  /** GET /events: since/until as docker's CLI sends them (unix seconds), filters as key → values. */
  async *events(q: { since?: string; until?: string; filters?: Record<string, string[]> }): AsyncGenerator<Record<string, unknown>> {
    const filters = q.filters && Object.keys(q.filters).length ? JSON.stringify(q.filters) : undefined;
    const res = await this.raw('GET', '/events', { query: { since: q.since, until: q.until, filters } });
    yield* jsonLines<Record<string, unknown>>(res);
  }
  /** POST /images/{name}/tag: `target` as NAME[:TAG]. */
  async tagImage(source: string, target: string): Promise<void> {
    const m = /^(.*?)(?::([^:/]+))?$/.exec(target)!;
    await this.json('POST', `/images/${source}/tag`, { query: { repo: m[1], tag: m[2] } });
  }
  listImages(filters?: Record<string, string[]>) { return this.json<{ Id: string; RepoTags: string[]; RepoDigests?: string[]; Created: number; Size: number; SharedSize?: number; Containers?: number; Labels?: Record<string, string> | null }[]>('GET', '/images/json', { query: { filters: filterQuery(filters) } }); }
  inspectImage(name: string) { return this.json<Record<string, unknown>>('GET', `/images/${name}/json`); }
  removeImage(name: string, force: boolean) { return this.json<({ Untagged: string } | { Deleted: string })[]>('DELETE', `/images/${name}`, { query: { force: force || undefined } }); }

  // ------------------------------------------------------------ networks
  listPods() { return this.json<PodSummary[]>('GET', '/minidock/pods'); }
  createPod(body: PodCreateRequest) { return this.json<{ Id: string }>('POST', '/minidock/pods/create', { body }); }
  inspectPod(ref: string) { return this.json<PodInspect>('GET', `/minidock/pods/${encodeURIComponent(ref)}`); }
  async startPod(ref: string): Promise<void> { await this.json('POST', `/minidock/pods/${encodeURIComponent(ref)}/start`); }
  async stopPod(ref: string, timeoutSec?: number): Promise<void> { await this.json('POST', `/minidock/pods/${encodeURIComponent(ref)}/stop`, { query: { t: timeoutSec } }); }
  async removePod(ref: string, force = false): Promise<void> { await this.json('DELETE', `/minidock/pods/${encodeURIComponent(ref)}`, { query: { force: force || undefined } }); }

  listNetworks(filters?: Record<string, string[]>) { return this.json<{ Id: string; Name: string; Driver: string; Scope: string; Created?: string; Internal?: boolean; EnableIPv6?: boolean; Labels?: Record<string, string> | null }[]>('GET', '/networks', { query: { filters: filterQuery(filters) } }); }
  inspectNetwork(id: string) { return this.json<Record<string, unknown>>('GET', `/networks/${encodeURIComponent(id)}`); }
  createNetwork(body: NetworkCreateBody) { return this.json<{ Id: string }>('POST', '/networks/create', { body }); }
  async removeNetwork(id: string): Promise<void> { await this.json('DELETE', `/networks/${encodeURIComponent(id)}`); }
  listVolumes(filters?: Record<string, string[]>) { return this.json<{ Volumes: VolumeInfo[]; Warnings: string[] }>('GET', '/volumes', { query: { filters: filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined } }); }
  inspectVolume(name: string) { return this.json<VolumeInfo>('GET', `/volumes/${encodeURIComponent(name)}`); }
  createVolume(body: { Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string> }) { return this.json<VolumeInfo>('POST', '/volumes/create', { body }); }
  async removeVolume(name: string, force = false): Promise<void> { await this.json('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: force || undefined } }); }
  pruneContainers(filters?: Record<string, string[]>) { return this.json<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/containers/prune', { query: { filters: filterQuery(filters) } }); }
  pruneImages(filters?: Record<string, string[]>) { return this.json<{ ImagesDeleted: ({ Untagged?: string; Deleted?: string })[] | null; SpaceReclaimed: number }>('POST', '/images/prune', { query: { filters: filterQuery(filters) } }); }
  pruneNetworks(filters?: Record<string, string[]>) { return this.json<{ NetworksDeleted: string[] | null }>('POST', '/networks/prune', { query: { filters: filterQuery(filters) } }); }
  pruneVolumes(filters?: Record<string, string[]>) { return this.json<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }>('POST', '/volumes/prune', { query: { filters: filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined } }); }
  async connectNetwork(net: string, container: string, ip?: string, aliases?: string[]): Promise<void> {
    await this.json('POST', `/networks/${encodeURIComponent(net)}/connect`, { body: { Container: container, EndpointConfig: { IPAMConfig: ip ? { IPv4Address: ip } : undefined, Aliases: aliases } } });
  }
  async disconnectNetwork(net: string, container: string, force = false): Promise<void> {
    await this.json('POST', `/networks/${encodeURIComponent(net)}/disconnect`, { body: { Container: container, Force: force } });
  }

  // ------------------------------------------------------------ network policies (minidock's own API)
  applyPolicies(documents: unknown[]) { return this.json<PolicyApplyResult[]>('POST', '/minidock/policies', { body: { Documents: documents } }); }
  listPolicies() { return this.json<PolicySummary[]>('GET', '/minidock/policies'); }
  /** `name` or `namespace/name`. */
  inspectPolicy(ref: string) { return this.json<PolicyDetail>('GET', policyPath(ref), { query: policyQuery(ref) }); }
  async removePolicy(ref: string): Promise<void> { await this.json('DELETE', policyPath(ref), { query: policyQuery(ref) }); }
  async updateLabels(id: string, labels: Record<string, string>): Promise<void> {
    await this.json('POST', `/minidock/containers/${encodeURIComponent(id)}/labels`, { body: { Labels: labels } });
  }
}

const policyPath = (ref: string) => `/minidock/policies/${encodeURIComponent(ref.slice(ref.lastIndexOf('/') + 1))}`;
const policyQuery = (ref: string) => (ref.includes('/') ? { namespace: ref.slice(0, ref.lastIndexOf('/')) } : {});

export interface ContainerListItem {
  Id: string; Names: string[]; Image: string; Command: string; Created: number; State: string; Status: string;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[];
}
