// pause/unpause (the cgroup freezer), as dockerd: only a running container pauses; the
// record keeps Status 'running' with State.Paused (inspect shows Status "paused"); a signal
// for a paused container (kill, stop, rm -f) is followed by a thaw so it is delivered.
import { MinidockError } from '../errors.js';
import type { EngineCore } from './core.js';
import { notRunning, type ContainerRecord } from './record.js';
import { cgroupOf } from './resources.js';

export async function pauseContainer(core: EngineCore, ref: string): Promise<void> {
  const id = core.store.find(ref).Id;
  await core.lock(id).run(async () => {
    const rec = core.store.find(id);
    if (rec.State.Status !== 'running') throw notRunning(rec);
    if (rec.State.Paused) throw new MinidockError('Conflict', `Container ${rec.Id} is already paused`, { status: 409 });
    await (await cgroupOf(core, rec)).freeze();
    rec.State.Paused = true;
    await core.store.save(rec);
    core.emit(rec, 'pause');
  });
}

export async function unpauseContainer(core: EngineCore, ref: string): Promise<void> {
  const id = core.store.find(ref).Id;
  await core.lock(id).run(async () => {
    const rec = core.store.find(id);
    if (rec.State.Status !== 'running' || !rec.State.Paused) throw new MinidockError('Conflict', `Container ${rec.Id} is not paused`, { status: 409 });
    await (await cgroupOf(core, rec)).thaw();
    rec.State.Paused = false;
    await core.store.save(rec);
    core.emit(rec, 'unpause');
  });
}

/** After a signal was sent to a paused container: thaw it so the signal takes effect (docker does). */
export async function thawAfterSignal(core: EngineCore, rec: ContainerRecord): Promise<void> {
  const cur = core.store.maybe(rec.Id);
  if (!cur?.State.Paused || cur.State.Status !== 'running') return;
  await (await cgroupOf(core, cur)).thaw();
  cur.State.Paused = false;
  await core.store.save(cur);
  core.emit(cur, 'unpause');
}
