// kill, stop (signal, grace period, SIGKILL), restart and wait.
import { invalidArgument } from '../errors.js';
import type { EngineCore } from './core.js';
import { parseSignal } from './create.js';
import { notRunning } from './record.js';
import { cancelRestart } from './restarts.js';
import { thawAfterSignal } from './pause.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export interface WaitResult { StatusCode: number; Error?: { Message: string } }

export async function killContainer(core: EngineCore, ref: string, signal?: string): Promise<void> {
  const rec = core.store.find(ref);
  if (rec.State.Status !== 'running') throw notRunning(rec);
  const sig = parseSignal(signal, 'SIGKILL');
  cancelRestart(core, rec); // docker: a killed container is not restarted by its policy
  core.services.runtime.kill(rec.State.Pid, sig);
  core.emit(rec, 'kill', { signal: String(sig) });
  await thawAfterSignal(core, rec);
}

export async function stopContainer(core: EngineCore, ref: string, timeoutSec?: number): Promise<void> {
  const rec = core.store.find(ref);
  // docker: a stopped container stays stopped (unless-stopped remembers it across engine restarts)
  cancelRestart(core, rec);
  rec.State.ManuallyStopped = true;
  if (rec.State.Status !== 'running') { await core.store.save(rec); return; } // stopping a stopped container succeeds
  const t = timeoutSec ?? rec.Config.StopTimeout ?? 10;
  const done = core.exited(rec.Id);
  const stopSignal = parseSignal(rec.Config.StopSignal, 'SIGTERM');
  try {
    core.services.runtime.kill(rec.State.Pid, stopSignal);
    core.emit(rec, 'kill', { signal: String(stopSignal) }); // docker: stop reports its signals as kill events
  } catch { /* already gone: the exit watcher records it */ }
  await thawAfterSignal(core, rec);
  if (t >= 0) {
    const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), t * 1000).unref())]);
    if (timedOut && core.store.maybe(rec.Id)?.State.Status === 'running') {
      try {
        core.services.runtime.kill(rec.State.Pid, 9);
        core.emit(rec, 'kill', { signal: '9' });
      } catch { /* raced with exit */ }
    }
  }
  await done;
  core.emit(rec, 'stop');
}

export async function restartContainer(core: EngineCore, ref: string, start: (id: string) => Promise<void>, timeoutSec?: number): Promise<void> {
  const rec = core.store.find(ref);
  await stopContainer(core, rec.Id, timeoutSec);
  rec.RestartCount++;
  await start(rec.Id);
  core.emit(rec, 'restart');
}

export async function waitContainer(core: EngineCore, ref: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw invalidArgument(`invalid condition: ${condition}`);
  const rec = core.store.find(ref);
  const result = (code: number, err: string): WaitResult => (err ? { StatusCode: code, Error: { Message: err } } : { StatusCode: code });
  if (condition === 'not-running' && rec.State.Status !== 'running') return result(rec.State.ExitCode, '');
  const event = condition === 'removed' ? `removed:${rec.Id}` : `exit:${rec.Id}`;
  return new Promise<WaitResult>((resolve, reject) => {
    const onEvent = (code: number, err: string) => { signal?.removeEventListener('abort', onAbort); resolve(result(code, err)); };
    const onAbort = () => { core.signals.off(event, onEvent); reject(new Error('wait cancelled')); };
    core.signals.once(event, onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
