// Docker Engine API shapes (the subset minidock speaks). Types only: shared by the CLI
// (client side) and the engine (server side) at no runtime cost.

import type { ApiMount } from './mounts.js';
import type { LogConfigBody } from './log-config.js';

export interface PortBinding { HostIp?: string; HostPort?: string }

/** A healthcheck as the Engine API and an image config carry it (durations in ns; 0 = default). */
export interface HealthConfig {
  /** [] inherits the image's; ["NONE"] disables; ["CMD", arg...] execs; ["CMD-SHELL", cmd] runs /bin/sh -c cmd */
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface CreateContainerBody {
  Image: string;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  Hostname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number | null;
  /** `--mac-address`: of the first network's interface */
  MacAddress?: string;
  /** anonymous volumes (`-v /data`) */
  Volumes?: Record<string, object> | null;
  Healthcheck?: HealthConfig | null;
  HostConfig?: {
    /** --log-driver/--log-opt (wire/log-config.ts) */
    LogConfig?: LogConfigBody | null;
    NetworkMode?: string;
    PortBindings?: Record<string, PortBinding[] | null> | null;
    PublishAllPorts?: boolean;
    AutoRemove?: boolean;
    UsernsMode?: string;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    Privileged?: boolean;
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number } | null;
    /** `no-new-privileges[:true|false]`, `seccomp=unconfined` or `seccomp=<profile json>` */
    SecurityOpt?: string[] | null;
    /** `-v`: `/host:/ctr[:mode]`, `name:/ctr[:mode]` (codec: wire/mounts.ts) */
    Binds?: string[] | null;
    /** `--mount` */
    Mounts?: ApiMount[] | null;
    /** `--tmpfs /run:size=64m` */
    Tmpfs?: Record<string, string> | null;
    /** `--volumes-from name[:ro|rw]` */
    VolumesFrom?: string[] | null;
    VolumeDriver?: string;
    /** `--read-only` */
    ReadonlyRootfs?: boolean;
    /** `--pid`: '' | host | container:NAME|ID */
    PidMode?: string;
    /** `--ipc`: '' | private | shareable | host | none | container:NAME|ID */
    IpcMode?: string;
    /** `--uts`: '' | host */
    UTSMode?: string;
    /** `--init` */
    Init?: boolean | null;
    /** [height, width] of the client's terminal, for a tty container (docker CLI 23+ sends it) */
    ConsoleSize?: number[] | null;
    /** `--add-host`: `name:ip` (ip may be `host-gateway`) */
    ExtraHosts?: string[] | null;
    Dns?: string[] | null;
    DnsSearch?: string[] | null;
    DnsOptions?: string[] | null;
  } & ResourcesBody;
  NetworkingConfig?: {
    EndpointsConfig?: Record<string, { IPAMConfig?: { IPv4Address?: string } | null; Aliases?: string[] | null } | null> | null;
  };
}

/** The resource fields of HostConfig (create) and of POST /containers/{id}/update. */
export interface ResourcesBody {
  /** bytes; 0 = unlimited */
  Memory?: number;
  /** memory + swap, bytes; -1 = unlimited */
  MemorySwap?: number;
  MemoryReservation?: number;
  /** CPUs × 1e9 */
  NanoCpus?: number;
  CpuShares?: number;
  CpusetCpus?: string;
  /** 0 or -1 = unlimited */
  PidsLimit?: number | null;
  OomKillDisable?: boolean | null;
}

/** POST /containers/{id}/update. */
export interface UpdateBody extends ResourcesBody {
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number } | null;
}

export interface ExecCreateBody {
  Cmd: string[];
  Env?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  /** [height, width] of the client's terminal, with Tty (API 1.42; docker CLI 23+ sends it) */
  ConsoleSize?: number[] | null;
  Privileged?: boolean;
}

export interface ExecStartBody { Detach?: boolean; Tty?: boolean }

export interface NetworkCreateBody {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  EnableIPv6?: boolean;
  Labels?: Record<string, string>;
  /** --opt k=v (the cni driver's config=) */
  Options?: Record<string, string>;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string; IPRange?: string }[] };
}

/** The Engine API's Volume object (GET /volumes, /volumes/{name}, POST /volumes/create; moby api/types/volume). */
export interface VolumeInfo {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string> | null;
  /** only where asked (docker's /system/df); Size -1 when it cannot be measured (a mounted option volume) */
  UsageData?: { Size: number; RefCount: number } | null;
}

/** GET /system/df (the fields minidock's CLI reads; dockerd's shape). */
export interface SystemDfBody {
  LayersSize: number;
  Images: { Id: string; RepoTags: string[]; Created: number; Size: number; SharedSize: number; Containers: number }[];
  Containers: { Id: string; Names: string[]; Image: string; Command: string; Created: number; State: string; Status: string; SizeRw: number; SizeRootFs: number }[];
  Volumes: VolumeInfo[];
  BuildCache: unknown[];
}
