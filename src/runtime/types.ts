// Contracts of the runtime module (see docs/ARCHITECTURE.md, runtime section).
import type { Readable, Writable } from 'node:stream';
import type { CgroupViewEntry } from './cgroups/types.js';
import type { VethPlumber } from '../wire/veth.js';

/** Namespaces a container can enter from a holder process. */
export type JoinableNamespace = 'user' | 'net' | 'ipc' | 'uts' | 'pid';

export interface IdMapping { containerId: number; hostId: number; size: number }

/** Privileges of a process (docker's values: security/defaults.ts). */
export interface ProcessSecurity {
  /** Capability names (`CAP_CHOWN`): the bounding set, and the permitted and effective sets
   * when the process runs as uid 0 (a non-root uid gets empty ones, as in docker).
   * Inheritable and ambient are always empty. */
  capabilities: string[];
  /** prctl(PR_SET_NO_NEW_PRIVS) (`--security-opt no-new-privileges`). */
  noNewPrivileges: boolean;
  /** Seccomp rules text (compileSeccomp in seccomp.ts); null = unconfined. */
  seccomp: string | null;
}

/** What a container adds for its PID 1: paths hidden or made read-only after pivot_root. */
export interface ContainerSecurity extends ProcessSecurity {
  /** Files covered by /dev/null, directories by an empty read-only tmpfs (absolute paths). */
  maskedPaths: string[];
  /** Bound read-only over themselves (absolute paths). */
  readonlyPaths: string[];
}

/** The process to run: the part a container's PID 1 and an exec share. */
export interface ProcessSpec extends ProcessSecurity {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  tty: boolean;
  /** With tty: the terminal's size from the first instant (the pty is sized before exec; docker's ConsoleSize). */
  consoleSize?: { rows: number; cols: number };
}

/** One user mount for the shim. `options`: a tmpfs's kernel options in host ids (`size=64m,mode=1777,uid=100000,gid=100000`). */
export interface ContainerMount {
  type: 'bind' | 'tmpfs';
  /** bind: absolute host path; tmpfs: 'tmpfs' */
  source: string;
  /** absolute container path */
  target: string;
  readOnly: boolean;
  /** tmpfs: which of nosuid, nodev, noexec apply */
  flags?: ('nosuid' | 'nodev' | 'noexec')[];
  options?: string;
}

export interface ContainerSpec extends ProcessSpec, ContainerSecurity {
  id: string;
  /** Unpacked layer dirs, bottom first. */
  layerDirs: string[];
  upperDir: string;
  workDir: string;
  hostname: string;
  openStdin: boolean;
  /** null = --userns=host */
  userns: { uidMap: IdMapping[]; gidMap: IdMapping[] } | null;
  /** 'new': fresh netns owned by the container's userns (lo left down for the network code). */
  network: 'new' | 'host';
  /** Namespaces entered instead of made (pod style), each as the host pid of a process that
   * holds it. With `userns` set, any join needs `user`: the holder's namespaces belong to its
   * user namespace, which is entered first, and `userns` must then be the holder's maps. */
  join?: Partial<Record<JoinableNamespace, number>>;
  /** Host namespaces kept instead of new ones (the network's is `network: 'host'`). */
  hostNamespaces?: ('pid' | 'ipc' | 'uts')[];
  /** /dev/shm is the one of this host pid's mount namespace (`--ipc container:`), not a new tmpfs. */
  shmFrom?: number;
  /** --ipc none: no /dev/shm at all. */
  noShm?: boolean;
  /** --init: PID 1 is a small init that forwards signals to the command, reaps and exits with the command's status. */
  init?: boolean;
  /** A pod's namespace holder: no command (`args` empty), no image needed (no layers = an
   * empty root); PID 1 is set up as usual, then only waits; SIGTERM ends it with 0. */
  hold?: boolean;
  /** Namespaced sysctls in dotted form (`net.ipv6.conf.all.disable_ipv6`), written by the
   * container's process inside its namespaces after the network is set up (OCI linux.sysctl). */
  sysctls?: Record<string, string>;
  /** The user's mounts, parents first (volumes are binds of their _data dir). Made by the
   * shim right after the overlay root, targets resolved inside the root. */
  mounts?: ContainerMount[];
  /** The container's own cgroups, shown read-only at /sys/fs/cgroup (none: nothing is mounted there). */
  cgroupView?: readonly CgroupViewEntry[];
  /** --read-only: the overlay root mounted read-only (not /dev, /proc, /sys, the etc files, the mounts). */
  readonlyRootfs?: boolean;
  /** Host paths bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  logPath: string;
  /** Rotation of the log (wire/log-config.ts): bytes per file (0 = unbounded) and files kept. */
  logLimit?: { maxSize: number; maxFiles: number };
  /** --log-driver none: no log is kept (attach clients still get the output). */
  logDiscard?: boolean;
  exitPath: string;
  /** Holds attach.sock, shim.pid, spec, rootfs/ and lower/ mount points. */
  runDir: string;
}

export interface StartedContainer { pid: number /* host pid of container PID 1 */; shimPid: number }

/** What the shim does for the engine between `pid` and `go` (its start handshake), with no process spawned. */
export interface ShimHandshake {
  /** A veth pair with its peer set up in the container's netns (shim/netlink.c). */
  veth: VethPlumber;
}

export interface ExitStatus {
  exitCode: number;
  signal?: number;
  finishedAt: string;
  /** e.g. `execfail 2` when the command could not be started (exit 126/127). */
  error?: string;
}

export type ExecSpec = ProcessSpec;

export interface ExecProcess {
  /** Host pid of the exec'd command. */
  pid: number;
  stdin: Writable;
  /** With tty, all output arrives here. */
  stdout: Readable;
  stderr: Readable;
  resize(rows: number, cols: number): void;
  /** Exit code of the command (128+signal on signal death). The output is complete when
   * stdout/stderr end, which may come after this resolves: read them to their end. */
  wait(): Promise<number>;
}

export interface OutputFrame { stream: 1 | 2; data: Buffer }
