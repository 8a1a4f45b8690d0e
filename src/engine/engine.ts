// The engine: the one place the API calls. A facade over the operations, each in its own
// file (create, start, exits, stop, remove, attach-hub, container-net, logs, reconcile),
// sharing an EngineCore (records, locks, signals, events, services).
// Lifecycle: created → running → exited (→ running again) and → removing → gone.
// Operations that change a container are serialised by its lock; the exit watcher takes the
// same lock, so an exit is recorded only after start has saved "running".
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
import { containerLogs, type ContainerLogsOptions } from './logs.js';
import { containerSummary, inspectContainer } from './inspect.js';
import { processSpec } from './process-spec.js';
import { containerSecurity } from './security.js';
import { notRunning } from './record.js';
import { pauseContainer, unpauseContainer } from './pause.js';
import { updateContainer } from './update.js';
import { containerStats } from './stats.js';
import { containerTop } from './top.js';
import { cgroupOf } from './resources.js';
import type { EngineEvent, EventQuery } from './events.js';
import type { AttachStreamLike, ContainerStats, ExecProcessLike, ProcessSecurity, Services } from './services.js';

export type { WaitCondition, WaitResult };

export interface EngineOptions { log?: (line: string) => void }

export class Engine {
  private readonly core: EngineCore;
  private readonly hub: AttachHub;

  constructor(readonly paths: Paths, readonly services: Services, opts: EngineOptions = {}) {
    this.core = new EngineCore(paths, services, opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)));
    this.hub = new AttachHub(this.core);
  }

  /** Settles the records against what runs (after an engine restart). */
  init(): Promise<void> { return reconcile(this.core); }

  create(body: CreateContainerBody, name?: string) { return createContainer(this.core, body, name); }
  start(ref: string) { return startContainer(this.core, this.hub, ref); }
  kill(ref: string, signal?: string) { return killContainer(this.core, ref, signal); }
  stop(ref: string, timeoutSec?: number) { return stopContainer(this.core, ref, timeoutSec); }
  restart(ref: string, timeoutSec?: number) { return restartContainer(this.core, ref, (id) => this.start(id), timeoutSec); }
  wait(ref: string, condition?: WaitCondition, signal?: AbortSignal) { return waitContainer(this.core, ref, condition, signal); }
  remove(ref: string, opts?: { force?: boolean }) { return removeContainer(this.core, ref, opts); }
  pause(ref: string) { return pauseContainer(this.core, ref); }
  unpause(ref: string) { return unpauseContainer(this.core, ref); }
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

  inspect(ref: string) {
    const rec = this.core.store.find(ref);
    return inspectContainer(rec, this.core.etcPaths(rec.Id));
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

  /** The engine's event stream (GET /events). */
  events(q: EventQuery, onEvent: (ev: EngineEvent) => void, onEnd?: () => void): () => void {
    return this.core.events.subscribe(q, onEvent, onEnd);
  }
}
