// After an engine (re)start: records are settled against what really runs. A running record
// whose shim lives is watched again; one whose shim died is recorded as exited; a shim that
// lives for a record that is not running (the engine was killed between the shim's start and
// the record) is ended with its container: a container has one shim, known and owned, or none.
import type { EngineCore } from './core.js';
import type { ContainerRecord } from './record.js';
import { oomKilled, watchExit } from './exits.js';
import { cgroupOf, destroyCgroup } from './resources.js';
import { reclaimVolumes, releaseSteps } from './mounts.js';
import { removeContainer } from './remove.js';
import { startWithEngine } from './restarts.js';
import { startHealthcheck } from './health.js';
import { reconcilePods } from './pods.js';

export async function reconcile(core: EngineCore): Promise<void> {
  for (const w of await core.store.load()) core.log(w);
  await core.pods.load();
  const { runtime, network } = core.services;
  const alive = (r: ContainerRecord | undefined) => !!r && r.State.Status === 'running' && !!r.State.ShimPid && runtime.isAlive(r.State.ShimPid);
  for (const rec of core.store.all()) {
    if (rec.State.Status === 'running') continue;
    const orphan = runtime.liveShim(rec.Id);
    if (orphan === undefined) continue;
    core.log(`container ${rec.Id} is ${rec.State.Status} but its shim ${orphan} runs (start interrupted): ending it`);
    await core.teardownLogged(`end of the orphan shim of ${rec.Id}`, [() => runtime.killShim(orphan)]);
  }
  // The network drops endpoints of containers that are gone; ours are settled below.
  const out = await network.init((cid) => alive(core.store.maybe(cid)));
  for (const w of out?.warnings ?? []) core.log(`network: ${w}`);
  for (const rec of core.store.all()) {
    if (rec.State.Status === 'removing') {
      await core.teardownLogged(`removal of ${rec.Id} interrupted by an engine restart`, [
        () => network.releaseContainer(rec.Id),
        () => destroyCgroup(core, rec),
        () => core.store.delete(rec.Id),
      ]);
      continue;
    }
    if (rec.State.Status !== 'running') continue;
    if (alive(rec)) {
      // its cgroup handle again, with the recorded limits (update, stats, top, pause need it)
      await cgroupOf(core, rec);
      await reclaimVolumes(core, rec).catch((err) => core.log(`volumes of ${rec.Id}, running across the engine restart: ${(err as Error).message}`));
      watchExit(core, rec.Id);
      // its healthcheck goes on from the recorded state (dockerd's restore does the same)
      startHealthcheck(core, rec, { resume: true });
      continue;
    }
    const status = await runtime.readExit(core.etcPaths(rec.Id).exit).catch((err) => {
      core.log(`exit status of ${rec.Id}: ${(err as Error).message}`);
      return undefined;
    });
    const oom = await oomKilled(core, rec);
    await core.teardownLogged(`network, volume and cgroup release of ${rec.Id}, which died while the engine was down`, [
      () => network.releaseContainer(rec.Id),
      ...releaseSteps(core, rec),
      () => destroyCgroup(core, rec),
    ]);
    rec.State = {
      ...rec.State, Status: 'exited', Pid: 0, ShimPid: 0, OOMKilled: oom, Paused: false,
      ExitCode: oom ? 137 : status?.exitCode ?? 255,
      Error: status ? status.error ?? '' : 'container died while the engine was down',
      FinishedAt: status?.finishedAt ?? new Date().toISOString(),
    };
    await core.store.save(rec);
    if (rec.HostConfig.AutoRemove) await removeContainer(core, rec.Id, { force: true }).catch((err) => core.log(`--rm of ${rec.Id}: ${(err as Error).message}`));
  }
  await reconcilePods(core);
  await startWithEngine(core);
}
