// `rm` (and --rm): a running container is killed first with force; then its network, run dir
// and record go. Every teardown step runs; failures come back to the caller together.
import type { EngineCore } from './core.js';
import { assertTransition } from './record.js';
import { exited } from './exits.js';
import { destroyCgroup } from './resources.js';
import { thawAfterSignal } from './pause.js';

export async function removeContainer(core: EngineCore, ref: string, opts: { force?: boolean } = {}): Promise<void> {
  const rec = core.store.find(ref);
  if (rec.State.Status === 'running') {
    if (!opts.force) assertTransition(rec, 'removing');
    const done = exited(core, rec.Id);
    try { core.services.runtime.kill(rec.State.Pid, 9); } catch { /* already gone */ }
    await thawAfterSignal(core, rec);
    await done;
  }
  await core.lock(rec.Id).run(async () => {
    const cur = core.store.maybe(rec.Id);
    if (!cur) return; // removed meanwhile (AutoRemove)
    assertTransition(cur, 'removing');
    cur.State.Status = 'removing';
    await core.store.save(cur);
    try {
      await core.teardown(`removal of container ${cur.Id}`, [
        () => core.services.network.releaseContainer(cur.Id),
        () => destroyCgroup(core, cur),
        () => core.store.delete(cur.Id),
      ]);
    } finally {
      core.forget(cur.Id);
      if (!core.store.maybe(cur.Id)) {
        core.emit(cur, 'destroy');
        core.signals.emit(`removed:${cur.Id}`, cur.State.ExitCode, cur.State.Error);
      }
    }
  });
}
