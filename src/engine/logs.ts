// The engine's `logs`: a container's stdio.log read through the runtime's one reader
// (src/runtime/logs.ts owns the format and docker's tail/since/timestamps/follow rules);
// following ends once the container is no longer running.
import { readLogs, sinceToNs, type LogEntry } from '../runtime/logs.js';
import type { EngineCore } from './core.js';
import { MinidockError } from '../errors.js';
import { logPolicy } from '../wire/log-config.js';

export interface ContainerLogsOptions {
  follow?: boolean;
  /** Last N lines; undefined or negative = all. */
  tail?: number;
  timestamps?: boolean;
  /** docker's since: unix seconds, "seconds.nanos" allowed; undefined = from the start. */
  since?: string;
  /** Same form as since: later lines are left out. */
  until?: string;
  signal?: AbortSignal;
}

export function containerLogs(core: EngineCore, idOrName: string, opts: ContainerLogsOptions): { tty: boolean; entries: AsyncGenerator<LogEntry> } {
  const rec = core.store.find(idOrName);
  if (logPolicy(rec.HostConfig.LogConfig).driver === 'none') {
    throw new MinidockError('NotImplemented', 'configured logging driver does not support reading', { status: 501 });
  }
  if (opts.since !== undefined) sinceToNs(opts.since); // refused before any output is sent
  if (opts.until !== undefined) sinceToNs(opts.until);
  const entries = readLogs(core.etcPaths(rec.Id).log, {
    ...opts,
    stopped: () => core.store.maybe(rec.Id)?.State.Status !== 'running',
    pollMs: 100,
  });
  return { tty: !!rec.Config.Tty, entries };
}
