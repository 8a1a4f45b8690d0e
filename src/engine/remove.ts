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
    await core.store.save(cur);
    t.mark('save');
    try {
      await core.teardown(`removal of container ${cur.Id}`, [
        () => core.services.network.releaseContainer(cur.Id).finally(() => t.mark('network')),
        () => destroyCgroup(core, cur).finally(() => t.mark('cgroup')),
        () => core.store.delete(cur.Id).finally(() => t.mark('files')),
        // docker's `rm -v` (and --rm): the anonymous volumes, once the record no longer holds them
        ...(opts.volumes ? anonymousVolumeSteps(core, cur) : []),
      ]);
    } finally {
      core.forget(cur.Id);
      if (!core.store.maybe(cur.Id)) {
        core.emit(cur, 'destroy');
        core.signals.emit(`removed:${cur.Id}`, cur.State.ExitCode, cur.State.Error);
      }
      t.done();
    }
  });
}
