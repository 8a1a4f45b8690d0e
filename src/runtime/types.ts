// Contracts of the runtime module (see docs/ARCHITECTURE.md, runtime section).
import type { Readable, Writable } from 'node:stream';

export interface IdMapping { containerId: number; hostId: number; size: number }

/** The process to run: the part a container's PID 1 and an exec share. */
export interface ProcessSpec {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  tty: boolean;
}

export interface ContainerSpec extends ProcessSpec {
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
  /** Namespaced sysctls in dotted form (`net.ipv6.conf.all.disable_ipv6`), written by the
   * container's process inside its namespaces after the network is set up (OCI linux.sysctl). */
  sysctls?: Record<string, string>;
  /** Seccomp rules text (compileSeccomp in seccomp.ts) for the container's processes, its
   * execs included; null or absent = no filter (`--security-opt seccomp=unconfined`). */
  seccomp?: string | null;
  /** Host paths bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  logPath: string;
  exitPath: string;
  /** Holds attach.sock, shim.pid, spec, rootfs/ and lower/ mount points. */
  runDir: string;
}

export interface StartedContainer { pid: number /* host pid of container PID 1 */; shimPid: number }

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
