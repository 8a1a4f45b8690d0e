// What the engine needs from the image, runtime and network modules, as structural
// interfaces (docs/ARCHITECTURE.md contracts). The engine's logic depends only on these,
// so unit tests can pass fakes; src/engine/wiring.ts plugs in the real services.
import type { Readable, Writable } from 'node:stream';

export interface IdMapping { containerId: number; hostId: number; size: number }
export interface UsernsMap { uidMap: IdMapping[]; gidMap: IdMapping[] }

export interface ImageConfig {
  Entrypoint?: string[] | null; Cmd?: string[] | null; Env?: string[] | null; WorkingDir?: string; User?: string;
  ExposedPorts?: Record<string, object> | null; StopSignal?: string; Labels?: Record<string, string> | null;
}
export interface ImageRecord {
  id: string; repoTags: string[]; repoDigests: string[]; created: string; size: number;
  architecture: string; os: string; config: ImageConfig; layers: string[];
}
export interface PullEvent { id: string; status: string; current?: number; total?: number }
export interface Credentials { username: string; password: string }

export interface ImageServiceLike {
  init(): Promise<void>;
  pull(ref: string, opts?: { onEvent?: (e: PullEvent) => void; signal?: AbortSignal; auth?: Credentials }): Promise<ImageRecord>;
  get(refOrId: string): Promise<ImageRecord>;
  list(): Promise<ImageRecord[]>;
  remove(refOrId: string, opts?: { force?: boolean; inUse?: (id: string) => boolean }): Promise<{ untagged: string[]; deleted: string[] }>;
  layerDirs(image: ImageRecord): string[];
}

/** What the runtime needs to start a container (the runtime's own type: one definition). */
import type { ContainerSpec, ProcessSpec } from '../runtime/types.js';
export type { ContainerSpec };
export interface StartedContainer { pid: number; shimPid: number }
export interface ExitStatus { exitCode: number; signal?: number; finishedAt: string; error?: string }

/** Live attach to a running container: output frames, stdin, resize. */
export interface AttachStreamLike {
  onData(cb: (stream: 1 | 2, data: Buffer) => void): void;
  onEnd(cb: () => void): void;
  write(data: Buffer): void;
  closeStdin(): void;
  resize(rows: number, cols: number): void;
  close(): void;
}

export type ExecOptions = ProcessSpec;
export interface ExecProcessLike {
  pid: number;
  stdin: Writable;
  stdout: Readable;   // with a tty, all output arrives here
  stderr: Readable;
  resize(rows: number, cols: number): void;
  wait(): Promise<number>;
}

export interface ResolvedProcess { args: string[]; env: string[]; cwd: string; uid: number; gid: number; additionalGids: number[] }

export interface RuntimeLike {
  start(spec: ContainerSpec, beforeExec: (pid: number) => Promise<void>): Promise<StartedContainer>;
  waitExit(id: string): Promise<ExitStatus>;
  attach(id: string): Promise<AttachStreamLike>;
  kill(pid: number, signal: NodeJS.Signals | number): void;
  readExit(exitPath: string): Promise<ExitStatus | undefined>;
  exec(id: string, pid: number, opts: ExecOptions): Promise<ExecProcessLike>;
  /** Image config + user overrides → argv/env/cwd/uid/gid, reading /etc/passwd from the layers. */
  resolveProcess(input: {
    image: ImageConfig; layerDirs: string[]; entrypoint: string[] | null | undefined; cmd: string[] | null | undefined;
    env: string[]; workingDir: string; user: string; hostname: string; tty: boolean;
  }): Promise<ResolvedProcess>;
  /** The uid/gid maps for a new user namespace (container root → an unprivileged host range). */
  defaultUserns(): Promise<UsernsMap>;
  /** Whether a process (the shim) is still alive, for reconcile after an engine restart. */
  isAlive(pid: number): boolean;
  /** Undo a start that failed after runtime.start returned (mounts, run dir). Idempotent. */
  cleanup(id: string): Promise<void>;
}

export interface PortMapping { hostIp: string; hostPort: number; containerPort: number; proto: 'tcp' | 'udp' }
export interface NetworkRecord {
  id: string; name: string; driver: 'bridge' | 'host' | 'null'; bridge?: string; subnet?: string; gateway?: string;
  internal: boolean; builtin: boolean; created: string; labels: Record<string, string>;
}
export interface EndpointRequest { containerId: string; containerName: string; pid: number; ifName: string; ip?: string; aliases: string[]; ports: PortMapping[] }
export interface Endpoint {
  networkId: string; networkName: string; ifName: string; hostVeth: string; ip: string; prefixLen: number;
  gateway: string; mac: string; aliases: string[]; ports: PortMapping[];
}

export interface NetworkServiceLike {
  init(isAlive?: (containerId: string) => boolean): Promise<void>;
  create(opts: { name: string; driver?: string; subnet?: string; gateway?: string; internal?: boolean; labels?: Record<string, string> }): Promise<NetworkRecord>;
  list(): Promise<NetworkRecord[]>;
  get(nameOrId: string): Promise<NetworkRecord>;
  remove(nameOrId: string): Promise<void>;
  reservePorts(ports: PortMapping[], containerId: string): Promise<PortMapping[]>;
  connect(network: string, req: EndpointRequest): Promise<Endpoint>;
  disconnect(network: string, containerId: string): Promise<void>;
  setupLoopback(pid: number): Promise<void>;
  releaseContainer(containerId: string): Promise<void>;
  resolvConf(networkName: string): string;
}

export interface Services { images: ImageServiceLike; runtime: RuntimeLike; network: NetworkServiceLike }
