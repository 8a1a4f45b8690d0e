// GET /containers/json `filters` as dockerd reads them (moby daemon/list.go): keys ANDed,
// values of one key ORed. A filter minidock does not know is refused by name, never ignored.
import { invalidArgument } from '../errors.js';
import type { ContainerRecord } from './record.js';

export type ContainerFilters = Record<string, string[]>;

const KEYS = ['id', 'name', 'label', 'status', 'exited', 'ancestor', 'network', 'before', 'since', 'health', 'volume', 'is-task'] as const;
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
/** dockerd's health filter values: a container without a healthcheck is `none`. */
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

/** `{"label":["a=b"]}` or the older map form `{"label":{"a=b":true}}`. */
export function parseFilters(raw: string | null | undefined, allowed: readonly string[]): Record<string, string[]> {
  if (!raw) return {};
  let json: unknown;
  try { json = JSON.parse(raw); } catch { throw invalidArgument(`invalid filter: ${raw}`); }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidArgument(`invalid filter: ${raw}`);
  const out: Record<string, string[]> = {};
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    if (!allowed.includes(key)) throw invalidArgument(`invalid filter '${key}'`);
    const values = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.keys(v).filter((k) => (v as Record<string, unknown>)[k]) : null;
    if (!values || values.some((x) => typeof x !== 'string')) throw invalidArgument(`invalid filter: ${raw}`);
    out[key] = values as string[];
  }
  return out;
}

export function parseContainerFilters(raw: string | null | undefined): ContainerFilters {
  const f = parseFilters(raw, KEYS);
  for (const s of f.status ?? []) if (!STATUSES.includes(s)) throw invalidArgument(`invalid filter 'status=${s}'`);
  for (const e of f.exited ?? []) if (!/^-?\d+$/.test(e)) throw invalidArgument(`invalid filter 'exited=${e}'`);
  for (const h of f.health ?? []) if (!HEALTH.includes(h)) throw invalidArgument(`Unrecognised filter value for health: ${h}`);
  for (const t of f['is-task'] ?? []) if (t !== 'true' && t !== 'false') throw invalidArgument(`invalid filter 'is-task=${t}'`);
  return f;
}

/** `key` or `key=value` against a label map. */
export function labelMatches(labels: Record<string, string>, wanted: string): boolean {
  const i = wanted.indexOf('=');
  return i < 0 ? wanted in labels : labels[wanted.slice(0, i)] === wanted.slice(i + 1);
}

function statusOf(r: ContainerRecord): string {
  return r.State.Restarting ? 'restarting' : r.State.Status;
}

/** Which records pass. `find` resolves before/since references; `imageIds` the ids an ancestor reference names. */
export function filterContainers(records: ContainerRecord[], f: ContainerFilters, find: (ref: string) => ContainerRecord, ancestorIds: (ref: string) => string[]): ContainerRecord[] {
  const before = f.before?.map((ref) => find(ref).Created);
  const since = f.since?.map((ref) => find(ref).Created);
  const ancestors = f.ancestor?.flatMap((a) => [a, ...ancestorIds(a)]);
  return records.filter((r) => {
    if (f.id && !f.id.some((v) => r.Id.startsWith(v))) return false;
    // dockerd matches names as a regexp on "/name"
    if (f.name && !f.name.some((v) => { try { return new RegExp(v).test(r.Name); } catch { throw invalidArgument(`invalid filter 'name=${v}'`); } })) return false;
    if (f.label && !f.label.every((l) => labelMatches(r.Config.Labels ?? {}, l))) return false;
    if (f.status && !f.status.includes(statusOf(r))) return false;
    if (f.exited && !(r.State.Status === 'exited' && f.exited.includes(String(r.State.ExitCode)))) return false;
    if (f.health && !f.health.includes(r.State.Health?.Status ?? 'none')) return false;
    if (ancestors && !ancestors.some((a) => a === r.Image || a === r.ImageRef || r.ImageRef === `${a}:latest`)) return false;
    if (f.network && !Object.keys(r.Networks).some((n) => f.network!.includes(n) || Object.values(r.Endpoints).some((e) => e.networkName === n && f.network!.some((x) => e.networkId.startsWith(x))))) return false;
    // dockerd: a mount's volume name, host source or container destination
    if (f.volume && !(r.Mounts ?? []).some((m) => f.volume!.some((v) => v === m.target || (m.type === 'volume' && v === m.name) || (m.type === 'bind' && v === m.source)))) return false;
    // no swarm here: no container is a task, so is-task=true keeps none and is-task=false keeps all
    if (f['is-task'] && !f['is-task'].includes('false')) return false;
    if (before && !before.every((c) => r.Created < c)) return false;
    if (since && !since.every((c) => r.Created > c)) return false;
    return true;
  });
}
