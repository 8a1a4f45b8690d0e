// `--restart` and the API's HostConfig.RestartPolicy: one codec, docker's grammar and messages.
import { invalidArgument } from '../errors.js';

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';
export interface RestartPolicy { Name: RestartPolicyName; MaximumRetryCount: number }

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

