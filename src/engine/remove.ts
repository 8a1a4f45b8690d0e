// `rm` (and --rm): a running container is killed first with force; then its network, run dir
// and record go. Every teardown step runs; failures come back to the caller together.
import { conflict } from '../errors.js';
import type { EngineCore } from './core.js';
import { assertTransition } from './record.js';
import { forgetRestarts } from './restarts.js';
import { stopHealthcheck } from './health.js';
import { anonymousVolumeSteps } from './mounts.js';
import { destroyCgroup } from './resources.js';
import { thawAfterSignal } from './pause.js';
import { phases } from './phases.js';

export async function removeContainer(core: EngineCore, ref: string, opts: { force?: boolean; volumes?: boolean; pod?: boolean } = {}): Promise<void> {
  const rec = core.store.find(ref);
  const t = phases(core, 'remove', rec.Id);
  // a pod's holder goes with its pod (pods.ts passes `pod`)
  if (rec.Hold && !opts.pod) throw conflict(`container ${rec.Name.slice(1)} holds the namespaces of pod ${core.pods.maybe(rec.Pod ?? '')?.Name.slice(1) ?? rec.Pod}: remove the pod (pod rm)`);
  if (rec.State.Status === 'running') {
    if (!opts.force) assertTransition(rec, 'removing');
    const done = core.exited(rec.Id);
    try { core.services.runtime.kill(rec.State.Pid, 9); } catch { /* already gone */ }
    await thawAfterSignal(core, rec);
    await done;
  }
  await core.lock(rec.Id).run(async () => {
    const cur = core.store.maybe(rec.Id);
    if (!cur) return; // removed meanwhile (AutoRemove)
    assertTransition(cur, 'removing');
    forgetRestarts(core, cur.Id);
    stopHealthcheck(core, cur.Id);
    cur.State.Status = 'removing';
    cur.State.Restarting = false;
    t.mark('kill');
    // Without fsync: after a host crash an older record (or none) is found instead, and the
    // engine's start removes that one the same way (reconcile: 'removing', or --rm and dead).
    await core.store.save(cur, { sync: false });
    t.mark('save');
    let announced = false;
    let removeRetired: (() => Promise<void>) | undefined;
    // Waiters (`run --rm`'s CLI) are answered once the container is gone for every lookup, its
    // dirs are moved out of containers/ and run/containers/ and its anonymous volumes are
    // removed; deleting the moved dirs comes after that, off their critical path.
    const announce = () => {
      if (announced || core.store.maybe(cur.Id)) return;
      announced = true;
      core.emit(cur, 'destroy');
      core.signals.emit(`removed:${cur.Id}`, cur.State.ExitCode, cur.State.Error);
      t.mark('announce');
    };
    try {
      await core.teardown(`removal of container ${cur.Id}`, [
        () => core.services.network.releaseContainer(cur.Id).finally(() => t.mark('network')),
        () => destroyCgroup(core, cur).finally(() => t.mark('cgroup')),
        async () => { core.store.forget(cur.Id); removeRetired = await core.store.retireFiles(cur.Id); },
        // docker's `rm -v` (and --rm): the anonymous volumes, once the record no longer holds them
        ...(opts.volumes ? anonymousVolumeSteps(core, cur) : []),
        async () => announce(),
        // a failed move leaves the files where they are: removed in place then
        () => (removeRetired ? removeRetired() : core.store.removeFiles(cur.Id)).finally(() => t.mark('files')),
      ]);
    } finally {
      core.forget(cur.Id);
      announce();
      t.done();
    }
  });
}
