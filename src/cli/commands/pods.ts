// pod create|ls|inspect|start|stop|rm (minidock's pod API, /minidock/pods).
import { invalidArgument } from '../../errors.js';
import { mappingsToBindings, parsePortSpecs } from '../../wire/ports.js';
import type { PodSummary } from '../../wire/pods.js';
import { connect } from '../connect.js';
import { humanDuration, table } from '../format.js';
import { forEach, inspectEach } from '../output.js';

function labelsOf(list: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of list ?? []) { const i = l.indexOf('='); labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1); }
  return labels;
}

export async function podCreate(opts: { name?: string; publish?: string[]; network?: string; hostname?: string; label?: string[]; share?: string }): Promise<number> {
  if (opts.share !== undefined && opts.share.trim() === '') throw invalidArgument('--share: empty (a pod always shares net)');
  const client = await connect();
  const out = await client.createPod({
    Name: opts.name, Labels: labelsOf(opts.label), Hostname: opts.hostname, Network: opts.network,
    PortBindings: mappingsToBindings(parsePortSpecs(opts.publish ?? [])),
    ...(opts.share !== undefined ? { Share: opts.share.split(',') } : {}),
  });
  process.stdout.write(`${out.Id}\n`);
  return 0;
}

/** The `pod ls` table (docker-like columns). Pure. */
export function podRows(list: PodSummary[], now: number, noTrunc = false): string[][] {
  return [
    ['POD ID', 'NAME', 'STATUS', 'CREATED', '# OF CONTAINERS'],
    ...list.map((p) => [
      noTrunc ? p.Id : p.Id.slice(0, 12), p.Name, p.Status,
      `${humanDuration(Math.max(0, now - Date.parse(p.Created)))} ago`, String(p.Containers),
    ]),
  ];
}

export async function podLs(opts: { quiet?: boolean; noTrunc?: boolean }): Promise<number> {
  const client = await connect();
  const list = await client.listPods();
  if (opts.quiet) {
    for (const p of list) process.stdout.write(`${opts.noTrunc ? p.Id : p.Id.slice(0, 12)}\n`);
    return 0;
  }
  process.stdout.write(table(podRows(list, Date.now(), opts.noTrunc)));
  return 0;
}

export async function podInspect(names: string[], opts: { format?: string }): Promise<number> {
  const client = await connect();
  return inspectEach(names, (n) => client.inspectPod(n), opts.format);
}

export async function podStart(names: string[]): Promise<number> {
  const client = await connect();
  return forEach(names, async (n) => { await client.startPod(n); process.stdout.write(`${n}\n`); });
}

export async function podStop(names: string[], opts: { time?: string }): Promise<number> {
  let t: number | undefined;
  if (opts.time !== undefined) {
    t = Number(opts.time);
    if (!Number.isInteger(t)) throw invalidArgument(`invalid argument "${opts.time}" for "-t, --time" flag: not an integer`);
  }
  const client = await connect();
  return forEach(names, async (n) => { await client.stopPod(n, t); process.stdout.write(`${n}\n`); });
}

export async function podRm(names: string[], opts: { force?: boolean }): Promise<number> {
  const client = await connect();
  return forEach(names, async (n) => { await client.removePod(n, !!opts.force); process.stdout.write(`${n}\n`); });
}
