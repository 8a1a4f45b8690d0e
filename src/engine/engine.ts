// The engine: owns container records and orchestrates image, runtime and network services.
// Lifecycle: created → running → exited (→ running again) and → removing → gone.
// Per-container operations that change state are serialised by a per-container mutex; the
// exit watcher takes the same lock, so an exit is recorded only after start has saved "running".
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { MinidockError, conflict, invalidArgument } from '../errors.js';
import { Mutex } from '../state/mutex.js';
import type { Paths } from '../state/paths.js';
import type { CreateContainerBody } from '../wire/api-types.js';
import { ContainerStore } from './store.js';
import { assertTransition, notRunning, type ContainerRecord } from './record.js';
import { newId, normaliseName, randomName } from './names.js';
import { networkModeName, newRecord, parseSignal, validateCreate } from './create.js';
import { hostnameFile, hostsFile } from './etc-files.js';
import { portMappings } from './ports.js';
import { containerSummary, inspectContainer } from './inspect.js';
import type { AttachStreamLike, ContainerSpec, Endpoint, ExitStatus, Services } from './services.js';
import { defaultSecurity } from '../runtime/security/defaults.js';

const CONTAINER_NET_SYSCTLS = { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1' };

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export interface WaitResult { StatusCode: number; Error?: { Message: string } }

/** Someone attached before start: bound to the shim's stream as soon as the container exists. */
interface PendingAttach { bind(stream: AttachStreamLike): void; fail(err: unknown): void }

export class Engine {
  readonly store: ContainerStore;
  private readonly events = new EventEmitter();
  private readonly locks = new Map<string, Mutex>();
  private readonly nameLock = new Mutex();
  private readonly exitDone = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, Set<PendingAttach>>();
  /** Attach streams in use per container; resize goes through one of them. */
  private readonly active = new Map<string, Set<AttachStreamLike>>();

  constructor(readonly paths: Paths, readonly services: Services) {
    this.store = new ContainerStore(paths);
    this.events.setMaxListeners(0);
  }

  private lock(id: string): Mutex {
    let m = this.locks.get(id);
    if (!m) this.locks.set(id, (m = new Mutex()));
    return m;
  }

  etcPaths(id: string) {
    return {
      root: this.store.dir(id),
      log: this.store.file(id, 'stdio.log'),
      hostname: this.store.file(id, 'hostname'),
      hosts: this.store.file(id, 'hosts'),
      resolv: this.store.file(id, 'resolv.conf'),
      exit: this.store.file(id, 'exit.json'),
    };
  }

  // ---------------------------------------------------------------- create

  async create(body: CreateContainerBody, name?: string): Promise<{ Id: string; Warnings: string[] }> {
    validateCreate(body);
    const image = await this.services.images.get(body.Image);
    const mode = networkModeName(body.HostConfig?.NetworkMode);
    if (mode !== 'host' && mode !== 'none' && mode !== 'bridge') await this.services.network.get(mode);
    const userns = mode === 'host' || body.HostConfig?.UsernsMode === 'host' ? null : await this.services.runtime.defaultUserns();
    const id = newId();
    return this.nameLock.run(async () => {
      let finalName: string;
      if (name) {
        finalName = normaliseName(name);
        this.store.assertNameFree(finalName);
      } else {
        let retry = 0;
        do finalName = `/${randomName(retry++)}`; while (this.store.all().some((r) => r.Name === finalName));
      }
      const rec = newRecord({ id, name: finalName, body, image, userns, now: new Date().toISOString() });
      const dir = this.store.dir(id);
      try {
        // 0711: the container's (remapped) root must traverse to its bind-mounted etc files.
        await fs.mkdir(dir, { recursive: true, mode: 0o711 });
        const rootUid = userns?.uidMap.find((m) => m.containerId === 0)?.hostId ?? 0;
        const rootGid = userns?.gidMap.find((m) => m.containerId === 0)?.hostId ?? 0;
        for (const sub of ['upper', 'work']) {
          await fs.mkdir(path.join(dir, sub), { mode: 0o755 });
          await fs.chown(path.join(dir, sub), rootUid, rootGid);
        }
        await this.store.save(rec);
      } catch (err) {
        await this.store.delete(id);
        throw err;
      }
      return { Id: id, Warnings: [] };
    });
  }

  // ---------------------------------------------------------------- start

  async start(ref: string): Promise<void> {
    const rec0 = this.store.find(ref);
    await this.lock(rec0.Id).run(async () => {
      const rec = this.store.find(rec0.Id);
      if (rec.State.Status === 'running') return; // docker: starting a running container is a no-op
      assertTransition(rec, 'running');
      try {
        await this.startLocked(rec);
      } catch (err) {
        // The start error is what the user must see; a failing undo must not replace it.
        await this.failStart(rec, err).catch((undoErr) => console.error(`undo of failed start of ${rec.Id}: ${String(undoErr)}`));
        throw err;
      }
    });
  }

  private async startLocked(rec: ContainerRecord): Promise<void> {
    const { images, runtime, network } = this.services;
    const files = this.etcPaths(rec.Id);
    const image = await images.get(rec.Image);
    const layerDirs = images.layerDirs(image);
    const mode = networkModeName(rec.HostConfig.NetworkMode);
    const hostname = rec.Config.Hostname || os.hostname();
    const proc = await runtime.resolveProcess({
      image: image.config, layerDirs, entrypoint: rec.Config.Entrypoint, cmd: rec.Config.Cmd,
      env: rec.Config.Env, workingDir: rec.Config.WorkingDir ?? '', user: rec.Config.User ?? '', hostname, tty: !!rec.Config.Tty,
    });
    await Promise.all([
      fs.writeFile(files.hostname, hostnameFile(hostname)),
      mode === 'host' ? fs.copyFile('/etc/hosts', files.hosts) : fs.writeFile(files.hosts, hostsFile(hostname, [])),
      mode === 'host' ? fs.copyFile('/etc/resolv.conf', files.resolv) : fs.writeFile(files.resolv, network.resolvConf(mode)),
      fs.rm(files.exit, { force: true }),
    ]);
    const wanted = mode === 'host' || mode === 'none' ? [] : portMappings(rec.HostConfig.PortBindings, rec.Config.ExposedPorts ?? {}, rec.HostConfig.PublishAllPorts);
    const reserved = wanted.length ? await network.reservePorts(wanted, rec.Id) : [];
    const endpoints: Record<string, Endpoint> = {};
    const spec: ContainerSpec = {
      id: rec.Id, layerDirs, upperDir: path.join(files.root, 'upper'), workDir: path.join(files.root, 'work'),
      args: proc.args, env: proc.env, cwd: proc.cwd, uid: proc.uid, gid: proc.gid, additionalGids: proc.additionalGids,
      hostname, tty: !!rec.Config.Tty, openStdin: !!rec.Config.OpenStdin,
      userns: rec.Userns, network: mode === 'host' ? 'host' : 'new',
      // Networks are IPv4-only, so IPv6 is off inside the container, as Docker does.
      sysctls: mode === 'host' ? {} : CONTAINER_NET_SYSCTLS,
      etcFiles: { hostname: files.hostname, hosts: files.hosts, resolvConf: files.resolv },
      logPath: files.log, exitPath: files.exit, runDir: this.store.runDir(rec.Id),
      ...defaultSecurity(),
    };
    const started = await runtime.start(spec, async (pid) => {
      if (mode !== 'host') {
        // connect brings lo up in the same batch as eth0; only a netns without networks needs it alone.
        if (mode === 'none' || Object.keys(rec.Networks).length === 0) await network.setupLoopback(pid);
        if (mode !== 'none') {
          let i = 0;
          for (const [net, req] of Object.entries(rec.Networks)) {
            endpoints[net] = await network.connect(net, {
              containerId: rec.Id, containerName: rec.Name.slice(1), pid, ifName: `eth${i++}`,
              ip: req.ip, aliases: [...req.aliases, rec.Id.slice(0, 12)], ports: i === 1 ? reserved : [],
            });
          }
          // /etc/hosts is bind-mounted: rewrite the same inode so the container sees its address.
          await fs.writeFile(files.hosts, hostsFile(hostname, Object.values(endpoints).map((e) => e.ip)));
        }
      }
      await this.bindPending(rec.Id);
    });
    rec.State = { ...rec.State, Status: 'running', Pid: started.pid, ShimPid: started.shimPid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), OOMKilled: false };
    rec.Endpoints = endpoints;
    rec.Ports = Object.values(endpoints).flatMap((e) => e.ports);
    await this.store.save(rec);
    this.watchExit(rec.Id);
  }

  /** Undo a failed start: nothing of the attempt is left (ports, rules, mounts); --rm removes the record. */
  private async failStart(rec: ContainerRecord, err: unknown): Promise<void> {
    await this.services.network.releaseContainer(rec.Id).catch(() => undefined);
    await this.services.runtime.cleanup(rec.Id).catch(() => undefined);
    for (const p of this.pending.get(rec.Id) ?? []) p.fail(err);
    this.pending.delete(rec.Id);
    rec.State.Error = err instanceof Error ? err.message : String(err);
    rec.State.ExitCode = err instanceof MinidockError && err.exitCode !== 125 ? err.exitCode : 128;
    rec.Endpoints = {};
    rec.Ports = [];
    if (rec.HostConfig.AutoRemove) {
      await this.store.delete(rec.Id);
      this.events.emit(`removed:${rec.Id}`, rec.State.ExitCode, rec.State.Error);
    } else {
      await this.store.save(rec).catch(() => undefined);
      this.events.emit(`exit:${rec.Id}`, rec.State.ExitCode, rec.State.Error);
    }
  }

  private async bindPending(id: string): Promise<void> {
    const waiting = this.pending.get(id);
    if (!waiting?.size) return;
    this.pending.delete(id);
    for (const p of waiting) p.bind(await this.services.runtime.attach(id));
  }

  /** Records the exit once the runtime reports it; works for containers found at reconcile too. */
  private watchExit(id: string): void {
    const done = this.services.runtime.waitExit(id).then(
      (status) => this.onExit(id, status),
      (err) => this.onExit(id, { exitCode: 255, finishedAt: new Date().toISOString(), error: `lost track of container: ${(err as Error).message}` }),
    );
    this.exitDone.set(id, done);
  }

  private async onExit(id: string, status: ExitStatus): Promise<void> {
    let autoRemove = false;
    let code = status.exitCode;
    let error = status.error ?? '';
    await this.lock(id).run(async () => {
      const rec = this.store.maybe(id);
      if (!rec || rec.State.Status !== 'running') return;
      await this.services.network.releaseContainer(id).catch(() => undefined);
      await this.services.runtime.cleanup(id).catch(() => undefined);
      rec.State = { ...rec.State, Status: 'exited', Pid: 0, ShimPid: 0, ExitCode: status.exitCode, Error: error, FinishedAt: status.finishedAt || new Date().toISOString() };
      autoRemove = rec.HostConfig.AutoRemove;
      // --rm: remove() below saves the record ('removing') first; a crash before that leaves
      // 'running' with a dead pid on disk, which init reconciles and removes the same way.
      if (!autoRemove) await this.store.save(rec);
      code = rec.State.ExitCode;
    });
    this.exitDone.delete(id);
    this.events.emit(`exit:${id}`, code, error);
    if (autoRemove) await this.remove(id, { force: true }).catch(() => undefined);
  }

  /** Resolves when the running container's exit has been recorded. */
  private async exited(id: string): Promise<void> {
    await this.exitDone.get(id);
  }

  // ---------------------------------------------------------------- stop / kill / restart / wait

  async kill(ref: string, signal?: string): Promise<void> {
    const rec = this.store.find(ref);
    if (rec.State.Status !== 'running') throw notRunning(rec);
    this.services.runtime.kill(rec.State.Pid, parseSignal(signal, 'SIGKILL'));
  }

  async stop(ref: string, timeoutSec?: number): Promise<void> {
    const rec = this.store.find(ref);
    if (rec.State.Status !== 'running') return; // docker: stopping a stopped container succeeds
    const t = timeoutSec ?? rec.Config.StopTimeout ?? 10;
    const exited = this.exited(rec.Id);
    try {
      this.services.runtime.kill(rec.State.Pid, parseSignal(rec.Config.StopSignal, 'SIGTERM'));
    } catch { /* already gone: the exit watcher records it */ }
    if (t < 0) { await exited; return; }
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), t * 1000).unref())]);
    if (timedOut && this.store.maybe(rec.Id)?.State.Status === 'running') {
      try { this.services.runtime.kill(rec.State.Pid, 9); } catch { /* raced with exit */ }
      await exited;
    }
  }

  async restart(ref: string, timeoutSec?: number): Promise<void> {
    const rec = this.store.find(ref);
    await this.stop(rec.Id, timeoutSec);
    rec.RestartCount++;
    await this.start(rec.Id);
  }

  async wait(ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
    const rec = this.store.find(ref);
    const result = (code: number, err: string): WaitResult => (err ? { StatusCode: code, Error: { Message: err } } : { StatusCode: code });
    if (condition === 'not-running' && rec.State.Status !== 'running') return result(rec.State.ExitCode, '');
    const event = condition === 'removed' ? `removed:${rec.Id}` : `exit:${rec.Id}`;
    return new Promise<WaitResult>((resolve, reject) => {
      const onEvent = (code: number, err: string) => { signal?.removeEventListener('abort', onAbort); resolve(result(code, err)); };
      const onAbort = () => { this.events.off(event, onEvent); reject(new Error('wait cancelled')); };
      this.events.once(event, onEvent);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---------------------------------------------------------------- remove

  async remove(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    const rec = this.store.find(ref);
    if (rec.State.Status === 'running') {
      if (!opts.force) assertTransition(rec, 'removing');
      const exited = this.exited(rec.Id);
      try { this.services.runtime.kill(rec.State.Pid, 9); } catch { /* already gone */ }
      await exited;
    }
    await this.lock(rec.Id).run(async () => {
      const cur = this.store.maybe(rec.Id);
      if (!cur) return; // removed meanwhile (AutoRemove)
      assertTransition(cur, 'removing');
      cur.State.Status = 'removing';
      await this.store.save(cur);
      await this.services.network.releaseContainer(cur.Id).catch(() => undefined);
      await this.services.runtime.cleanup(cur.Id);
      await this.store.delete(cur.Id);
      this.locks.delete(cur.Id);
      this.events.emit(`removed:${cur.Id}`, cur.State.ExitCode, cur.State.Error);
    });
  }

  // ---------------------------------------------------------------- views

  list(all: boolean) {
    return this.store.all()
      .filter((r) => all || r.State.Status === 'running')
      .sort((a, b) => b.Created.localeCompare(a.Created))
      .map(containerSummary);
  }

  inspect(ref: string) {
    const rec = this.store.find(ref);
    return inspectContainer(rec, this.etcPaths(rec.Id));
  }

  // ---------------------------------------------------------------- attach

  /**
   * Attach to a container's stdio. For a created container the stream is bound when it
   * starts (before its command runs, so no output is lost); for a running one, now.
   */
  async attach(ref: string): Promise<AttachStreamLike> {
    const rec = this.store.find(ref);
    const track = (s: AttachStreamLike) => {
      const set = this.active.get(rec.Id) ?? new Set<AttachStreamLike>();
      this.active.set(rec.Id, set);
      set.add(s);
      s.onEnd(() => { set.delete(s); if (!set.size) this.active.delete(rec.Id); });
      return s;
    };
    if (rec.State.Status === 'running') return track(await this.services.runtime.attach(rec.Id));
    if (rec.State.Status !== 'created' && rec.State.Status !== 'exited') throw notRunning(rec);
    return new Promise<AttachStreamLike>((resolve, reject) => {
      const set = this.pending.get(rec.Id) ?? new Set<PendingAttach>();
      this.pending.set(rec.Id, set);
      set.add({ bind: (s) => resolve(track(s)), fail: reject });
    });
  }

  /** A client's attach ended (it detached or went away). */
  detach(id: string, s: AttachStreamLike): void {
    this.active.get(id)?.delete(s);
    s.close();
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    const rec = this.store.find(ref);
    if (rec.State.Status !== 'running') throw notRunning(rec);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw invalidArgument(`invalid size: h=${rows} w=${cols}`);
    const live = this.active.get(rec.Id)?.values().next().value;
    if (live) { live.resize(rows, cols); return; }
    const s = await this.services.runtime.attach(rec.Id);
    s.resize(rows, cols);
    // close() drops unsent bytes: give the frame time to reach the shim first.
    setTimeout(() => s.close(), 200).unref();
  }

  // ---------------------------------------------------------------- networks of containers

  async connectNetwork(net: string, ref: string, cfg: { ip?: string; aliases?: string[] }): Promise<void> {
    const rec = this.store.find(ref);
    const network = await this.services.network.get(net);
    await this.lock(rec.Id).run(async () => {
      if (rec.Networks[network.name]) throw conflict(`endpoint with name ${rec.Name.slice(1)} already exists in network ${network.name}`);
      const mode = networkModeName(rec.HostConfig.NetworkMode);
      if (mode === 'host' || mode === 'none') throw conflict(`container cannot be disconnected from host network or connected to host network`);
      rec.Networks[network.name] = { ip: cfg.ip, aliases: cfg.aliases ?? [] };
      if (rec.State.Status === 'running') {
        const ep = await this.services.network.connect(network.name, {
          containerId: rec.Id, containerName: rec.Name.slice(1), pid: rec.State.Pid, ifName: `eth${Object.keys(rec.Endpoints).length}`,
          ip: cfg.ip, aliases: [...(cfg.aliases ?? []), rec.Id.slice(0, 12)], ports: [],
        }).catch((err) => { delete rec.Networks[network.name]; throw err; });
        rec.Endpoints[network.name] = ep;
        const hostname = rec.Config.Hostname || os.hostname();
        await fs.writeFile(this.etcPaths(rec.Id).hosts, hostsFile(hostname, Object.values(rec.Endpoints).map((e) => e.ip)));
      }
      await this.store.save(rec);
    });
  }

  async disconnectNetwork(net: string, ref: string): Promise<void> {
    const rec = this.store.find(ref);
    const network = await this.services.network.get(net);
    await this.lock(rec.Id).run(async () => {
      if (!rec.Networks[network.name]) throw invalidArgument(`container ${rec.Id} is not connected to network ${network.name}`);
      if (rec.State.Status === 'running') await this.services.network.disconnect(network.name, rec.Id);
      delete rec.Networks[network.name];
      delete rec.Endpoints[network.name];
      await this.store.save(rec);
    });
  }

  /** Image ids used by any container (rmi refuses them without -f). */
  imageInUse(id: string): boolean {
    return this.store.all().some((r) => r.Image === id);
  }

  // ---------------------------------------------------------------- reconcile

  /** After an engine (re)start: settle records whose processes died while we were away. */
  async init(): Promise<void> {
    await this.store.load();
    const { runtime } = this.services;
    const alive = (r: ContainerRecord | undefined) => !!r && r.State.Status === 'running' && !!r.State.ShimPid && runtime.isAlive(r.State.ShimPid);
    // The network drops endpoints of containers that are gone; ours are settled below.
    await this.services.network.init((cid) => alive(this.store.maybe(cid)));
    for (const rec of this.store.all()) {
      if (rec.State.Status === 'removing') {
        await this.services.network.releaseContainer(rec.Id).catch(() => undefined);
        await runtime.cleanup(rec.Id).catch(() => undefined);
        await this.store.delete(rec.Id);
        continue;
      }
      if (rec.State.Status !== 'running') continue;
      if (alive(rec)) {
        this.watchExit(rec.Id);
        continue;
      }
      const status = await runtime.readExit(this.etcPaths(rec.Id).exit).catch(() => undefined);
      await this.services.network.releaseContainer(rec.Id).catch(() => undefined);
      await runtime.cleanup(rec.Id).catch(() => undefined);
      rec.State = {
        ...rec.State, Status: 'exited', Pid: 0, ShimPid: 0,
        ExitCode: status?.exitCode ?? 255,
        Error: status ? status.error ?? '' : 'container died while the engine was down',
        FinishedAt: status?.finishedAt ?? new Date().toISOString(),
      };
      await this.store.save(rec);
      if (rec.HostConfig.AutoRemove) await this.remove(rec.Id, { force: true }).catch(() => undefined);
    }
  }

  isRunning(containerId: string): boolean {
    return this.store.maybe(containerId)?.State.Status === 'running';
  }
}
