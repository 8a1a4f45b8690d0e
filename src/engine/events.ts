// The engine's event stream (`docker events`, GET /events): what happened to containers,
// images, networks and volumes, in dockerd's JSON shape. A bounded ring keeps the recent past
// for `since`; subscribers get live events until their `until`. Filters as dockerd's
// (moby daemon/events/filter.go): keys are ANDed, values of one key ORed.
import { invalidArgument } from '../errors.js';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon';

export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;       // unix seconds
  timeNano: number;   // unix nanoseconds (a float64 in dockerd's JSON too)
  /** Deprecated fields dockerd still sends for container and image events (older clients read them). */
  status?: string;
  id?: string;
  from?: string;
}

export type EventFilters = Partial<Record<FilterKey, string[]>>;
const FILTER_KEYS = ['container', 'event', 'image', 'label', 'network', 'type', 'volume', 'daemon', 'scope'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
const TYPES: readonly string[] = ['container', 'image', 'network', 'volume', 'daemon', 'plugin', 'service', 'node', 'secret', 'config'];

/** The `filters` query parameter: `{"type":{"container":true}}` (map form) or `{"type":["container"]}`. */
export function parseEventFilters(raw: string | undefined): EventFilters {
  if (!raw) return {};
  let json: unknown;
  try { json = JSON.parse(raw); } catch { throw invalidArgument(`invalid filter: ${raw}`); }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidArgument(`invalid filter: ${raw}`);
  const out: EventFilters = {};
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw invalidArgument(`invalid filter '${key}'`);
    const values = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.keys(v).filter((k) => (v as Record<string, unknown>)[k]) : null;
    if (!values || values.some((x) => typeof x !== 'string')) throw invalidArgument(`invalid filter: ${raw}`);
    if (key === 'type') for (const t of values as string[]) if (!TYPES.includes(t)) throw invalidArgument(`invalid filter 'type=${t}'`);
    if (key === 'scope') for (const s of values as string[]) if (s !== 'local' && s !== 'swarm') throw invalidArgument(`invalid filter 'scope=${s}'`);
    out[key as FilterKey] = values as string[];
  }
  return out;
}

/** dockerd's FuzzyMatch: the value itself or a prefix of it. */
const fuzzy = (wanted: string[], ...values: (string | undefined)[]) =>
  wanted.some((w) => values.some((v) => v !== undefined && v !== '' && (v === w || v.startsWith(w))));

/** `nginx` matches `nginx:latest` and `nginx`; `nginx:1` only `nginx:1`. */
function imageMatches(wanted: string[], image: string | undefined): boolean {
  if (!image) return false;
  const bare = image.replace(/@.*$/, '');
  const noTag = bare.replace(/:[^:/]+$/, '');
  return wanted.some((w) => w === image || w === bare || w === noTag);
}

export function matches(ev: EngineEvent, f: EventFilters): boolean {
  const a = ev.Actor.Attributes;
  if (f.type && !f.type.includes(ev.Type)) return false;
  if (f.scope && !f.scope.includes(ev.scope)) return false;
  // dockerd also matches the action's text before ':' ("exec_start: sh" is event exec_start)
  if (f.event && !f.event.some((e) => ev.Action === e || ev.Action.split(':')[0] === e)) return false;
  if (f.label && !f.label.some((l) => {
    const i = l.indexOf('=');
    return i < 0 ? l in a : a[l.slice(0, i)] === l.slice(i + 1);
  })) return false;
  if (f.container && !(ev.Type === 'container' && fuzzy(f.container, ev.Actor.ID, a.name))) return false;
  if (f.image && !imageMatches(f.image, ev.Type === 'image' ? (a.name ?? ev.Actor.ID) : a.image)) {
    if (!(ev.Type === 'image' && fuzzy(f.image, ev.Actor.ID))) return false;
  }
  if (f.network && !(ev.Type === 'network' && fuzzy(f.network, ev.Actor.ID, a.name))) return false;
  if (f.volume && !(ev.Type === 'volume' && fuzzy(f.volume, ev.Actor.ID))) return false;
  if (f.daemon && !(ev.Type === 'daemon' && fuzzy(f.daemon, ev.Actor.ID, a.name))) return false;
  return true;
}

export interface EventQuery { since?: bigint; until?: bigint; filters?: EventFilters }

export class EventLog {
  private readonly ring: EngineEvent[] = [];
  private readonly subscribers = new Set<(ev: EngineEvent) => void>();

  /** `limit`: how many past events `since` can reach back to (dockerd keeps 256). */
  constructor(private readonly limit = 256, private readonly clockNs: () => bigint = () => process.hrtime.bigint() - HR_ORIGIN + EPOCH_NS) {}

  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const ns = this.clockNs();
    const ev: EngineEvent = {
      Type: type, Action: action, Actor: { ID: id, Attributes: { ...attributes } }, scope: 'local',
      time: Number(ns / 1_000_000_000n), timeNano: Number(ns),
    };
    if (type === 'container' || type === 'image') {
      ev.status = action;
      ev.id = id;
      if (type === 'container' && attributes.image) ev.from = attributes.image;
    }
    this.ring.push(ev);
    if (this.ring.length > this.limit) this.ring.shift();
    for (const s of this.subscribers) s(ev);
    return ev;
  }

  /** Past events in [since, until] that pass the filters, oldest first. */
  past(q: EventQuery = {}): EngineEvent[] {
    return this.ring.filter((ev) => inWindow(ev, q) && matches(ev, q.filters ?? {}));
  }

  /**
   * Past events from `since`, then live ones until `until` (or until the caller unsubscribes).
   * `onEnd` runs when `until` has passed. Returns the unsubscribe function.
   */
  subscribe(q: EventQuery, onEvent: (ev: EngineEvent) => void, onEnd: () => void = () => {}): () => void {
    if (q.since !== undefined) for (const ev of this.past(q)) onEvent(ev);
    const now = this.clockNs();
    if (q.until !== undefined && q.until <= now) { onEnd(); return () => {}; }
    const live = (ev: EngineEvent) => { if (inWindow(ev, q) && matches(ev, q.filters ?? {})) onEvent(ev); };
    this.subscribers.add(live);
    let timer: NodeJS.Timeout | undefined;
    const stop = () => { this.subscribers.delete(live); if (timer) clearTimeout(timer); };
    if (q.until !== undefined) {
      timer = setTimeout(() => { stop(); onEnd(); }, Number((q.until - now) / 1_000_000n) + 1);
      timer.unref();
    }
    return stop;
  }
}

const EPOCH_NS = BigInt(Date.now()) * 1_000_000n;
const HR_ORIGIN = process.hrtime.bigint();

function inWindow(ev: EngineEvent, q: EventQuery): boolean {
  const t = BigInt(ev.timeNano);
  return (q.since === undefined || t >= q.since) && (q.until === undefined || t <= q.until);
}
