// What the engine's operations share: the record store, per-container locks, the internal
// exit/removal signals, the public event log, the services, and teardown that collects
// every failure. Operations (create.ts, start.ts, exits.ts, stop.ts, remove.ts, attach-hub.ts,
// container-net.ts, reconcile.ts) take an EngineCore; the Engine facade (engine.ts) owns one.
import { EventEmitter } from 'node:events';
import { TeardownError } from '../errors.js';
import { Mutex } from '../state/mutex.js';
import type { Paths } from '../state/paths.js';
import { ContainerStore } from './store.js';
import { PodStore } from './pod-store.js';
import { EventLog, type EventType } from './events.js';
import type { ContainerRecord } from './record.js';
import type { ContainerCgroup, Services } from './services.js';

export interface EtcPaths { root: string; log: string; hostname: string; hosts: string; resolv: string; exit: string }

export class EngineCore {
  readonly store: ContainerStore;
  readonly pods: PodStore;
  /** exit:<id> (code, error) and removed:<id> (code, error), for wait and run --rm. */
  readonly signals = new EventEmitter();
  readonly events = new EventLog();
  readonly nameLock = new Mutex();
  /** Resolves when a running container's exit has been recorded. */
  readonly exitDone = new Map<string, Promise<void>>();
  /** The cgroup of each running container (resources.ts creates, re-opens and destroys them). */
  readonly cgroups = new Map<string, ContainerCgroup>();
  private readonly locks = new Map<string, Mutex>();
  /** Restarts waiting for their back-off, and each container's last delay (restarts.ts). */
  readonly restarts = new Map<string, { timer?: NodeJS.Timeout; delayMs: number; skipNext?: boolean }>();
  /** Each running container's healthcheck loop (health.ts starts, resumes and stops them). */
  readonly health = new Map<string, { timer?: NodeJS.Timeout; probe?: AbortController }>();
  /** Starts a container as `start` does (set by the Engine; restarts.ts uses it). */
  startFn: (id: string) => Promise<void> = async () => { throw new Error('engine not wired'); };

  constructor(readonly paths: Paths, readonly services: Services, readonly log: (line: string) => void) {
    this.store = new ContainerStore(paths);
    this.pods = new PodStore(paths);
    this.signals.setMaxListeners(0);
  }

  lock(id: string): Mutex {
    let m = this.locks.get(id);
    if (!m) this.locks.set(id, (m = new Mutex()));
    return m;
  }

  forget(id: string): void { this.locks.delete(id); }

  /** Resolves when the running container's exit has been recorded (exits.ts sets exitDone). */
  async exited(id: string): Promise<void> { await this.exitDone.get(id); }

  etcPaths(id: string): EtcPaths {
    return {
      root: this.store.dir(id),
      log: this.store.file(id, 'stdio.log'),
      hostname: this.store.file(id, 'hostname'),
      hosts: this.store.file(id, 'hosts'),
      resolv: this.store.file(id, 'resolv.conf'),
      exit: this.store.file(id, 'exit.json'),
    };
  }

  /** A container event with docker's attributes (name, image, labels, and `extra`). */
  emit(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.events.emit('container', action, rec.Id, { ...(rec.Config.Labels ?? {}), image: rec.ImageRef, name: rec.Name.slice(1), ...extra });
  }

  emitOther(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    this.events.emit(type, action, id, attributes);
  }

  /**
   * Runs every step even when earlier ones fail; each failure is logged, and all of them are
   * thrown together as one TeardownError (none is dropped).
   */
  async teardown(what: string, steps: (() => Promise<unknown>)[]): Promise<void> {
    const errors: unknown[] = [];
    for (const step of steps) {
      try { await step(); } catch (err) { errors.push(err); }
    }
    if (!errors.length) return;
    const err = new TeardownError(what, errors);
    this.log(err.message);
    throw err;
  }

  /** teardown() for paths where the caller's own outcome must win (an exit, a failed start):
   * failures are logged, not thrown. */
  async teardownLogged(what: string, steps: (() => Promise<unknown>)[]): Promise<void> {
    await this.teardown(what, steps).catch(() => { /* logged by teardown() */ });
  }
}
