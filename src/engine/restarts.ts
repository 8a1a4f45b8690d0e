// Restart policies in motion: after an exit the policy (restart-policy.ts) decides, the
// container is marked restarting and started again after docker's back-off; `stop` and `kill`
// cancel it; the engine's own start brings back `always` and `unless-stopped` containers.
import type { EngineCore } from './core.js';
import { ZERO_TIME, type ContainerRecord } from './record.js';
import { nextBackoff, shouldRestart, startsWithEngine } from './restart-policy.js';

/** Called with the container's lock held, after its exit was recorded on `rec`. Returns whether a restart is scheduled. */
export function afterExit(core: EngineCore, rec: ContainerRecord): boolean {
  const policy = rec.HostConfig.RestartPolicy;
  const state = core.restarts.get(rec.Id) ?? { delayMs: 0 };
  core.restarts.set(rec.Id, state);
  const skip = state.skipNext;
  state.skipNext = false;
  if (!policy || skip || rec.HostConfig.AutoRemove) return false;
  if (!shouldRestart(policy, { exitCode: rec.State.ExitCode, restartCount: rec.RestartCount, manuallyStopped: !!rec.State.ManuallyStopped })) return false;
  const ranMs = Date.parse(rec.State.FinishedAt) - Date.parse(rec.State.StartedAt);
  state.delayMs = nextBackoff(state.delayMs, Number.isFinite(ranMs) ? ranMs : 0);
  rec.State.Restarting = true;
  state.timer = setTimeout(() => void restartNow(core, rec.Id), state.delayMs);
  state.timer.unref();
  return true;
}

async function restartNow(core: EngineCore, id: string): Promise<void> {
  const state = core.restarts.get(id);
  if (state) state.timer = undefined;
  const rec = core.store.maybe(id);
  if (!rec || !rec.State.Restarting) return;
  rec.RestartCount++;
  try {
    await core.startFn(id);
    core.emit(rec, 'restart');
  } catch (err) {
    // docker keeps trying with the back-off; a start that fails counts as an exit
    core.log(`restart of ${id} failed: ${(err as Error).message}`);
    await core.lock(id).run(async () => {
      const cur = core.store.maybe(id);
      if (!cur || cur.State.Status === 'running') return;
      cur.State.FinishedAt = new Date().toISOString();
      if (!afterExit(core, cur)) cur.State.Restarting = false;
      await core.store.save(cur);
    });
  }
}

/** stop/kill/rm: no restart follows (a pending one is cancelled). */
export function cancelRestart(core: EngineCore, rec: ContainerRecord): void {
  const state = core.restarts.get(rec.Id) ?? { delayMs: 0 };
  core.restarts.set(rec.Id, state);
  if (state.timer) clearTimeout(state.timer);
  state.timer = undefined;
  state.skipNext = rec.State.Status === 'running';
  rec.State.Restarting = false;
}

export function forgetRestarts(core: EngineCore, id: string): void {
  const state = core.restarts.get(id);
  if (state?.timer) clearTimeout(state.timer);
  core.restarts.delete(id);
}

/** The engine (or the host) came back: containers whose policy says so start again. */
export async function startWithEngine(core: EngineCore): Promise<void> {
  for (const rec of core.store.all()) {
    const policy = rec.HostConfig.RestartPolicy;
    if (!policy || rec.State.Status !== 'exited' || rec.State.StartedAt === ZERO_TIME) continue;
    if (!startsWithEngine(policy, !!rec.State.ManuallyStopped)) continue;
    rec.State.Restarting = false;
    try {
      await core.startFn(rec.Id);
    } catch (err) {
      core.log(`start of ${rec.Id} (restart policy ${policy.Name}) after the engine started: ${(err as Error).message}`);
    }
  }
}
