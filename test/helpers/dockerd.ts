// Starts Debian's dockerd for the parity suite and benchmarks when it is not already running,
// and stops it afterwards only if we started it (a developer's own dockerd is left alone).
// Flags: this host has hybrid cgroups (v1 controllers + a v2 "unified" mount); dockerd 20.10
// picks the cgroupfs driver on v1 by itself, we pin it so a systemd-booted host does not switch
// to the systemd driver (which needs a running systemd dbus).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { run, succeeds } from '../../src/util/exec.js';

export const DOCKER_SOCKET = '/run/docker.sock';
export const DOCKERD_LOG = '/tmp/minidock-parity-dockerd.log';

export function dockerdArgs(socket = DOCKER_SOCKET): string[] {
  return [
    '--data-root', '/var/lib/docker',
    '--exec-root', '/run/docker',
    '-H', `unix://${socket}`,
    '--exec-opt', 'native.cgroupdriver=cgroupfs',
    '--iptables=true',
  ];
}

export interface DockerdHandle {
  /** True when this process started dockerd (and so must stop it). */
  startedByUs: boolean;
  pid?: number;
  stop(): Promise<void>;
}

export async function dockerReady(): Promise<boolean> {
  return succeeds('docker', ['-H', `unix://${DOCKER_SOCKET}`, 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function ensureDockerd(timeoutMs = 60_000): Promise<DockerdHandle> {
  if (await dockerReady()) return { startedByUs: false, stop: async () => {} };
  // Detached with its own log: dockerd must outlive no one but us, and its output is only
  // needed when it fails to come up.
  const fd = openSync(DOCKERD_LOG, 'a');
  const child = spawn('dockerd', dockerdArgs(), { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null = null;
  child.on('exit', (code) => { exited = code ?? -1; });
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) break;
    if (await dockerReady()) {
      const pid = child.pid;
      return {
        startedByUs: true,
        pid,
        stop: async () => {
          if (pid === undefined) return;
          try { process.kill(pid, 'SIGTERM'); } catch { return; }
          // dockerd stops its containers (10 s grace) and containerd before exiting.
          for (let i = 0; i < 300; i++) {
            try { process.kill(pid, 0); } catch { return; }
            await sleep(100);
          }
          try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        },
      };
    }
    await sleep(500);
  }
  if (exited === null && child.pid !== undefined) {
    try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
  }
  const log = readFileSync(DOCKERD_LOG, 'utf8').split('\n').filter((l) => /level=(error|fatal)|failed/i.test(l)).slice(-5).join('\n');
  throw new Error(`dockerd did not become ready (exit ${exited ?? 'none'}), see ${DOCKERD_LOG}: ${log}`);
}

/** Images present for docker, so the suite can pull only what is missing. */
export async function dockerHasImage(ref: string): Promise<boolean> {
  const r = await run('docker', ['image', 'inspect', ref], { okExitCodes: [1] });
  return r.exitCode === 0;
}
