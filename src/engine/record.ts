// The engine's container record (containers/<id>/config.json) and its legal state transitions.
import { MinidockError, conflict } from '../errors.js';
import type { CreateContainerBody } from '../wire/api-types.js';
import type { RestartPolicy } from './restart-policy.js';
import type { Endpoint, PortMapping, UsernsMap } from './services.js';
import type { MountSpec } from '../wire/mounts.js';

/** A container's mount as decided at create: a volume's name is filled in (anonymous ones
 * generated), `anonymous` marks what `rm -v` and --rm remove. */
export type StoredMount = MountSpec & { anonymous?: boolean };

export type ContainerStatus = 'created' | 'running' | 'exited' | 'removing';

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe's outcome, as docker's HealthcheckResult (Output at most 4096 bytes, then "..."). */
export interface HealthResult { Start: string; End: string; ExitCode: number; Output: string }

/** docker's State.Health: the status, consecutive failures, and the last 5 results, oldest first. */
export interface HealthState { Status: HealthStatus; FailingStreak: number; Log: HealthResult[] }

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ShimPid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;   // Go zero time until first start, like docker
  FinishedAt: string;
  OOMKilled: boolean;
  /** Exited, and the restart policy will start it again after its back-off. */
  Restarting?: boolean;
  /** Stopped by `stop` (docker's HasBeenManuallyStopped): unless-stopped stays down. */
  ManuallyStopped?: boolean;
  /** Frozen by pause (Status stays 'running', as docker's State.Running). Absent in older records. */
  Paused?: boolean;
  /** Present once a container with a healthcheck has started (kept after exit, as docker). */
  Health?: HealthState;
}

export interface NetworkRequest { ip?: string; aliases: string[] }

export interface ContainerRecord {
  Id: string;
  Name: string;           // "/name"
  Created: string;
  Path: string;
  Args: string[];
  Image: string;          // image id, sha256:...
  ImageRef: string;       // as the user wrote it
  Config: CreateContainerBody & { Hostname: string; Env: string[]; Cmd: string[] | null; Entrypoint: string[] | null };
  HostConfig: Required<Pick<NonNullable<CreateContainerBody['HostConfig']>, 'NetworkMode' | 'PublishAllPorts' | 'AutoRemove' | 'UsernsMode'>> &
    Pick<NonNullable<CreateContainerBody['HostConfig']>, 'CapAdd' | 'CapDrop' | 'Privileged' | 'SecurityOpt' | 'ReadonlyRootfs' | 'Binds' | 'Tmpfs' | 'VolumesFrom' |
      'PidMode' | 'IpcMode' | 'UTSMode' | 'Init' | 'ConsoleSize' | 'ExtraHosts' | 'Dns' | 'DnsSearch' | 'DnsOptions' | 'LogConfig'> & {
    RestartPolicy?: RestartPolicy;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  } & Partial<ResourceConfig>;
  /** Networks to join, in order (the first is eth0). */
  Networks: Record<string, NetworkRequest>;
  /** Live endpoints while running (kept after exit for inspect, cleared on next start). */
  Endpoints: Record<string, Endpoint>;
  Ports: PortMapping[];
  Userns: UsernsMap | null;
  /** The user's mounts, parents first (absent in records written before mounts existed). */
  Mounts?: StoredMount[];
  State: ContainerState;
  RestartCount: number;
  /** A pod's holder (pods.ts): no image, no command; the shim only holds its namespaces. */
  Hold?: boolean;
  /** The id of the pod this container belongs to (its holder too). */
  Pod?: string;
}

/** The resource fields as the record keeps them (docker's zero values when unset). */
export interface ResourceConfig {
  Memory: number;
  MemorySwap: number;
  MemoryReservation: number;
  NanoCpus: number;
  CpuShares: number;
  CpusetCpus: string;
  /** null = unset, as docker's inspect shows it */
  PidsLimit: number | null;
  OomKillDisable: boolean | null;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Which status changes are legal; anything else is a bug or a user error reported by the caller. */
const LEGAL: Record<ContainerStatus, ContainerStatus[]> = {
  created: ['running', 'removing'],
  running: ['exited'], // rm -f kills first: running → exited → removing
  exited: ['running', 'removing'],
  removing: [],
};

export function canTransition(from: ContainerStatus, to: ContainerStatus): boolean {
  return LEGAL[from].includes(to);
}

export function assertTransition(rec: Pick<ContainerRecord, 'Id' | 'Name' | 'State'>, to: ContainerStatus): void {
  const from = rec.State.Status;
  if (canTransition(from, to)) return;
  if (from === 'removing') throw conflict(`removal of container ${rec.Name.slice(1)} is already in progress`);
  if (to === 'removing' && from === 'running') {
    throw new MinidockError('ContainerRunning', `cannot remove container "${rec.Name}": container is running: stop the container before removing or force remove`, { status: 409 });
  }
  throw new MinidockError('Conflict', `container ${rec.Id} cannot go from ${from} to ${to}`, { status: 409 });
}

/** moby's errNotRunning wording (capitalised: docker shows it verbatim). */
export function notRunning(rec: Pick<ContainerRecord, 'Id'>): MinidockError {
  return new MinidockError('ContainerNotRunning', `Container ${rec.Id} is not running`, { status: 409 });
}
