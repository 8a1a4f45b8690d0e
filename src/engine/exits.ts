// Exit watching: the runtime reports a container's end (also for containers found at
// reconcile); the record says exited, its network is released, waiters are told, and --rm
// removes it.
import { NetworkNotFound } from '../errors.js';
import type { EngineCore } from './core.js';
import type { ExitStatus } from './services.js';
import type { ContainerRecord } from './record.js';
import { removeContainer } from './remove.js';
import { afterExit } from './restarts.js';
import { releaseSteps } from './mounts.js';
import { cgroupOf, destroyCgroup } from './resources.js';
import { stopHealthcheck } from './health.js';
import { phases } from './phases.js';

export function watchExit(core: EngineCore, id: string): void {
  const done = core.services.runtime.waitExit(id).then(
    (status) => onExit(core, id, status),
    (err) => onExit(core, id, { exitCode: 255, finishedAt: new Date().toISOString(), error: `lost track of container: ${(err as Error).message}` }),
  );
  core.exitDone.set(id, done);
}

async function onExit(core: EngineCore, id: string, status: ExitStatus): Promise<void> {
  let autoRemove = false;
  let code = status.exitCode;
  const error = status.error ?? '';
  const t = phases(core, 'exit', id);
  await core.lock(id).run(async () => {
    stopHealthcheck(core, id);
    const rec = core.store.maybe(id);
    if (!rec || rec.State.Status !== 'running') return;
    const oom = await oomKilled(core, rec);
    t.mark('oom');
    const left = Object.values(rec.Endpoints ?? {});
    await core.teardownLogged(`network, mounts and cgroup release of ${id} after its exit`, [
      () => core.services.network.releaseContainer(id).finally(() => t.mark('network')),
      ...releaseSteps(core, rec),
      () => destroyCgroup(core, rec),
    ]);
    t.mark('cgroup');
    // docker: a container the OOM killer ended exited 137 (SIGKILL) with State.OOMKilled
    rec.State = {
      ...rec.State, Status: 'exited', Pid: 0, ShimPid: 0, ExitCode: oom ? 137 : status.exitCode, Error: error,
      FinishedAt: status.finishedAt || new Date().toISOString(), OOMKilled: oom, Paused: false,
    };
    autoRemove = rec.HostConfig.AutoRemove;
    const restarting = afterExit(core, rec);
    // --rm: remove() below saves the record ('removing') first; a crash before that leaves
    // 'running' with a dead pid on disk, which reconcile settles and removes the same way.
    if (!autoRemove) await core.store.save(rec);
    code = rec.State.ExitCode;
    if (oom) core.emit(rec, 'oom');
    core.emit(rec, 'die', { exitCode: String(code) });
    await emitNetworkEvents(core, rec.Id, 'disconnect', left);
    if (restarting) core.log(`container ${id} exited with ${code}: restarting in ${core.restarts.get(id)?.delayMs} ms (policy ${rec.HostConfig.RestartPolicy?.Name})`);
    t.mark('record');
  });
  t.done();
  core.exitDone.delete(id);
  core.signals.emit(`exit:${id}`, code, error);
  if (autoRemove) await removeContainer(core, id, { force: true, volumes: true }).catch((err) => core.log(`--rm of ${id}: ${(err as Error).message}`));
}

/** docker's network connect/disconnect events of a container's start and exit, one per network. */
export async function emitNetworkEvents(core: EngineCore, containerId: string, action: 'connect' | 'disconnect', endpoints: { networkId: string; networkName: string }[]): Promise<void> {
  for (const ep of endpoints) {
    // a network removed meanwhile has no driver to tell
    const driver = (await core.services.network.get(ep.networkId).catch((err: unknown) => {
      if (err instanceof NetworkNotFound) return undefined;
      throw err;
    }))?.driver ?? '';
    core.emitOther('network', action, ep.networkId, { container: containerId, name: ep.networkName, type: driver });
  }
}

/** Whether the kernel's OOM killer ended a process of the container (read before its cgroup goes). */
export async function oomKilled(core: EngineCore, rec: ContainerRecord): Promise<boolean> {
  try {
    return await (await cgroupOf(core, rec)).oomKilled();
  } catch (err) {
    core.log(`oom state of ${rec.Id}: ${(err as Error).message}`);
    return false;
  }
}
