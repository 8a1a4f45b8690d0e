// The engine: the one place the API calls. A facade over the operations, each in its own
// file (create, start, exits, stop, remove, attach-hub, container-net, logs, reconcile),
// sharing an EngineCore (records, locks, signals, events, services).
// Lifecycle: created → running → exited (→ running again) and → removing → gone.
// Operations that change a container are serialised by its lock; the exit watcher takes the
// same lock, so an exit is recorded only after start has saved "running".
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Paths } from '../state/paths.js';
import type { CreateContainerBody, UpdateBody } from '../wire/api-types.js';
import { EngineCore } from './core.js';
import { AttachHub } from './attach-hub.js';
import { createContainer } from './create.js';
import { startContainer } from './start.js';
import { killContainer, restartContainer, stopContainer, waitContainer, type WaitCondition, type WaitResult } from './stop.js';
import { removeContainer } from './remove.js';
import { connectNetwork, disconnectNetwork, networkEndpoints } from './container-net.js';
import { reconcile } from './reconcile.js';
import { volumeUsers } from './mounts.js';
import { createVolume, listVolumes, pruneVolumes, removeVolume } from './volumes.js';
import type { VolumeCreateOptions } from '../volume/index.js';
import { containerLogs, type ContainerLogsOptions } from './logs.js';
import { containerSummary, inspectContainer } from './inspect.js';
import { filterContainers, labelMatches, parseContainerFilters, parseFilters } from './container-filters.js';
import { sinceParam } from '../wire/since.js';
import { sinceToNs } from '../runtime/logs.js';
import { processSpec } from './process-spec.js';
import { containerSecurity } from './security.js';
import { notRunning } from './record.js';
import { createHash } from 'node:crypto';
import { pauseContainer, unpauseContainer } from './pause.js';
import { commitContainer, type CommitQuery } from './images.js';
import { updateContainer } from './update.js';
import { containerStats } from './stats.js';
import { containerTop } from './top.js';
import { cgroupOf } from './resources.js';
import type { EngineEvent, EventQuery, EventType } from './events.js';
import type { AttachStreamLike, ContainerStats, ExecProcessLike, ProcessSecurity, Services } from './services.js';

export type { WaitCondition, WaitResult };

/** Bytes of the regular files under `dir` (a container's writable layer), links not followed. */
async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []); // no writable layer yet: nothing to reclaim
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += (await fs.lstat(p)).size;
  }
  return total;
}

export interface EngineOptions { log?: (line: string) => void }

export class Engine {
  private readonly core: EngineCore;
  private readonly hub: AttachHub;

  constructor(readonly paths: Paths, readonly services: Services, opts: EngineOptions = {}) {
    this.core = new EngineCore(paths, services, opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)));
    this.hub = new AttachHub(this.core);
    this.core.startFn = (id) => this.start(id);
    services.volumes.setInUse((name) => volumeUsers(this.core, name));
  }

  /** Settles the records against what runs (after an engine restart). */
  async init(): Promise<void> {
    const { swept, warnings } = await this.services.volumes.init();
    for (const line of [...swept.map((p) => `volumes: removed ${p} (an unfinished create or remove)`), ...warnings]) this.core.log(line);
    await reconcile(this.core);
  }

  createVolume(req: VolumeCreateOptions) { return createVolume(this.core, req); }
  listVolumes(filters: Parameters<typeof listVolumes>[1]) { return listVolumes(this.core, filters); }
  inspectVolume(name: string) { return this.services.volumes.inspect(name); }
  removeVolume(name: string, force = false) { return removeVolume(this.core, name, force); }
  pruneVolumes(filters: Parameters<typeof pruneVolumes>[1]) { return pruneVolumes(this.core, filters); }

  create(body: CreateContainerBody, name?: string) { return createContainer(this.core, body, name); }
  start(ref: string) { return startContainer(this.core, this.hub, ref); }
  kill(ref: string, signal?: string) { return killContainer(this.core, ref, signal); }
  stop(ref: string, timeoutSec?: number) { return stopContainer(this.core, ref, timeoutSec); }
  restart(ref: string, timeoutSec?: number) { return restartContainer(this.core, ref, (id) => this.start(id), timeoutSec); }
  wait(ref: string, condition?: WaitCondition, signal?: AbortSignal) { return waitContainer(this.core, ref, condition, signal); }
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }) { return removeContainer(this.core, ref, opts); }
  pause(ref: string) { return pauseContainer(this.core, ref); }
  unpause(ref: string) { return unpauseContainer(this.core, ref); }
  commit(q: CommitQuery) { return commitContainer(this.core, q, { pause: (id) => this.pause(id), unpause: (id) => this.unpause(id) }); }
  update(ref: string, body: UpdateBody) { return updateContainer(this.core, ref, body); }
  /** One stats sample; pass the previous one of a stream for precpu_stats. */
  stats(ref: string, prev?: ContainerStats) { return containerStats(this.core, ref, prev); }
  top(ref: string) { return containerTop(this.core, ref); }

  list(all: boolean) {
    return this.core.store.all()
      .filter((r) => all || r.State.Status === 'running')
      .sort((a, b) => b.Created.localeCompare(a.Created))
      .map(containerSummary);
  }

  /** GET /containers/json with dockerd's `filters` (a status or exited filter implies all, as in docker). */
  async query(all: boolean, rawFilters: string | null): Promise<ReturnType<typeof containerSummary>[]> {
    const f = parseContainerFilters(rawFilters);
    const ancestorIds = new Map<string, string[]>();
    for (const a of f.ancestor ?? []) {
      // an ancestor the engine does not have matches by name only (dockerd does the same)
      const img = await this.services.images.get(a).catch(() => undefined);
      ancestorIds.set(a, img ? [img.id] : []);
    }
    const store = this.core.store;
    const wide = all || !!f.status || !!f.exited;
    return filterContainers(store.all().filter((r) => wide || r.State.Status === 'running'), f, (ref) => store.find(ref), (a) => ancestorIds.get(a) ?? [])
      .sort((a, b) => b.Created.localeCompare(a.Created))
      .map(containerSummary);
  }

  inspect(ref: string) {
    const rec = this.core.store.find(ref);
    return inspectContainer(rec, this.core.etcPaths(rec.Id), (n) => this.services.volumes.dataDir(n));
  }

  /** POST /containers/prune: every stopped container passing `label`/`label!`/`until`, as dockerd. */
  async prune(rawFilters: string | null): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const f = parseFilters(rawFilters, ['label', 'label!', 'until']);
    const until = f.until?.map((u) => Number(sinceToNs(sinceParam(u, Date.now())) / 1_000_000n));
    const gone: string[] = [];
    let reclaimed = 0;
    for (const r of this.core.store.all()) {
      if (r.State.Status !== 'exited' && r.State.Status !== 'created') continue;
      const labels = r.Config.Labels ?? {};
      if (f.label && !f.label.every((l) => labelMatches(labels, l))) continue;
      if (f['label!'] && f['label!'].some((l) => labelMatches(labels, l))) continue;
      if (until && !until.every((t) => Date.parse(r.Created) < t)) continue;
      const size = await treeSize(path.join(this.core.store.dir(r.Id), 'upper'));
      await this.remove(r.Id);
      gone.push(r.Id);
      reclaimed += size;
    }
    this.core.emitOther('container', 'prune', '', { reclaimed: String(reclaimed) });
    return { ContainersDeleted: gone, SpaceReclaimed: reclaimed };
  }

  /** The full id of a container reference; throws docker's 404 when there is none. */
  resolve(ref: string): string { return this.core.store.find(ref).Id; }

  /** What an attach client needs to know of the container's stdio. */
  stdio(ref: string): { id: string; tty: boolean; openStdin: boolean; stdinOnce: boolean } {
    const rec = this.core.store.find(ref);
    return { id: rec.Id, tty: !!rec.Config.Tty, openStdin: !!rec.Config.OpenStdin, stdinOnce: !!rec.Config.StdinOnce };
  }

  attach(ref: string): Promise<AttachStreamLike> { return this.hub.attach(ref); }
  detach(id: string, s: AttachStreamLike): void { this.hub.detach(id, s); }
  resize(ref: string, rows: number, cols: number): Promise<void> { return this.hub.resize(ref, rows, cols); }
  logs(ref: string, opts: ContainerLogsOptions) { return containerLogs(this.core, ref, opts); }

  connectNetwork(net: string, ref: string, cfg: { ip?: string; aliases?: string[] }) { return connectNetwork(this.core, net, ref, cfg); }
  disconnectNetwork(net: string, ref: string) { return disconnectNetwork(this.core, net, ref); }
  networkEndpoints(name: string) { return networkEndpoints(this.core, name); }

  /** Image ids used by any container (rmi refuses them without -f). */
  imageInUse(id: string): boolean {
    return this.core.store.all().some((r) => r.Image === id);
  }

  isRunning(containerId: string): boolean {
    return this.core.store.maybe(containerId)?.State.Status === 'running';
  }

  /** Runs a process in a running container (the exec manager's start). */
  async execProcess(ref: string, o: { cmd: string[]; env: string[]; workingDir: string; user: string; tty: boolean }): Promise<ExecProcessLike> {
    const rec = this.core.store.find(ref);
    if (rec.State.Status !== 'running') throw notRunning(rec);
    // docker: an exec has its container's capabilities, no_new_privs and seccomp filter
    const { capabilities, noNewPrivileges, seccomp } = await containerSecurity(rec.HostConfig);
    const security: ProcessSecurity = { capabilities, noNewPrivileges, seccomp };
    const { images, runtime } = this.services;
    const image = await images.get(rec.Image);
    const spec = await processSpec(runtime, images.layerDirs(image), image.config, {
      args: o.cmd, env: [...rec.Config.Env, ...o.env], workingDir: o.workingDir || rec.Config.WorkingDir,
      user: o.user || rec.Config.User, hostname: rec.Config.Hostname, tty: o.tty,
    }, security);
    const proc = await runtime.exec(rec.Id, rec.State.Pid, spec);
    // An exec joins the container's namespaces through setns, not its cgroup: it is moved in
    // here, once the shim reports it started. Its limits and stats apply from then on; a child
    // it forks in the instant before the move stays outside (the exec shim would have to hold
    // the process before exec, as the container's shim does, to close that window).
    try {
      await (await cgroupOf(this.core, rec)).addProcess(proc.pid);
    } catch (err) {
      // deliberate: an exec that already exited cannot be moved; anything else is logged
      this.core.log(`exec ${proc.pid} of ${rec.Id} not moved into its cgroup: ${(err as Error).message}`);
    }
    return proc;
  }

  /** Containers by state (GET /info). */
  counts(): { total: number; running: number; paused: number } {
    const all = this.core.store.all();
    const live = all.filter((r) => r.State.Status === 'running');
    // docker counts a paused container as paused, not running
    const paused = live.filter((r) => r.State.Paused).length;
    return { total: all.length, running: live.length - paused, paused };
  }

  /** A stable id of this engine's state (dockerd's ID in /info): derived from its root path. */
  engineId(): string {
    return createHash('sha256').update(this.paths.root).digest('hex').slice(0, 36).toUpperCase().replace(/(.{4})(?!$)/g, '$1:');
  }

  /** Records an event the engine did not raise itself (images and networks, changed through their services). */
  recordEvent(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    this.core.emitOther(type, action, id, attributes);
  }

  /** The engine's event stream (GET /events). */
  events(q: EventQuery, onEvent: (ev: EngineEvent) => void, onEnd?: () => void): () => void {
    return this.core.events.subscribe(q, onEvent, onEnd);
  }
}
