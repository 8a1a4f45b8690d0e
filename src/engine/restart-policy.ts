// Restart policies as dockerd's (moby restartmanager): which exits restart a container, and
// how long to wait first. The delay doubles from 100 ms on every restart of a container
// that ran for less than 10 s, is capped at one minute, and starts again at 100 ms once a
// run lasted 10 s or more.
import { invalidArgument } from '../errors.js';

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';
export interface RestartPolicy { Name: RestartPolicyName; MaximumRetryCount: number }

export const BACKOFF_INITIAL_MS = 100;
export const BACKOFF_MAX_MS = 60_000;
export const BACKOFF_RESET_AFTER_MS = 10_000;

/** `--restart` as the docker CLI reads it: `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartFlag(text: string): RestartPolicy {
  const [name = '', count, ...rest] = text.split(':');
  if (rest.length) throw invalidArgument(`invalid restart policy format: ${text}`);
  return checkRestartPolicy({ Name: (name || 'no') as RestartPolicyName, MaximumRetryCount: count === undefined ? 0 : parseCount(count, text) });
}

function parseCount(count: string, text: string): number {
  if (!/^-?\d+$/.test(count)) throw invalidArgument(`invalid restart policy format: maximum retry count must be an integer: ${text}`);
  return Number(count);
}

/** The API's HostConfig.RestartPolicy, validated with dockerd's messages ('' means no). */
export function checkRestartPolicy(p: { Name?: string; MaximumRetryCount?: number } | null | undefined): RestartPolicy {
  const name = p?.Name || 'no';
  const max = p?.MaximumRetryCount ?? 0;
  if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(name)) throw invalidArgument(`invalid restart policy '${name}'`);
  if (!Number.isInteger(max)) throw invalidArgument(`invalid restart policy: maximum retry count must be an integer`);
  if (max < 0) throw invalidArgument('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') throw invalidArgument(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { Name: name as RestartPolicyName, MaximumRetryCount: max };
}

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
