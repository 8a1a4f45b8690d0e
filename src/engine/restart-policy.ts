// Restart policies as dockerd's (moby restartmanager): which exits restart a container, and
// how long to wait first. The delay doubles from 100 ms on every restart of a container
// that ran for less than 10 s, is capped at one minute, and starts again at 100 ms once a
// run lasted 10 s or more.
import type { RestartPolicy } from '../wire/restart.js';

export type { RestartPolicy };

export const BACKOFF_INITIAL_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
export const BACKOFF_RESET_AFTER_MS = 10_000;

/** Whether an exit restarts the container (dockerd's ShouldRestart). */
export function shouldRestart(p: RestartPolicy, exit: { exitCode: number; restartCount: number; manuallyStopped: boolean }): boolean {
  if (exit.manuallyStopped) return false;
  switch (p.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exit.exitCode !== 0 && (p.MaximumRetryCount === 0 || exit.restartCount < p.MaximumRetryCount);
    default:
      return false;
  }
}

/** Whether the engine starts the container when it (or the host) comes back up. */
export function startsWithEngine(p: RestartPolicy, manuallyStopped: boolean): boolean {
  return p.Name === 'always' || (p.Name === 'unless-stopped' && !manuallyStopped);
}

/** The next delay, given the previous one and how long the container ran. */
export function nextBackoff(previousMs: number, ranMs: number): number {
  if (ranMs >= BACKOFF_RESET_AFTER_MS || previousMs <= 0) return BACKOFF_INITIAL_MS;
  return Math.min(previousMs * 2, BACKOFF_MAX_MS);
}
