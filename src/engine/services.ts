// What the engine needs from the image, runtime and network modules: structural interfaces
// (so unit tests can pass fakes), over data types imported from their owners — never copied.
// src/daemon/wiring.ts plugs in the real services.
import type { Readable, Writable } from 'node:stream';
import type { CommitRequest, Credentials, HistoryEntry, ImageRecord, LoadResult, PullEvent, PushEvent } from '../image/index.js';
import type { ContainerMount, ContainerSpec, ExitStatus, IdMapping, ProcessSecurity, ProcessSpec, ShimHandshake, StartedContainer } from '../runtime/types.js';
import type { ResolvedUser } from '../runtime/user.js';
import type { Endpoint, EndpointRequest, NetworkRecord, CreateNetworkOptions, PolicySource } from '../network/index.js';
import type { PortMapping } from '../wire/ports.js';
import type { CopyUpResult, IdShift, InUse, PruneReport, VolumeCreateOptions, VolumeFilters, VolumeInfo, VolumeRecord } from '../volume/index.js';

export type { CommitRequest, Credentials, HistoryEntry, ImageRecord, LoadResult, PullEvent, PushEvent, ContainerMount, ContainerSpec, ExitStatus, IdMapping, ProcessSecurity, ProcessSpec, ShimHandshake, StartedContainer };
import type { CgroupLayout, CgroupLimits, ContainerCgroup, ContainerStats } from '../runtime/cgroups/index.js';

export type { CgroupLayout, CgroupLimits, ContainerCgroup, ContainerStats };
export type { ResolvedUser, Endpoint, EndpointRequest, NetworkRecord, CreateNetworkOptions, PortMapping };
export type ImageConfig = ImageRecord['config'];
export interface UsernsMap { uidMap: IdMapping[]; gidMap: IdMapping[] }

export interface ImageServiceLike {
  init(): Promise<void>;
  pull(ref: string, opts?: { onEvent?: (e: PullEvent) => void; signal?: AbortSignal; auth?: Credentials }): Promise<ImageRecord>;
  get(refOrId: string): Promise<ImageRecord>;
  list(): Promise<ImageRecord[]>;
  remove(refOrId: string, opts?: { force?: boolean; inUse?: (id: string) => boolean }): Promise<{ untagged: string[]; deleted: string[] }>;
  layerDirs(image: ImageRecord): string[];
  /** Adds `target` (name[:tag]) as a name of the image `source` refers to. */
  tag(source: string, target: string): Promise<void>;
  /** Verifies credentials against the registry, then stores them (POST /auth). */
  login(server: string, creds: Credentials): Promise<void>;
  /** Forgets a stored login; resolves whether there was one. */
  logout(server: string): Promise<boolean>;
  /** docker history, newest first. */
  history(refOrId: string): Promise<HistoryEntry[]>;
  /** docker save: writes the docker-archive of the images to `out`. */
  save(names: string[], out: Writable): Promise<void>;
  /** docker load: reads a docker-archive, verified, and tags what it names. */
  load(input: Readable): Promise<LoadResult[]>;
  /** docker commit: a new image from a container's upper dir, tagged when `tag` is given. */
  commit(req: CommitRequest, tag?: string): Promise<ImageRecord>;
  /** docker push: name[:tag] (no tag: every tag of the repository). */
  push(name: string, opts?: { onEvent?: (e: PushEvent) => void; signal?: AbortSignal; auth?: Credentials }): Promise<void>;
}

/** Live attach to a running container: output frames, stdin, resize. */
export interface AttachStreamLike {
  onData(cb: (stream: 1 | 2, data: Buffer) => void): void;
  onEnd(cb: () => void): void;
  write(data: Buffer): void;
  closeStdin(): void;
  resize(rows: number, cols: number): void;
  close(): void;
}

export interface ExecProcessLike {
  pid: number;
  stdin: Writable;
  stdout: Readable;   // with a tty, all output arrives here
  stderr: Readable;
  resize(rows: number, cols: number): void;
  wait(): Promise<number>;
}

export interface RuntimeLike {
  /** `beforeExec` runs while the process is held before exec; `shim` (absent in fakes) does network work without a spawn. */
  start(spec: ContainerSpec, beforeExec: (pid: number, shim?: ShimHandshake) => Promise<void>, mark?: (step: string) => void): Promise<StartedContainer>;
  waitExit(id: string): Promise<ExitStatus>;
  /** The engine has no API request in flight (the runtime may do deferred work: a warm shim). */
  idle?(): void;
  attach(id: string): Promise<AttachStreamLike>;
  kill(pid: number, signal: NodeJS.Signals | number): void;
  readExit(exitPath: string): Promise<ExitStatus | undefined>;
  exec(id: string, pid: number, spec: ProcessSpec): Promise<ExecProcessLike>;
  /** uid, gid, groups and home of a user spec (`name`, `uid:gid`, ...) from the image's /etc/passwd and /etc/group. */
  resolveUser(layerDirs: string[], user: string): Promise<ResolvedUser>;
  /** The uid/gid maps for a new user namespace (container root → an unprivileged host range). */
  defaultUserns(): Promise<UsernsMap>;
  /** Whether a process (the shim) is still alive, for reconcile after an engine restart. */
  isAlive(pid: number): boolean;
  /** The pid of a container's live shim, if any (found in its run dir, checked in /proc). */
  liveShim(id: string): number | undefined;
  /** Ends a shim left by an interrupted start, with its container. */
  killShim(pid: number): Promise<void>;
}

export interface NetworkServiceLike {
  /** Rebuilds rules, held ports and DNS from the records; non-fatal problems come back as warnings. */
  init(isAlive?: (containerId: string) => boolean): Promise<{ warnings: string[] } | void>;
  create(opts: CreateNetworkOptions): Promise<NetworkRecord>;
  list(): Promise<NetworkRecord[]>;
  get(nameOrId: string): Promise<NetworkRecord>;
  remove(nameOrId: string): Promise<void>;
  reservePorts(containerId: string, ports: PortMapping[]): Promise<PortMapping[]>;
  connect(network: string, req: EndpointRequest): Promise<Endpoint>;
  disconnect(network: string, containerId: string): Promise<void>;
  renameContainer(containerId: string, name: string): Promise<void>;
  setupLoopback(pid: number): Promise<void>;
  releaseContainer(containerId: string): Promise<void>;
  resolvConf(networkName: string): string;
  /** The engine's network policies and container labels, enforced from then on at every endpoint change. */
  setPolicySource(source: PolicySource): void;
  /** Enforces the policies again now (a policy or a container's labels changed). */
  refreshPolicies(): Promise<void>;
}

/** docker's local volumes (src/volume/service.ts). */
export interface VolumeServiceLike {
  init(): Promise<{ swept: string[]; warnings: string[] }>;
  create(req?: VolumeCreateOptions): Promise<VolumeRecord>;
  get(name: string): Promise<VolumeRecord>;
  list(filters?: VolumeFilters): Promise<VolumeRecord[]>;
  inspect(name: string, opts?: { usage?: boolean }): Promise<VolumeInfo>;
  info(rec: VolumeRecord, opts?: { usage?: boolean }): Promise<VolumeInfo>;
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  prune(filters?: VolumeFilters): Promise<PruneReport>;
  /** The host path to bind (an option volume is mounted at its first user). */
  mount(name: string, containerId: string): Promise<string>;
  unmount(name: string, containerId: string): Promise<void>;
  populate(name: string, layerDirsTopFirst: string[], containerPath: string, idShift: IdShift, containerId: string): Promise<CopyUpResult>;
  dataDir(name: string): string;
  /** The engine tells the service which containers reference a volume (in-use checks). */
  setInUse(inUse: InUse): void;
}

/** The host's container cgroups: the layout is detected once, on first use. */
export interface CgroupServiceLike {
  layout(): Promise<CgroupLayout>;
}

export interface Services { images: ImageServiceLike; runtime: RuntimeLike; network: NetworkServiceLike; volumes: VolumeServiceLike; cgroups: CgroupServiceLike }
