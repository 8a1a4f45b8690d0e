// The engine: the one place the API calls. A facade over the operations, each in its own
// file (create, start, exits, stop, remove, attach-hub, container-net, logs, reconcile),
// sharing an EngineCore (records, locks, signals, events, services).
// Lifecycle: created → running → exited (→ running again) and → removing → gone.
// Operations that change a container are serialised by its lock; the exit watcher takes the
// same lock, so an exit is recorded only after start has saved "running".
import type { Paths } from '../state/paths.js';
import type { CreateContainerBody, UpdateBody } from '../wire/api-types.js';
import { EngineCore } from './core.js';
import { ImageNotFound, InvalidReference, MinidockError } from '../errors.js';
import { AttachHub } from './attach-hub.js';
import { createContainer } from './create.js';
import { startContainer } from './start.js';
import { killContainer, restartContainer, stopContainer, waitContainer, type WaitCondition, type WaitResult } from './stop.js';
import { removeContainer } from './remove.js';
import { createPod, inspectPod, listPods, removePod, startInPod, startPod, stopPod } from './pods.js';
import type { PodCreateRequest } from '../wire/pods.js';
import { connectNetwork, disconnectNetwork, networkEndpoints } from './container-net.js';
import { renameContainer } from './rename.js';
import { systemDf } from './system-df.js';
import { pruneContainers, pruneImages, pruneNetworks } from './prune.js';
import { reconcile } from './reconcile.js';
import { Policies } from './policies.js';
import { volumeUsers } from './mounts.js';
import { createVolume, listVolumes, pruneVolumes, removeVolume } from './volumes.js';
import type { VolumeCreateOptions } from '../volume/index.js';
import { containerLogs, type ContainerLogsOptions } from './logs.js';
import { containerSummary, inspectContainer } from './inspect.js';
import { filterContainers, parseContainerFilters } from './container-filters.js';
import { assertExecTarget, execProcess, type ExecOptions } from './exec-process.js';
import { createHash } from 'node:crypto';
import { pauseContainer, unpauseContainer } from './pause.js';
import { updateContainer, updateLabels } from './update.js';
import { commitContainer, type CommitQuery } from './images.js';
import { containerStats } from './stats.js';
import { containerTop } from './top.js';
import { archiveOf, extractInto, extractionDir, statIn, withContainerTree, type ExtractOptions } from './archive.js';
import { containerChanges, exportContainer } from './changes.js';
import type { PathStat } from '../wire/path-stat.js';
import type { Readable } from 'node:stream';
import type { EngineEvent, EventQuery, EventType } from './events.js';
import type { AttachStreamLike, ContainerStats, ExecProcessLike, Services } from './services.js';

export type { WaitCondition, WaitResult };

export interface EngineOptions { log?: (line: string) => void }

export class Engine {
  private readonly core: EngineCore;
  private readonly hub: AttachHub;
  private readonly policies: Policies;

  constructor(readonly paths: Paths, readonly services: Services, opts: EngineOptions = {}) {
    this.core = new EngineCore(paths, services, opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)));
    this.hub = new AttachHub(this.core);
    this.core.startFn = (id) => this.start(id);
    services.volumes.setInUse((name) => volumeUsers(this.core, name));
    this.policies = new Policies(this.core);
  }

  /** Settles the records against what runs (after an engine restart). */
  async init(): Promise<void> {
    const { swept, warnings } = await this.services.volumes.init();
    for (const line of [...swept.map((p) => `volumes: removed ${p} (an unfinished create or remove)`), ...warnings]) this.core.log(line);
    await this.policies.load();
    await reconcile(this.core);
  }

  applyPolicies(docs: unknown[]) { return this.policies.apply(docs); }
  listPolicies() { return this.policies.ls(); }
  inspectPolicy(ref: string) { return this.policies.inspect(ref); }
  removePolicy(ref: string) { return this.policies.remove(ref); }
  updateLabels(ref: string, labels: Record<string, string>) { return updateLabels(this.core, ref, labels); }

  createVolume(req: VolumeCreateOptions) { return createVolume(this.core, req); }
  listVolumes(filters: Parameters<typeof listVolumes>[1]) { return listVolumes(this.core, filters); }
  inspectVolume(name: string) { return this.services.volumes.inspect(name); }
  removeVolume(name: string, force = false) { return removeVolume(this.core, name, force); }
  pruneVolumes(filters: Parameters<typeof pruneVolumes>[1]) { return pruneVolumes(this.core, filters); }

  createPod(req: PodCreateRequest) { return createPod(this.core, req); }
  listPods() { return listPods(this.core); }
  inspectPod(ref: string) { return inspectPod(this.core, ref); }
  startPod(ref: string) { return startPod(this.core, ref, (id) => startContainer(this.core, this.hub, id)); }
  stopPod(ref: string, timeoutSec?: number) { return stopPod(this.core, ref, timeoutSec); }
  removePod(ref: string, force = false) { return removePod(this.core, ref, force); }

  create(body: CreateContainerBody, name?: string) { return createContainer(this.core, body, name); }
  start(ref: string) { return startInPod(this.core, ref, (id) => startContainer(this.core, this.hub, id)); }
  kill(ref: string, signal?: string) { return killContainer(this.core, ref, signal); }
  stop(ref: string, timeoutSec?: number) { return stopContainer(this.core, ref, timeoutSec); }
  restart(ref: string, timeoutSec?: number) { return restartContainer(this.core, ref, (id) => this.start(id), timeoutSec); }
  wait(ref: string, condition?: WaitCondition, signal?: AbortSignal) { return waitContainer(this.core, ref, condition, signal); }
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }) { return removeContainer(this.core, ref, opts); }
  pause(ref: string) { return pauseContainer(this.core, ref); }
  /** HEAD /containers/{id}/archive: the path's stat. */
  archiveStat(ref: string, p: string): Promise<PathStat> {
    return withContainerTree(this.core, ref, async (tree) => statIn(tree, p, ref).stat);
  }
  /** GET /containers/{id}/archive: `sink` gets the stat and the tar, and resolves once it has sent it (the container stays frozen until then). */
  archiveGet(ref: string, p: string, sink: (stat: PathStat, tarStream: Readable) => Promise<void>): Promise<void> {
    return archiveOf(this.core, ref, p, sink);
  }
  /** PUT /containers/{id}/archive: extracts `input` into the directory at `p`. */
  archivePut(ref: string, p: string, input: Readable, opts: ExtractOptions): Promise<void> {
    return withContainerTree(this.core, ref, async (tree, rec, ids) => {
      const dir = extractionDir(tree, rec, p, ref);
      try {
        await extractInto(tree, ids, dir, input, opts);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EROFS') throw new MinidockError('InvalidArgument', `read-only file system at ${p}`, { status: 403, cause: err });
        throw err;
      }
    });
  }
  changes(ref: string) { return containerChanges(this.core, ref); }
  export(ref: string) { return exportContainer(this.core, ref); }
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
      // an ancestor the engine does not have (or cannot parse) matches by name only, as dockerd
      const img = await this.services.images.get(a).catch((err: unknown) => {
        if (err instanceof ImageNotFound || err instanceof InvalidReference) return undefined;
        throw err;
      });
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

  /** POST /containers/prune, /images/prune, /networks/prune (engine/prune.ts). */
  prune(rawFilters: string | null) { return pruneContainers(this.core, rawFilters); }
  pruneImages(rawFilters: string | null) { return pruneImages(this.core, rawFilters); }
  pruneNetworks(rawFilters: string | null) { return pruneNetworks(this.core, rawFilters); }

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
  rename(ref: string, name: string) { return renameContainer(this.core, ref, name); }
  diskUsage() { return systemDf(this.core); }
  /** Refuses an exec in a container that has nothing to exec in (a pod's holder), before any stream. */
  assertExecTarget(id: string): void { assertExecTarget(this.core.store.find(id)); }
  networkEndpoints(name: string) { return networkEndpoints(this.core, name); }

  /** Image ids used by any container (rmi refuses them without -f). */
  imageInUse(id: string): boolean {
    return this.core.store.all().some((r) => r.Image === id);
  }

  isRunning(containerId: string): boolean {
    return this.core.store.maybe(containerId)?.State.Status === 'running';
  }

  /** Runs a process in a running container (the exec manager's start). */
  execProcess(ref: string, o: ExecOptions): Promise<ExecProcessLike> { return execProcess(this.core, ref, o); }

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
